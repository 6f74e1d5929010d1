"""The forms of the kit card page: issuing pieces of a line, and a piece's step. Each carries a
client UUID (idempotent intake); the action checks everything again and names the field."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qianshao.lib.forms import Form, uuid_field
from qianshao.resources.models import ItemCondition

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class IssueForm(Form):
    client_uuid = uuid_field()
    line = forms.TypedChoiceField(coerce=int, label=_("物品"))
    quantity = forms.IntegerField(label=_("数量"), initial=1)
    issued_on = forms.DateField(label=_("发放日期"), widget=DATE, initial=timezone.localdate)
    condition = forms.ChoiceField(
        choices=ItemCondition.choices, initial=ItemCondition.NEW, label=_("状况")
    )
    note = forms.CharField(max_length=200, required=False, label=_("备注"))
    point = forms.TypedChoiceField(
        coerce=int,
        empty_value=None,
        required=False,
        label=_("出库储备点"),
        help_text=_("从储备点库存发放（按先到期先出）；不选则只登记发放"),
    )
    field_order = ["point", "line", "quantity", "issued_on", "condition", "note"]

    def __init__(self, *args, lines, points=(), **kwargs):
        """``lines``: the card's standard's lines, offered by name; ``points``: the storage
        points whose stock the user may issue, offered by name."""
        super().__init__(*args, **kwargs)
        self.points = list(points)
        self.fields["line"].choices = [(line.pk, line.name) for line in lines]
        self.fields["point"].choices = [("", _("不从储备点出库"))] + [
            (p.pk, p.name) for p in points
        ]


class StepForm(Form):
    """报丢失, 报损坏, 收回 (the day it happened) or 更换 (the day and state of the new piece)."""

    client_uuid = uuid_field()
    on = forms.DateField(label=_("日期"), widget=DATE, required=False)
    condition = forms.ChoiceField(
        choices=ItemCondition.choices, initial=ItemCondition.NEW, required=False, label=_("状况")
    )
    note = forms.CharField(max_length=200, required=False, label=_("说明"))
