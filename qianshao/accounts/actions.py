"""Account actions: API tokens and logins for people of the grid."""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from qianshao.accounts.logins import check_username
from qianshao.accounts.models import ApiToken, hash_token
from qianshao.audit.chain import append as audit
from qianshao.grid.models import Person
from qianshao.grid.permissions import may_give_login
from qianshao.lib.errors import ActionError, Conflict, NotAllowed


def issue_token(user, *, name: str = "") -> tuple[str, ApiToken]:
    """Issue an API token to ``user``; the raw token is returned once and never stored.

    Side effects: one audit record.
    """
    raw = ApiToken.new_raw()
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user,
            key_hash=hash_token(raw),
            prefix=raw[3:11],
            name=name[:64],
            expires_at=timezone.now() + timedelta(days=settings.API_TOKEN_TTL_DAYS),
        )
        audit(
            actor=user,
            action="accounts.issue_token",
            obj=token,
            label=f"{user.get_username()} {token.prefix}",
            after={"prefix": token.prefix, "expires_at": token.expires_at.isoformat()},
        )
    return raw, token


def create_login(actor, person: Person, *, username: str, password: str):
    """Give ``person`` a login. Side effects: one audit record, an in-app welcome."""
    cells = [a.cell for a in person.assignments.select_related("cell")]
    if not may_give_login(actor, cells):
        raise NotAllowed(_("您无权为该人员开通账号"), "person")
    username = check_username(username, person=person)
    try:
        validate_password(password)
    except ValidationError as exc:
        raise ActionError("；".join(exc.messages), "password") from exc
    model = get_user_model()
    with transaction.atomic():
        person = Person.objects.select_for_update().get(pk=person.pk)
        if person.user_id:
            raise Conflict(_("该人员已有账号"), "person")
        if model.objects.filter(username__iexact=username).exists():  # no "COUNTY" for county
            raise Conflict(_("用户名 %(u)s 已被使用") % {"u": username}, "username")
        user = model.objects.create_user(username=username, password=password)
        person.user = user
        person.save(update_fields=["user"])
        audit(
            actor=actor,
            action="accounts.create_login",
            obj=person,
            cell_path=cells[0].path if cells else "",
            after={"username": username},
        )
    return user


def revoke_token(actor, token: ApiToken) -> ApiToken:
    """Revoke ``token`` at once (its holder or an administrator may).

    Side effects: one audit record.
    """
    if actor is not None and actor.pk != token.user_id and not actor.is_superuser:
        raise NotAllowed(_("您无权吊销该令牌"), "token")
    with transaction.atomic():
        token = ApiToken.objects.select_for_update().get(pk=token.pk)
        if token.revoked_at is not None:
            raise Conflict(_("该令牌已吊销"), "token")
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit(
            actor=actor,
            action="accounts.revoke_token",
            obj=token,
            label=f"{token.user.get_username()} {token.prefix}",
            after={"prefix": token.prefix, "revoked_at": token.revoked_at.isoformat()},
        )
    return token


def revoke_all_tokens(actor, user, *, reason: str) -> int:
    """Revoke every usable token of ``user`` at once (the password changed, the login was
    switched off, the last post ended); returns how many.

    Side effects: one audit record when any was revoked.
    """
    with transaction.atomic():
        tokens = ApiToken.objects.usable().select_for_update().filter(user=user)
        prefixes = list(tokens.values_list("prefix", flat=True))
        if not prefixes:
            return 0
        now = timezone.now()
        ApiToken.objects.filter(user=user, prefix__in=prefixes, revoked_at__isnull=True).update(
            revoked_at=now
        )
        audit(
            actor=actor,
            action="accounts.revoke_all_tokens",
            obj=user,
            label=user.get_username(),
            after={"prefixes": prefixes, "revoked_at": now.isoformat()},
            note=reason,
        )
    return len(prefixes)
