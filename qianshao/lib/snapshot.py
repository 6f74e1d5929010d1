from django.db import models


def snapshot(obj: models.Model, fields: list[str]) -> dict:
    """The named fields of ``obj`` as JSON-ready data, for audit before/after."""
    data = {}
    for name in fields:
        value = getattr(obj, name + "_id" if _is_fk(obj, name) else name)
        data[name] = value.isoformat() if hasattr(value, "isoformat") else value
    return data


def _is_fk(obj: models.Model, name: str) -> bool:
    field = obj._meta.get_field(name)
    return field.many_to_one or field.one_to_one
