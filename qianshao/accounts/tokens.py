from datetime import timedelta

from django.utils import timezone

from qianshao.accounts.models import ApiToken, hash_token
from qianshao.grid.scope import scope_of

TOUCH_EVERY = timedelta(minutes=5)


def token_for(raw: str) -> ApiToken | None:
    """The usable token ``raw`` of an active user who still holds a post (or administers
    the site), or None; notes when it was last used."""
    token = (
        ApiToken.objects.usable().select_related("user").filter(key_hash=hash_token(raw)).first()
    )
    if token is None or not token.user.is_active:
        return None
    scope = scope_of(token.user)  # kept on the user for the rest of the request
    if not scope.everything and not scope.paths:
        return None  # the last post has lapsed: the token stands for nothing now
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > TOUCH_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token


def user_for(raw: str):
    """The active user holding token ``raw``, or None."""
    token = token_for(raw)
    return token.user if token else None
