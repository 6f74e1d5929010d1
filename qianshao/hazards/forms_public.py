"""Forms of the public report pages and of their triage by staff."""

import uuid
from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from qianshao.grid.models import Domain
from qianshao.hazards import photos
from qianshao.hazards.models import Grade, PublicStatus
from qianshao.hazards.public import CODE_RE, MAX_REWARD, MOBILE, normalise_code
from qianshao.lib.forms import Form, PhotosField

ANONYMOUS_CHOICES = [("1", _("匿名举报")), ("0", _("实名举报"))]


class PublicReportForm(Form):
    cell = forms.ChoiceField(label=_("所在乡镇（街道）"), required=False)
    lon = forms.FloatField(
        label=_("定位经度"), widget=forms.HiddenInput, required=False, min_value=-180, max_value=180
    )
    lat = forms.FloatField(
        label=_("定位纬度"), widget=forms.HiddenInput, required=False, min_value=-90, max_value=90
    )
    address = forms.CharField(
        label=_("具体地点"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("如：某村某组、某路口、某企业门口")}),
    )
    text = forms.CharField(
        label=_("举报内容"),
        max_length=2000,
        widget=forms.Textarea(
            attrs={"rows": 5, "placeholder": _("请描述发现的安全隐患：是什么、在哪里、有多严重")}
        ),
    )
    photos = PhotosField(
        label=_("照片（可多张）"),
        accept="image/jpeg,image/png,image/webp",
        max_count=photos.MAX_PHOTOS,
        check_size=True,
    )
    anonymous = forms.ChoiceField(
        label=_("举报方式"), choices=ANONYMOUS_CHOICES, initial="1", widget=forms.RadioSelect
    )
    name = forms.CharField(label=_("姓名"), max_length=32, required=False)
    phone = forms.CharField(
        label=_("手机号码"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "numeric"}),
    )
    client_uuid = forms.UUIDField(label=_("提交编号"), widget=forms.HiddenInput, initial=uuid.uuid4)

    def __init__(self, *args, townships=(), place=None, **kwargs):
        super().__init__(*args, **kwargs)
        groups: dict[str, list] = {}
        for c in townships:  # grouped by county
            groups.setdefault(c.parent.name if c.parent_id else "", []).append((c.code, c.name))
        if place is not None:  # a cell below a township (?cell= from its public page)
            township, label = place
            items = groups.setdefault(township.parent.name if township.parent_id else "", [])
            at = next((i for i, (code, _n) in enumerate(items) if code == township.code), -1)
            items.insert(at + 1, (label[0], label[1]))
        self.fields["cell"].choices = [("", _("请选择"))] + [
            (county, items) for county, items in groups.items()
        ]

    def clean(self):
        data = super().clean()
        if (data.get("lon") is None) != (data.get("lat") is None):
            self.add_error("lon", _("经度和纬度须同时给出"))
        if not data.get("cell") and data.get("lon") is None and "lon" not in self.errors:
            self.add_error("cell", _("请选择所在乡镇，或使用手机定位"))
        data["anonymous"] = data.get("anonymous") != "0"
        if not data["anonymous"]:
            if not (data.get("name") or "").strip():
                self.add_error("name", _("实名举报请填写姓名"))
            phone = "".join((data.get("phone") or "").split()).replace("-", "")
            if not MOBILE.match(phone):
                self.add_error("phone", _("实名举报请填写 11 位手机号码"))
        return data


class TrackForm(Form):
    code = forms.CharField(
        label=_("查询码"),
        max_length=32,
        widget=forms.TextInput(
            attrs={"autocapitalize": "characters", "autocomplete": "off", "spellcheck": "false"}
        ),
    )

    def clean_code(self):
        code = normalise_code(self.cleaned_data["code"])
        if not CODE_RE.match(code):
            raise forms.ValidationError(_("查询码为 10 位字母和数字，请核对"))
        return code


class AcceptForm(Form):
    title = forms.CharField(label=_("隐患标题"), max_length=100)
    category = forms.ModelChoiceField(
        label=_("类别"), queryset=Domain.objects.filter(active=True), empty_label=_("请选择")
    )
    grade = forms.ChoiceField(label=_("等级"), choices=Grade.choices, initial=Grade.GENERAL)
    cell = forms.ChoiceField(label=_("所在网格"))
    reply = forms.CharField(
        label=_("答复举报人"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": _("默认：已受理，正在核查处理。")}),
    )

    def __init__(self, *args, cells=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cell"].choices = [(c.code, f"{c.name}（{c.code}）") for c in cells]


class RejectForm(Form):
    reply = forms.CharField(
        label=_("不予受理的理由（举报人凭查询码可见）"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, **kwargs):
        # on the page beside AcceptForm, whose reply field would share its element id
        super().__init__(*args, auto_id="reject-%s", **kwargs)


class RewardForm(Form):
    status = forms.ChoiceField(choices=[("approved", _("批准")), ("paid", _("发放"))])
    amount = forms.DecimalField(
        label=_("奖励金额（元）"),
        max_digits=10,
        decimal_places=2,
        min_value=Decimal("0.01"),
        max_value=MAX_REWARD,
        required=False,
    )

    def clean(self):
        data = super().clean()
        missing = data.get("amount") is None and "amount" not in self.errors
        if data.get("status") == "approved" and missing:
            self.add_error("amount", _("请填写奖励金额"))
        return data


class ListForm(Form):
    status = forms.ChoiceField(
        label=_("状态"), choices=[("", _("全部"))] + PublicStatus.choices, required=False
    )
