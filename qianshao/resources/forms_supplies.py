"""The forms of the supplies pages. Each carries a client UUID (idempotent intake); the
actions check everything again and their refusals land on the field they name."""

import uuid

from django import forms
from django.utils.translation import gettext_lazy as _

from qianshao.lib.forms import Form
from qianshao.resources.models import Item, PointKind, Source, WriteOffReason

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class IntakeForm(Form):
    client_uuid = forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4)


def item_field() -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        Item.objects.order_by("code"), to_field_name="code", label=_("物资")
    )


def quantity_field(label=None) -> forms.DecimalField:
    field = forms.DecimalField(
        label=label or _("数量"), min_value=0, decimal_places=3, max_digits=14
    )
    field.widget.attrs.update({"inputmode": "decimal"})
    return field


def unit_field() -> forms.CharField:
    return forms.CharField(
        label=_("计量单位"), max_length=8, required=False, help_text=_("须与目录一致，可不填")
    )


class ReceiveForm(IntakeForm):
    """入库"""

    item = item_field()
    quantity = quantity_field()
    unit = unit_field()
    expires = forms.DateField(label=_("有效期至"), required=False, widget=DATE)
    produced_on = forms.DateField(label=_("生产日期"), required=False, widget=DATE)
    source = forms.ChoiceField(
        label=_("来源"),
        choices=[c for c in Source.choices if c[0] != Source.REQUISITION],
    )
    unit_price = forms.DecimalField(
        label=_("单价（元）"), required=False, min_value=0, decimal_places=2, max_digits=12
    )
    lot = forms.CharField(label=_("批号"), max_length=40, required=False)
    origin = forms.CharField(label=_("供货/捐赠单位"), max_length=100, required=False)


class IssueForm(IntakeForm):
    """出库 (first expiring first, or a named batch for 轮换)"""

    item = item_field()
    quantity = quantity_field()
    unit = unit_field()
    purpose = forms.CharField(label=_("用途"), max_length=100, help_text=_("如：救灾发放、轮换"))
    batch = forms.IntegerField(
        label=_("指定批次"), required=False, help_text=_("批次编号；不填则先到期先出")
    )


