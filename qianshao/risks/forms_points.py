"""The forms of the risk points' pages. Each carries a client UUID (idempotent intake); the
actions check everything again and name the field of each problem (the grading inputs'
fields are named as the action names them: ``inputs.L``, ``inputs.likelihood``…)."""

import json
import uuid

from django import forms
from django.utils.translation import gettext_lazy as _

from qianshao.lib.forms import Form
from qianshao.risks import grading
from qianshao.risks.models import Grade, Measure, MeasureList, Method, RiskPoint

MAX_GEOJSON_BYTES = 512 * 1024
# a measures line's parts, split on this (or a full-width ｜)
SEPARATOR = "|"
LEC_FIELDS = [f"inputs.{name}" for name in grading.LEC_TABLES]
MATRIX_FIELDS = [f"inputs.{name}" for name in grading.MATRIX_FIELDS]
EMPTY = [("", "—")]


class IntakeForm(Form):
    client_uuid = forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4)


def _choice(label, choices, required=False, help_text=""):
    return forms.ChoiceField(
        label=label, choices=EMPTY + list(choices), required=required, help_text=help_text
    )


def _lec_choices(table: dict) -> list[tuple[str, str]]:
    return [(value, f"{value}：{meaning}") for value, meaning in table.items()]


def _matrix_choices() -> list[tuple[str, str]]:
    return [(str(n), str(n)) for n in grading.MATRIX_LEVELS]


class GradingMixin:
    """The grading inputs (LEC's three factors from their tables, or the matrix's 1–5 pair:
    the kind's method decides which the action reads) and a grade set by hand."""

    def add_grading_fields(self, method: str | None = None):
        """The inputs of ``method`` (both methods' when not known yet: a new point)."""
        lec = _("LEC 法（危险化学品、矿山等安全生产类）")
        matrix = _("风险矩阵法（山洪、滑坡等自然灾害类）")
        names = {"L": _("L 事故发生的可能性"), "E": _("E 暴露频繁程度"), "C": _("C 后果")}
        if method in (None, Method.LEC):
            for name, table in grading.LEC_TABLES.items():
                help_text = lec if name == "L" else ""
                self.fields[f"inputs.{name}"] = _choice(
                    names[name], _lec_choices(table), help_text=help_text
                )
        if method in (None, Method.MATRIX):
            self.fields["inputs.likelihood"] = _choice(
                _("可能性（1–5）"), _matrix_choices(), help_text=matrix
            )
            self.fields["inputs.severity"] = _choice(_("严重性（1–5）"), _matrix_choices())
        self.fields["grade"] = _choice(
            _("人工调整等级"), Grade.choices, help_text=_("不调整则按计算结果定级")
        )
        self.fields["override_reason"] = forms.CharField(
            label=_("人工调整理由"), max_length=200, required=False
        )

    def grading_fields(self, method: str) -> dict:
        data = self.cleaned_data
        names = LEC_FIELDS if method == Method.LEC else MATRIX_FIELDS
        inputs = {name.split(".", 1)[1]: data.get(name) or None for name in names}
        return {
            "inputs": {k: v for k, v in inputs.items() if v is not None},
            "grade": data.get("grade") or None,
            "override_reason": data.get("override_reason", ""),
        }


def _person_label(person) -> str:
    return person.name


