from ninja import Schema
from pydantic import ConfigDict


class StrictSchema(Schema):
    """Input schemas refuse fields they do not know (422 naming the field)."""

    model_config = ConfigDict(extra="forbid")


class OutSchema(Schema):
    """Output schemas: a response carries exactly the declared fields, and says so.

    Not ``extra="forbid"``: django-ninja then validates the raw model instance before the
    ``resolve_*`` methods run, so every computed field fails and the endpoint answers 500.
    """

    model_config = ConfigDict(json_schema_extra={"additionalProperties": False})


class Error(Schema):
    detail: str
    field: str | None = None


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
