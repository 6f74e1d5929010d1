"""The duty desk's page forms. Each carries a client UUID (idempotent intake); the action
checks everything again and names the field."""

from django import forms
from django.utils.translation import gettext_lazy as _

from qianshao.incidents.models import EntryKind, Post
from qianshao.lib.forms import Form, uuid_field


class UuidForm(Form):
    """A step with nothing to fill in (在岗确认, 接班确认, 应答查岗, 换班答复)."""

    client_uuid = uuid_field()


class RosterForm(Form):
    """A month's roster: the cell and month here; each shift's people arrive as
    ``s-<yyyy-mm-dd>-<part>-<post>`` (read by the view, checked by the action)."""

    client_uuid = uuid_field()
    cell = forms.CharField(max_length=64, widget=forms.HiddenInput)
    month = forms.CharField(max_length=7, widget=forms.HiddenInput)


class HandoverForm(Form):
    client_uuid = uuid_field()
    text = forms.CharField(label=_("交班说明"), widget=forms.Textarea(attrs={"rows": 6}))


class SwapForm(Form):
    client_uuid = uuid_field()
    post = forms.ChoiceField(label=_("岗位"), choices=Post.choices)
    taker = forms.TypedChoiceField(label=_("换入人"), coerce=int)
    note = forms.CharField(label=_("说明"), max_length=200, required=False)

    def __init__(self, *args, people=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.people = {p.pk: p for p in people}
        self.fields["taker"].choices = [(p.pk, p.name) for p in people]


class SpotForm(Form):
    client_uuid = uuid_field()
    cell = forms.CharField(max_length=64, widget=forms.HiddenInput)
    note = forms.CharField(label=_("查岗说明"), max_length=200, required=False)


class DutyLogForm(Form):
    client_uuid = uuid_field()
    cell = forms.CharField(max_length=64, widget=forms.HiddenInput)
    kind = forms.ChoiceField(label=_("类型"), choices=EntryKind.choices)
    caller = forms.CharField(label=_("来电/来源"), max_length=100, required=False)
    phone = forms.CharField(label=_("电话"), max_length=20, required=False)
    text = forms.CharField(
        label=_("内容"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    passed_to = forms.CharField(label=_("转交/报送对象"), max_length=100, required=False)
    follows = forms.IntegerField(required=False, widget=forms.HiddenInput)
    corrects = forms.IntegerField(required=False, widget=forms.HiddenInput)
