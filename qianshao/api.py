"""The JSON API at /api/v1/ (OpenAPI at /api/v1/openapi.json, docs at /api/v1/docs)."""

from django.db import OperationalError
from django.http import HttpRequest
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import HttpError
from ninja.security import HttpBearer, django_auth

from qianshao.accounts import tokens
from qianshao.accounts.api import router as auth_router
from qianshao.disasters.api import router as disasters_router
from qianshao.disasters.api import zero_router
from qianshao.grid.api import router as grid_router
from qianshao.hazards.api import router as hazards_router
from qianshao.incidents.api import router as incidents_router
from qianshao.intake.idempotent import IntakeConflict
from qianshao.lib.body import BoundedParser
from qianshao.lib.busy import api_busy
from qianshao.lib.errors import ActionError
from qianshao.lib.schemas import Error, ValidationErrors
from qianshao.notify.api import router as inbox_router
from qianshao.resources.api import router as resources_router
from qianshao.risks.api import router as risks_router
from qianshao.warnings.api import router as warnings_router
from qianshao.warnings.api_cap import router as cap_router


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str):
        found = tokens.token_for(token)
        if found is None:
            return None
        request.user, request.api_token = found.user, found
        return found.user


class QianshaoAPI(NinjaAPI):
    def get_openapi_schema(self, **kwargs):
        return document_framework_errors(super().get_openapi_schema(**kwargs))


def document_framework_errors(schema):
    """Document the answers django-ninja gives before an endpoint runs.

    401 when the operation needs authentication and has none, 403 when a write through the
    login session lacks its CSRF token, 400 (naming the field) for a body that is not JSON
    or nests too deep, a Content-Type that cannot be parsed or a NUL in a query parameter —
    any operation —, 422 (naming each field in ``loc``) for input that does not validate.
    """
    components = schema["components"].setdefault("schemas", {})
    components.setdefault("Error", Error.model_json_schema())
    issues = ValidationErrors.model_json_schema(ref_template="#/components/schemas/{model}")
    components.update(issues.pop("$defs", {}))
    components["ValidationErrors"] = issues

    def answer(name, description):
        content = {"application/json": {"schema": {"$ref": f"#/components/schemas/{name}"}}}
        return {"description": description, "content": content}

    for operations in schema["paths"].values():
        for method, operation in operations.items():
            responses = operation["responses"]
            security = operation.get("security") or []
            if security:
                responses.setdefault(401, answer("Error", "Unauthorized"))
            if method != "get" and any("SessionAuth" in s for s in security):
                responses.setdefault(403, answer("Error", "Forbidden"))
            responses.setdefault(400, answer("Error", "Bad Request"))  # lib.input_guard
            if "requestBody" in operation or operation.get("parameters"):
                responses.setdefault(422, answer("ValidationErrors", "Unprocessable Entity"))
    return schema


api = QianshaoAPI(
    title="前哨 Qianshao API",
    version="1",
    description="基层应急管理网格平台接口。认证：POST /api/v1/auth/token 获取令牌，"
    "之后以 `Authorization: Bearer <token>` 调用；浏览器中也可使用登录会话。",
    auth=[BearerToken(), django_auth],
    urls_namespace="api",
    parser=BoundedParser(),  # JSON bodies nested at most lib.body.MAX_DEPTH deep
)
api.add_router("/auth", auth_router)
api.add_router("/", grid_router)
api.add_router("/inbox", inbox_router)
api.add_router("/hazards", hazards_router)
api.add_router("/warnings", cap_router)
api.add_router("/warnings", warnings_router)
api.add_router("/zero-reports", zero_router)
api.add_router("/disasters", disasters_router)
api.add_router("/resources", resources_router)
api.add_router("/risks", risks_router)
api.add_router("/incidents", incidents_router)


@api.exception_handler(ActionError)
def action_error(request, exc: ActionError):
    return api.create_response(request, exc.as_dict(), status=exc.status)


@api.exception_handler(HttpError)
def http_error(request, exc: HttpError):
    """django-ninja's own 400 for a body it could not parse carries our reason as its cause:
    show that (it names the field); any other HttpError as django-ninja would."""
    if isinstance(exc.__cause__, ActionError):
        return action_error(request, exc.__cause__)
    return api.create_response(request, {"detail": str(exc)}, status=exc.status_code)


@api.exception_handler(MultiPartParserError)
def unreadable_form(request, exc: MultiPartParserError):
    """A multipart body that breaks off or contradicts its own headers."""
    detail = {"detail": _("无法解析 multipart/form-data 请求体"), "field": "body"}
    return api.create_response(request, detail, status=400)


@api.exception_handler(IntakeConflict)
def intake_conflict(request, exc: IntakeConflict):
    return api.create_response(
        request, {"detail": "client_uuid 已用于另一项提交", "field": "client_uuid"}, status=409
    )


# a busy database: 503 with Retry-After (django-ninja would answer 500 itself with debug on)
api.add_exception_handler(OperationalError, api_busy)
