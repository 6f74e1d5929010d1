"""The risks' settings changed in the admin (kinds, grading bands, patrol frequencies and
rule): each save one transaction with its audit record. A kind's code (the counters' keys)
and grading method (its points' inputs) stay as they are once it has points."""

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.forms.models import model_to_dict
from django.utils.translation import gettext as _

from qianshao.audit.chain import append as audit
from qianshao.lib.errors import ActionError
from qianshao.risks.models import RiskKind, RiskPoint


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
    audit(
        actor=actor,
        action=f"risks.setting.{type(obj)._meta.model_name}",
        obj=obj,
        before=before,
        after=_plain(obj),
    )
