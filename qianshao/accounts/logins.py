"""Which account a typed login names: one rule for logging in, the lockout and new usernames.

A login is typed as a username or as the mobile number of the user's person, with whatever
spaces, full-width digits or ``+86`` a phone keyboard adds. Every spelling of one account
resolves to that account, so the lockout counts failures per account (and address), not
per spelling. A login shaped like a mobile number is that number's person's: a username may
take that shape only when it is the person's own number (``check_username``).
"""

import re
import unicodedata

from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _

from qianshao.lib.errors import ActionError

_SEPARATORS = re.compile(r"[\s\-()（）]+")
_MOBILE = re.compile(r"^(?:\+?86|0086)?(1\d{10})$")
# What the lockout counts an unknown login under: one counter per address for all of them.
UNKNOWN = "?"


def cleaned(login: str) -> str:
    """The login without surrounding blanks, in NFKC form (full-width digits become ASCII)."""
    return unicodedata.normalize("NFKC", login or "").strip()


def mobile_of(login: str) -> str | None:
    """The mobile number ``login`` spells (``" 131 1545 1973"``, ``"+8613115451973"``), or None."""
    match = _MOBILE.match(_SEPARATORS.sub("", cleaned(login)))
    return match.group(1) if match else None


def account_for(login: str):
    """The user ``login`` names, or None.

    A mobile-shaped login is the user of the person with that number (a person's number is
    unique); only when no person has it may it be a username. Anything else is a username,
    exactly as written apart from surrounding blanks.
    """
    users = get_user_model().objects
    phone = mobile_of(login)
    if phone is not None:
        return users.filter(person__phone=phone).first() or users.filter(username=phone).first()
    text = cleaned(login)
    return users.filter(username=text).first() if text else None


def lockout_key(request, credentials: dict | None) -> str:
    """The name django-axes counts a login attempt under (AXES_USERNAME_CALLABLE).

    The account's username for every spelling that resolves to it; ``UNKNOWN`` for a login
    that names no account, so unknown logins share one counter per address.
    """
    typed = (credentials or {}).get("username")
    if typed is None and request is not None:
        typed = getattr(request, "POST", {}).get("username")
    known = getattr(request, "_qianshao_lockout_keys", None)
    if known is None:
        known = {}
        if request is not None:
            request._qianshao_lockout_keys = known
    if typed not in known:
        user = account_for(typed or "")
        known[typed] = user.get_username() if user is not None else UNKNOWN
    return known[typed]


def check_username(username: str, *, person=None) -> str:
    """``username`` cleaned, or ActionError naming ``username``.

    A username may not look like a mobile number unless it is the number of ``person``, the
    one it is for: else it would shadow (or be shadowed by) that number's owner at login.
    """
    text = cleaned(username)
    if not text:
        raise ActionError(_("用户名不能为空"), "username")
    if text == UNKNOWN:
        raise ActionError(_("用户名不可用"), "username")
    phone = mobile_of(text)
    if phone is not None and (person is None or person.phone != phone or text != phone):
        raise ActionError(
            _("用户名不能是手机号（本人的手机号除外，且须写成 11 位数字）；登录时可直接用手机号"),
            "username",
        )
    return text
