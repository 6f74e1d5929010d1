"""Staff pages of public reports: scope, identity, triage into a hazard, and rewards."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from qianshao.audit.models import AuditRecord
from qianshao.hazards import public
from qianshao.hazards.models import Hazard, PublicStatus, Reward, RewardStatus
from qianshao.hazards.tests.access_rules_public import (
    close_loop,
    industry,
    rewarded,
    send,
    to_hazard,
)
from qianshao.lib.errors import Conflict, NotAllowed


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()


def accept_data(**data):
    fields = {"title": "油桶堆放", "category": industry().pk, "grade": "general"}
    return fields | {"cell": "450901100"} | data


def error_box(html: str) -> str:
    start = html.index('data-testid="errors"')
    return html[start : html.index("</div>", start)]


@pytest.mark.django_db
def test_the_outsider_sees_no_report_or_reward_of_another_county(cast, client_for):
    waiting, done = send(cast), rewarded(cast)
    theirs = send(cast, cell=cast.cell("450902100"), text="丙镇桥梁开裂")
    client = client_for(cast.users["outsider"])
    listing = client.get("/hazards/public/").content.decode()
    assert f"/hazards/public/{theirs.tracking_code}/" in listing
    assert waiting.tracking_code not in listing and done.tracking_code not in listing
    assert done.tracking_code not in client.get("/hazards/rewards/").content.decode()
    assert client.get(f"/hazards/public/{waiting.tracking_code}/").status_code == 404
    assert client.get(f"/hazards/public/{theirs.tracking_code}/").status_code == 200


@pytest.mark.django_db
def test_a_village_member_sees_a_report_in_the_village_but_not_the_reporter_and_cannot_triage(
    cast, client_for
):
    report = send(
        cast, cell=None, lon=106.1, lat=24.1, anonymous=False, name="周九", phone="13600001111"
    )
    client = client_for(cast.users["village"])
    assert report.tracking_code in client.get("/hazards/public/").content.decode()
    page = client.get(f"/hazards/public/{report.tracking_code}/").content.decode()
    assert "实名（仅受理人员可见）" in page
    assert "周九" not in page and "13600001111" not in page
    assert 'data-testid="accept-form"' not in page and 'data-testid="reject-form"' not in page
    response = client.post(f"/hazards/public/{report.tracking_code}/accept/", accept_data())
    assert response.status_code == 403
    assert "只有属地乡镇（园区）或上级可以处理举报" in error_box(response.content.decode())
    assert not Hazard.objects.exists()
    report.refresh_from_db()
    assert report.status == PublicStatus.RECEIVED


@pytest.mark.django_db
def test_the_township_sees_the_reporter_of_a_real_name_report(cast, client_for):
    report = send(cast, anonymous=False, name="吴十", phone="13600002222")
    page = client_for(cast.users["township"]).get(f"/hazards/public/{report.tracking_code}/")
    assert "吴十" in page.content.decode() and "13600002222" in page.content.decode()


ACCEPT_BAD = [
    ("no title", {"title": ""}, "title", "隐患标题"),
    ("markup title", {"title": "<b></b>"}, "title", "隐患标题：不能为空"),
    ("no category", {"category": ""}, "category", "类别"),
    ("unknown category", {"category": "99999"}, "category", "类别"),
    ("unknown grade", {"grade": "huge"}, "grade", "等级"),
    ("a cell in another township", {"cell": "450901101201"}, "cell", "所在网格"),
    ("a cell in another county", {"cell": "450902100201"}, "cell", "所在网格"),
    ("reply too long", {"reply": "长" * 2001}, "reply", "答复举报人"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("case", "data", "field", "named"), ACCEPT_BAD, ids=[b[0] for b in ACCEPT_BAD]
)
def test_bad_triage_input_is_refused_naming_the_field_and_nothing_is_written(
    cast, client_for, case, data, field, named
):
    report = send(cast)
    audit = AuditRecord.objects.count()
    client = client_for(cast.users["county"])
    response = client.post(f"/hazards/public/{report.tracking_code}/accept/", accept_data(**data))
    assert response.status_code == 400, case
    box = error_box(response.content.decode())
    assert f'data-field="{field}"' in box and named in box
    assert not Hazard.objects.exists()
    assert AuditRecord.objects.count() == audit
    report.refresh_from_db()
    assert report.status == PublicStatus.RECEIVED and report.photos.filter(hazard=None).count() == 1


@pytest.mark.django_db
def test_the_action_keeps_the_hazard_within_the_reports_township(cast):
    report = send(cast)
    with pytest.raises(public.ActionError) as refused:
        public.accept_report(
            cast.users["county"],
            report,
            title="t",
            category=industry(),
            grade="general",
            cell=cast.cell("450901101201"),
        )
    assert refused.value.field == "cell"
    assert not Hazard.objects.exists()


@pytest.mark.django_db
def test_the_reporters_point_goes_with_the_hazard_only_when_it_lies_in_the_chosen_cell(cast):
    inside = send(cast, cell=None, lon=106.1, lat=24.1)
    outside = send(cast, cell=None, lon=106.1, lat=24.1)
    triage = cast.users["township"]
    kept = public.accept_report(
        triage, inside, title="t", category=industry(), grade="general", cell=cast.village
    )
    assert (kept.lon, kept.lat, kept.cell) == (106.1, 24.1, cast.village)
    other = cast.cell("450901100202")
    moved = public.accept_report(
        triage, outside, title="t", category=industry(), grade="general", cell=other
    )
    assert (moved.lon, moved.lat, moved.cell) == (None, None, other)


@pytest.mark.django_db
def test_a_report_already_triaged_is_refused_with_409(cast, client_for):
    report = send(cast)
    client = client_for(cast.users["township"])
    url = f"/hazards/public/{report.tracking_code}/"
    assert client.post(url + "accept/", accept_data()).status_code == 302
    again = client.post(url + "accept/", accept_data())
    assert again.status_code == 409 and "该举报已处理" in again.content.decode()
    assert client.post(url + "reject/", {"reply": "重复"}).status_code == 409
    assert Hazard.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("reply", ["", "<p> </p>", "长" * 2001])
def test_a_rejection_needs_a_reply(cast, client_for, reply):
    report = send(cast)
    client = client_for(cast.users["township"])
    response = client.post(f"/hazards/public/{report.tracking_code}/reject/", {"reply": reply})
    assert response.status_code == 400
    assert 'data-field="reply"' in error_box(response.content.decode())
    report.refresh_from_db()
    assert report.status == PublicStatus.RECEIVED and report.reply == ""


@pytest.mark.django_db
def test_rewards_are_decided_by_the_county_only(cast, client_for):
    report = rewarded(cast)
    reward = Reward.objects.get()
    url = f"/hazards/public/{report.tracking_code}/reward/"
    for name in ["township", "department", "village"]:
        client = client_for(cast.users[name])
        page = client.get(f"/hazards/public/{report.tracking_code}/")
        if name == "village":
            assert page.status_code == 404  # a report of 甲镇 is outside the village
            continue
        assert 'data-testid="approve-form"' not in page.content.decode()
        response = client.post(url, {"status": "approved", "amount": "100"})
        assert response.status_code == 403, name
        assert "举报奖励由县级审批" in response.content.decode()
    with pytest.raises(NotAllowed):
        public.decide_reward(cast.users["township"], reward, status="approved", amount=100)
    reward.refresh_from_db()
    assert (reward.status, reward.amount) == (RewardStatus.PROPOSED, None)
    county = client_for(cast.users["county"])
    assert county.post(url, {"status": "approved", "amount": "100"}).status_code == 302


REWARD_BAD = [
    ("no amount", {"status": "approved"}, 400, "amount"),
    ("zero", {"status": "approved", "amount": "0"}, 400, "amount"),
    ("negative", {"status": "approved", "amount": "-5"}, 400, "amount"),
    ("not a number", {"status": "approved", "amount": "many"}, 400, "amount"),
    ("too much", {"status": "approved", "amount": "100000000"}, 400, "amount"),
    ("unknown step", {"status": "proposed"}, 400, "status"),
    ("paid before approved", {"status": "paid"}, 409, None),
]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("case", "data", "status", "field"), REWARD_BAD, ids=[b[0] for b in REWARD_BAD]
)
def test_bad_reward_decisions_are_refused_and_change_nothing(
    cast, client_for, case, data, status, field
):
    report = rewarded(cast)
    audit = AuditRecord.objects.count()
    client = client_for(cast.users["county"])
    response = client.post(f"/hazards/public/{report.tracking_code}/reward/", data)
    assert response.status_code == status, case
    box = error_box(response.content.decode())
    assert field is None or f'data-field="{field}"' in box
    reward = Reward.objects.get()
    assert (reward.status, reward.amount) == (RewardStatus.PROPOSED, None)
    assert AuditRecord.objects.count() == audit


@pytest.mark.django_db
def test_a_reward_is_approved_once_and_paid_once(cast):
    rewarded(cast)
    county = cast.users["county"]
    reward = public.decide_reward(county, Reward.objects.get(), status="approved", amount=300)
    with pytest.raises(Conflict):
        public.decide_reward(county, reward, status="approved", amount=500)
    reward = public.decide_reward(county, reward, status="paid")
    with pytest.raises(Conflict):
        public.decide_reward(county, reward, status="paid")
    reward.refresh_from_db()
    assert (reward.status, str(reward.amount)) == (RewardStatus.PAID, "300.00")


@pytest.mark.django_db
def test_a_report_without_a_reward_has_no_reward_to_decide(cast, client_for):
    report = send(cast)
    client = client_for(cast.users["county"])
    response = client.post(f"/hazards/public/{report.tracking_code}/reward/", {"status": "paid"})
    assert response.status_code == 404


@pytest.mark.django_db
def test_a_photo_is_served_only_through_its_own_report(cast, client_for):
    one, two = send(cast), send(cast)
    client = client_for(cast.users["township"])
    token = two.photos.get().token
    assert client.get(f"/hazards/public/{two.tracking_code}/photos/{token}/").status_code == 200
    assert client.get(f"/hazards/public/{one.tracking_code}/photos/{token}/").status_code == 404


@pytest.mark.django_db
def test_the_list_shows_reports_waiting_for_triage_first_and_filters_by_status(cast, client_for):
    waiting_old = send(cast, text="旧的待处理")
    handled = send(cast, text="已处理")
    to_hazard(cast, handled, grade="general")
    waiting_new = send(cast, text="新的待处理")
    client = client_for(cast.users["township"])
    html = client.get("/hazards/public/").content.decode()
    positions = [html.index(r.tracking_code) for r in [waiting_new, waiting_old, handled]]
    assert positions == sorted(positions)
    only = client.get("/hazards/public/", {"status": "accepted"}).content.decode()
    assert handled.tracking_code in only and waiting_new.tracking_code not in only
    bad = client.get("/hazards/public/", {"status": "lost"})
    assert bad.status_code == 400 and 'data-field="status"' in error_box(bad.content.decode())


@pytest.mark.django_db
def test_the_lists_take_the_same_number_of_queries_however_many_rows(cast, client_for):
    client = client_for(cast.users["county"])

    def queries(url):
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    rewarded(cast)
    queries("/hazards/public/")  # settled configuration (the nav's reporting rule) loads once
    few = queries("/hazards/public/"), queries("/hazards/rewards/")
    for _ in range(3):
        rewarded(cast)
        close_loop(cast, to_hazard(cast, send(cast), grade="general"))
    assert (queries("/hazards/public/"), queries("/hazards/rewards/")) == few
