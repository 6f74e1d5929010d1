"""The risks' ledger endpoints under /api/v1/risks/: the import of risk points (a census
file). The ledger itself is a page (``risks-ledger``), as the house's other .xlsx exports are."""

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from ninja.errors import HttpError
from ninja.responses import Status as HttpStatus

from qianshao.grid.access import cell_or_own
from qianshao.lib.errors import ActionError, TooLarge
from qianshao.lib.schemas import Error
from qianshao.lib.tabular import ImportFailed
from qianshao.risks import importers

router = Router(tags=["risks"])


class RiskImportRowError(Schema):
    """One problem of an imported file: its row (a GeoJSON feature's place in ``features``,
    from 1; 0 for the file as a whole), its column (or property) and what is wrong."""

    row: int
    column: str
    detail: str


class RiskImportErrors(Schema):
    """A refused import: nothing was written; every problem found is listed."""

    detail: str
    field: str = "file"
    errors: list[RiskImportRowError] = []


class RiskImportOut(Schema):
    created: int = Field(..., description="how many risk points were registered")
    ids: list[int]


FILE_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {"file": {"type": "string", "format": "binary"}},
                    "required": ["file"],
                }
            }
        },
    }
}


@router.post(
    "/points/import",
    response={201: RiskImportOut, 400: RiskImportErrors, 404: Error, 413: Error},
    openapi_extra=FILE_BODY,
)
def import_points(request, cell: str | None = None):
    """Import risk points (a township's census results) from a file named ``file``: .xlsx
    or .csv with a header row, or a GeoJSON FeatureCollection (``.geojson``), the columns
    those of the import template (``/risks/import/template.xlsx``). Every row must lie in
    ``cell``'s subtree (default: your own cell) and in a cell you manage. Any problem: 400
    listing each by row and column, and nothing written; else 201 with the points made."""
    anchor = cell_or_own(request.user, cell)
    upload = _upload(request)
    try:
        made = importers.import_points(request.user, upload, upload.name, within=anchor)
    except ImportFailed as exc:
        errors = [{"row": e.row, "column": e.column, "detail": e.reason} for e in exc.errors]
        detail = _("发现 %(n)s 处错误，未导入") % {"n": len(errors)}
        return HttpStatus(400, {"detail": detail, "field": "file", "errors": errors})
    return HttpStatus(201, {"created": len(made), "ids": [p.pk for p in made]})


def _upload(request):
    try:
        if request.content_type != "multipart/form-data":
            raise ActionError(_("请以 multipart/form-data 上传文件（字段 file）"), "file")
        upload = request.FILES.get("file")
    except RequestDataTooBig:
        raise _too_big() from None
    except (MultiPartParserError, SuspiciousOperation):
        raise HttpError(400, "Cannot parse request body") from None
    if upload is None:
        raise ActionError(_("请上传文件（字段 file）"), "file")
    if upload.size > min(importers.MAX_BYTES, settings.UPLOAD_MAX_BYTES):
        raise _too_big()
    return upload


def _too_big() -> TooLarge:
    return TooLarge(
        _("文件超过 %(m)s MB，请拆分后分批导入") % {"m": importers.MAX_BYTES // (1024 * 1024)},
        "file",
    )
