"""Every schema of the API has its own name: the OpenAPI document files a schema under its
class name, so two schemas of one name (a kit's ``ItemOut`` and the catalogue's) would leave
one of them described by the other's fields."""

from collections import defaultdict

from ninja import Schema

from qianshao.api import api  # noqa: F401  (imports every router and its schemas)


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def test_no_two_schemas_of_the_api_share_a_name():
    by_name = defaultdict(set)
    for schema in _subclasses(Schema):
        if schema.__module__.startswith("qianshao."):
            by_name[schema.__name__].add(schema.__module__)
    shared = {name: sorted(modules) for name, modules in by_name.items() if len(modules) > 1}
    assert shared == {}