class PointForm(GradingMixin, IntakeForm):
    """A point's particulars; on a new point also its grading inputs."""

    name = forms.CharField(label=_("风险点名称"), max_length=100)
    kind = forms.ChoiceField(label=_("风险类型"))
    address = forms.CharField(label=_("位置描述"), max_length=200, required=False)
    lon = forms.FloatField(label=_("经度"), required=False)
    lat = forms.FloatField(label=_("纬度"), required=False)
    geometry = forms.CharField(
        label=_("位置（GeoJSON 点或面，可选）"),
        required=False,
        max_length=MAX_GEOJSON_BYTES,
        widget=forms.Textarea(attrs={"rows": 3, "spellcheck": "false"}),
        help_text=_("填经纬度定一个点；区域类风险点粘贴 Polygon，或上传 .geojson 文件"),
    )
    geometry_file = forms.FileField(label=_("上传位置文件"), required=False)
    enterprise = forms.TypedChoiceField(
        label=_("所属企业"), coerce=int, required=False, empty_value=None
    )
    industry = forms.CharField(label=_("行业"), max_length=32, required=False)
    hazards_text = forms.CharField(
        label=_("危险因素"), max_length=2000, required=False, widget=forms.Textarea({"rows": 3})
    )
    exposed_people = forms.IntegerField(
        label=_("影响人数"), min_value=0, max_value=10**7, required=False
    )
    exposed_households = forms.IntegerField(
        label=_("影响户数"), min_value=0, max_value=10**7, required=False
    )
    responsible = forms.TypedChoiceField(
        label=_("管控责任人"), coerce=int, required=False, empty_value=None
    )
    responsible_unit = forms.CharField(label=_("责任单位"), max_length=64, required=False)
    patroller = forms.TypedChoiceField(
        label=_("巡查人"), coerce=int, required=False, empty_value=None
    )
    control_measures = forms.CharField(
        label=_("管控措施"), max_length=4000, required=False, widget=forms.Textarea({"rows": 3})
    )
    emergency_measures = forms.CharField(
        label=_("应急措施"), max_length=4000, required=False, widget=forms.Textarea({"rows": 3})
    )
    review_on = forms.DateField(
        label=_("复评日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, kinds=(), people=(), enterprises=(), grading=True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [
            (k.code, f"{k.name}（{k.get_method_display()}）") for k in kinds
        ]
        people_choices = EMPTY + [(p.pk, _person_label(p)) for p in people]
        self.fields["responsible"].choices = people_choices
        self.fields["patroller"].choices = people_choices
        self.fields["enterprise"].choices = EMPTY + [(c.pk, c.name) for c in enterprises]
        if grading:
            self.add_grading_fields()

    def clean(self):
        cleaned = super().clean()
        upload = cleaned.get("geometry_file")
        if upload:
            if upload.size > MAX_GEOJSON_BYTES:
                self.add_error("geometry_file", _("文件过大"))
                return cleaned
            try:
                cleaned["geometry"] = upload.read().decode("utf-8-sig")
            except UnicodeDecodeError:
                self.add_error("geometry_file", _("文件须为 UTF-8 编码的 GeoJSON"))
                return cleaned
        text = (cleaned.get("geometry") or "").strip()
        lon, lat = cleaned.get("lon"), cleaned.get("lat")
        if text:
            try:
                cleaned["geometry"] = json.loads(text)
            except ValueError:
                self.add_error("geometry", _("不是有效的 GeoJSON"))
        elif lon is not None and lat is not None:
            cleaned["geometry"] = {"type": "Point", "coordinates": [lon, lat]}
        else:
            cleaned["geometry"] = None
        return cleaned

    def particulars(self, people: dict, enterprises: dict, *, partial_geometry=False) -> dict:
        """The action's fields (without cell, kind and grading)."""
        data = self.cleaned_data
        fields = {
            name: data[name]
            for name in (
                "name",
                "address",
                "industry",
                "hazards_text",
                "responsible_unit",
                "control_measures",
                "emergency_measures",
                "review_on",
            )
        }
        fields["exposed_people"] = data["exposed_people"] or 0
        fields["exposed_households"] = data["exposed_households"] or 0
        fields["responsible"] = people.get(data["responsible"])
        fields["patroller"] = people.get(data["patroller"])
        fields["enterprise"] = enterprises.get(data["enterprise"])
        if data["geometry"] is not None or not partial_geometry:
            fields["geometry"] = data["geometry"]
        return fields

    @classmethod
    def of(cls, p: RiskPoint) -> dict:
        initial = {
            name: getattr(p, name)
            for name in (
                "name",
                "address",
                "industry",
                "hazards_text",
                "exposed_people",
                "exposed_households",
                "responsible_unit",
                "control_measures",
                "emergency_measures",
                "review_on",
            )
        }
        initial |= {
            "kind": p.kind.code,
            "responsible": p.responsible_id,
            "patroller": p.patroller_id,
            "enterprise": p.enterprise_id,
        }
        if p.geometry.get("type") == "Point":
            initial |= {"lon": p.lon, "lat": p.lat}
        else:
            initial["geometry"] = json.dumps(p.geometry, ensure_ascii=False)
        return initial


class RegradeForm(GradingMixin, IntakeForm):
    note = forms.CharField(label=_("说明"), max_length=500, required=False)

    def __init__(self, *args, method: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_grading_fields(method)

    @classmethod
    def of(cls, p: RiskPoint) -> dict:
        return {f"inputs.{k}": str(v) for k, v in p.inputs.items()}


class StepForm(IntakeForm):
    note = forms.CharField(label=_("说明"), max_length=500, required=False)


class MeasuresForm(IntakeForm):
    """The two lists as lines: 管控措施 "措施 | 责任人 | 频次", 应急处置 "措施 | 联系电话 |
    撤离去向"."""

    control = forms.CharField(
        label=_("管控措施清单"),
        required=False,
        max_length=20000,
        widget=forms.Textarea({"rows": 5}),
        help_text=_("每行一项：措施 | 责任人 | 频次"),
    )
    emergency = forms.CharField(
        label=_("应急处置清单"),
        required=False,
        max_length=20000,
        widget=forms.Textarea({"rows": 5}),
        help_text=_("每行一项：处置措施 | 联系电话 | 撤离去向"),
    )

    PARTS = {
        MeasureList.CONTROL: ("what", "who", "how_often"),
        MeasureList.EMERGENCY: ("what", "call", "where"),
    }

    def measures(self) -> list[dict]:
        found = []
        for name, parts in self.PARTS.items():
            for line in (self.cleaned_data.get(name) or "").splitlines():
                if not line.strip():
                    continue
                values = [v.strip() for v in line.replace("｜", SEPARATOR).split(SEPARATOR)]
                found.append({"list": name} | dict(zip(parts, values, strict=False)))
        return found

    @classmethod
    def of(cls, measures: list[Measure]) -> dict:
        lines: dict[str, list[str]] = {name: [] for name in cls.PARTS}
        for m in measures:
            values = [getattr(m, part) for part in cls.PARTS[m.list]]
            while values and not values[-1]:
                values.pop()
            lines[m.list].append(f" {SEPARATOR} ".join(values))
        return {name: "\n".join(rows) for name, rows in lines.items()}
