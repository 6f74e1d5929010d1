"""Taking a page form's submission once: the one wrapper of idempotent intake that page
views use. It runs the action through ``submit`` with the form's client UUID and turns a
refusal — the action's ``ActionError``, or a UUID already spent on something else — into an
error on the form, next to the field it names (every one of them, when the action found
several)."""

from collections.abc import Callable
from typing import TypeVar

from django import forms
from django.utils.translation import gettext as _

from qianshao.intake.idempotent import IntakeConflict, submit
from qianshao.lib.errors import ActionError, Conflict

T = TypeVar("T")


def take(
    form: forms.Form, kind: str, user, action: Callable[[], T], *, on=None
) -> tuple[T | None, ActionError | None]:
    """``(result, None)``, or ``(None, refusal)`` with the refusal added to ``form``.

    ``kind`` and ``on`` are ``submit``'s; a resend of the same form returns the first
    result. The refusal's ``status`` is the page's answer (409 for a spent UUID).
    """
    try:
        result, _created = submit(form.cleaned_data["client_uuid"], kind, user, action, on=on)
    except IntakeConflict:
        refusal = Conflict(_("该表单已提交过，请刷新页面"))
    except ActionError as exc:
        refusal = exc
    else:
        return result, None
    for error in refusal.errors:  # each problem next to the field it names
        form.add_error(error.field if error.field in form.fields else None, error.message)
    return None, refusal
