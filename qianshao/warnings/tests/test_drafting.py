"""The draft workflow (issue 12, defect 8): a draft is edited — every field, on the new
form prefilled, through the API too — until it is submitted for approval (then 409) and
again once sent back; submitting tells everyone who may approve it, and only them;
approving issues it when its author asked so, in the same step; the author is told of the
approval and of a sending back; the form's text comes from the type and level's template."""

import uuid
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from qianshao.accounts.actions import create_login
from qianshao.audit.models import AuditRecord
from qianshao.grid import actions as grid_actions
from qianshao.grid.models import Role
from qianshao.lib.errors import ActionError, Conflict, NotAllowed
from qianshao.notify.models import Message
from qianshao.testing import appoint
from qianshao.warnings import actions
from qianshao.warnings.models import (
    Delivery,
    Level,
    Source,
    Status,
    Step,
    Target,
    Warning,
    WarningTemplate,
    WarningType,
)
from qianshao.warnings.permissions import allowed_steps, approvers

pytestmark = pytest.mark.django_db


def form(**fields) -> dict:
    return {"client_uuid": str(uuid.uuid4())} | fields


def api(user) -> Client:
    client = Client()
    client.force_login(user, backend="qianshao.accounts.backends.UsernameOrPhoneBackend")
    return client


def steps(w: Warning) -> list[str]:
    return list(AuditRecord.objects.for_object(w).values_list("action", flat=True))


def inapp(event: str) -> list[int]:
    """The users an in-app message of ``event`` went to."""
    found = Message.objects.filter(event=event, channel="inapp")
    return sorted(found.values_list("user_id", flat=True))


@pytest.fixture
def sms(settings):
    settings.SMS_GATEWAY_URL = "http://127.0.0.1:9/sms"
    return settings


@pytest.fixture
def county_head(cast):
    person = appoint(cast.county, Role.HEAD, name="县应急办主任")
    return create_login(None, person, username="county-head", password="head-password-1")


def targets_of(w: Warning) -> list[str]:
    return sorted(Target.objects.filter(warning=w).values_list("cell__code", flat=True))


# --- editing a draft --------------------------------------------------------------------


def test_the_author_edits_every_field_of_a_draft_audited(cast, warn):
    w = warn([cast.township], by="township")
    gale = WarningType.objects.get(code="gale")
    until = timezone.now() + timedelta(hours=30)
    village = cast.cell("450901100201")
    w = actions.edit(
        cast.users["township"],
        w,
        type=gale,
        level=Level.ORANGE,
        headline="甲镇大风橙色预警",
        text="阵风9级",
        instruction="加固门窗",
        targets=[village],
        valid_until=until,
        sender_name="甲镇人民政府",
    )
    w.refresh_from_db()
    assert (w.type, w.level, w.headline, w.text, w.instruction) == (
        gale,
        Level.ORANGE,
        "甲镇大风橙色预警",
        "阵风9级",
        "加固门窗",
    )
    assert (w.valid_until, w.sender_name, w.status) == (until, "甲镇人民政府", Status.DRAFT)
    assert targets_of(w) == ["450901100201"] and w.cell == cast.township
    assert steps(w) == ["warnings.draft", "warnings.edit"]
    record = AuditRecord.objects.for_object(w).get(action="warnings.edit")
    assert record.before["headline"] != record.after["headline"] == "甲镇大风橙色预警"
    assert (record.before["targets"], record.after["targets"]) == (["450901100"], ["450901100201"])


def test_an_edit_that_widens_the_targets_moves_the_cell_its_sender_and_cap_identifier(cast, warn):
    township = cast.users["township"]
    grid_actions.assign_role(  # the township's dispatcher also holds a county post
        None,
        person=cast.people["township"],
        cell=cast.county,
        role=Role.DEPUTY,
        start=timezone.localdate(),
        notify=False,
    )
    w = warn([cast.cell("450901100201")], by="township")
    assert (w.cell, w.sender_name) == (cast.township, cast.township.name)
    assert w.cap_identifier == f"{cast.township.code}_{w.number}"
    w = actions.edit(
        township, w, targets=[cast.township, cast.cell("450901101")], sender_name=w.sender_name
    )
    w.refresh_from_db()
    assert (w.cell, w.sender_name) == (cast.county, cast.county.name)
    assert w.cap_identifier == f"{cast.county.code}_{w.number}"
    w = actions.edit(township, w, sender_name="A县气象台", targets=[cast.county])
    assert w.sender_name == "A县气象台"  # a sender the author named stays