class TransferForm(IntakeForm):
    """调拨"""

    destination = forms.ChoiceField(label=_("调入储备点"))
    item = item_field()
    quantity = quantity_field()
    unit = unit_field()
    note = forms.CharField(label=_("说明"), max_length=200, required=False)

    def __init__(self, *args, destinations=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["destination"].choices = [
            (p.pk, f"{p.name}（{p.cell.name}）") for p in destinations
        ]


class CountForm(IntakeForm):
    """盘点 of one batch"""

    batch = forms.IntegerField(label=_("批次"))
    counted = quantity_field(_("实盘数量"))
    reason = forms.CharField(label=_("差异原因"), max_length=200)


class WriteOffForm(IntakeForm):
    """报损"""

    batch = forms.IntegerField(label=_("批次"))
    quantity = quantity_field()
    reason = forms.ChoiceField(label=_("报损原因"), choices=WriteOffReason.choices)
    note = forms.CharField(label=_("说明"), max_length=150, required=False)


class MinimumForm(IntakeForm):
    """最低储备"""

    item = item_field()
    quantity = quantity_field(_("最低储备量"))


class StepForm(IntakeForm):
    """接收 / 撤回 of a transfer"""

    reason = forms.CharField(label=_("原因"), max_length=200, required=False)


class PointForm(IntakeForm):
    """新增储备点"""

    cell = forms.ChoiceField(label=_("所属网格"))
    name = forms.CharField(label=_("名称"), max_length=64)
    kind = forms.ChoiceField(
        label=_("级别"), choices=[("", _("按网格"))] + PointKind.choices, required=False
    )
    address = forms.CharField(label=_("地址"), max_length=200, required=False)
    lon = forms.FloatField(label=_("经度"), required=False)
    lat = forms.FloatField(label=_("纬度"), required=False)

    def __init__(self, *args, cells=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cell"].choices = [(c.code, f"{c.name}（{c.code}）") for c in cells]


class ImportForm(Form):
    """物资目录导入 / 期初库存导入: one table."""

    file = forms.FileField(label=_("文件（.xlsx 或 .csv）"))


REQUISITION_LINES = 5
LINE_HEADS = {
    "item": _("物资"),
    "quantity": _("数量"),
    "unit": _("计量单位"),
    "expires": _("有效期至"),
}


class RequisitionForm(IntakeForm):
    """征用登记: the owner, what was taken (up to ``REQUISITION_LINES`` items), its value and
    why. Each line's unit and expiry are checked here so a wrong one is shown on its line."""

    point = forms.ChoiceField(label=_("存入储备点"))
    owner = forms.CharField(label=_("被征用单位或个人"), max_length=100)
    owner_phone = forms.CharField(label=_("联系电话"), max_length=20, required=False)
    value = forms.DecimalField(label=_("估价（元）"), min_value=0, decimal_places=2, max_digits=14)
    note = forms.CharField(label=_("征用事由"), max_length=200)

    def __init__(self, *args, points=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["point"].choices = [(p.pk, f"{p.name}（{p.cell.name}）") for p in points]
        for i in range(1, REQUISITION_LINES + 1):
            self.fields[f"item_{i}"] = forms.ModelChoiceField(
                Item.objects.order_by("code"),
                to_field_name="code",
                label=_("物资 %(i)s") % {"i": i},
                required=i == 1,
            )
            self.fields[f"quantity_{i}"] = forms.DecimalField(
                label=_("数量"), required=False, min_value=0, decimal_places=3, max_digits=14
            )
            self.fields[f"unit_{i}"] = forms.CharField(
                label=_("计量单位"), max_length=8, required=False
            )
            self.fields[f"expires_{i}"] = forms.DateField(
                label=_("有效期至"), required=False, widget=DATE
            )
            # drawn in a table under column heads: each control named with its line
            for name in ("item", "quantity", "unit", "expires"):
                field = self.fields[f"{name}_{i}"]
                label = _("%(f)s（第 %(i)s 行）") % {"f": LINE_HEADS[name], "i": i}
                field.widget.attrs["aria-label"] = label

    def line_fields(self):
        """The line fields, grouped per line, for the template."""
        return [
            [self[f"{name}_{i}"] for name in ("item", "quantity", "unit", "expires")]
            for i in range(1, REQUISITION_LINES + 1)
        ]

    def clean(self):
        data = super().clean()
        lines = []
        for i in range(1, REQUISITION_LINES + 1):
            item, quantity = data.get(f"item_{i}"), data.get(f"quantity_{i}")
            unit, expires = data.get(f"unit_{i}") or "", data.get(f"expires_{i}")
            if item is None:
                if quantity is not None:
                    self.add_error(f"item_{i}", _("请选择物资"))
                continue
            if quantity is None or quantity <= 0:
                self.add_error(f"quantity_{i}", _("数量须大于零"))
            if unit and unit.strip() != item.unit:
                self.add_error(f"unit_{i}", _("计量单位须为 %(u)s") % {"u": item.unit})
            lines.append((item, quantity, unit or None, expires))
        data["lines"] = lines
        return data


class RequisitionStepForm(IntakeForm):
    """归还 / 补偿 of a requisition: 补偿 names the amount paid."""

    compensation = forms.DecimalField(
        label=_("补偿金额（元）"), required=False, min_value=0, decimal_places=2, max_digits=14
    )
    note = forms.CharField(label=_("说明"), max_length=200, required=False)


class AgreementForm(IntakeForm):
    """协议储备"""

    supplier = forms.CharField(label=_("协议单位"), max_length=100)
    contact = forms.CharField(label=_("联系电话"), max_length=20, required=False)
    item = item_field()
    quantity = quantity_field(_("可调用数量"))
    unit = unit_field()
    starts = forms.DateField(label=_("协议开始"), widget=DATE)
    ends = forms.DateField(label=_("协议截止"), widget=DATE)


class CapacityForm(IntakeForm):
    """产能储备"""

    enterprise = forms.CharField(label=_("生产企业"), max_length=100)
    contact = forms.CharField(label=_("联系电话"), max_length=20, required=False)
    item = item_field()
    per_day = quantity_field(_("日产能"))
    unit = unit_field()
