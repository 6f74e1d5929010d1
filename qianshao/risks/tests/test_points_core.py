"""The risk points' core actions: grading kept and explained, the counters by grade and
kind, overrides with a reason, retiring, scope."""

import pytest

from qianshao.audit.models import AuditRecord
from qianshao.lib.errors import ActionError, NotAllowed
from qianshao.risks import actions_points, grading, tally
from qianshao.risks.models import RiskKind
from qianshao.risks.tests.helpers import VILLAGE_AREA, risk_point

pytestmark = pytest.mark.django_db


def counts(path):
    found = tally.read(path, tally.POINTS).get(tally.POINTS, {})
    return {key: n for key, n in found.items() if n}


def test_a_point_is_graded_by_lec_and_counted_up_the_grid(cast):
    p = risk_point(cast)
    assert (p.score, p.grade, p.computed_grade) == (270, "orange", "orange")
    assert p.inputs == {"L": "6", "E": "3", "C": "15"}
    assert grading.explain(p.method, p.inputs, p.score) == "D = L × E × C = 6 × 3 × 15 = 270"
    assert p.next_due_at is not None and p.status == "active"
    for cell in (cast.village, cast.township, cast.county):
        assert counts(cell.path) == {"orange:hazchem": 1}
    assert counts(cast.other_county.path) == {}
    assert tally.matches()
    assert AuditRecord.objects.filter(action="risks.point.create").count() == 1


def test_a_polygon_point_sits_at_a_point_inside_it_and_matrix_kinds_multiply(cast):
    p = risk_point(
        cast, kind="landslide", geometry=VILLAGE_AREA, inputs={"likelihood": 4, "severity": 5}
    )
    assert (p.score, p.grade) == (20, "red")
    assert 106.05 < p.lon < 106.15 and 24.05 < p.lat < 24.15


def test_an_input_outside_its_table_is_refused_naming_it(cast):
    with pytest.raises(ActionError) as refused:
        risk_point(cast, inputs={"L": 7, "E": 3, "C": 15})
    assert refused.value.field == "inputs.L"
    with pytest.raises(ActionError) as refused:
        risk_point(cast, kind="landslide", inputs={"likelihood": 6, "severity": 0})
    assert [e.field for e in refused.value.errors] == ["inputs.likelihood", "inputs.severity"]


def test_outside_the_county_is_refused(cast):
    with pytest.raises(ActionError) as refused:
        risk_point(cast, geometry={"type": "Point", "coordinates": [107.2, 24.2]})
    assert refused.value.field == "geometry"


def test_regrading_keeps_history_moves_counters_and_an_override_needs_a_reason(cast):
    p = risk_point(cast)
    p = actions_points.regrade(cast.users["township"], p, inputs={"L": 10, "E": 6, "C": 15})
    assert p.grade == "red" and counts(cast.county.path) == {"red:hazchem": 1}
    with pytest.raises(ActionError) as refused:
        actions_points.regrade(
            cast.users["township"], p, inputs={"L": 1, "E": 1, "C": 1}, grade="red"
        )
    assert refused.value.field == "override_reason"
    p = actions_points.regrade(
        cast.users["township"],
        p,
        inputs={"L": 1, "E": 1, "C": 1},
        grade="red",
        override_reason="曾发生事故",
    )
    assert (p.grade, p.computed_grade, p.override_reason) == ("red", "blue", "曾发生事故")
    assert [g.grade for g in p.grades.order_by("at", "id")] == ["orange", "red", "red"]
    assert tally.matches()


def test_retiring_takes_the_point_out_of_the_counters(cast):
    p = risk_point(cast)
    p = actions_points.retire(cast.users["township"], p, note="已搬迁")
    assert p.status == "retired" and p.next_due_at is None
    assert counts(cast.county.path) == {}
    assert tally.matches()


def test_a_member_or_an_outsider_may_not_register_a_point(cast):
    kind = RiskKind.objects.get(code="hazchem")
    for who in ("village", "outsider", "department"):
        with pytest.raises(NotAllowed):
            actions_points.create_point(
                cast.users[who],
                cell=cast.village,
                kind=kind,
                geometry={"type": "Point", "coordinates": [106.1, 24.1]},
                inputs={"L": 6, "E": 3, "C": 15},
                name="x",
            )
