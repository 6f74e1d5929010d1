"""Refuse, before any view runs, input no view could read: a body whose Content-Type cannot
be parsed (multipart without a valid boundary, an unknown charset), and query parameters or
form fields holding characters no database can keep (NUL, lone surrogates). A 400 naming
what was wrong — JSON under /api/, the 400 page elsewhere — never a 500 from deep inside.
A refusal (``ActionError``) a page view does not catch itself is answered the same way.
"""

import codecs
import io

from django.core.exceptions import SuspiciousOperation
from django.http import JsonResponse
from django.http.multipartparser import MultiPartParser, MultiPartParserError
from django.shortcuts import render
from django.utils.http import parse_header_parameters
from django.utils.translation import gettext as _

from qianshao.lib.errors import ActionError
from qianshao.lib.text import unstorable


class InputGuardMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            check_content_type(request)
            check_fields(request.GET)
            if request.content_type == "application/x-www-form-urlencoded":
                check_fields(_form(request))
        except ActionError as error:
            return refusal(request, error)
        return self.get_response(request)

    def process_exception(self, request, exception):
        """A page that lets a refusal through (a list's bad ``cursor``, say) still answers
        its 4xx naming the field, not a 500."""
        if isinstance(exception, ActionError):
            return refusal(request, exception)
        return None


def check_content_type(request) -> None:
    """A multipart body must name a boundary Django can split on; a charset must exist."""
    content_type = request.META.get("CONTENT_TYPE", "")
    kind, params = parse_header_parameters(content_type)
    charset = params.get("charset")
    if charset:
        try:
            codecs.lookup(charset)
        except LookupError:
            raise _bad_type(_("未知的字符集 %(c)s") % {"c": charset}) from None
    if kind == "multipart/form-data":
        try:
            MultiPartParser(request.META, io.BytesIO(b""), [], "utf-8")
        except MultiPartParserError:
            raise _bad_type(_("multipart/form-data 缺少有效的 boundary")) from None


def _bad_type(message: str) -> ActionError:
    return ActionError(message, "Content-Type")


def _form(request):
    """The urlencoded form, or nothing when it cannot be read (the view then answers)."""
    try:
        return request.POST
    except (SuspiciousOperation, OSError):
        return {}


def check_fields(data) -> None:
    """Every name and value of a query string or form, storable."""
    for name in data:
        values = data.getlist(name) if hasattr(data, "getlist") else [data[name]]
        if unstorable(name) or any(unstorable(v) for v in values if isinstance(v, str)):
            raise ActionError(_("含有不能保存的字符（空字符或无效的 Unicode 字符）"), _label(name))


def _label(name: str) -> str:
    return "".join("?" if unstorable(c) else c for c in name)


def refusal(request, error: ActionError):
    if request.path_info.startswith("/api/"):
        return JsonResponse(error.as_dict(), status=error.status)
    return render(request, "400.html", {"error": error}, status=error.status)
