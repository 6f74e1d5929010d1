"""The forms of the disaster pages. Each carries a client UUID (idempotent intake)."""

import uuid

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qianshao.disasters.actions import FIGURE_PARTS, figure_errors
from qianshao.disasters.models import INDICATORS, DisasterType, ReliefKind, ZeroKind
from qianshao.lib.forms import Form, PhotosField

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


def note_field(label, rows: int = 2) -> forms.CharField:
    textarea = forms.Textarea(attrs={"rows": rows})
    return forms.CharField(max_length=4000, required=False, widget=textarea, label=label)


class IntakeForm(Form):
    client_uuid = forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4)


class FiguresForm(IntakeForm):
    """The indicators of the basic disaster form, each ≥ 0 and consistent with one another
    (the action's check, ``figure_errors``, run here too so that every problem shows at once,
    each on its field)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, (label, places) in INDICATORS.items():
            if places:
                field = forms.DecimalField(label=label, min_value=0, decimal_places=2)
            else:
                field = forms.IntegerField(label=label, min_value=0)
            field.required, field.initial = False, 0
            field.widget.attrs.update({"inputmode": "decimal" if places else "numeric"})
            self.fields[name] = field

    def clean(self):
        """Every problem of the figures at once: those the action would find among the
        figures that are numbers, next to the fields that failed on their own."""
        cleaned = super().clean()
        given = {name: cleaned[name] or 0 for name in INDICATORS if name in cleaned}
        failed = set(INDICATORS) - set(given)
        whole_of = dict(FIGURE_PARTS)
        _found, errors = figure_errors(given)
        for error in errors:
            if error.field in given and whole_of.get(error.field) not in failed:
                self.add_error(error.field, error.message)
        return cleaned

    def figures(self) -> dict:
        return {name: self.cleaned_data.get(name) or 0 for name in INDICATORS}


class DisasterForm(FiguresForm):
    type = forms.ChoiceField(choices=DisasterType.choices, label=_("灾害类型"))
    started_at = forms.DateTimeField(
        label=_("发生时间"), widget=DATETIME, initial=lambda: timezone.localtime()
    )
    cell = forms.ModelChoiceField(queryset=None, label=_("所在网格"), empty_label=None)
    place = forms.CharField(max_length=200, required=False, label=_("地点"))
    note = note_field(_("情况说明"), rows=3)
    photos = PhotosField(label=_("现场照片"), capture=True)

    field_order = ["client_uuid", "type", "started_at", "cell", "place"]

    def __init__(self, *args, cells, listed: int, **kwargs):
        """``cells``: where the user may report; the first ``listed`` of them are offered
        (a county's whole grid would not fit a phone's list), any of them is accepted."""
        super().__init__(*args, **kwargs)
        field = self.fields["cell"]
        field.queryset = cells
        field.choices = [(c.pk, str(c)) for c in cells[:listed]]
        self.order_fields(self.field_order)


class FollowUpForm(FiguresForm):
    note = note_field(_("情况说明"), rows=2)
    photos = PhotosField(label=_("现场照片"), capture=True)


class VerifyForm(FiguresForm):
    note = note_field(_("核报意见"), rows=2)


class ZeroForm(IntakeForm):
    cell = forms.CharField(widget=forms.HiddenInput)
    kind = forms.ChoiceField(
        choices=ZeroKind.choices, initial=ZeroKind.NONE, widget=forms.HiddenInput
    )


class CorrectForm(IntakeForm):
    kind = forms.ChoiceField(choices=ZeroKind.choices, label=_("更正为"))
    disaster = forms.CharField(max_length=24, required=False, label=_("灾情报告编号"))
    reason = forms.CharField(max_length=500, label=_("更正原因"))


class ReliefForm(IntakeForm):
    kind = forms.ChoiceField(choices=ReliefKind.choices, label=_("救助类别"))
    households = forms.IntegerField(min_value=0, label=_("户数"))
    people = forms.IntegerField(min_value=0, label=_("人数"))
    amount = forms.DecimalField(min_value=0, decimal_places=2, label=_("申请金额（万元）"))
    note = forms.CharField(max_length=2000, required=False, label=_("说明"))


class DecisionForm(IntakeForm):
    approve = forms.TypedChoiceField(
        choices=[("1", _("批准")), ("0", _("不批准"))], coerce=lambda v: v == "1", label=_("审批")
    )
    note = forms.CharField(
        max_length=500,
        required=False,
        label=_("审批意见"),
        # the page shows this form on one line without labels: the fields say what they are
        widget=forms.TextInput(attrs={"placeholder": _("审批意见（不批准时必填）")}),
    )
