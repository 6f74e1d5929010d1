"""The points' steps table (``steps_points``, shared by pages and API) over the actions:
measures replaced through an edit (nothing half-written on a bad line), publishing red
points only, withdrawn when no longer red or retired, scope and permission first."""

import pytest

from qianshao.audit.models import AuditRecord
from qianshao.lib.errors import ActionError, NotAllowed
from qianshao.risks import steps_points
from qianshao.risks.models import Measure
from qianshao.risks.tests.helpers import risk_point

pytestmark = pytest.mark.django_db

RED = {"likelihood": 5, "severity": 5}
LINES = [
    {"list": "control", "what": "每日巡查", "who": "组长", "how_often": "每天"},
    {"list": "emergency", "what": "撤离", "call": "119", "where": "村小学"},
]


def test_measures_are_replaced_through_an_edit_and_a_bad_line_writes_nothing(cast):
    township = cast.users["township"]
    p = risk_point(cast, measures=LINES)
    assert Measure.objects.filter(point=p).count() == 2
    steps_points.take(township, p, steps_points.MEASURES, {"measures": LINES[:1]})
    assert list(Measure.objects.values_list("what", flat=True)) == ["每日巡查"]
    record = AuditRecord.objects.filter(action="risks.point.edit").latest("seq")
    assert record.after["measures"] == 1
    with pytest.raises(ActionError) as refused:
        steps_points.take(
            township, p, steps_points.MEASURES, {"measures": [*LINES, {"list": "other"}]}
        )
    assert refused.value.field == "measures.2.list"
    with pytest.raises(ActionError) as refused:
        steps_points.take(township, p, steps_points.MEASURES, {"measures": "每日巡查"})
    assert refused.value.field == "measures"
    assert list(Measure.objects.values_list("what", flat=True)) == ["每日巡查"]
    assert AuditRecord.objects.filter(action="risks.point.edit").count() == 1


def test_only_red_points_are_published_and_they_are_withdrawn_when_no_longer_red(cast):
    township = cast.users["township"]
    orange = risk_point(cast)
    with pytest.raises(ActionError) as refused:
        steps_points.take(township, orange, steps_points.PUBLISH, {})
    assert refused.value.field == "published"
    with pytest.raises(ActionError) as refused:
        risk_point(cast, published=True)
    assert refused.value.field == "published"
    red = risk_point(cast, kind="landslide", inputs=RED)
    assert steps_points.take(township, red, steps_points.PUBLISH, {}).published
    # the publication, and its withdrawal, are named in the audit trail
    published = AuditRecord.objects.filter(object_id=str(red.pk)).latest("seq")
    assert (published.action, published.after["published"]) == ("risks.point.publish", True)
    steps_points.take(township, red, steps_points.UNPUBLISH, {})
    withdrawn = AuditRecord.objects.filter(object_id=str(red.pk)).latest("seq")
    assert withdrawn.action == "risks.point.unpublish"
    steps_points.take(township, red, steps_points.PUBLISH, {})
    lowered = steps_points.take(
        township, red, steps_points.REGRADE, {"inputs": {"likelihood": 2, "severity": 2}}
    )
    assert (lowered.grade, lowered.published) == ("blue", False)
    again = risk_point(cast, kind="landslide", inputs=RED, published=True)
    assert again.published
    retired = steps_points.take(township, again, steps_points.RETIRE, {"note": "已治理"})
    assert (retired.status, retired.published) == ("retired", False)


def test_a_village_member_may_see_but_not_change_a_point(cast):
    p = risk_point(cast, kind="landslide", inputs=RED)
    village = cast.users["village"]
    for step, fields in [
        (steps_points.PUBLISH, {}),
        (steps_points.RETIRE, {"note": "x"}),
        (steps_points.MEASURES, {"measures": LINES}),
        (steps_points.REGRADE, {"inputs": RED}),
    ]:
        with pytest.raises(NotAllowed):
            steps_points.take(village, p, step, fields)
    p.refresh_from_db()
    assert (p.status, p.published) == ("active", False)
    assert not Measure.objects.exists()
