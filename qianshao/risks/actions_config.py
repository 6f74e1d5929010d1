"""The risks' settings changed in the admin (kinds, grading bands, patrol frequencies and
rule): each save one transaction with its audit record. A kind's code (the counters' keys)
and grading method (its points' inputs) stay as they are once it has points. Changed bands
have the points they now grade differently regraded (by the worker); a changed patrol rule,
frequency or kind has the sweep look at every point again from its due time."""

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.db.models import F
from django.forms.models import model_to_dict
from django.utils.translation import gettext as _

from qianshao.audit.chain import append as audit
from qianshao.lib.errors import ActionError
from qianshao.risks import tasks_points
from qianshao.risks.models import (
    Grading,
    PatrolFrequency,
    PatrolRule,
    RiskKind,
    RiskPoint,
    RiskStatus,
)


def _plain(obj) -> dict:
    return {k: str(v) for k, v in model_to_dict(obj).items()}


@transaction.atomic
def save_setting(actor, obj) -> None:
    """Save ``obj`` (a kind, the grading bands, a frequency, the patrol rule)."""
    before = None
    if obj.pk:
        old = type(obj).objects.select_for_update().filter(pk=obj.pk).first()
        if old is not None:
            before = _plain(old)
            if isinstance(obj, RiskKind) and RiskPoint.objects.filter(kind=obj).exists():
                if old.code != obj.code:
                    raise ActionError(_("已有风险点使用该类型，代码不能修改"), "code")
                if old.method != obj.method:
                    raise ActionError(_("已有风险点使用该类型，分级方法不能修改"), "method")
    try:
        obj.full_clean()
    except ValidationError as exc:
        field, messages = next(iter(exc.message_dict.items()))
        raise ActionError(messages[0], None if field == NON_FIELD_ERRORS else field) from None
    obj.save()
    if isinstance(obj, Grading) and before is not None and before != _plain(obj):
        # the points the new bands grade differently are regraded, by the worker
        tasks_points.start_regrade()
    if isinstance(obj, PatrolRule | PatrolFrequency | RiskKind):
        # the grace, escalation and intervals the sweep planned its next looks by may have
        # changed: every point is looked at again from its due time
        RiskPoint.objects.filter(status=RiskStatus.ACTIVE).update(watch_at=F("next_due_at"))
    audit(
        actor=actor,
        action=f"risks.setting.{type(obj)._meta.model_name}",
        obj=obj,
        before=before,
        after=_plain(obj),
    )
