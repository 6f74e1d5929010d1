"""JSON request bodies as the API reads them: parsed, and refused (400 naming the field)
when they are not JSON or are nested deeper than any of our schemas goes."""

import json

from django.utils.translation import gettext as _
from ninja.parser import Parser

from qianshao.lib.errors import ActionError

MAX_DEPTH = 32  # our deepest schema nests three levels; anything past this is an attack


class BadBody(ActionError):
    """The body (or a JSON part of a form) cannot be read; ``field`` names it."""


class TooDeep(BadBody):
    """JSON nested deeper than MAX_DEPTH."""


def loads(raw: bytes | str, field: str = "body"):
    """``raw`` as JSON, nested at most MAX_DEPTH deep."""
    try:
        data = json.loads(raw)
    except RecursionError:
        raise _too_deep(field) from None
    except ValueError:  # not JSON, or bytes that are not UTF-8
        raise BadBody(_("不是有效的 JSON"), field) from None
    if _depth_over(data, MAX_DEPTH):
        raise _too_deep(field)
    return data


def _too_deep(field: str) -> TooDeep:
    return TooDeep(_("JSON 嵌套超过 %(n)s 层") % {"n": MAX_DEPTH}, field)


def _depth_over(data, limit: int) -> bool:
    """Whether lists and objects in ``data`` nest deeper than ``limit`` (no recursion)."""
    level = [data]
    for _depth in range(limit):
        level = [
            child
            for node in level
            if isinstance(node, dict | list)
            for child in (node.values() if isinstance(node, dict) else node)
        ]
        if not level:
            return False
    return any(isinstance(node, dict | list) for node in level)


class BoundedParser(Parser):
    """django-ninja's parser for every JSON body: through ``loads``. django-ninja answers
    any parse failure with a bare 400; the API's handler for that 400 shows ours (its
    cause) instead, naming the body."""

    def parse_body(self, request):
        return loads(request.body)
