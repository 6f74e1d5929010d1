"""The incidents' page forms. Each carries a client UUID (idempotent intake); the action
checks everything again and names the field."""

from django import forms
from django.utils.translation import gettext_lazy as _

from qianshao.incidents.models import Category, Entry, Grade, IncidentKind, Level
from qianshao.lib.forms import Form, uuid_field

WHEN = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class FiguresMixin(Form):
    dead = forms.IntegerField(label=_("死亡"), min_value=0, required=False)
    missing = forms.IntegerField(label=_("失踪"), min_value=0, required=False)
    injured = forms.IntegerField(label=_("受伤"), min_value=0, required=False)
    seriously_injured = forms.IntegerField(label=_("其中重伤"), min_value=0, required=False)
    trapped = forms.IntegerField(label=_("被困"), min_value=0, required=False)
    direct_loss = forms.DecimalField(
        label=_("直接经济损失（万元）"), min_value=0, decimal_places=2, required=False
    )

    FIGURES = ("dead", "missing", "injured", "seriously_injured", "trapped", "direct_loss")

    def figures(self) -> dict:
        """The figures filled in (those left blank are kept as they were)."""
        data = self.cleaned_data
        return {k: data[k] for k in self.FIGURES if data.get(k) is not None}


class IncidentForm(FiguresMixin, Form):
    client_uuid = uuid_field()
    title = forms.CharField(label=_("事件名称"), max_length=100)
    kind = forms.ChoiceField(label=_("事件类别"), choices=IncidentKind.choices)
    category = forms.ChoiceField(label=_("事件类型"), choices=Category.choices)
    cell = forms.CharField(label=_("事发网格"), max_length=64, help_text=_("网格编码"))
    place = forms.CharField(label=_("事发地点"), max_length=200, required=False)
    occurred_at = forms.DateTimeField(label=_("事发时间"), widget=WHEN)
    unit = forms.CharField(label=_("事发单位"), max_length=100, required=False)
    summary = forms.CharField(label=_("事件经过"), widget=forms.Textarea(attrs={"rows": 4}))
    measures = forms.CharField(
        label=_("已采取的措施"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    lon = forms.FloatField(label=_("经度"), required=False)
    lat = forms.FloatField(label=_("纬度"), required=False)
    origin = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)


class ReportForm(FiguresMixin, Form):
    client_uuid = uuid_field()
    text = forms.CharField(label=_("报告内容"), widget=forms.Textarea(attrs={"rows": 3}))


class EndForm(FiguresMixin, Form):
    client_uuid = uuid_field()
    text = forms.CharField(label=_("终报内容"), widget=forms.Textarea(attrs={"rows": 3}))
    decided_by = forms.CharField(label=_("决定人"), max_length=64)


class GradeForm(Form):
    client_uuid = uuid_field()
    grade = forms.ChoiceField(
        label=_("事件等级"), choices=[("", _("按标准分级"))] + Grade.choices, required=False
    )
    reason = forms.CharField(label=_("调整理由"), max_length=500, required=False)


class ResponseForm(Form):
    client_uuid = uuid_field()
    # Ⅳ first: a response starts low and rises
    level = forms.ChoiceField(label=_("响应级别"), choices=list(reversed(Level.choices)))
    decided_by = forms.CharField(label=_("决定人"), max_length=64)
    note = forms.CharField(label=_("说明"), max_length=500, required=False)


class CommanderForm(Form):
    client_uuid = uuid_field()
    person = forms.TypedChoiceField(
        label=_("现场指挥官"), coerce=int, empty_value=None, required=False
    )

    def __init__(self, *args, people=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.people = {p.pk: p for p in people}
        self.fields["person"].choices = [("", _("（不指定）"))] + [(p.pk, p.name) for p in people]


class LogForm(Form):
    client_uuid = uuid_field()
    kind = forms.ChoiceField(
        label=_("类型"),
        choices=[(k, v) for k, v in Entry.choices if k not in ("report", "dispatch", "correction")],
    )
    text = forms.CharField(
        label=_("内容"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    corrects = forms.IntegerField(label=_("更正第几条"), required=False, widget=forms.HiddenInput)


class DispatchForm(Form):
    client_uuid = uuid_field()
    team = forms.IntegerField(label=_("队伍"), widget=forms.HiddenInput)
    task = forms.CharField(label=_("任务"), max_length=500)


class NoteForm(Form):
    client_uuid = uuid_field()
    note = forms.CharField(label=_("说明"), max_length=500, required=False)


class SuppliesForm(Form):
    """Supplies sent from a storage point; the lines arrive as ``item-<n>`` and
    ``quantity-<n>`` (read by the view, checked by the action)."""

    client_uuid = uuid_field()
    point = forms.IntegerField(label=_("储备点"), widget=forms.HiddenInput)
    note = forms.CharField(label=_("说明"), max_length=200, required=False)


class EvacuateForm(Form):
    client_uuid = uuid_field()
    cell = forms.CharField(label=_("转出网格"), max_length=64, help_text=_("网格编码"))
    shelter = forms.TypedChoiceField(
        label=_("安置场所"), coerce=int, empty_value=None, required=False
    )
    people = forms.IntegerField(
        label=_("转移人数"), min_value=1, required=False, help_text=_("勾选清单住户时可不填")
    )
    households = forms.TypedMultipleChoiceField(
        label=_("转移清单住户"), coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )
    note = forms.CharField(label=_("说明"), max_length=200, required=False)

    def __init__(self, *args, shelters=(), households=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["shelter"].choices = [("", _("投亲靠友（不集中安置）"))] + [
            (s["id"], f"{s['name']}（{s['occupancy']}/{s['capacity']}）") for s in shelters
        ]
        self.fields["households"].choices = [
            (h["id"], _("%(head)s（%(n)s人）") % {"head": h["head"], "n": h["members"]})
            for h in households
        ]


class CloseForm(Form):
    client_uuid = uuid_field()
    review = forms.CharField(label=_("总结评估"), widget=forms.Textarea(attrs={"rows": 5}))


class FindingForm(Form):
    client_uuid = uuid_field()
    text = forms.CharField(label=_("问题与整改要求"), max_length=500)
    owner = forms.CharField(label=_("责任单位/人"), max_length=100)
    due_on = forms.DateField(
        label=_("整改期限"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )


class WarnForm(Form):
    """A warning to the cells the incident affects (the warnings area issues it)."""

    client_uuid = uuid_field()
    type = forms.TypedChoiceField(label=_("预警类型"), coerce=int)
    level = forms.ChoiceField(label=_("预警级别"))
    headline = forms.CharField(label=_("标题"), max_length=200)
    text = forms.CharField(
        label=_("预警内容"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, types=(), levels=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["type"].choices = list(types)
        self.fields["level"].choices = list(levels)
