import uuid

from django import forms
from django.utils.translation import gettext_lazy as _

from qianshao.grid.models import MOBILE_RE, Duty, Role
from qianshao.lib.forms import Form


class AssignForm(Form):
    name = forms.CharField(label=_("姓名"), max_length=32)
    phone = forms.RegexField(
        label=_("手机号"),
        regex=MOBILE_RE,
        error_messages={"invalid": _("手机号码应为 11 位数字，以 13–19 开头")},
    )
    role = forms.ChoiceField(label=_("角色"), choices=Role.choices)
    duties = forms.MultipleChoiceField(
        label=_("兼任职责"),
        choices=Duty.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    department = forms.ChoiceField(label=_("部门"), required=False)
    title = forms.CharField(label=_("职务"), max_length=64, required=False)
    start = forms.DateField(
        label=_("任期开始"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label=_("任期结束"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    client_uuid = forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4)

    def __init__(self, *args, departments=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].choices = [("", "—")] + [(d.code, d.name) for d in departments]
        if not departments:
            del self.fields["department"]


class EndTermForm(Form):
    end = forms.DateField(
        label=_("结束日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    reason = forms.CharField(label=_("原因"), max_length=500, required=False)


class MoveForm(Form):
    parent = forms.CharField(label=_("新的上级网格编码"), max_length=20)


class CreateLoginForm(Form):
    username = forms.CharField(label=_("用户名"), max_length=150)
    password = forms.CharField(label=_("初始密码"), widget=forms.PasswordInput, min_length=8)


class RosterForm(Form):
    file = forms.FileField(label=_("名册文件（.xlsx 或 .csv）"))
    client_uuid = forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4)
