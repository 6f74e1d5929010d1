"""Taking the steps from the hazard's page: each form calls its action; a refusal is a 4xx
naming the field, with the page shown again and nothing changed."""

import re
import uuid
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from qianshao.audit.models import AuditRecord
from qianshao.grid.models import Role
from qianshao.hazards.models import Hazard, Note, Photo, Stage, Status
from qianshao.hazards.tests.access_rules_pages import hazard_at
from qianshao.hazards.tests.conftest import jpeg
from qianshao.intake.models import Submission
from qianshao.testing import appoint


def post(client, hazard, step, data=None, key=None):
    data = {"client_uuid": key or uuid.uuid4(), **(data or {})}
    return client.post(f"/hazards/{hazard.number}/{step}/", data)


def image(name="photo.jpg"):
    return SimpleUploadedFile(name, jpeg(), content_type="image/jpeg")


def field_of(html: str, step: str, name: str) -> str:
    """The HTML of field ``name`` in the form of ``step``."""
    form = html[html.index(f'id="step-{step}"') :].split("</form>")[0]
    return form[form.index(f'data-field="{name}"') :].split("</div>")[0]


def local(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def snapshot(hazard):
    h = Hazard.objects.get(pk=hazard.pk)
    return (
        h.status,
        h.assignee_cell_id,
        h.deadline,
        h.rectified_by_id,
        h.verified_by_id,
        AuditRecord.objects.for_object(h).count(),
        Note.objects.filter(hazard=h).count(),
        Photo.objects.filter(hazard=h).count(),
    )


def plan(cast, **changes):
    return {
        "assignee": f"cell:{cast.village.code}",
        "measures": "清理杂物，设置隔离",
        "responsible": cast.people["village"].pk,
        "funds": "1.50",
        "deadline": local(timezone.now() + timedelta(days=5)),
        "contingency": "设置警示标志",
        "note": "限期整改",
    } | changes


def test_a_hazard_travels_the_loop_through_its_page(cast, client_for):
    township, village = cast.users["township"], cast.users["village"]
    hazard = hazard_at(cast, "submitted")
    t = client_for(township)
    assert post(t, hazard, "accept", {"note": "属实"}).status_code == 302
    response = post(t, hazard, "assign", plan(cast))
    assert response.status_code == 302, response.content.decode()[-3000:]
    h = Hazard.objects.get(pk=hazard.pk)
    assert (h.status, h.assignee_cell, h.responsible) == (
        Status.ASSIGNED,
        cast.village,
        cast.people["village"],
    )
    assert str(h.funds) == "1.50" and h.measures == "清理杂物，设置隔离"
    v = client_for(village)
    assert post(v, hazard, "start").status_code == 302
    progress = {"note": "已清理一半", "photos": [image("p1.jpg"), image("p2.jpg")]}
    assert post(v, hazard, "progress", progress).status_code == 302
    assert post(v, hazard, "submit", {"photos": [image("after.jpg")]}).status_code == 302
    c = client_for(cast.users["county"])
    assert post(c, hazard, "verify", {"note": "复查合格"}).status_code == 302
    assert post(client_for(township), hazard, "close").status_code == 302
    h = Hazard.objects.get(pk=hazard.pk)
    assert h.status == Status.CLOSED and h.verified_by == cast.users["county"]
    stages = list(Photo.objects.filter(hazard=h).values_list("stage", flat=True))
    assert sorted(stages) == sorted([Stage.BEFORE, Stage.PROGRESS, Stage.PROGRESS, Stage.AFTER])
    steps = list(AuditRecord.objects.for_object(h).values_list("action", flat=True))
    assert steps == [
        "hazards.report",
        "hazards.accept",
        "hazards.assign",
        "hazards.start",
        "hazards.progress",
        "hazards.submit",
        "hazards.verify",
        "hazards.close",
    ]


def test_a_deadline_in_the_past_is_refused_next_to_the_deadline_field(cast, client_for):
    hazard = hazard_at(cast, "accepted")
    before = snapshot(hazard)
    past = local(timezone.now() - timedelta(hours=2))
    response = post(client_for(cast.users["township"]), hazard, "assign", plan(cast, deadline=past))
    assert response.status_code == 400
    html = response.content.decode()
    assert "整改时限必须晚于现在" in field_of(html, "assign", "deadline")
    assert "清理杂物，设置隔离" in html  # the form keeps what was typed
    assert snapshot(hazard) == before


def test_the_rectifier_may_not_verify_their_own_work(cast, client_for, township_head):
    head = township_head.person
    hazard = hazard_at(cast, "accepted")
    township = client_for(cast.users["township"])
    a_plan = plan(cast, assignee=f"cell:{cast.township.code}", responsible=head.pk)
    assert post(township, hazard, "assign", a_plan).status_code == 302
    h_client = client_for(township_head)
    assert post(h_client, hazard, "start").status_code == 302
    assert post(h_client, hazard, "submit", {"photos": [image()]}).status_code == 302
    before = snapshot(hazard)
    response = post(h_client, hazard, "verify", {"note": "自己核查"})
    assert response.status_code == 403
    assert "核查人不能是整改人" in response.content.decode()
    assert snapshot(hazard) == before
    assert post(client_for(cast.users["township"]), hazard, "verify").status_code == 302
    assert Hazard.objects.get(pk=hazard.pk).status == Status.VERIFIED


def test_a_step_not_allowed_from_the_state_is_a_409_naming_the_state(cast, client_for):
    hazard = hazard_at(cast, "submitted")
    before = snapshot(hazard)
    response = post(client_for(cast.users["township"]), hazard, "close")
    assert response.status_code == 409
    assert "“已上报”状态下不能销号" in response.content.decode()
    assert snapshot(hazard) == before


def test_a_user_without_the_right_gets_403_and_nothing_changes(cast, client_for):
    hazard = hazard_at(cast, "submitted")
    before = snapshot(hazard)
    response = post(client_for(cast.users["village"]), hazard, "accept")
    assert response.status_code == 403
    assert "只有属地乡镇（园区）或上级可以受理" in response.content.decode()
    assert snapshot(hazard) == before


def test_a_file_that_is_not_an_image_is_refused_next_to_the_photos(cast, client_for):
    hazard = hazard_at(cast, "rectifying")
    before = snapshot(hazard)
    text = SimpleUploadedFile("notes.jpg", b"this is not a picture", content_type="image/jpeg")
    response = post(client_for(cast.users["village"]), hazard, "submit", {"photos": [text]})
    assert response.status_code == 400
    html = response.content.decode()
    assert "notes.jpg 不是有效的图片" in field_of(html, "submit", "photos")
    assert snapshot(hazard) == before


def test_an_oversize_photo_is_refused_before_it_is_read(cast, client_for, settings):
    settings.UPLOAD_MAX_BYTES = 1024 * 1024
    hazard = hazard_at(cast, "rectifying")
    before = snapshot(hazard)
    big = SimpleUploadedFile("big.jpg", b"\xff\xd8" + b"0" * (1024 * 1024 + 1))
    response = post(
        client_for(cast.users["village"]), hazard, "progress", {"note": "n", "photos": [big]}
    )
    assert response.status_code == 400
    assert "big.jpg 超过 1 MB" in response.content.decode()
    assert snapshot(hazard) == before


def test_submitting_without_after_photos_is_refused(cast, client_for):
    hazard = hazard_at(cast, "rectifying")
    before = snapshot(hazard)
    response = post(client_for(cast.users["village"]), hazard, "submit", {"note": "好了"})
    assert response.status_code == 400
    assert "请上传整改后的照片" in response.content.decode()
    assert snapshot(hazard) == before


def test_a_second_submission_of_a_step_already_taken_gets_409(cast, client_for):
    hazard = hazard_at(cast, "submitted")
    client = client_for(cast.users["township"])
    assert post(client, hazard, "accept").status_code == 302
    after_first = snapshot(hazard)
    second = post(client, hazard, "accept")  # another tab, another form
    assert second.status_code == 409
    assert "“已受理”状态下不能受理" in second.content.decode()
    assert snapshot(hazard) == after_first


def test_a_resend_of_the_same_form_takes_the_step_once(cast, client_for):
    hazard = hazard_at(cast, "submitted")
    client = client_for(cast.users["township"])
    key = uuid.uuid4()
    assert post(client, hazard, "accept", {"note": "属实"}, key=key).status_code == 302
    after_first = snapshot(hazard)
    again = post(client, hazard, "accept", {"note": "属实"}, key=key)
    assert again.status_code == 302 and again["Location"] == f"/hazards/{hazard.number}/"
    assert snapshot(hazard) == after_first
    assert Submission.objects.get(uuid=key).kind == f"hazards.accept@hazards.hazard:{hazard.pk}"


def test_a_form_uuid_reused_for_another_step_is_refused(cast, client_for):
    hazard = hazard_at(cast, "submitted")
    client = client_for(cast.users["township"])
    key = uuid.uuid4()
    assert post(client, hazard, "accept", key=key).status_code == 302
    before = snapshot(hazard)
    response = post(client, hazard, "assign", plan(cast), key=key)
    assert response.status_code == 409
    assert snapshot(hazard) == before


def test_a_form_uuid_spent_on_another_hazard_is_refused(cast, client_for):
    first, second = hazard_at(cast, "submitted"), hazard_at(cast, "submitted")
    client = client_for(cast.users["township"])
    key = uuid.uuid4()
    assert post(client, first, "accept", key=key).status_code == 302
    before = snapshot(second)
    assert post(client, second, "accept", key=key).status_code == 409
    assert snapshot(second) == before


def test_required_fields_are_named_when_missing(cast, client_for):
    hazard = hazard_at(cast, "accepted")
    before = snapshot(hazard)
    response = post(client_for(cast.users["township"]), hazard, "assign", {})
    assert response.status_code == 400
    html = response.content.decode()
    for name in ["measures", "responsible", "deadline", "contingency"]:
        assert "errorlist" in field_of(html, "assign", name), name
    assert "errorlist" not in field_of(html, "assign", "funds")
    assert snapshot(hazard) == before


def test_a_responsible_person_not_offered_is_refused(cast, client_for):
    hazard = hazard_at(cast, "accepted")
    outsider_person = cast.people["outsider"]
    response = post(
        client_for(cast.users["township"]),
        hazard,
        "assign",
        plan(cast, responsible=outsider_person.pk),
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "errorlist" in field_of(html, "assign", "responsible")
    assert Hazard.objects.get(pk=hazard.pk).status == Status.ACCEPTED


def test_a_responsible_person_who_cannot_see_the_hazard_is_neither_offered_nor_taken(
    cast, client_for
):
    hazard = hazard_at(cast, "accepted")
    neighbour = appoint(cast.cell("450901100202"), Role.MEMBER, name="二村网格员")
    client = client_for(cast.users["township"])
    html = client.get(f"/hazards/{hazard.number}/").content.decode()
    assert f'value="{cast.people["village"].pk}"' in field_of(html, "assign", "responsible")
    assert f'value="{neighbour.pk}"' not in field_of(html, "assign", "responsible")
    before = snapshot(hazard)
    response = post(client, hazard, "assign", plan(cast, responsible=neighbour.pk))
    assert response.status_code == 400
    assert "errorlist" in field_of(response.content.decode(), "assign", "responsible")
    assert snapshot(hazard) == before


def test_the_assignee_cells_offered_are_the_hazards_cell_and_those_above_it_in_scope(
    cast, client_for
):
    hazard = hazard_at(cast, "accepted")
    html = client_for(cast.users["township"]).get(f"/hazards/{hazard.number}/").content.decode()
    offered = re.findall(r'<option value="cell:(\w+)"', field_of(html, "assign", "assignee"))
    assert offered == ["450901100201", "450901100"]  # 一村, 甲镇; not 二村, not A县


@pytest.mark.parametrize("code", ["450901101201", "450901100202"])  # 三村 of 乙镇; 二村
def test_an_assignee_cell_that_does_not_hold_the_hazard_is_refused(cast, client_for, code):
    hazard = hazard_at(cast, "accepted")
    before = snapshot(hazard)
    response = post(
        client_for(cast.users["township"]), hazard, "assign", plan(cast, assignee=f"cell:{code}")
    )
    assert response.status_code == 400
    assert "errorlist" in field_of(response.content.decode(), "assign", "assignee")
    assert snapshot(hazard) == before


def test_it_assigns_to_a_county_department(cast, client_for):
    hazard = hazard_at(cast, "accepted")
    dept = cast.department
    response = post(
        client_for(cast.users["county"]),
        hazard,
        "assign",
        plan(cast, assignee=f"dept:{dept.pk}", responsible=cast.people["department"].pk),
    )
    assert response.status_code == 302
    h = Hazard.objects.get(pk=hazard.pk)
    assert h.assignee_department == dept and h.assignee_cell is None


def test_return_needs_a_reason_and_the_reporter_resubmits(cast, client_for):
    hazard = hazard_at(cast, "submitted")
    township = client_for(cast.users["township"])
    empty = post(township, hazard, "return", {"reason": "  "})
    assert empty.status_code == 400
    assert Hazard.objects.get(pk=hazard.pk).status == Status.SUBMITTED
    assert post(township, hazard, "return", {"reason": "请补充位置"}).status_code == 302
    village = client_for(cast.users["village"])
    resubmit = {"description": "通道堆放杂物，位于一村村委旁", "note": "已补充"}
    assert post(village, hazard, "resubmit", resubmit).status_code == 302
    h = Hazard.objects.get(pk=hazard.pk)
    assert h.status == Status.SUBMITTED and "村委旁" in h.description


def test_merge_names_the_target_it_cannot_find(cast, client_for):
    first = hazard_at(cast, "accepted", title="第一次报告")
    duplicate = hazard_at(cast, "submitted", title="重复报告")
    township = client_for(cast.users["township"])
    missing = post(township, duplicate, "merge", {"into": "YH20200101ZZZZZZ"})
    assert missing.status_code == 400
    html = missing.content.decode()
    assert "找不到编号为 YH20200101ZZZZZZ 的隐患" in field_of(html, "merge", "into")
    assert post(township, duplicate, "merge", {"into": first.number.lower()}).status_code == 302
    d = Hazard.objects.get(pk=duplicate.pk)
    assert d.status == Status.MERGED and d.merged_into == first


def test_escalation_goes_to_the_owner_by_default_and_the_department_assigns(cast, client_for):
    hazard = hazard_at(cast, "accepted")
    township = client_for(cast.users["township"])
    page = township.get(f"/hazards/{hazard.number}/").content.decode()
    escalate_form = page[page.index('id="step-escalate"') :].split("</form>")[0]
    assert f'<option value="{cast.department.pk}" selected>' in escalate_form
    assert post(township, hazard, "escalate", {"department": cast.department.pk}).status_code == 302
    h = Hazard.objects.get(pk=hazard.pk)
    assert h.status == Status.ESCALATED and h.assignee_department == cast.department
    department = client_for(cast.users["department"])
    a_plan = plan(
        cast, assignee=f"dept:{cast.department.pk}", responsible=cast.people["department"].pk
    )
    assert post(department, hazard, "assign", a_plan).status_code == 302


def test_a_rejected_rectification_goes_back_with_the_reason(cast, client_for):
    hazard = hazard_at(cast, "verifying")
    county = client_for(cast.users["county"])
    assert post(county, hazard, "reject", {"reason": "杂物未清理干净"}).status_code == 302
    h = Hazard.objects.get(pk=hazard.pk)
    assert h.status == Status.RECTIFYING
    assert Note.objects.filter(hazard=h, step="reject").get().text == "杂物未清理干净"


@pytest.mark.parametrize("step", ["nonsense", "report"])
def test_an_unknown_step_is_a_404(cast, client_for, step):
    hazard = hazard_at(cast, "submitted")
    before = snapshot(hazard)
    assert post(client_for(cast.users["township"]), hazard, step).status_code == 404
    assert snapshot(hazard) == before


def test_a_step_page_answers_only_post(cast, client_for):
    hazard = hazard_at(cast, "submitted")
    response = client_for(cast.users["township"]).get(f"/hazards/{hazard.number}/accept/")
    assert response.status_code == 405
