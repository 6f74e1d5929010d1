"""The warning pages: what each user sees and may press, the forms' refusals, the board,
the phone pages and the one-tap link."""

import re
import uuid
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from qianshao.accounts.actions import create_login
from qianshao.audit.models import AuditRecord
from qianshao.testing import appoint
from qianshao.warnings import actions, links
from qianshao.warnings.models import Delivery, Reply, Status, Warning


def form(**fields) -> dict:
    return {"client_uuid": str(uuid.uuid4())} | fields


@pytest.fixture
def county_head(cast):
    person = appoint(cast.county, "head", name="县长")
    return create_login(None, person, username="county-head", password="head-password-1")


def test_the_list_shows_what_reaches_the_user_and_its_answers_within_their_scope(
    cast, issued, client_for, settings
):
    settings.SMS_GATEWAY_URL = "http://127.0.0.1:9/sms"  # SMS on: who has no login is told
    to_jia = issued([cast.township], headline="甲镇暴雨预警")
    appoint(cast.cell("450901101"), "head", name="乙镇网格长")  # someone to tell there
    issued([cast.cell("450901101")], headline="乙镇暴雨预警")
    village = client_for(cast.users["village"]).get("/warnings/").content.decode()
    assert "甲镇暴雨预警" in village and "乙镇暴雨预警" not in village
    outsider = client_for(cast.users["outsider"]).get("/warnings/").content.decode()
    assert "暴雨预警" not in outsider
    county = client_for(cast.users["county"])
    page = county.get("/warnings/?status=issued&level=yellow").content.decode()
    assert "甲镇暴雨预警" in page and "乙镇暴雨预警" in page
    assert f"0 / {to_jia.recipients}" in page  # answered / sent, within the county's scope


def test_the_list_reads_a_fixed_number_of_queries_however_many_warnings(cast, issued, client_for):
    county = client_for(cast.users["county"])
    issued()
    county.get("/warnings/")  # settled configuration (the nav's reporting rule) loads once
    with CaptureQueriesContext(connection) as few:
        assert county.get("/warnings/").status_code == 200
    for _ in range(5):
        issued()
    with CaptureQueriesContext(connection) as many:
        assert county.get("/warnings/").status_code == 200
    assert len(many) == len(few)


def test_the_new_warning_form_offers_only_the_users_own_cells(cast, client_for):
    page = client_for(cast.users["township"]).get("/warnings/new/").content.decode()
    assert "甲镇" in page and "一村" in page
    assert "乙镇" not in page and "A县" not in page.split("预警范围", 1)[1]
    assert client_for(cast.users["village"]).get("/warnings/new/").status_code == 403


def test_a_draft_from_the_form_names_the_field_it_refuses(cast, client_for, rainstorm):
    county = client_for(cast.users["county"])
    before = Warning.objects.count()
    data = form(
        type=rainstorm.pk,
        level="yellow",
        headline="暴雨预警",
        text="内容",
        targets=[cast.township.pk],
        valid_from="2099-01-02T00:00",
        valid_until="2099-01-01T00:00",
    )
    response = county.post("/warnings/new/", data)
    assert response.status_code == 400
    assert "失效时间须晚于生效时间" in response.content.decode()
    response = county.post("/warnings/new/", data | {"targets": []})
    assert response.status_code == 400
    assert Warning.objects.count() == before
    response = county.post("/warnings/new/", data | {"valid_from": ""})
    assert response.status_code == 302
    assert Warning.objects.get().status == Status.DRAFT


