"""Request ids and the one log line per request (docs/adr/0031).

Each request gets an id: the incoming ``X-Request-ID`` when it is a sane token (nginx sends
its ``$request_id``), else a new random one. It is held in a context variable while the
request runs, sent back as ``X-Request-ID``, and put on every log record by
``RequestIdFilter`` (``request_id``; "-" outside a request), so that a request's error and
traceback carry it; the task queue (``notify.queue``) carries it into the jobs the request
enqueued. ``RequestLogMiddleware`` writes one line per request to the ``qianshao.request``
logger: method, path, status, milliseconds, client address, user id, size.

What the line leaves out: the values of the query string (searches hold names and phone
numbers; its keys are kept), and the rest of a path under one of
``settings.REQUEST_LOG_SECRET_PREFIXES`` (the one-tap answer links carry a signed token in
their path).
"""

import logging
import re
import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from urllib.parse import parse_qsl, quote

from django.conf import settings
from django.utils.functional import SimpleLazyObject, empty
from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter as _JsonFormatter

log = logging.getLogger("qianshao.request")

HEADER = "X-Request-ID"
NONE = "-"  # a record written outside any request or job
SANE = re.compile(r"[A-Za-z0-9-]{8,64}")
HIDDEN = "***"
MAX_KEYS = 20  # of a query string, in the line

_current: ContextVar[str | None] = ContextVar("qianshao_request_id", default=None)


def current() -> str | None:
    """The id of the request or job running in this context, if any."""
    return _current.get()


def new_id() -> str:
    """A random id: 16 hex digits, short enough to read out over the phone."""
    return secrets.token_hex(8)


def accepted(incoming: str | None) -> str:
    """The incoming id when it is a sane token (8–64 of A–Z, a–z, 0–9, '-'), else a new one."""
    if incoming and SANE.fullmatch(incoming):
        return incoming
    return new_id()


@contextmanager
def bound(request_id: str) -> Iterator[str]:
    """Run the block under ``request_id`` (a request, or a job of the worker)."""
    token = _current.set(request_id)
    try:
        yield request_id
    finally:
        _current.reset(token)


class RequestIdFilter(logging.Filter):
    """Puts ``request_id`` on every record (on a handler, it sees the records of every
    logger that reaches it). A record that carries its request (``django.request``'s) gets
    that request's path hidden as the request line hides it."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = _current.get() or NONE
        request = getattr(record, "request", None)
        if request is not None and isinstance(record.args, tuple):
            record.args = _hide_path_in(record.args, getattr(request, "path", None))
        return True


def _hide_path_in(args: tuple, path: str | None) -> tuple:
    if not path:
        return args
    hidden = hide_secret(path)
    if hidden == path:
        return args
    # Django writes the path as it is or escaped (``unicode_escape``) into its messages
    spellings = {path, path.encode("unicode_escape").decode("ascii")}
    return tuple(hidden if a in spellings else a for a in args)


def hide_secret(path: str) -> str:
    """``path``, with what follows a secret prefix (a one-tap link's token) hidden."""
    for prefix in getattr(settings, "REQUEST_LOG_SECRET_PREFIXES", ()):
        if path.startswith(prefix) and len(path) > len(prefix):
            return prefix + HIDDEN
    return path


def logged_path(request) -> str:
    """The path as the request line shows it: percent-encoded (one field, no line breaks),
    its secret part hidden, the query string's keys without their values."""
    path = quote(hide_secret(request.path), safe="/:@!$&'()*+,;=-._~")
    # from the raw query string: ``request.GET`` raises again for one it refused (too many
    # fields), and the refusal's line must still be written
    query = request.META.get("QUERY_STRING", "")
    keys = list(dict.fromkeys(k for k, _ in parse_qsl(query, keep_blank_values=True)))
    if keys:
        shown = "&".join(quote(k, safe="") + "=" for k in keys[:MAX_KEYS])
        path += "?" + shown + ("&…" if len(keys) > MAX_KEYS else "")
    return path


def _user_id(request) -> int | None:
    """The user's id when the request has already read who it is (pages, the API's token),
    None otherwise: the line never costs a session read of its own (a busy database would
    hold the answer back)."""
    user = request.__dict__.get("user")
    if isinstance(user, SimpleLazyObject):
        user = None if user._wrapped is empty else user._wrapped
    return getattr(user, "pk", None)


def _size(response) -> int | None:
    """The body's length in bytes; None for a stream without a Content-Length."""
    if response.has_header("Content-Length"):
        length = response["Content-Length"]
        return int(length) if length.isdigit() else None
    if getattr(response, "streaming", False):
        return None
    return len(response.content)


class RequestLogMiddleware:
    """The request id and the request's line. First in ``MIDDLEWARE`` (after only the proxy
    headers' rewrite, so that the client's address is the real one): every other
    middleware, the view, an error's 500 page and Django's error log run under the id."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = accepted(request.headers.get(HEADER))
        request.request_id = request_id
        started = time.monotonic()
        with bound(request_id):
            response = self.get_response(request)
            response[HEADER] = request_id
            self.write_line(request, response, started)
        return response

    @staticmethod
    def write_line(request, response, started: float) -> None:
        fields = {
            "method": request.method,
            "path": logged_path(request),
            "status": response.status_code,
            "duration_ms": round((time.monotonic() - started) * 1000),
            "client": request.META.get("REMOTE_ADDR") or NONE,
            "user": _user_id(request),
            "size": _size(response),
        }
        shown = {k: NONE if v is None else v for k, v in fields.items()}
        log.info(
            "%(method)s %(path)s %(status)s %(duration_ms)sms client=%(client)s "
            "user=%(user)s size=%(size)s",
            shown,
            extra=fields,
        )


class JsonFormatter(_JsonFormatter):
    """One JSON object a line (``QIANSHAO_LOG_FORMAT=json``): ``time`` (ISO 8601, UTC),
    ``level``, ``logger``, ``message``, ``request_id``, ``exception`` (the traceback) when
    there is one, and a record's own fields (the request line's method, path, status …).
    The request object Django attaches to its error records is left out: its text holds the
    unhidden path, and the line has the request's id."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("fmt", "%(levelname)s %(name)s %(message)s %(request_id)s")
        kwargs.setdefault(
            "rename_fields", {"levelname": "level", "name": "logger", "exc_info": "exception"}
        )
        kwargs.setdefault("timestamp", "time")
        kwargs.setdefault("json_ensure_ascii", False)
        kwargs.setdefault("reserved_attrs", [*RESERVED_ATTRS, "request"])
        super().__init__(*args, **kwargs)

    def process_log_record(self, log_data):
        # the time first, for a person reading the lines too
        return {"time": log_data.pop("time"), **log_data}
