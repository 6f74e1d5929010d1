"""A busy database answers 503 with Retry-After, never 500.

SQLite waits ``busy_timeout`` for its write lock and then raises "database is locked";
PostgreSQL raises on a lock timeout, a serialization failure or a deadlock. Each is an
``OperationalError`` that says "try again", not a bug: the request's transaction has
already been rolled back by the ``atomic`` block it left, and the client is told to come
back (JSON ``{"detail": …}`` under /api/, a short page elsewhere). The middleware catches
it from views; ``server_error`` (the site's ``handler500``) catches it anywhere else, and
``api_busy`` is the API's handler (django-ninja answers exceptions itself).
"""

import logging

from django.db import OperationalError, connections
from django.http import HttpResponse, HttpResponseServerError, JsonResponse
from django.template import TemplateDoesNotExist, loader
from django.utils.html import escape
from django.utils.translation import gettext as _
from django.views.defaults import server_error as django_server_error

from qianshao.lib import requestlog

log = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 5
SQLITE_BUSY = ("database is locked", "database table is locked", "database is busy")
# lock_not_available, serialization_failure, deadlock_detected
POSTGRES_BUSY = {"55P03", "40001", "40P01"}
# standalone: the site's templates read the database (the inbox count), which is busy
PAGE = (
    '<!doctype html><html lang="zh-hans"><head><meta charset="utf-8">'
    '<meta name="viewport" content="width=device-width, initial-scale=1">'
    "<title>{title}</title></head><body><h1>{title}</h1><p>{message}</p></body></html>"
)


def is_busy(exc: BaseException) -> bool:
    """Is ``exc`` the database saying it is busy (as opposed to broken)?"""
    if not isinstance(exc, OperationalError):
        return False
    cause = exc.__cause__
    code = getattr(cause, "sqlstate", None) or getattr(cause, "pgcode", None)
    if code:
        return code in POSTGRES_BUSY
    return str(exc).lower().startswith(SQLITE_BUSY)


def busy_response(request) -> HttpResponse:
    message = _("系统繁忙，请稍后重试。")
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": message}, status=503)
    else:
        response = HttpResponse(PAGE.format(title=escape(_("系统繁忙")), message=escape(message)))
        response.status_code = 503
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def _roll_back() -> None:
    """Leave no connection inside a transaction that failed (autocommit off by hand)."""
    for connection in connections.all(initialized_only=True):
        if not connection.in_atomic_block and not connection.get_autocommit():
            connection.rollback()


class BusyDatabaseMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not is_busy(exception):
            return None
        log.warning("busy database on %s %s: %s", request.method, request.path, exception)
        _roll_back()
        return busy_response(request)


def server_error(request):
    """``handler500``: 503 for a busy database raised outside a view, else the 500 page,
    which shows the request's id for the user to quote (lib/requestlog.py). The page reads
    nothing else: whatever failed may be the database."""
    import sys

    exc = sys.exc_info()[1]
    if exc is not None and is_busy(exc):
        _roll_back()
        return busy_response(request)
    try:
        template = loader.get_template("500.html")
    except TemplateDoesNotExist:
        return django_server_error(request)
    return HttpResponseServerError(template.render({"request_id": requestlog.current()}))


def api_busy(request, exc: OperationalError):
    """The API's handler for ``OperationalError``: 503 when busy, else as Django would."""
    if not is_busy(exc):
        raise exc
    _roll_back()
    return busy_response(request)
