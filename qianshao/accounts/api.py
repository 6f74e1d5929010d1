from django.contrib.auth import authenticate, user_logged_in
from django.utils.translation import gettext as _
from ninja import Router
from ninja.responses import Status

from qianshao.accounts.actions import issue_token, revoke_token
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
