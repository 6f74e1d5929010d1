"""CAP 1.2 endpoints: each issued warning as a CAP message and an Atom feed of those in
force, both public; and importing a CAP document as a draft (warnings.importer).

A warning is exported once it has been issued — in force, updated, cancelled (the Cancel
message) or expired; relays included. Drafts and approved warnings are not public: 404.
"""

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http import Http404, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router
from ninja.errors import HttpError
from ninja.responses import Status as HttpStatus

from qianshao.lib.errors import NotAllowed, TooLarge
from qianshao.lib.schemas import Error, OutSchema
from qianshao.warnings import cap, feeds, importer
from qianshao.warnings.models import Status, Warning
from qianshao.warnings.permissions import NO_ISSUING_POST, lacks_issuing_post

router = Router(tags=["warnings"])
EXPORTED = [Status.ISSUED, Status.UPDATED, Status.CANCELLED, Status.EXPIRED]
FEED_LIMIT = 500
XML_BODY = {"type": "string", "description": "a CAP 1.2 XML document"}


class CapTargetOut(OutSchema):
    code: str
    name: str


class CapImportOut(OutSchema):
    id: int
    number: str
    status: str
    level: str
    headline: str
    source: str
    cap_identifier: str
    targets: list[CapTargetOut]

    @staticmethod
    def resolve_targets(w) -> list[dict]:
        return [
            {"code": t.cell.code, "name": t.cell.name}
            for t in w.targets.select_related("cell").order_by("cell_path")
        ]


def absolute(request, path: str) -> str:
    """``path`` as an absolute URL: under QIANSHAO_BASE_URL when set, else this host."""
    return f"{settings.BASE_URL}{path}" if settings.BASE_URL else request.build_absolute_uri(path)


def cap_path(w: Warning) -> str:
    return f"/api/v1/warnings/{w.pk}.cap.xml"


def _xml(content: bytes, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=f"{content_type}; charset=utf-8")
    response["Cache-Control"] = "public, max-age=60"
    return response


def _binary(media: str, description: str) -> dict:
    content = {media: {"schema": {"type": "string", "format": "binary"}}}
    return {"responses": {200: {"description": description, "content": content}}}


@router.get(
    "/feed.atom",
    auth=None,
    openapi_extra=_binary(feeds.ATOM_TYPE, "Atom 1.0: one entry per warning in force"),
)
def warnings_feed(request):
    """An Atom 1.0 feed of the warnings in force, each entry linking to its CAP message."""
    active = (
        Warning.objects.filter(status=Status.ISSUED, valid_until__gt=timezone.now())
        .select_related("type")
        .order_by("-issued_at", "-pk")[:FEED_LIMIT]
    )
    body = feeds.atom(
        list(active),
        self_url=absolute(request, "/api/v1/warnings/feed.atom"),
        link_for=lambda w: absolute(request, cap_path(w)),
    )
    return _xml(body, feeds.ATOM_TYPE)


@router.get(
    "/{int:warning_id}.cap.xml",
    auth=None,
    response={404: Error},
    openapi_extra=_binary(cap.CONTENT_TYPE, "the warning as a CAP 1.2 message"),
)
def warning_cap(request, warning_id: int):
    """A warning that has been issued, as CAP 1.2: Alert, Update, or Cancel once cancelled."""
    w = (
        Warning.objects.filter(pk=warning_id, status__in=EXPORTED, issued_at__isnull=False)
        .select_related("type", "parent", "replaces")
        .first()
    )
    if w is None:
        raise Http404(warning_id)
    return _xml(cap.to_xml(w), cap.CONTENT_TYPE)


@router.post(
    "/cap",
    response={201: CapImportOut, 200: CapImportOut, 400: Error, 403: Error, 409: Error, 413: Error},
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "properties": {"file": {"type": "string", "format": "binary"}},
                        "required": ["file"],
                    }
                },
                cap.CONTENT_TYPE: {"schema": XML_BODY},
                "application/xml": {"schema": XML_BODY},
            },
        }
    },
)
def import_cap(request):
    """Import a CAP 1.2 alert (a file named ``file``, or the XML as the body) as a draft for
    your cells: an Update revises the warning it names, a Cancel cancels it. The same
    message again answers 200 with the warning it made; a bad document 400 with the reason;
    cells outside your posts 403."""
    if lacks_issuing_post(request.user):
        raise NotAllowed(NO_ISSUING_POST)
    w = importer.import_alert(_document(request), actor=request.user)
    return HttpStatus(201 if w.imported else 200, w)


def _document(request) -> bytes:
    try:
        if request.content_type == "multipart/form-data":
            upload = request.FILES.get("file")
            if upload is None:
                raise cap.CapError(_("请上传 CAP 1.2 XML 文件（字段 file）"))
            if upload.size > settings.UPLOAD_MAX_BYTES:
                raise _too_big()
            return upload.read()
        return request.body
    except RequestDataTooBig:
        raise _too_big() from None
    except (MultiPartParserError, SuspiciousOperation):
        raise HttpError(400, "Cannot parse request body") from None


def _too_big() -> TooLarge:
    return TooLarge(
        _("文件超过 %(m)s MB") % {"m": settings.UPLOAD_MAX_BYTES // (1024 * 1024)}, "file"
    )
