"""The risk points' actions (docs/adr/0024 "Points"): register, edit, (re)grade, publish
and retire a point; each one function, checked, in one transaction with its audit record
and its counters (``tally``: points by grade and kind under the cell and its ancestors).

A point is graded by its kind's method from the inputs given (``grading``); a grade set by
hand beside the computed one needs a reason. Every grading is kept (``GradeRecord``).
"""

import uuid
from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from qianshao.audit.chain import append as audit
from qianshao.grid import tree
from qianshao.grid.models import Cell, CellKind, Person
from qianshao.lib.errors import ActionError, NotAllowed
from qianshao.lib.geojson import checked_geometry
from qianshao.lib.text import clean_text
from qianshao.risks import grading, permissions, schedule, tally
from qianshao.risks.models import (
    RISK_FLOW,
    Grade,
    GradeRecord,
    Measure,
    MeasureList,
    Method,
    RiskKind,
    RiskPoint,
    RiskStatus,
    RiskStep,
)

GEOMETRY_KINDS = ("Point", "Polygon")
# the fields ``create_point`` and ``edit_point`` take, besides cell, kind and grading
TEXT_FIELDS = {
    "name": 100,
    "address": 200,
    "industry": 32,
    "hazards_text": 2000,
    "responsible_unit": 64,
    "control_measures": 4000,
    "emergency_measures": 4000,
}
REQUIRED_TEXT = {"name"}
_KEEP = object()  # a field not passed to ``edit_point``


def _may_change(actor, path: str) -> None:
    if actor is None:
        return
    refused = permissions.change_refusal(actor, path)
    if refused:
        raise NotAllowed(refused, "cell")


def point_rule(actor, point: RiskPoint, step: str):
    """The flow's rule on people (``RISK_FLOW.take``)."""
    return permissions.change_refusal(actor, point.cell_path)


def located(geometry, cell: Cell, field: str = "geometry") -> tuple[dict, float, float]:
    """The checked geometry (a Point, or a Polygon) and its representative point (inside
    it), refused when it lies outside the county of ``cell`` (when the county has an
    outline)."""
    from shapely.geometry import shape  # here, not on import: with numpy it is 25 MB

    found = checked_geometry(geometry, field, GEOMETRY_KINDS)
    figure = shape(found)
    inside = figure.representative_point()
    county = _county_outline(cell)
    if county is not None and not county.buffer(0.001).covers(figure):
        raise ActionError(_("位置不在所属县（区）范围内"), field)
    return found, inside.x, inside.y


def _county_outline(cell: Cell):
    """The outline of ``cell``'s county (or the cell itself, a county), if known."""
    if cell.kind == CellKind.COUNTY:
        county = cell
    else:
        codes = tree.codes_of(cell.path)
        county = Cell.objects.filter(kind=CellKind.COUNTY, code__in=codes).only("boundary").first()
    if county is None or not county.boundary:
        return None
    from shapely.geometry import shape

    try:
        figure = shape(county.boundary)
    except (ValueError, TypeError, AttributeError, KeyError):
        return None
    return figure if figure.is_valid else figure.buffer(0)


def _texts(fields: dict, *, partial: bool) -> dict:
    found = {}
    for name, limit in TEXT_FIELDS.items():
        if name in fields:
            found[name] = clean_text(
                fields[name] or "", name, limit=limit, required=name in REQUIRED_TEXT
            )
        elif not partial and name in REQUIRED_TEXT:
            raise ActionError(_("不能为空"), name)
    for name in ("exposed_people", "exposed_households"):
        if name in fields and fields[name] is not None:
            value = fields[name]
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 10**7:
                raise ActionError(_("须为 0 至 10000000 的整数"), name)
            found[name] = value
    if "review_on" in fields:
        value = fields["review_on"]
        if value is not None and not isinstance(value, date):
            raise ActionError(_("日期格式不正确"), "review_on")
        found["review_on"] = value
    return found


def _people(fields: dict) -> dict:
    found = {}
    for name in ("responsible", "patroller"):
        if name in fields:
            value = fields[name]
            if value is not None and not isinstance(value, Person):
                raise ActionError(_("人员不存在"), name)
            found[name] = value
    return found


