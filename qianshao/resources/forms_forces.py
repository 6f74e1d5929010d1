"""The forms of the forces' pages. Each carries a client UUID (idempotent intake); the
actions check everything again and their refusals land on the field they name."""

from django import forms
from django.utils.translation import gettext_lazy as _

from qianshao.lib.forms import Form, uuid_field
from qianshao.resources.models import MemberRole, TeamKind

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class IntakeForm(Form):
    client_uuid = uuid_field()


class TeamForm(IntakeForm):
    name = forms.CharField(label=_("队伍名称"), max_length=64)
    kind = forms.ChoiceField(label=_("队伍类型"), choices=TeamKind.choices)
    phone = forms.CharField(label=_("联系电话"), max_length=20, required=False)
    base_lon = forms.FloatField(label=_("驻地经度"), required=False)
    base_lat = forms.FloatField(label=_("驻地纬度"), required=False)
    address = forms.CharField(label=_("驻地地址"), max_length=200, required=False)


class NewTeamForm(TeamForm):
    cell = forms.CharField(label=_("所属网格编码"), max_length=20)
    leader_name = forms.CharField(label=_("队长姓名"), max_length=32, required=False)
    leader_phone = forms.CharField(label=_("队长手机号"), max_length=11, required=False)
    # where the team belongs first, its leader beside its name: as a roster is read
    field_order = ["cell", "name", "kind", "leader_name", "leader_phone", "phone"]


class MemberForm(IntakeForm):
    name = forms.CharField(label=_("姓名"), max_length=32)
    phone = forms.CharField(
        label=_("手机号"), max_length=11, help_text=_("已登记的人员按手机号找到，否则新登记")
    )
    role = forms.ChoiceField(label=_("队内职务"), choices=MemberRole.choices, initial="member")
    skills = forms.CharField(label=_("技能特长"), max_length=200, required=False)
    joined = forms.DateField(label=_("入队日期"), required=False, widget=DATE)


class LeaveForm(IntakeForm):
    left = forms.DateField(label=_("离队日期"), required=False, widget=DATE)
    note = forms.CharField(label=_("说明"), max_length=500, required=False)


class StepForm(IntakeForm):
    note = forms.CharField(label=_("说明"), max_length=500, required=False)


class CertificateForm(IntakeForm):
    person = forms.TypedChoiceField(label=_("持证人"), coerce=int)
    name = forms.CharField(label=_("证书名称"), max_length=64)
    number = forms.CharField(label=_("证书编号"), max_length=64, required=False)
    issuer = forms.CharField(label=_("发证机关"), max_length=64, required=False)
    expires = forms.DateField(label=_("有效期至"), required=False, widget=DATE)

    def __init__(self, *args, members=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].choices = [(m.person_id, m.person.name) for m in members]


class ExpertForm(IntakeForm):
    name = forms.CharField(label=_("姓名"), max_length=32)
    field = forms.CharField(label=_("专业领域"), max_length=64)
    title = forms.CharField(label=_("职称"), max_length=64, required=False)
    organisation = forms.CharField(label=_("工作单位"), max_length=100, required=False)
    phone = forms.CharField(label=_("联系电话"), max_length=20)


class NewExpertForm(ExpertForm):
    cell = forms.CharField(label=_("所属网格编码"), max_length=20)
    verified_on = forms.DateField(label=_("最近核实日期"), widget=DATE)


class VerifyForm(IntakeForm):
    on = forms.DateField(label=_("核实日期"), required=False, widget=DATE)


class SocialForceForm(IntakeForm):
    organisation = forms.CharField(label=_("组织名称"), max_length=100)
    capability = forms.CharField(label=_("救援能力"), max_length=200)
    size = forms.IntegerField(label=_("人数"), min_value=1)
    contact = forms.CharField(label=_("联系人"), max_length=32)
    phone = forms.CharField(label=_("联系电话"), max_length=20)
    agreement_start = forms.DateField(label=_("协议开始"), required=False, widget=DATE)
    agreement_end = forms.DateField(label=_("协议结束"), required=False, widget=DATE)


class NewSocialForceForm(SocialForceForm):
    cell = forms.CharField(label=_("所属网格编码"), max_length=20)
