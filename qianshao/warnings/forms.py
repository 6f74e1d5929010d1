"""The forms of the warning pages. Each carries a client UUID (idempotent intake), so a
resent form takes its step once."""

import uuid
from datetime import timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qianshao.grid.models import Cell
from qianshao.lib.forms import Form
from qianshao.warnings.models import Answer, Level, WarningType

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class IntakeForm(Form):
    client_uuid = forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4)


class CellsField(forms.ModelMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, cell: Cell) -> str:
        return f"{'　' * getattr(cell, 'depth', 0)}{cell.name}"


class WarningForm(IntakeForm):
    type = forms.ModelChoiceField(
        WarningType.objects.filter(active=True), label=_("预警类型"), empty_label=None
    )
    level = forms.ChoiceField(choices=Level.choices, label=_("级别"), initial=Level.YELLOW)
    headline = forms.CharField(max_length=200, label=_("标题"))
    text = forms.CharField(
        max_length=4000, widget=forms.Textarea(attrs={"rows": 4}), label=_("预警内容")
    )
    instruction = forms.CharField(
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        label=_("防御指引"),
    )
    targets = CellsField(Cell.objects.none(), label=_("预警范围"))
    valid_from = forms.DateTimeField(label=_("生效时间"), widget=DATETIME, required=False)
    valid_until = forms.DateTimeField(label=_("失效时间"), widget=DATETIME)
    sender_name = forms.CharField(max_length=100, required=False, label=_("发布单位"))

    def __init__(self, *args, cells: list[Cell], **kwargs):
        super().__init__(*args, **kwargs)
        _offer(self.fields["targets"], cells)
        self.fields["valid_until"].initial = (timezone.localtime() + timedelta(hours=24)).replace(
            second=0, microsecond=0
        )


def _offer(field: CellsField, cells: list[Cell]) -> None:
    """Offer ``cells`` (in path order), indented by their depth below the first."""
    top = min((c.path.count(".") for c in cells), default=0)
    for cell in cells:
        cell.depth = cell.path.count(".") - top
    field.queryset = Cell.objects.filter(pk__in=[c.pk for c in cells])
    field.choices = [(c.pk, field.label_from_instance(c)) for c in cells]


class NoteForm(IntakeForm):
    note = forms.CharField(max_length=1000, required=False, label=_("意见"))


class ReasonForm(IntakeForm):
    reason = forms.CharField(max_length=500, label=_("解除原因"))


class SubmitForm(IntakeForm):
    issue_on_approval = forms.BooleanField(required=False, label=_("审核通过后立即发布"))


class ReturnForm(IntakeForm):
    reason = forms.CharField(max_length=500, label=_("退回原因"))


class RelayForm(IntakeForm):
    targets = CellsField(Cell.objects.none(), label=_("转发范围"))
    instruction = forms.CharField(
        max_length=4000, widget=forms.Textarea(attrs={"rows": 3}), label=_("补充要求")
    )

    def __init__(self, *args, cells: list[Cell], **kwargs):
        super().__init__(*args, **kwargs)
        _offer(self.fields["targets"], cells)


class AnswerForm(IntakeForm):
    answer = forms.ChoiceField(choices=Answer.choices, widget=forms.HiddenInput)
    note = forms.CharField(max_length=500, required=False, label=_("处置情况"))
    evacuated = forms.IntegerField(
        min_value=0, max_value=1_000_000, required=False, label=_("转移人数")
    )