def _enterprise(value, cell: Cell):
    if value is None:
        return None
    if not isinstance(value, Cell) or value.kind != CellKind.ENTERPRISE:
        raise ActionError(_("须为网格中的生产经营企业"), "enterprise")
    if not value.path.startswith(cell.path) and not cell.path.startswith(value.path):
        raise ActionError(_("企业须在风险点所在网格内"), "enterprise")
    return value


def _graded(kind: RiskKind, inputs, grade: str | None, reason: str):
    if not isinstance(inputs, dict):
        raise ActionError(_("分级参数须为对象"), "inputs")
    result = grading.grade(kind.method, inputs)
    reason = clean_text(reason or "", "override_reason", limit=200, required=False)
    chosen = grade or result.grade
    if chosen not in Grade.values:
        raise ActionError(_("风险等级须为 红/橙/黄/蓝 之一"), "grade")
    if chosen != result.grade and not reason:
        raise ActionError(_("人工调整风险等级须说明理由"), "override_reason")
    if chosen == result.grade:
        reason = ""
    return result, chosen, reason


def _record(actor, p: RiskPoint, now) -> GradeRecord:
    return GradeRecord.objects.create(
        point=p,
        at=now,
        by=actor if getattr(actor, "pk", None) else None,
        by_label=str(getattr(actor, "person", None) or getattr(actor, "username", "") or ""),
        method=p.method,
        inputs=p.inputs,
        score=p.score,
        computed_grade=p.computed_grade,
        grade=p.grade,
        reason=p.override_reason,
    )


def _key(p: RiskPoint) -> str:
    return tally.point_key(p.grade, p.kind.code)


def _plain(p: RiskPoint) -> dict:
    return {
        "name": p.name,
        "kind": p.kind.code,
        "cell": p.cell_path,
        "grade": p.grade,
        "computed_grade": p.computed_grade,
        "score": str(p.score),
        "inputs": p.inputs,
        "override_reason": p.override_reason,
        "lon": p.lon,
        "lat": p.lat,
        "responsible": p.responsible_id,
        "patroller": p.patroller_id,
        "published": p.published,
    }


@transaction.atomic
def create_point(
    actor,
    *,
    cell: Cell,
    kind: RiskKind,
    geometry,
    inputs: dict,
    grade: str | None = None,
    override_reason: str = "",
    enterprise: Cell | None = None,
    measures: list[dict] | None = None,
    **fields,
) -> RiskPoint:
    """登记 a risk point in ``cell``, graded from ``inputs`` by its kind's method (or set to
    ``grade`` with a reason). Side effects: its first grade record, its measures, its first
    patrol due time, the counters of its path, one audit record."""
    _may_change(actor, cell.path)
    found_geometry, lon, lat = located(geometry, cell)
    found = _texts(fields, partial=False) | _people(fields)
    unknown = set(fields) - set(found) - {"published"}
    if unknown:
        raise ActionError(_("未知的字段"), sorted(unknown)[0])
    result, chosen, reason = _graded(kind, inputs, grade, override_reason)
    published = bool(fields.get("published"))
    if published and chosen != Grade.RED:
        raise ActionError(_("只有重大风险（红）向社会公告"), "published")
    now = timezone.now()
    p = RiskPoint(
        cell=cell,
        cell_path=cell.path,
        kind=kind,
        geometry=found_geometry,
        lon=lon,
        lat=lat,
        enterprise=_enterprise(enterprise, cell),
        method=result.method,
        inputs=result.inputs,
        score=result.score,
        computed_grade=result.grade,
        grade=chosen,
        override_reason=reason,
        published=published,
        public_key=uuid.uuid4(),
        **found,
    )
    p.next_due_at = schedule.next_due(p.grade, kind, now)
    RISK_FLOW.begin(p, RiskStep.CREATE)
    p.save(force_insert=True)
    _record(actor, p, now)
    if measures:
        set_measures(p, measures)
    tally.add(p.cell_path, tally.POINTS, 1, _key(p))
    audit(
        actor=actor,
        action="risks.point.create",
        obj=p,
        cell_path=p.cell_path,
        after=_plain(p) | {"status": p.status},
    )
    return p


