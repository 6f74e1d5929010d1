"""Forms of the hazard pages: the report, the list filters and one form per step.

Forms check the shape of the input (numbers, dates, choices offered to the user); the
actions check everything else (deadlines, scope, who may take the step) and name the field.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from qianshao.grid.models import Domain
from qianshao.hazards.models import Grade, Source, Status, Step
from qianshao.lib.forms import Form, PhotosField, uuid_field


def note_field(label=None, required=False):
    return forms.CharField(
        label=label or _("处理意见"),
        required=required,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


# --- reporting --------------------------------------------------------------------------


class ReportForm(Form):
    """隐患报告单 on the phone."""

    title = forms.CharField(label=_("标题"), max_length=100)
    description = forms.CharField(
        label=_("隐患描述"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )
    category = forms.ModelChoiceField(
        label=_("类别"), queryset=Domain.objects.filter(active=True), to_field_name="code"
    )
    grade = forms.ChoiceField(label=_("等级"), choices=Grade.choices, initial=Grade.GENERAL)
    cell = forms.ChoiceField(label=_("所在网格"), required=False)
    address = forms.CharField(label=_("位置描述"), max_length=200, required=False)
    lon = forms.FloatField(widget=forms.HiddenInput, required=False)
    lat = forms.FloatField(widget=forms.HiddenInput, required=False)
    found_at = forms.DateTimeField(
        label=_("发现时间"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    stopped_on_spot = forms.BooleanField(label=_("已当场劝阻/消除"), required=False)
    photos = PhotosField(label=_("现场照片"), capture=True)
    client_uuid = uuid_field()

    def __init__(self, *args, cells=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.cells = {c.code: c for c in cells}
        self.fields["cell"].choices = [("", _("按当前位置自动确定"))] + [
            (c.code, c.name) for c in cells
        ]
        self.fields["cell"].error_messages["invalid_choice"] = _("该网格不在您的辖区内")

    def clean_cell(self):
        code = self.cleaned_data.get("cell")
        return self.cells.get(code) if code else None


# --- the list ---------------------------------------------------------------------------

OPEN_CHOICE = "open"


class FilterForm(Form):
    status = forms.ChoiceField(
        label=_("状态"),
        required=False,
        choices=[("", _("全部状态")), (OPEN_CHOICE, _("未销号"))] + Status.choices,
    )
    grade = forms.ChoiceField(
        label=_("等级"), required=False, choices=[("", _("全部等级"))] + Grade.choices
    )
    category = forms.ModelChoiceField(
        label=_("类别"),
        required=False,
        queryset=Domain.objects.all(),
        to_field_name="code",
        empty_label=_("全部类别"),
    )
    cell = forms.CharField(label=_("网格编码"), required=False, max_length=20)
    overdue = forms.ChoiceField(
        label=_("超时"),
        required=False,
        choices=[("", _("不限")), ("1", _("已超时")), ("0", _("未超时"))],
    )
    source = forms.ChoiceField(
        label=_("来源"), required=False, choices=[("", _("全部来源"))] + Source.choices
    )


# --- the steps --------------------------------------------------------------------------


class StepForm(Form):
    client_uuid = uuid_field()

    def __init__(self, *args, hazard=None, choices=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.hazard = hazard


class NoteForm(StepForm):
    note = note_field()


class ReasonForm(StepForm):
    reason = note_field(_("原因"), required=True)


class ResubmitForm(StepForm):
    """重新上报: everything the report had, filled with what it has now; a blank text or
    an unchosen place leaves it as it is, photos are added to the first ones."""

    title = forms.CharField(label=_("标题"), max_length=100, required=False)
    description = forms.CharField(
        label=_("补充后的隐患描述"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    category = forms.ModelChoiceField(
        label=_("类别"),
        queryset=Domain.objects.filter(active=True),
        to_field_name="code",
        required=False,
    )
    grade = forms.ChoiceField(label=_("等级"), choices=Grade.choices, required=False)
    cell = forms.ChoiceField(label=_("所在网格"), required=False)
    address = forms.CharField(label=_("位置描述"), max_length=200, required=False)
    lon = forms.FloatField(widget=forms.HiddenInput, required=False, min_value=-180, max_value=180)
    lat = forms.FloatField(widget=forms.HiddenInput, required=False, min_value=-90, max_value=90)
    photos = PhotosField(label=_("补充现场照片"), capture=True)
    note = note_field(_("说明"))

    def __init__(self, *args, choices=None, **kwargs):
        super().__init__(*args, **kwargs)
        cells = choices.report_cells() if choices else []
        self.cells = {c.code: c for c in cells}
        self.fields["cell"].choices = [("", _("不变"))] + [(c.code, c.name) for c in cells]
        self.fields["cell"].error_messages["invalid_choice"] = _("该网格不在您的辖区内")
        h = self.hazard
        if h is not None:
            self.initial.update(
                title=h.title,
                description=h.description,
                category=h.category.code,
                grade=h.grade,
                cell=h.cell.code if h.cell.code in self.cells else "",
                address=h.address,
            )

    def clean_cell(self):
        code = self.cleaned_data.get("cell")
        return self.cells.get(code) if code else None


class MergeForm(StepForm):
    into = forms.CharField(label=_("合并到（隐患编号）"), max_length=24)
    note = note_field(_("说明"))

    def clean_into(self):
        return self.cleaned_data["into"].strip().upper()


class EscalateForm(StepForm):
    department = forms.TypedChoiceField(label=_("抄告部门"), coerce=int)
    note = note_field(_("抄告说明"))

    def __init__(self, *args, choices=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.departments = {d.pk: d for d in (choices.departments() if choices else [])}
        self.fields["department"].choices = [(pk, d.name) for pk, d in self.departments.items()]
        if self.hazard is not None and self.hazard.owner_id:
            self.fields["department"].initial = self.hazard.owner_id

    def clean_department(self):
        return self.departments[self.cleaned_data["department"]]


class AssignForm(StepForm):
    """交办 under 五落实: assignee, measures, responsible person, funds, deadline, plan."""

    assignee = forms.ChoiceField(label=_("承办单位"))
    measures = forms.CharField(
        label=_("整改措施"), max_length=4000, widget=forms.Textarea(attrs={"rows": 2})
    )
    responsible = forms.TypedChoiceField(label=_("整改责任人"), coerce=int)
    funds = forms.DecimalField(
        label=_("整改资金（万元）"), required=False, max_digits=12, decimal_places=2
    )
    deadline = forms.DateTimeField(
        label=_("整改时限"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    contingency = forms.CharField(
        label=_("应急预案"), max_length=4000, widget=forms.Textarea(attrs={"rows": 2})
    )
    note = note_field(_("交办意见"))

    def __init__(self, *args, choices=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.targets = choices.assignees() if choices else {}
        self.people = choices.people() if choices else {}
        self.fields["assignee"].choices = [
            (key, label) for key, (label, _o) in self.targets.items()
        ]
        self.fields["responsible"].choices = [("", "—")] + [
            (pk, label) for pk, (label, _p) in self.people.items()
        ]
        if self.hazard is not None:
            self.fields["assignee"].initial = f"cell:{self.hazard.cell.code}"

    def clean_assignee(self):
        return self.targets[self.cleaned_data["assignee"]][1]

    def clean_responsible(self):
        return self.people[self.cleaned_data["responsible"]][1]


class ProgressForm(StepForm):
    note = note_field(_("整改进展"), required=True)
    photos = PhotosField(label=_("整改中照片"), capture=True)


class SubmitForm(StepForm):
    note = note_field(_("整改情况"))
    photos = PhotosField(label=_("整改后照片"), capture=True)


# each step's form on the hazard's page (what the step's action is given: hazards/steps.py)
STEP_FORMS = {
    Step.ACCEPT: NoteForm,
    Step.RETURN: ReasonForm,
    Step.RESUBMIT: ResubmitForm,
    Step.MERGE: MergeForm,
    Step.ESCALATE: EscalateForm,
    Step.ASSIGN: AssignForm,
    Step.START: NoteForm,
    Step.PROGRESS: ProgressForm,
    Step.SUBMIT: SubmitForm,
    Step.VERIFY: NoteForm,
    Step.REJECT: ReasonForm,
    Step.CLOSE: NoteForm,
}


def step_form(step: str, *args, hazard, choices) -> StepForm:
    """The form of ``step``; its element ids are the step's own (several share a page)."""
    return STEP_FORMS[step](*args, hazard=hazard, choices=choices, auto_id=f"{step}-%s")


class AnswerForm(Form):
    answer = forms.CharField(
        label=_("答复"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