def test_each_page_shows_the_buttons_of_the_steps_the_user_may_take(
    cast, warn, client_for, county_head
):
    red = warn([cast.county], level="red")
    county = client_for(cast.users["county"])
    page = county.get(f"/warnings/{red.number}/").content.decode()
    assert 'data-testid="step-approve"' not in page  # its author
    assert 'data-testid="step-issue"' not in page  # not yet approved
    assert 'data-testid="step-cancel"' in page
    assert "须经另一人审核" in page
    head = client_for(county_head)
    page = head.get(f"/warnings/{red.number}/").content.decode()
    assert 'data-testid="step-approve"' in page
    assert head.post(f"/warnings/{red.number}/approve/", form(note="同意")).status_code == 302
    page = head.get(f"/warnings/{red.number}/").content.decode()
    assert 'data-testid="step-issue"' in page and 'data-testid="step-approve"' not in page
    assert head.post(f"/warnings/{red.number}/issue/", form()).status_code == 302
    page = client_for(cast.users["township"]).get(f"/warnings/{red.number}/").content.decode()
    assert 'data-testid="step-relay"' in page  # inside the targets, below the county
    assert 'data-testid="step-cancel"' not in page and 'data-testid="revise"' not in page
    page = client_for(cast.users["village"]).get(f"/warnings/{red.number}/").content.decode()
    assert 'data-testid="steps"' not in page


def test_a_step_refused_shows_the_reason_and_changes_nothing(cast, warn, client_for):
    red = warn([cast.county], level="red")
    county = client_for(cast.users["county"])
    records = AuditRecord.objects.count()
    response = county.post(f"/warnings/{red.number}/issue/", form())
    assert response.status_code == 403
    assert "须经另一人审核后发布" in response.content.decode()
    response = county.post(f"/warnings/{red.number}/cancel/", form(reason=""))
    assert response.status_code == 400
    assert county.post(f"/warnings/{red.number}/launch/", form()).status_code == 404
    red.refresh_from_db()
    assert red.status == Status.DRAFT and AuditRecord.objects.count() == records


def test_issuing_to_nobody_is_refused_by_the_page_and_the_api_naming_the_targets(
    cast, warn, client_for
):
    w = warn([cast.cell("450901101")])  # 乙镇: nobody appointed there
    county = client_for(cast.users["county"])
    records = AuditRecord.objects.count()
    response = county.post(f"/warnings/{w.number}/issue/", form())
    assert response.status_code == 400
    assert "预警范围（乙镇）内没有需叫应的责任人" in response.content.decode()
    response = county.post(f"/api/v1/warnings/{w.pk}/issue")
    assert (response.status_code, response.json()["field"]) == (400, "targets")
    assert "预警范围（乙镇）内没有需叫应的责任人" in response.json()["detail"]
    w.refresh_from_db()
    assert (w.status, w.recipients, w.issued_at) == (Status.DRAFT, 0, None)
    assert (Delivery.objects.count(), AuditRecord.objects.count()) == (0, records)


def test_a_resent_step_form_takes_the_step_once(cast, warn, client_for):
    w = warn()
    county = client_for(cast.users["county"])
    data = form()
    assert county.post(f"/warnings/{w.number}/issue/", data).status_code == 302
    assert county.post(f"/warnings/{w.number}/issue/", data).status_code == 302
    assert AuditRecord.objects.filter(action="warnings.issue").count() == 1


def test_the_township_relays_from_the_page_to_its_villages(cast, issued, client_for):
    w = issued()
    township = client_for(cast.users["township"])
    data = form(targets=[cast.village.pk], instruction="村干部入户通知")
    response = township.post(f"/warnings/{w.number}/relay/", data)
    assert response.status_code == 302
    relay = Warning.objects.get(parent=w)
    assert response["Location"] == f"/warnings/{relay.number}/"
    response = township.post(f"/warnings/{w.number}/relay/", form(instruction="x"))
    assert response.status_code == 400 and Warning.objects.filter(parent=w).count() == 1