@transaction.atomic
def edit_point(actor, point: RiskPoint, **fields) -> RiskPoint:
    """Edit a point's particulars (not its grade: ``regrade``); the fields not passed are
    kept. Side effects: one audit record (``risks.point.publish`` / ``unpublish`` when it
    goes on or off the public page); its counters when its kind changes."""
    p = RISK_FLOW.take(
        RiskPoint.objects.select_related("kind", "cell"),
        point.pk,
        RiskStep.EDIT,
        actor=actor,
        rule=point_rule,
    )
    before = _plain(p)
    changed = []
    measures = fields.pop("measures", None) if "measures" in fields else _KEEP
    if "geometry" in fields:
        p.geometry, p.lon, p.lat = located(fields.pop("geometry"), p.cell)
        changed += ["geometry", "lon", "lat"]
    if "enterprise" in fields:
        p.enterprise = _enterprise(fields.pop("enterprise"), p.cell)
        changed.append("enterprise")
    if "published" in fields:
        published = bool(fields.pop("published"))
        if published and p.grade != Grade.RED:
            raise ActionError(_("只有重大风险（红）向社会公告"), "published")
        p.published = published
        changed.append("published")
    old_key = _key(p)
    if "kind" in fields:
        kind = fields.pop("kind")
        if not isinstance(kind, RiskKind):
            raise ActionError(_("风险类型不存在"), "kind")
        if kind.method != p.kind.method:
            raise ActionError(_("新类型的分级方法不同，请重新评级"), "kind")
        p.kind = kind
        changed.append("kind")
    found = _texts(fields, partial=True) | _people(fields)
    unknown = set(fields) - set(found)
    if unknown:
        raise ActionError(_("未知的字段"), sorted(unknown)[0])
    for name, value in found.items():
        setattr(p, name, value)
    changed += list(found)
    if measures is not _KEEP:
        set_measures(p, measures)
    if _key(p) != old_key:
        tally.add_many(
            [(p.cell_path, tally.POINTS, old_key, -1), (p.cell_path, tally.POINTS, _key(p), 1)]
        )
    # a publication on (or taken off) the county's public page is named in the audit trail
    action = "risks.point.edit"
    if p.published != before["published"]:
        action = "risks.point.publish" if p.published else "risks.point.unpublish"
    return RISK_FLOW.finish(
        actor,
        p,
        fields=[*changed, "updated_at"],
        record={
            "action": action,
            "before": before,
            "after": _plain(p) | ({} if measures is _KEEP else {"measures": len(measures)}),
        },
    )


@transaction.atomic
def regrade(
    actor,
    point: RiskPoint,
    *,
    inputs: dict,
    grade: str | None = None,
    override_reason: str = "",
    note: str = "",
) -> RiskPoint:
    """重新评级: the point graded again from ``inputs`` (or set to ``grade`` with a reason).
    Side effects: a grade record, the counters moved when the grade changes, the next patrol
    due time from the new grade's frequency when it is sooner, a red point no longer red
    unpublished, one audit record."""
    p = RISK_FLOW.take(
        RiskPoint.objects.select_related("kind", "cell"),
        point.pk,
        RiskStep.REGRADE,
        actor=actor,
        rule=point_rule,
    )
    note = clean_text(note, "note", limit=500, required=False)
    result, chosen, reason = _graded(p.kind, inputs, grade, override_reason)
    before = _plain(p)
    old_key = _key(p)
    now = timezone.now()
    p.method, p.inputs, p.score = result.method, result.inputs, result.score
    p.computed_grade, p.grade, p.override_reason = result.grade, chosen, reason
    if p.grade != Grade.RED:
        p.published = False
    sooner = schedule.next_due(p.grade, p.kind, p.last_patrol_at or now)
    if p.next_due_at is None or sooner < p.next_due_at:
        p.next_due_at = max(sooner, now)
    _record(actor, p, now)
    if _key(p) != old_key:
        tally.add_many(
            [(p.cell_path, tally.POINTS, old_key, -1), (p.cell_path, tally.POINTS, _key(p), 1)]
        )
    fields = ["method", "inputs", "score", "computed_grade", "grade", "override_reason"]
    return RISK_FLOW.finish(
        actor,
        p,
        fields=[*fields, "published", "next_due_at", "updated_at"],
        note=note,
        record={"action": "risks.point.regrade", "before": before, "after": _plain(p)},
    )