def test_an_edit_is_checked_as_a_new_draft_and_writes_nothing_when_refused(cast, warn):
    w = warn([cast.township], by="township")
    before = (Warning.objects.values().get(pk=w.pk), targets_of(w))
    township = cast.users["township"]
    for fields, field in [
        ({"headline": "  "}, "headline"),
        ({"targets": []}, "targets"),
        ({"valid_until": timezone.now() - timedelta(hours=1)}, "valid_until"),
    ]:
        with pytest.raises(ActionError) as refused:
            actions.edit(township, w, **fields)
        assert refused.value.field == field
    with pytest.raises(NotAllowed):  # outside their scope
        actions.edit(township, w, targets=[cast.cell("450901101")])
    with pytest.raises(NotAllowed):  # no issuing post over it
        actions.edit(cast.users["village"], w, headline="改")
    assert (Warning.objects.values().get(pk=w.pk), targets_of(w)) == before


def test_a_submitted_draft_is_not_edited_until_sent_back(cast, warn, county_head):
    w = warn([cast.township], by="township")
    township = cast.users["township"]
    w = actions.submit(township, w)
    assert w.status == Status.SUBMITTED
    assert Step.EDIT not in allowed_steps(township, w)
    with pytest.raises(Conflict) as refused:
        actions.edit(township, w, headline="改一改")
    assert "待审核" in refused.value.message and "修改" in refused.value.message
    w = actions.send_back(county_head, w, reason="请补充转移安置点")
    assert w.status == Status.DRAFT
    w = actions.edit(township, w, headline="改一改")
    assert w.headline == "改一改"
    assert steps(w) == [
        "warnings.draft",
        "warnings.submit",
        "warnings.return",
        "warnings.edit",
    ]
    [back] = Message.objects.filter(event="warnings.return")
    assert (back.channel, back.user, back.body) == ("inapp", township, "请补充转移安置点")
    assert back.link == f"/warnings/{w.number}/"


def test_an_upstream_draft_is_not_edited_here(cast, warn):
    w = warn([cast.township])
    Warning.objects.filter(pk=w.pk).update(source=Source.UPSTREAM)
    w.refresh_from_db()
    with pytest.raises(NotAllowed) as refused:
        actions.edit(cast.users["county"], w, headline="改")
    assert "上级预警发布系统" in refused.value.message


def test_the_edit_page_is_the_new_form_prefilled_and_saves(cast, warn, client_for, rainstorm):
    w = warn([cast.township], by="township")
    township = client_for(cast.users["township"])
    page = township.get(f"/warnings/{w.number}/").content.decode()
    assert 'data-testid="edit"' in page
    page = township.get(f"/warnings/{w.number}/edit/").content.decode()
    assert 'data-testid="warning-form"' in page and w.headline in page
    # the department member sees it but holds no issuing post
    assert (
        client_for(cast.users["department"]).get(f"/warnings/{w.number}/edit/").status_code == 403
    )
    township = client_for(cast.users["township"])
    assert (
        f'value="{cast.township.pk}" id="target-{cast.township.pk}" data-code="450901100" checked'
        in page
    )
    data = form(
        type=rainstorm.pk,
        level="yellow",
        headline="甲镇暴雨黄色预警（修改）",
        text=w.text,
        instruction=w.instruction,
        targets=[cast.cell("450901100201").pk],
        valid_until="2099-01-01T00:00",
    )
    bad = township.post(f"/warnings/{w.number}/edit/", data | {"headline": ""})
    assert bad.status_code == 400
    assert township.post(f"/warnings/{w.number}/edit/", data).status_code == 302
    w.refresh_from_db()
    assert w.headline == "甲镇暴雨黄色预警（修改）" and targets_of(w) == ["450901100201"]
    # submitted: the page says why it is not edited, with a 409
    assert township.post(f"/warnings/{w.number}/submit/", form()).status_code == 302
    refused = township.get(f"/warnings/{w.number}/edit/")
    assert refused.status_code == 409 and "“待审核”状态下不能修改" in refused.content.decode()
    posted = township.post(f"/warnings/{w.number}/edit/", data | {"headline": "再改"})
    assert posted.status_code == 409
    assert Warning.objects.get(pk=w.pk).headline == "甲镇暴雨黄色预警（修改）"


