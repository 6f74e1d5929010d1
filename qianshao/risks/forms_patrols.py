"""The patrols' page forms: the check-in (打卡) on the phone."""

from django import forms
from django.utils.translation import gettext_lazy as _

from qianshao.lib.forms import Form, PhotosField, uuid_field
from qianshao.risks.models import Result


class CheckInForm(Form):
    """打卡: the result, a note, photos; the phone's position and the QR code's key are
    filled in by the page (hidden)."""

    result = forms.ChoiceField(
        label=_("巡查结果"), choices=Result.choices, widget=forms.RadioSelect, initial=Result.OK
    )
    note = forms.CharField(
        label=_("说明"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    photos = PhotosField(label=_("现场照片"), capture=True)
    lon = forms.FloatField(widget=forms.HiddenInput, required=False, min_value=-180, max_value=180)
    lat = forms.FloatField(widget=forms.HiddenInput, required=False, min_value=-90, max_value=90)
    qr = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)
    client_uuid = uuid_field()
