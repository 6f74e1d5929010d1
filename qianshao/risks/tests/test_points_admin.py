"""The risks' admin: kinds edited (code and method fixed once a kind has points), the
grading bands and the patrol rule one row each, frequencies, points read only; every save
with its audit record."""

import pytest

from qianshao.audit.models import AuditRecord
from qianshao.lib.errors import ActionError
from qianshao.risks import actions_config
from qianshao.risks.models import Grading, PatrolFrequency, PatrolRule, RiskKind
from qianshao.risks.tests.helpers import risk_point

pytestmark = pytest.mark.django_db


def kind_form(kind: RiskKind, **changes) -> dict:
    return {
        "code": kind.code,
        "name": kind.name,
        "group": kind.group,
        "method": kind.method,
        "order": kind.order,
        **({"flood_season": "on"} if kind.flood_season else {}),
    } | changes


def test_a_kind_is_added_and_edited_and_fixed_once_it_has_points(cast, client_for):
    admin = client_for(cast.users["admin"])
    made = admin.post(
        "/admin/risks/riskkind/add/",
        {"code": "tailings", "name": "尾矿库", "group": "production", "method": "lec", "order": 9},
    )
    assert made.status_code == 302, made.content.decode()[:2000]
    tailings = RiskKind.objects.get(code="tailings")
    changed = admin.post(
        f"/admin/risks/riskkind/{tailings.pk}/change/", kind_form(tailings, method="matrix")
    )
    assert changed.status_code == 302
    assert RiskKind.objects.get(code="tailings").method == "matrix"
    assert AuditRecord.objects.filter(action="risks.setting.riskkind").count() == 2

    hazchem = RiskKind.objects.get(code="hazchem")
    risk_point(cast)
    page = admin.get(f"/admin/risks/riskkind/{hazchem.pk}/change/")
    assert set(page.context["adminform"].readonly_fields) == {"code", "method"}
    admin.post(
        f"/admin/risks/riskkind/{hazchem.pk}/change/",
        kind_form(hazchem, code="chem", method="matrix", name="危化品"),
    )
    hazchem.refresh_from_db()
    assert (hazchem.code, hazchem.method, hazchem.name) == ("hazchem", "lec", "危化品")
    assert (
        admin.post(f"/admin/risks/riskkind/{hazchem.pk}/delete/", {"post": "yes"}).status_code
        == 403
    )
    assert RiskKind.objects.filter(pk=hazchem.pk).exists()


def test_the_grading_bands_and_patrol_rule_are_one_row_each(cast, client_for):
    admin = client_for(cast.users["admin"])
    bands = Grading.objects.get()
    assert admin.get("/admin/risks/grading/add/").status_code == 403
    assert (
        admin.post(f"/admin/risks/grading/{bands.pk}/delete/", {"post": "yes"}).status_code == 403
    )
    changed = admin.post(
        f"/admin/risks/grading/{bands.pk}/change/",
        {
            "lec_red": "400",
            "lec_orange": "160",
            "lec_yellow": "70",
            "matrix_red": "20",
            "matrix_orange": "15",
            "matrix_yellow": "9",
        },
    )
    assert changed.status_code == 302
    assert Grading.objects.get().lec_red == 400
    # graded under the new bands: 360 was 红 under the default 320, now 橙
    assert risk_point(cast, inputs={"L": 6, "E": 6, "C": 15}).grade == "red"  # 540 ≥ 400
    assert risk_point(cast, inputs={"L": 3, "E": 3, "C": 40}).grade == "orange"  # 360 < 400
    rule = PatrolRule.objects.get()
    assert admin.get("/admin/risks/patrolrule/add/").status_code == 403
    assert admin.get(f"/admin/risks/patrolrule/{rule.pk}/change/").status_code == 200
    red = PatrolFrequency.objects.get(grade="red")
    changed = admin.post(
        f"/admin/risks/patrolfrequency/{red.pk}/change/", {"grade": "red", "every_hours": "12"}
    )
    assert changed.status_code == 302 and PatrolFrequency.objects.get(grade="red").every_hours == 12
    assert AuditRecord.objects.filter(action__startswith="risks.setting.").count() == 2


def test_risk_points_are_read_only_in_the_admin(cast, client_for):
    p = risk_point(cast)
    admin = client_for(cast.users["admin"])
    assert admin.get("/admin/risks/riskpoint/").status_code == 200
    assert admin.get("/admin/risks/riskpoint/add/").status_code == 403
    page = admin.get(f"/admin/risks/riskpoint/{p.pk}/change/")
    assert page.status_code == 200 and not page.context["has_change_permission"]
    assert admin.post(f"/admin/risks/riskpoint/{p.pk}/delete/", {"post": "yes"}).status_code == 403


def test_the_setting_action_refuses_a_new_code_or_method_for_a_kind_in_use(cast):
    risk_point(cast)
    for field, value in [("code", "chem"), ("method", "matrix")]:
        kind = RiskKind.objects.get(code="hazchem")
        setattr(kind, field, value)
        with pytest.raises(ActionError) as refused:
            actions_config.save_setting(cast.users["admin"], kind)
        assert refused.value.field == field
    kind = RiskKind.objects.get(code="hazchem")
    assert (kind.code, kind.method) == ("hazchem", "lec")
    assert not AuditRecord.objects.filter(action="risks.setting.riskkind").exists()


def test_changed_bands_regrade_the_points_they_now_grade_differently(
    cast, django_capture_on_commit_callbacks
):
    from qianshao.risks import actions_points, tally, tasks_points
    from qianshao.risks.models import GradeRecord, RiskPoint

    plain = risk_point(cast, name="油库")  # LEC 270: 较大 (orange)
    by_hand = actions_points.regrade(
        cast.users["township"],
        risk_point(cast, name="气站"),
        inputs={"L": 6, "E": 3, "C": 15},
        grade="red",
        override_reason="周边人员密集",
    )
    apart = risk_point(cast, name="仓库", inputs={"L": 3, "E": 3, "C": 7})  # 63: 低 (blue)
    bands = Grading.objects.get_or_create(pk=1)[0]
    with django_capture_on_commit_callbacks(execute=False) as unchanged:
        actions_config.save_setting(cast.users["admin"], bands)
    assert unchanged == []  # saved as it was: nothing to regrade
    bands.lec_red = 250
    with django_capture_on_commit_callbacks(execute=False) as handed:
        actions_config.save_setting(cast.users["admin"], bands)
    assert len(handed) == 1  # to the worker, once committed
    assert actions_points.outgraded() == [plain.pk, by_hand.pk]
    assert tasks_points.regrade_by_bands.call_local() == 2
    plain.refresh_from_db()
    assert (plain.computed_grade, plain.grade, plain.override_reason) == ("red", "red", "")
    by_hand.refresh_from_db()
    # the grade set by hand now agrees with the bands: its reason goes
    assert (by_hand.computed_grade, by_hand.grade, by_hand.override_reason) == ("red", "red", "")
    assert RiskPoint.objects.get(pk=apart.pk).grade == "blue"
    record = GradeRecord.objects.filter(point=plain).latest("pk")
    assert (record.by, record.grade, str(record.score)) == (None, "red", "270.00")
    regraded = AuditRecord.objects.filter(action="risks.point.regrade", object_id=str(plain.pk))
    assert regraded.latest("seq").actor is None
    assert tally.matches()
    assert actions_points.regrade_by_bands() == 0  # run again: none