def outgraded(rule=None) -> list[int]:
    """The points in force whose computed grade the grading bands now put elsewhere (after
    a change of the bands in the admin): their scores read, nothing recomputed but the
    band."""
    rule = rule or grading.bands()
    by_method = {Method.LEC: grading.lec_grade, Method.MATRIX: grading.matrix_grade}
    rows = (
        RiskPoint.objects.filter(status=RiskStatus.ACTIVE)
        .order_by("pk")
        .values_list("pk", "method", "score", "computed_grade")
    )
    return [pk for pk, method, score, kept in rows if by_method[method](score, rule) != kept]


def regrade_by_bands() -> int:
    """The grading bands changed: every point they now grade differently is regraded by the
    system from its kept inputs, each through ``regrade`` (its grade record, counters, due
    time, audit record) in its own transaction. A grade set by hand stays with its reason
    (only its computed grade follows); one the bands now agree with loses its reason.
    Returns how many were regraded; run again, it finds none."""
    done = 0
    note = _("风险分级标准调整，按原分级参数重新评定")
    for pk in outgraded():
        p = RiskPoint.objects.select_related("kind").get(pk=pk)
        manual = p.grade if p.override_reason else None
        regrade(
            None, p, inputs=p.inputs, grade=manual, override_reason=p.override_reason, note=note
        )
        done += 1
    return done


@transaction.atomic
def retire(actor, point: RiskPoint, *, note: str) -> RiskPoint:
    """销号: the point is no longer in force (the risk removed). Side effects: out of the
    counters and of the patrols due, unpublished, one audit record."""
    note = clean_text(note, "note", limit=500)
    p = RISK_FLOW.take(
        RiskPoint.objects.select_related("kind"),
        point.pk,
        RiskStep.RETIRE,
        actor=actor,
        rule=point_rule,
    )
    tally.add(p.cell_path, tally.POINTS, -1, _key(p))
    p.next_due_at = None
    p.published = False
    return RISK_FLOW.finish(actor, p, fields=["next_due_at", "published", "updated_at"], note=note)


def set_measures(p: RiskPoint, measures: list[dict]) -> None:
    """Replace the point's 管控措施 and 应急处置 lines with ``measures`` (each a dict of
    ``list``, ``what`` and, as they apply, ``who``, ``how_often``, ``call``, ``where``)."""
    if not isinstance(measures, list) or len(measures) > 100:
        raise ActionError(_("措施须为不超过 100 项的列表"), "measures")
    rows = []
    for n, m in enumerate(measures):
        field = f"measures.{n}"
        if not isinstance(m, dict) or m.get("list") not in MeasureList.values:
            raise ActionError(_("须注明清单：control 或 emergency"), f"{field}.list")
        rows.append(
            Measure(
                point=p,
                list=m["list"],
                what=clean_text(m.get("what") or "", f"{field}.what", limit=200),
                who=clean_text(m.get("who") or "", f"{field}.who", limit=64, required=False),
                how_often=clean_text(
                    m.get("how_often") or "", f"{field}.how_often", limit=32, required=False
                ),
                call=clean_text(m.get("call") or "", f"{field}.call", limit=64, required=False),
                where=clean_text(m.get("where") or "", f"{field}.where", limit=100, required=False),
                order=n,
            )
        )
    Measure.objects.filter(point=p).delete()
    Measure.objects.bulk_create(rows)


def in_force(point: RiskPoint) -> bool:
    return point.status == RiskStatus.ACTIVE
