from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import connection
from django.utils import timezone

from qianshao.accounts.models import ApiToken, hash_token
from qianshao.grid.scope import scope_of
from qianshao.lib.dbsql import Columns, read_joined

TOUCH_EVERY = timedelta(minutes=5)

_TOKEN, _USER = Columns(ApiToken, "t"), Columns(get_user_model(), "u")
_HOLDER = ApiToken._meta.get_field("user")


def token_for(raw: str) -> ApiToken | None:
    """The usable token ``raw`` of an active user who still holds a post (or administers
    the site), or None; notes when it was last used."""
    token = _usable(hash_token(raw))
    if token is None or not token.user.is_active:
        return None
    scope = scope_of(token.user)  # kept on the user for the rest of the request
    if not scope.everything and not scope.paths:
        return None  # the last post has lapsed: the token stands for nothing now
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > TOUCH_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token


def _usable(key_hash: str) -> ApiToken | None:
    """``ApiToken.objects.usable().select_related("user").filter(key_hash=…).first()`` as
    one hand-written statement: every request with a token makes it (docs/adr/0034)."""
    quote = connection.ops.quote_name
    sql = (
        f"SELECT {_TOKEN.sql(connection)}, {_USER.sql(connection)} "
        f"FROM {quote(ApiToken._meta.db_table)} t "
        f"JOIN {quote(get_user_model()._meta.db_table)} u ON u.id = t.user_id "
        "WHERE t.key_hash = %s AND t.revoked_at IS NULL AND t.expires_at > %s"
    )
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    for token, user in read_joined(connection, sql, [key_hash, now], [_TOKEN, _USER]):
        _HOLDER.set_cached_value(token, user)
        return token
    return None


def user_for(raw: str):
    """The active user holding token ``raw``, or None."""
    token = token_for(raw)
    return token.user if token else None