def test_a_new_version_from_the_revise_page_updates_the_old_once_issued(
    cast, issued, client_for, rainstorm
):
    w = issued()
    county = client_for(cast.users["county"])
    assert 'value="yellow" selected' in county.get(f"/warnings/{w.number}/revise/").content.decode()
    data = form(
        type=rainstorm.pk,
        level="orange",
        headline=w.headline,
        text=w.text,
        targets=[cast.township.pk],
        valid_until=timezone.localtime(w.valid_until).strftime("%Y-%m-%dT%H:%M"),
    )
    response = county.post(f"/warnings/{w.number}/revise/", data)
    assert response.status_code == 302
    new = Warning.objects.get(replaces=w)
    assert (new.status, new.level) == (Status.DRAFT, "orange")
    refused = county.post(f"/warnings/{new.number}/issue/", form())  # 甲镇: 2 of 3 villages
    assert refused.status_code == 403 and "须经另一人审核" in refused.content.decode()
    actions.approve(cast.users["admin"], new)
    assert county.post(f"/warnings/{new.number}/issue/", form()).status_code == 302
    w.refresh_from_db()
    assert w.status == Status.UPDATED
    assert "新版本" in county.get(f"/warnings/{w.number}/").content.decode()


def test_the_board_drills_down_and_its_partial_is_the_fresh_board(cast, issued, client_for):
    w = issued()
    village = Delivery.objects.get(warning=w, person=cast.people["village"])
    actions.answer(cast.users["village"], village, answer="received", via="phone")
    county = client_for(cast.users["county"])
    page = county.get(f"/warnings/{w.number}/board/").content.decode()
    assert 'data-cell="450901100"' in page and 'hx-trigger="every 5s"' in page
    page = county.get(f"/warnings/{w.number}/board/?cell=450901100").content.decode()
    assert 'data-cell="450901100201"' in page
    assert "village人" in page  # answered
    assert cast.people["township"].phone in page  # not yet
    partial = county.get(f"/warnings/{w.number}/board/", HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in partial and 'data-count="answered">1<' in partial
    township = client_for(cast.users["township"])
    assert township.get(f"/warnings/{w.number}/board/?cell=450901").status_code == 404


def test_the_board_counts_those_acting_apart_from_those_done(cast, issued, client_for):
    w = issued()
    village = Delivery.objects.get(warning=w, person=cast.people["village"])
    actions.answer(cast.users["village"], village, answer="received", via="phone")
    actions.answer(cast.users["village"], village, answer="acting", via="phone", note="正在转移")
    page = client_for(cast.users["county"]).get(f"/warnings/{w.number}/board/").content.decode()
    assert 'data-count="acting">1<' in page and 'data-count="done">0<' in page
    row = re.search(r'<tr data-cell="450901100">.*?</tr>', page, re.S).group(0)
    assert '<td class="num" data-acting>1</td>' in row


def test_the_phone_lists_my_warnings_waiting_first_and_answers_from_the_inbox_link(
    cast, issued, client_for
):
    old = issued(headline="旧预警")
    new = issued(headline="新预警")
    mine = Delivery.objects.get(warning=old, person=cast.people["village"])
    actions.answer(cast.users["village"], mine, answer="received", via="phone")
    township = client_for(cast.users["township"]).get("/m/warnings/").content.decode()
    assert township.count("data-number") == 2  # theirs too: both went to 甲镇's dispatcher
    village = client_for(cast.users["village"])  # the same test client, now the village's
    page = village.get("/m/warnings/").content.decode()
    assert page.index("新预警") < page.index("旧预警")
    from_inbox = village.get(f"/m/warnings/{new.number}/?via=inbox").content.decode()
    assert 'name="via" value="inbox"' in from_inbox
    response = village.post(f"/m/warnings/{new.number}/", form(answer="received", via="inbox"))
    assert response.status_code == 302
    assert Delivery.objects.get(warning=new, person=cast.people["village"]).answered_via == "inbox"
    response = village.post(f"/m/warnings/{new.number}/", form(answer="received"))
    assert response.status_code == 409 and "您已答复" in response.content.decode()


def test_opening_the_one_tap_link_changes_nothing_and_a_tap_answers(cast, issued, client):
    w = issued()
    d = Delivery.objects.get(warning=w, person=cast.people["township"])
    url = links.link_for(d.pk)
    page = client.get(url).content.decode()
    assert w.headline in page and 'data-testid="answer-received"' in page
    assert Reply.objects.count() == 0
    assert client.post(url, form(answer="received")).status_code == 302
    d.refresh_from_db()
    assert (d.answer, d.answered_via) == ("received", "link")
    again = client.post(url, form(answer="received"))
    assert again.status_code == 409 and "您已答复" in again.content.decode()
    assert client.post(url, form(answer="done", evacuated=5)).status_code == 302
    assert Reply.objects.filter(delivery=d).count() == 2


def test_a_forged_or_ended_link_answers_nothing(cast, issued, client):
    w = issued()
    d = Delivery.objects.get(warning=w, person=cast.people["township"])
    token = links.token_for(d.pk)
    forged = token[:-1] + ("A" if token[-1] != "A" else "B")
    assert client.get(f"/w/{forged}").status_code == 404
    other = links.token_for(d.pk + 1).split("-", 1)[1]
    assert client.post(f"/w/{d.pk:x}-{other}", form(answer="received")).status_code == 404
    actions.cancel(cast.users["county"], w, reason="解除")
    response = client.post(f"/w/{token}", form(answer="received"))
    assert response.status_code == 409 and "已结束" in response.content.decode()
    assert Reply.objects.count() == 0


def shows_nothing_of(page: str, d: Delivery) -> bool:
    w = d.warning
    return all(s not in page for s in [w.headline, w.text, w.number, d.person.name, d.cell.name])


def test_a_forged_altered_or_cut_short_link_says_it_is_invalid_and_shows_nothing(
    cast, issued, client
):
    w = issued()
    d = Delivery.objects.get(warning=w, person=cast.people["township"])
    token = links.token_for(d.pk)
    head, _dash, mac = token.partition("-")
    bad = [
        "1-" + "A" * 16,  # made up
        token[:-1] + ("A" if token[-1] != "A" else "B"),  # one character changed
        f"{links.token_for(d.pk + 1).partition('-')[0]}-{mac}",  # another id, this MAC
        token[:-3],  # cut short by the phone
        "not-a-token",
    ]
    for forged in bad:
        for response in (client.get(f"/w/{forged}"), client.post(f"/w/{forged}", form())):
            page = response.content.decode()
            assert response.status_code == 404, forged
            assert "链接无效" in page and "该链接无效或已过期" in page, forged
            assert shows_nothing_of(page, d), forged
    assert Reply.objects.count() == 0


def test_the_link_of_an_ended_warning_says_it_has_expired_and_shows_nothing(cast, issued, client):
    cancelled = issued()
    lapsed = issued(valid_until=timezone.now() + timedelta(hours=1))
    township = cast.people["township"]
    mine = [Delivery.objects.get(warning=w, person=township) for w in [cancelled, lapsed]]
    assert all(client.get(links.link_for(d.pk)).status_code == 200 for d in mine)
    actions.cancel(cast.users["county"], cancelled, reason="解除")
    with time_machine.travel(timezone.now() + timedelta(hours=2)):  # lapsed, not yet swept
        for d in mine:
            url = links.link_for(d.pk)
            for response in (client.get(url), client.post(url, form(answer="received"))):
                page = response.content.decode()
                assert response.status_code == 409
                assert "链接已失效" in page and "该预警已结束，此链接已失效，无需再回复。" in page
                assert shows_nothing_of(page, d)
    assert Reply.objects.count() == 0


def test_the_home_page_shows_warnings_in_force_and_mine_waiting(cast, issued, client_for):
    w = issued(valid_until=timezone.now() + timedelta(hours=2))
    page = client_for(cast.users["village"]).get("/").content.decode()
    assert "预警叫应 (1)" in page
    page = client_for(cast.users["county"]).get("/").content.decode()
    assert w.headline in page