def test_the_api_edits_a_draft_with_the_same_rules(cast, warn):
    w = warn([cast.township], by="township")
    client = api(cast.users["township"])
    url = f"/api/v1/warnings/{w.pk}"
    response = client.patch(
        url,
        {"headline": "接口修改", "type": "gale", "targets": ["450901100201"]},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["headline"], body["type"], body["targets"]) == (
        "接口修改",
        "gale",
        ["450901100201"],
    )
    bad = client.patch(url, {"headline": " "}, content_type="application/json")
    assert bad.status_code == 400 and bad.json()["field"] == "headline"
    submitted = client.post(
        f"{url}/submit", {"issue_on_approval": True}, content_type="application/json"
    )
    assert submitted.status_code == 200 and submitted.json()["status"] == "submitted"
    assert submitted.json()["issue_on_approval"] is True
    refused = client.patch(url, {"headline": "再改"}, content_type="application/json")
    assert refused.status_code == 409
    assert "待审核" in refused.json()["detail"] and refused.json()["field"] == "step"
    assert Warning.objects.get(pk=w.pk).headline == "接口修改"
    back = api(cast.users["county"]).post(
        f"{url}/return", {"reason": "范围再斟酌"}, content_type="application/json"
    )
    assert back.status_code == 200 and back.json()["status"] == "draft"
    assert back.json()["issue_on_approval"] is False


# --- submitting tells those who may approve ---------------------------------------------


def test_submitting_tells_everyone_who_may_approve_and_nobody_else(cast, warn, county_head):
    w = warn([cast.township], by="township")
    deputy = create_login(
        None, appoint(cast.county, Role.DEPUTY, name="副县长"), username="deputy", password="x" * 12
    )
    w = actions.submit(cast.users["township"], w)
    who = {cast.users["county"].pk, county_head.pk, deputy.pk}
    assert inapp("warnings.submit") == sorted(who)
    assert {u.pk for u in approvers(w)} == who
    message = Message.objects.filter(event="warnings.submit").first()
    assert message.link == f"/warnings/{w.number}/" and w.headline in message.subject
    # not the author, the village, the department's member, the other county, SMS none
    assert not Message.objects.filter(event="warnings.submit").exclude(channel="inapp").exists()


def test_a_county_draft_is_announced_to_the_county_not_to_its_townships(cast, warn, county_head):
    w = actions.submit(cast.users["county"], warn([cast.county]))
    assert inapp("warnings.submit") == [county_head.pk]  # never its author
    assert approvers(w) == [county_head]  # the township's dispatcher is below its cell


# --- approval that issues ---------------------------------------------------------------


def test_approval_issues_it_when_the_author_asked_so(cast, warn, sms, county_head):
    county = cast.users["county"]
    w = warn([cast.county], level=Level.RED)
    w = actions.submit(county, w, issue_on_approval=True)
    w = actions.approve(county_head, w, note="同意发布")
    assert (w.status, w.approved_by, w.issued_by) == (Status.ISSUED, county_head, county_head)
    assert steps(w) == [
        "warnings.draft",
        "warnings.submit",
        "warnings.approve",
        "warnings.issue",
    ]
    assert Delivery.objects.filter(warning=w).count() == w.recipients > 0
    [told] = Message.objects.filter(event="warnings.approve")
    assert (told.channel, told.user) == ("inapp", county) and "已审核并发布" in told.subject


