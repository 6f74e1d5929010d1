from datetime import datetime

from django.contrib.auth import authenticate, user_logged_in
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Router
from ninja.responses import Status

from qianshao.accounts.actions import issue_token, revoke_token
from qianshao.accounts.models import ApiToken
from qianshao.lib.schemas import Error, OutSchema, StrictSchema

router = Router(tags=["auth"])


class TokenIn(StrictSchema):
    username: str
    password: str
    name: str = ""


class TokenOut(OutSchema):
    token: str
    expires_at: str
    username: str


@router.post("/token", auth=None, response={200: TokenOut, 401: Error, 429: Error})
def create_token(request, payload: TokenIn):
    """Exchange a username (or phone) and password for a bearer token."""
    user = authenticate(request, username=payload.username, password=payload.password)
    if user is None:
        return Status(401, {"detail": _("用户名（或手机号）与密码不匹配。")})
    # A login like the page's: django-axes resets the failure count, last_login is set.
    user_logged_in.send(sender=user.__class__, request=request, user=user)
    raw, token = issue_token(user, name=payload.name)
    return {
        "token": raw,
        "expires_at": token.expires_at.isoformat(),
        "username": user.get_username(),
    }


@router.delete("/token", response={204: None, 400: Error, 401: Error})
def delete_token(request):
    """Revoke the bearer token this request carries (log the phone out)."""
    token = getattr(request, "api_token", None)
    if token is None:
        return Status(400, {"detail": _("请用要吊销的令牌调用本接口"), "field": "Authorization"})
    revoke_token(request.user, token)
    return Status(204, None)


class TokenInfo(OutSchema):
    id: int
    prefix: str
    name: str
    created_at: datetime
    expires_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None
    current: bool

    @staticmethod
    def resolve_current(token, context) -> bool:
        held = getattr(context["request"], "api_token", None)
        return held is not None and held.pk == token.pk


def own_tokens(user):
    """The user's tokens, newest first: the only ones they may list or revoke."""
    return ApiToken.objects.filter(user=user).order_by("-created_at", "-id")


@router.get("/tokens", response={200: list[TokenInfo]})
def list_tokens(request):
    """The caller's own API tokens (never the tokens themselves: their first characters)."""
    return list(own_tokens(request.user)[:200])


@router.delete("/tokens/{int:token_id}", response={204: None, 404: Error, 409: Error})
def delete_own_token(request, token_id: int):
    """Revoke one of the caller's own tokens (another's is a 404)."""
    token = own_tokens(request.user).filter(pk=token_id).first()
    if token is None:
        raise Http404(token_id)
    revoke_token(request.user, token)
    return Status(204, None)
