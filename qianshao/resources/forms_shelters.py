"""The forms of the shelters' pages. Each carries a client UUID (idempotent intake); the
actions check everything again and name the field of each problem."""

import uuid

from django import forms
from django.utils.translation import gettext_lazy as _

from qianshao.lib.forms import Form
from qianshao.resources.models import Shelter, ShelterCategory

MAX_GEOJSON_BYTES = 512 * 1024


class IntakeForm(Form):
    client_uuid = forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4)


def _geojson_field(label, help_text):
    return forms.CharField(
        label=label,
        required=False,
        max_length=MAX_GEOJSON_BYTES,
        widget=forms.Textarea(attrs={"rows": 4, "spellcheck": "false"}),
        help_text=help_text,
    )


class GeoJSONUploadMixin:
    """A GeoJSON geometry typed or pasted in ``field``, or uploaded as a .geojson file in
    ``field_file`` (the file wins)."""

    geojson_fields: tuple[str, ...] = ()

    def clean(self):
        cleaned = super().clean()
        for name in self.geojson_fields:
            upload = cleaned.get(f"{name}_file")
            if upload:
                if upload.size > MAX_GEOJSON_BYTES:
                    self.add_error(f"{name}_file", _("文件过大"))
                    continue
                try:
                    cleaned[name] = upload.read().decode("utf-8-sig")
                except UnicodeDecodeError:
                    self.add_error(f"{name}_file", _("文件须为 UTF-8 编码的 GeoJSON"))
        return cleaned


class ShelterForm(GeoJSONUploadMixin, IntakeForm):
    geojson_fields = ("outline",)

    name = forms.CharField(label=_("名称"), max_length=100)
    category = forms.ChoiceField(label=_("类别"), choices=ShelterCategory.choices)
    area_m2 = forms.DecimalField(
        label=_("有效面积（平方米）"), min_value=0.01, max_digits=12, decimal_places=2
    )
    address = forms.CharField(label=_("地址"), max_length=200, required=False)
    lon = forms.FloatField(label=_("经度"), required=False)
    lat = forms.FloatField(label=_("纬度"), required=False)
    outline = _geojson_field(_("范围（GeoJSON 面，可选）"), _("粘贴 Polygon，或上传 .geojson 文件"))
    outline_file = forms.FileField(label=_("上传范围文件"), required=False)
    water = forms.BooleanField(label=_("供水"), required=False)
    power = forms.BooleanField(label=_("供电"), required=False)
    toilets = forms.BooleanField(label=_("厕所"), required=False)
    medical = forms.BooleanField(label=_("医疗点"), required=False)
    signage = forms.BooleanField(label=_("标识标牌"), required=False)
    manager_name = forms.CharField(label=_("管理人"), max_length=32, required=False)
    manager_phone = forms.CharField(label=_("值守电话"), max_length=20, required=False)

    def action_fields(self) -> dict:
        data = self.cleaned_data
        return {
            "name": data["name"],
            "category": data["category"],
            "area_m2": data["area_m2"],
            "address": data["address"],
            "lon": data["lon"],
            "lat": data["lat"],
            "outline": data["outline"] or None,
            "facilities": {f: data[f] for f in Shelter.FACILITIES},
            "manager_name": data["manager_name"],
            "manager_phone": data["manager_phone"],
        }

    @classmethod
    def of(cls, s: Shelter) -> dict:
        import json

        initial = {
            f: getattr(s, f) for f in ("name", "category", "area_m2", "address", "lon", "lat")
        }
        initial |= {f: getattr(s, f) for f in Shelter.FACILITIES}
        initial |= {"manager_name": s.manager_name, "manager_phone": s.manager_phone}
        initial["outline"] = json.dumps(s.outline) if s.outline else ""
        return initial


class OccupancyForm(IntakeForm):
    occupancy = forms.IntegerField(label=_("在场人数"), min_value=0)


class StepForm(IntakeForm):
    note = forms.CharField(label=_("说明"), max_length=500, required=False)


class RouteForm(GeoJSONUploadMixin, IntakeForm):
    geojson_fields = ("line",)

    origin = forms.CharField(
        label=_("起点"), max_length=100, help_text=_("如：上屯、滑坡隐患点下方住户")
    )
    shelter = forms.TypedChoiceField(label=_("避难场所"), coerce=int)
    line = _geojson_field(
        _("路线（GeoJSON 线）"), _("在地图上画出，或粘贴 LineString，或上传 .geojson 文件")
    )
    line_file = forms.FileField(label=_("上传路线文件"), required=False)
    note = forms.CharField(label=_("说明"), max_length=200, required=False)

    def __init__(self, *args, shelters=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["shelter"].choices = [(s.pk, f"{s.name}（{s.cell.name}）") for s in shelters]


class HouseholdForm(IntakeForm):
    head = forms.CharField(label=_("户主"), max_length=32)
    phone = forms.CharField(label=_("联系电话"), max_length=20, required=False)
    members = forms.IntegerField(label=_("人数"), min_value=1, max_value=99)
    vulnerable = forms.CharField(
        label=_("特殊人群"), max_length=200, required=False, help_text=_("如：老人2、儿童1、病残1")
    )
    vulnerable_n = forms.IntegerField(label=_("特殊人群人数"), min_value=0, max_value=99, initial=0)
    cadre_name = forms.CharField(label=_("包户干部"), max_length=32, required=False)
    cadre_phone = forms.CharField(label=_("包户干部电话"), max_length=20, required=False)
    route = forms.TypedChoiceField(
        label=_("转移路线"), coerce=int, required=False, empty_value=None
    )
    shelter = forms.TypedChoiceField(
        label=_("避难场所"), coerce=int, required=False, empty_value=None
    )

    def __init__(self, *args, shelters=(), routes=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["shelter"].choices = [("", "—")] + [(s.pk, s.name) for s in shelters]
        self.fields["route"].choices = [("", "—")] + [
            (r.pk, f"{r.origin} → {r.shelter.name}") for r in routes
        ]


class ImportForm(Form):
    file = forms.FileField(label=_("避难场所台账（.xlsx 或 .csv）"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > 10 * 1024 * 1024:
            raise forms.ValidationError(_("文件过大"))
        return upload
