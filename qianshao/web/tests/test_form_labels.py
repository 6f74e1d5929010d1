"""No form label ends in Django's ASCII colon: every form the pages show is colon-free
(``lib.forms.NoColon``), the login and password forms included."""

import importlib
import pkgutil
import re

import pytest
from django import forms

import qianshao
from qianshao.lib.forms import NoColon

COLON_LABEL = re.compile(r":\s*</label>")


def _project_forms() -> list[type]:
    for module in pkgutil.walk_packages(qianshao.__path__, "qianshao."):
        name = module.name
        if ".tests" in name or ".migrations" in name or name.endswith(("admin", "conftest")):
            continue
        if name.rsplit(".", 1)[-1].startswith(("forms", "views")):
            importlib.import_module(name)
    found, todo = [], [forms.Form]
    while todo:
        for sub in todo.pop().__subclasses__():
            todo.append(sub)
            if sub.__module__.startswith("qianshao.") and ".tests" not in sub.__module__:
                found.append(sub)
    return found


def test_every_form_of_the_pages_is_colon_free():
    found = _project_forms()
    assert len(found) > 20  # the forms of every area were read
    with_colon = [f"{f.__module__}.{f.__name__}" for f in found if not issubclass(f, NoColon)]
    assert with_colon == []


@pytest.mark.parametrize(
    "url", ["/login/", "/account/password/", "/warnings/new/", "/disasters/new/"]
)
def test_the_pages_show_no_colon_after_a_label(client, cast, url):
    if url != "/login/":
        client.force_login(cast.users["county"])
    page = client.get(url).content.decode()
    assert "</label>" in page and not COLON_LABEL.search(page)