def test_the_approver_is_told_on_the_page_that_approving_issued_it(
    cast, warn, sms, county_head, client_for
):
    w = actions.submit(cast.users["county"], warn([cast.county]), issue_on_approval=True)
    head = client_for(county_head)
    answer = head.post(f"/warnings/{w.number}/approve/", form(note="同意"), follow=True)
    assert answer.status_code == 200 and "已审核并发布" in answer.content.decode()
    w = actions.submit(cast.users["county"], warn([cast.county]))
    answer = head.post(f"/warnings/{w.number}/approve/", form(note="同意"), follow=True)
    assert "已审核并发布" not in answer.content.decode() and "已审核" in answer.content.decode()


def test_a_refused_issue_leaves_the_approval_undone(cast, warn, county_head, settings):
    settings.SMS_GATEWAY_URL = ""  # nobody in the targets has a login nor SMS: refused
    w = warn([cast.cell("450901100202")], level=Level.RED)
    w = actions.submit(cast.users["county"], w, issue_on_approval=True)
    appoint(cast.cell("450901100202"), Role.HEAD, name="二村村长")
    with pytest.raises(Conflict):
        actions.approve(county_head, w)
    w.refresh_from_db()
    assert (w.status, w.approved_by) == (Status.SUBMITTED, None)
    assert steps(w) == ["warnings.draft", "warnings.submit"]


def test_without_asking_approval_leaves_it_for_either_to_issue(
    cast, warn, sms, county_head, client_for
):
    w = warn([cast.county], level=Level.RED)
    w = actions.submit(cast.users["county"], w)
    w = actions.approve(county_head, w)
    assert w.status == Status.APPROVED
    [told] = Message.objects.filter(event="warnings.approve")
    assert "可以发布" in told.subject
    head = client_for(county_head)
    page = head.get(f"/warnings/{w.number}/").content.decode()
    assert 'data-testid="step-issue"' in page  # the approver, not only the author
    assert head.post(f"/warnings/{w.number}/issue/", form()).status_code == 302
    assert Warning.objects.get(pk=w.pk).issued_by == county_head


def test_the_submit_form_asks_whether_approval_issues_it(cast, warn, sms, county_head, client_for):
    w = warn([cast.county], level=Level.RED)
    county = client_for(cast.users["county"])
    page = county.get(f"/warnings/{w.number}/").content.decode()
    assert 'data-testid="step-submit"' in page and "审核通过后立即发布" in page
    response = county.post(f"/warnings/{w.number}/submit/", form(issue_on_approval="on"))
    assert response.status_code == 302
    w.refresh_from_db()
    assert (w.status, w.issue_on_approval) == (Status.SUBMITTED, True)
    page = county.get(f"/warnings/{w.number}/").content.decode()
    assert 'data-testid="edit"' not in page and 'data-testid="step-submit"' not in page
    head = client_for(county_head)
    assert 'data-testid="step-return"' in head.get(f"/warnings/{w.number}/").content.decode()
    assert head.post(f"/warnings/{w.number}/approve/", form(note="同意")).status_code == 302
    assert Warning.objects.get(pk=w.pk).status == Status.ISSUED


# --- message templates ------------------------------------------------------------------


def test_the_new_form_takes_its_text_from_the_type_and_levels_template(cast, client_for, rainstorm):
    WarningTemplate.objects.create(
        type=rainstorm,
        level=Level.ORANGE,
        headline="A县发布暴雨橙色预警",
        text="预计未来3小时内降雨量将达50毫米以上。",
        instruction="立即转移危险区群众。",
    )
    WarningTemplate.objects.create(
        type=rainstorm, level=Level.BLUE, headline="停用的", text="停用", active=False
    )
    county = client_for(cast.users["county"])
    page = county.get(f"/warnings/new/?type={rainstorm.pk}&level=orange").content.decode()
    assert 'value="A县发布暴雨橙色预警"' in page and "立即转移危险区群众。</textarea>" in page
    assert "data-templates=" in page and "预计未来3小时内降雨量将达50毫米以上。" in page
    page = county.get(f"/warnings/new/?type={rainstorm.pk}&level=blue").content.decode()
    assert "停用的" not in page
    assert county.get("/warnings/new/?type=x&level=nope").status_code == 200


