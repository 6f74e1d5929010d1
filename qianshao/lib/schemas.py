"""The API's shared schema pieces: strict input, declared output, the error answers, and
the input types every endpoint uses (bounded dates, storable text, bounded pagination)."""

from datetime import date, datetime
from typing import Annotated

from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Schema
from pydantic import AfterValidator, ConfigDict, field_validator

from qianshao.lib.text import unstorable

# Dates people may mean: anything outside is a typing slip (and the far ends overflow when
# converted between time zones).
FIRST_YEAR, LAST_YEAR = 2000, 2100


def check_date_range(value: date) -> None:
    """ValueError (naming the years) for a date or time outside FIRST_YEAR..LAST_YEAR."""
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise ValueError(_("日期须在 %(a)s 年至 %(b)s 年之间") % {"a": FIRST_YEAR, "b": LAST_YEAR})


def _local_datetime(value: datetime) -> datetime:
    """Within the years above; without an offset, the platform's local time (as a phone
    would mean it)."""
    check_date_range(value)
    return timezone.make_aware(value) if timezone.is_naive(value) else value


def _bounded_date(value: date) -> date:
    check_date_range(value)
    return value


LocalDatetime = Annotated[datetime, AfterValidator(_local_datetime)]
LocalDate = Annotated[date, AfterValidator(_bounded_date)]
# A row's id in a body: what a BigAutoField holds. A larger number (or a negative one) is
# refused naming its field, before a ``pk__in`` lookup overflows the driver (a 500).
MAX_ID = 2**63 - 1
Id = Annotated[int, Field(ge=1, le=MAX_ID)]


def _storable(value):
    """Text that can be stored: no NUL (PostgreSQL refuses it), no lone surrogate (UTF-8
    cannot encode it); lists of text item by item. Nested schemas check their own fields."""
    if isinstance(value, str):
        if unstorable(value):
            raise ValueError(_("含有不能保存的字符（空字符或无效的 Unicode 字符）"))
    elif isinstance(value, list | tuple):
        for item in value:
            _storable(item)
    return value


class StrictSchema(Schema):
    """Input schemas refuse fields they do not know, and text that cannot be stored (422
    naming the field)."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="before")
    @classmethod
    def _only_storable_text(cls, value):
        return _storable(value)


# A photo in a JSON body (``lib.apibody.read_body`` decodes it). No docstring: it would
# become the schema's description; the title is the one the OpenAPI document has published.
class PhotoIn(StrictSchema):
    model_config = ConfigDict(title="HazardPhotoIn")

    name: str = Field("", max_length=100)
    data: str = Field(..., description="JPEG, PNG or WebP, base64 (a data: URL prefix is allowed)")


class OutSchema(Schema):
    """Output schemas: a response carries exactly the declared fields, and says so.

    Not ``extra="forbid"``: django-ninja then validates the raw model instance before the
    ``resolve_*`` methods run, so every computed field fails and the endpoint answers 500.
    """

    model_config = ConfigDict(json_schema_extra={"additionalProperties": False})


class FieldError(Schema):
    """One problem of a refused request, and the field it is about."""

    field: str | None = None
    detail: str


class Error(Schema):
    """A refusal: its (first) problem, and with several found at once, ``errors`` lists
    every one of them."""

    detail: str
    field: str | None = None
    errors: list[FieldError] | None = None


class ValidationIssue(Schema):
    """One problem pydantic found in the input; ``loc`` ends with the field's name."""

    model_config = ConfigDict(extra="allow")

    type: str
    loc: list[str | int]
    msg: str


class ValidationErrors(Schema):
    """The 422 answer: every problem with the input at once."""

    detail: list[ValidationIssue]


# An operation whose success is a JPEG (a photo), as its OpenAPI ``openapi_extra``.
JPEG_ANSWER = {
    "responses": {
        200: {
            "description": "the photo (JPEG)",
            "content": {"image/jpeg": {"schema": {"type": "string", "format": "binary"}}},
        }
    }
}
