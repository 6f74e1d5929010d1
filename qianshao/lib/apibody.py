"""An API body that may carry photos, read and documented: JSON (photos as base64) or
multipart/form-data (photos as files named ``photos``), validated by the same schema either
way, so a bad field is a 422 naming it; and the OpenAPI request body for both forms."""

import base64
import binascii
import json
from typing import TypeVar

import pydantic
from django.conf import settings
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext as _
from ninja.errors import HttpError, ValidationError

from qianshao.lib.body import loads
from qianshao.lib.errors import ActionError, TooLarge
from qianshao.lib.photos import MAX_PHOTOS
from qianshao.lib.schemas import PhotoIn, StrictSchema

S = TypeVar("S", bound=StrictSchema)


def read_body(request, schema: type[S]) -> tuple[S, list[tuple[str, bytes]]]:
    """The body validated by ``schema``, and its photos as (name, bytes) pairs.

    multipart/form-data: fields as form fields, photos as files named ``photos``.
    application/json: one object; photos as [{"name", "data" (base64)}].
    """
    if request.content_type == "multipart/form-data":
        data, photo_files = _read_form(request, takes_photos="photos" in schema.model_fields)
    else:
        data, photo_files = _read_json(request), None
    try:
        payload = schema.model_validate(data)
    except pydantic.ValidationError as exc:
        issues = json.loads(exc.json(include_url=False, include_input=False))
        loc = ["body", "payload"]
        raise ValidationError([{**i, "loc": [*loc, *i["loc"]]} for i in issues]) from None
    if photo_files is None:
        photo_files = [_decode(p, i) for i, p in enumerate(getattr(payload, "photos", []))]
    return payload, photo_files


def _read_json(request):
    try:
        raw = request.body
    except RequestDataTooBig:
        raise _too_big() from None
    return loads(raw) if raw else {}


def _read_form(request, *, takes_photos: bool) -> tuple[dict, list[tuple[str, bytes]]]:
    try:
        form, files = request.POST, request.FILES
    except RequestDataTooBig:
        raise _too_big() from None
    except (MultiPartParserError, SuspiciousOperation):
        raise HttpError(400, "Cannot parse request body") from None
    data = {key: form[key] for key in form if form[key] != ""}
    for key in files:
        if key != "photos" or not takes_photos:
            data[key] = "(file)"  # not a field of the schema: a 422 names it
    photo_files = []
    for upload in files.getlist("photos"):
        if upload.size > settings.UPLOAD_MAX_BYTES:
            raise ActionError(
                _("%(f)s 超过 %(m)s MB") % {"f": upload.name, "m": _max_mb()}, "photos"
            )
        photo_files.append((upload.name, upload.read()))
    return data, photo_files


def _decode(photo: PhotoIn, index: int) -> tuple[str, bytes]:
    text = photo.data.split(",", 1)[1] if photo.data.startswith("data:") else photo.data
    if len(text) * 3 // 4 > settings.UPLOAD_MAX_BYTES + 3:
        raise ActionError(
            _("%(f)s 超过 %(m)s MB") % {"f": photo.name or index + 1, "m": _max_mb()}, "photos"
        )
    try:
        return photo.name, base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise ActionError(
            _("第 %(n)s 张照片不是有效的 base64 数据") % {"n": index + 1}, "photos"
        ) from None


def _max_mb() -> int:
    return settings.UPLOAD_MAX_BYTES // (1024 * 1024)


def _too_big() -> TooLarge:
    return TooLarge(
        _("请求超过 %(m)s MB；照片较大时请用 multipart/form-data 上传")
        % {"m": settings.DATA_UPLOAD_MAX_MEMORY_SIZE // (1024 * 1024)},
        "photos",
    )


def inline_schema(model: type[pydantic.BaseModel]) -> dict:
    """``model``'s JSON schema with its nested models written in place (no $defs)."""
    schema = model.model_json_schema()
    defs = schema.pop("$defs", {})

    def walk(node):
        if isinstance(node, dict):
            ref = node.get("$ref", "")
            if ref.startswith("#/$defs/"):
                return walk(defs[ref.removeprefix("#/$defs/")])
            return {key: walk(value) for key, value in node.items()}
        if isinstance(node, list):
            return [walk(value) for value in node]
        return node

    return walk(schema)


def _as_form(schema: dict) -> dict:
    """The multipart twin of a JSON body schema: photos are files."""
    form = json.loads(json.dumps(schema))
    if "photos" in form.get("properties", {}):
        form["properties"]["photos"] = {
            "type": "array",
            "items": {"type": "string", "format": "binary"},
            "maxItems": MAX_PHOTOS,
        }
    return form


def body_doc(schema: dict) -> dict:
    """An operation's ``openapi_extra``: ``schema`` as a JSON body, and its multipart twin."""
    return {
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": schema},
                "multipart/form-data": {"schema": _as_form(schema)},
            },
        }
    }