def test_the_admin_keeps_the_templates(cast, client_for, rainstorm):
    admin = client_for(cast.users["admin"])
    page = admin.get("/admin/warnings/warningtemplate/add/").content.decode()
    assert "预警信息模板" in page and "标题模板" in page and "防御指引模板" in page
    response = admin.post(
        "/admin/warnings/warningtemplate/add/",
        {
            "type": rainstorm.pk,
            "level": "red",
            "headline": "A县发布暴雨红色预警",
            "text": "内容",
            "instruction": "",
            "active": "on",
        },
    )
    assert response.status_code == 302
    assert WarningTemplate.objects.get().headline == "A县发布暴雨红色预警"


def test_the_demo_seeds_a_template_per_common_type_and_level_and_keeps_edits(db):
    from qianshao.warnings import demo

    types = {t.code: t for t in WarningType.objects.all()}
    assert demo.templates(types) == 16
    for code in ["rainstorm", "geohazard", "flash_flood", "forest_fire"]:
        levels = WarningTemplate.objects.filter(type__code=code).values_list("level", flat=True)
        assert sorted(levels) == sorted(Level.values)
    red = WarningTemplate.objects.get(type__code="rainstorm", level=Level.RED)
    assert red.headline == "凌云县发布暴雨红色预警" and "100毫米" in red.text
    WarningTemplate.objects.filter(pk=red.pk).update(text="县里改过的")
    assert demo.templates(types) == 0
    assert WarningTemplate.objects.get(pk=red.pk).text == "县里改过的"


# --- who writes the words is not who approves them --------------------------------------


def test_only_the_author_edits_or_submits_so_an_approver_never_approves_their_own_words(
    cast, warn, county_head
):
    w = warn([cast.township])  # the county dispatcher's draft
    for step in (
        lambda: actions.edit(county_head, w, level=Level.RED, headline="全县红色"),
        lambda: actions.submit(county_head, w, issue_on_approval=True),
    ):
        with pytest.raises(NotAllowed, match="只有起草人"):
            step()
    w.refresh_from_db()
    assert (w.status, w.level, w.issue_on_approval) == (Status.DRAFT, Level.YELLOW, False)
    assert Step.EDIT not in allowed_steps(county_head, w)
    assert Step.SUBMIT not in allowed_steps(county_head, w)
    w = actions.submit(cast.users["county"], w)  # the author asks; the head approves
    w = actions.send_back(county_head, w, reason="请补充转移安置点")
    with pytest.raises(NotAllowed, match="只有起草人"):
        actions.edit(county_head, w, headline="改")
    assert Step.EDIT in allowed_steps(cast.users["county"], w)


def test_the_forms_refuse_a_number_that_is_a_digit_only_to_unicode(cast, warn, client_for):
    county = client_for(cast.users["county"])
    assert county.get("/warnings/new/", {"type": "²", "level": "red"}).status_code == 200
    assert county.get("/warnings/new/", {"type": "9" * 5000, "level": "red"}).status_code == 200
    answer = county.post("/warnings/new/", form(targets=["²"], headline="x"))
    assert answer.status_code == 400
    assert Warning.objects.count() == 0


def test_a_draft_nobody_may_approve_is_not_submitted_to_wait_for_nobody(cast, warn):
    w = warn([cast.county])  # the county's dispatcher is the only one at the county
    with pytest.raises(Conflict, match="没有可以审核此预警的人"):
        actions.submit(cast.users["county"], w)
    w.refresh_from_db()
    assert w.status == Status.DRAFT and steps(w) == ["warnings.draft"]
