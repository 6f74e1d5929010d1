"""Issue 12, defects 3, 4 and 9: what a relay (转发) covers and what relaying does.

- A relay's board counts the deliveries it covers: its own and its parent's inside its
  targets (who already held the parent's was written no second one), and its map draws.
- Relaying answers the relayer's own delivery of the parent (已收到, once, audited): the
  chase passes them by. A warning's author, approver and issuer are not its recipients.
- The answer page of a parent's delivery inside a relay's targets shows the relay's added
  instructions with the relaying township's name; its buttons come in order — 已收到
  alone until it is given — and an answer out of order is a 409 in pages and API alike.
"""

import uuid
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from qianshao.accounts.actions import create_login
from qianshao.audit.models import AuditRecord
from qianshao.grid.models import Role
from qianshao.lib.errors import Conflict
from qianshao.notify.models import Message
from qianshao.testing import appoint
from qianshao.warnings import actions, board
from qianshao.warnings import sweep as chase
from qianshao.warnings.maps import in_force
from qianshao.warnings.models import Answer, Channel, Delivery, Reply

INSTRUCTION = "一村立即转移沟边住户，20时前报镇应急办。"


@pytest.fixture
def sms(settings):
    settings.SMS_GATEWAY_URL = "http://127.0.0.1:9/sms"  # set, so SMS are queued
    return settings


@pytest.fixture
def county_warning(cast, warn, sms):
    """A yellow warning the county issued to the whole of A县, with two more members in
    一村 and one in 二村 (each holds a delivery of it)."""
    cast.people["一村甲"] = appoint(cast.village, Role.MEMBER, name="一村网格员甲")
    cast.people["一村乙"] = appoint(cast.village, Role.MEMBER, name="一村网格员乙")
    cast.people["二村"] = appoint(cast.cell("450901100202"), Role.MEMBER, name="二村网格员")
    return actions.issue(cast.users["county"], warn([cast.county]))


def relay_to_village(cast, w):
    return actions.relay(cast.users["township"], w, targets=[cast.village], instruction=INSTRUCTION)


def delivery_of(w, person) -> Delivery:
    return Delivery.objects.get(warning=w, person=person)


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user, backend="qianshao.accounts.backends.UsernameOrPhoneBackend")
    return client


# --- the relay's board (defect 3) -------------------------------------------------------


def test_a_relays_board_counts_the_parents_deliveries_inside_its_targets(cast, county_warning):
    w = county_warning
    newcomer = appoint(cast.village, Role.MEMBER, name="新任网格员")  # after the issue
    relay = relay_to_village(cast, w)
    assert list(Delivery.objects.filter(warning=relay).values_list("person", flat=True)) == [
        newcomer.pk
    ]
    actions.answer(
        cast.users["village"],
        delivery_of(w, cast.people["village"]),
        answer=Answer.RECEIVED,
        via=Channel.PHONE,
    )
    township = cast.users["township"]

    found = board.board(township, relay, cast.township)
    # 一村's three members answer the parent, the newcomer the relay; 二村 is not its target
    assert (found.total.sent, found.total.answered, found.total.waiting) == (4, 1, 3)
    assert [(c.code, t.sent, t.answered) for c, t in found.children] == [(cast.village.code, 4, 1)]
    waiting = board.unanswered(township, relay, cast.township)
    assert sorted(d.person_id for d in waiting) == sorted(
        [cast.people["一村甲"].pk, cast.people["一村乙"].pk, newcomer.pk]
    )
    assert [d.person_id for d in board.answered(township, relay, cast.township)] == [
        cast.people["village"].pk
    ]
    assert board.geojson(township, found)["features"], "its map draws"

    page = logged_in(township).get(f"/warnings/{relay.number}/board/").content.decode()
    assert '<b data-count="sent">4</b>' in page
    assert '<b data-count="answered">1</b>' in page
    assert "全部已叫应" not in page and "data-board-map" in page
    assert cast.people["一村甲"].phone in page and cast.people["二村"].phone not in page

    # the parent's own board is unchanged: its deliveries only, the relay's not
    parent = board.board(cast.users["county"], w, cast.county)
    assert parent.total.sent == Delivery.objects.filter(warning=w).count()


def test_the_relays_board_through_the_api_counts_the_same(cast, county_warning):
    relay = relay_to_village(cast, county_warning)
    client = logged_in(cast.users["township"])
    got = client.get(f"/api/v1/warnings/{relay.pk}/board").json()
    assert got["total"]["sent"] == 3 and got["total"]["answered"] == 0
    waiting = client.get(f"/api/v1/warnings/{relay.pk}/unanswered").json()
    assert waiting["count"] == 3


def test_the_map_layer_gives_a_relay_the_answered_share_of_what_it_covers(cast, county_warning):
    w = county_warning
    relay = relay_to_village(cast, w)
    actions.answer(
        cast.users["village"],
        delivery_of(w, cast.people["village"]),
        answer=Answer.RECEIVED,
        via=Channel.PHONE,
    )
    found = in_force(cast.users["township"], cast.township)
    drawn = {f["properties"]["number"]: f["properties"] for f in found}
    assert (drawn[relay.number]["cell"], drawn[relay.number]["sent"]) == (cast.village.code, 3)
    assert drawn[relay.number]["answered"] == 1
    parent_here = Delivery.objects.filter(warning=w, cell_path__startswith=cast.township.path)
    assert drawn[w.number]["sent"] == parent_here.count()  # the parent's share unchanged


# --- relaying is answering; the issuer is not a recipient (defect 4) --------------------


def test_relaying_answers_the_relayers_own_delivery_once_and_the_chase_passes_it_by(
    cast, county_warning
):
    w = county_warning
    own = delivery_of(w, cast.people["township"])
    assert own.answered_at is None
    relay_to_village(cast, w)
    own.refresh_from_db()
    assert (own.answer, own.answered_via) == (Answer.RECEIVED, Channel.RELAY)
    [reply] = Reply.objects.filter(delivery=own)
    assert (reply.answer, reply.user) == (Answer.RECEIVED, cast.users["township"])
    answers = AuditRecord.objects.filter(action="warnings.answer")
    assert answers.count() == 1 and answers.get().after["person"] == own.person.name

    # a second relay (to 二村) answers nothing again
    actions.relay(
        cast.users["township"], w, targets=[cast.cell("450901100202")], instruction="二村巡查"
    )
    assert Reply.objects.filter(delivery=own).count() == 1
    assert AuditRecord.objects.filter(action="warnings.answer").count() == 1

    chase.sweep(timezone.now() + timedelta(hours=2))  # past the answer time
    resent = Message.objects.filter(event="warnings.resend", payload__warning=w.number)
    chased = set(resent.values_list("person_id", flat=True))
    assert chased and cast.people["township"].pk not in chased
    assert cast.people["village"].pk in chased


def test_relaying_after_answering_leaves_the_answer_as_it_was(cast, county_warning):
    w = county_warning
    own = delivery_of(w, cast.people["township"])
    township = cast.users["township"]
    actions.answer(township, own, answer=Answer.RECEIVED, via=Channel.PHONE)
    actions.answer(township, own, answer=Answer.ACTING, via=Channel.PHONE, note="巡查中")
    relay_to_village(cast, w)
    own.refresh_from_db()
    assert (own.answer, own.answered_via) == (Answer.ACTING, Channel.PHONE)
    assert Reply.objects.filter(delivery=own).count() == 2


def test_the_author_and_issuer_are_not_recipients_of_their_own_warning(cast, county_warning):
    w = county_warning
    people = set(Delivery.objects.filter(warning=w).values_list("person_id", flat=True))
    assert cast.people["county"].pk not in people  # drafted and issued it
    assert {cast.people[who].pk for who in ["township", "village", "department"]} <= people
    assert w.recipients == len(people)
    waiting = board.unanswered(cast.users["county"], w, cast.county)
    assert cast.people["county"].pk not in {d.person_id for d in waiting}


def test_a_relay_gives_its_relayer_no_delivery_of_the_relay(cast, warn, sms):
    """The relayer's post lies inside the parent's targets, so they hold the parent's;
    one appointed there after the issue, relaying to their own township, gets none either."""
    w = actions.issue(cast.users["county"], warn([cast.county]))
    late = appoint(cast.township, Role.DISPATCHER, name="新任镇调度员")
    user = create_login(None, late, username="late-dispatcher", password="late-password-1")
    relay = actions.relay(user, w, targets=[cast.township], instruction="全镇加密巡查")
    assert not Delivery.objects.filter(warning=relay, person=late).exists()


# --- the answer page (defect 9) ---------------------------------------------------------


def test_the_answer_page_shows_the_relays_instructions_to_who_answers_the_parent(
    cast, county_warning
):
    w = county_warning
    relay_to_village(cast, w)
    page = logged_in(cast.users["village"]).get(f"/m/warnings/{w.number}/").content.decode()
    assert INSTRUCTION in page and "甲镇转发" in page
    assert 'data-testid="relay-instruction"' in page

    # outside the relay's targets (二村) the page has the county's instructions only
    other = create_login(None, cast.people["二村"], username="er", password="er-password-1")
    page = logged_in(other).get(f"/m/warnings/{w.number}/").content.decode()
    assert INSTRUCTION not in page and 'data-testid="relay-instruction"' not in page


def test_who_holds_only_the_relay_reads_the_original_guidance_and_the_relays_addition(
    cast, county_warning
):
    w = county_warning
    newcomer = appoint(cast.village, Role.MEMBER, name="新任网格员")  # after the issue
    user = create_login(None, newcomer, username="newcomer", password="new-password-1")
    relay = relay_to_village(cast, w)
    assert Delivery.objects.filter(warning=relay, person=newcomer).exists()
    page = logged_in(user).get(f"/m/warnings/{relay.number}/").content.decode()
    original = page.index(w.instruction)  # the county's 防御指引 first
    added = page.index('data-testid="relay-instruction"')
    assert original < added < page.index(INSTRUCTION) and "甲镇转发" in page[added:]


def buttons(page: str) -> list[str]:
    return [a for a in ["received", "acting", "done"] if f'data-testid="answer-{a}"' in page]


def test_the_answer_buttons_come_in_order_received_alone_first(cast, county_warning):
    w = county_warning
    client = logged_in(cast.users["village"])
    url = f"/m/warnings/{w.number}/"
    assert buttons(client.get(url).content.decode()) == ["received"]
    post = {"client_uuid": str(uuid.uuid4()), "answer": "received"}
    assert client.post(url, post).status_code == 302
    assert buttons(client.get(url).content.decode()) == ["acting", "done"]
    post = {"client_uuid": str(uuid.uuid4()), "answer": "acting", "note": "正在转移"}
    assert client.post(url, post).status_code == 302
    assert buttons(client.get(url).content.decode()) == ["done"]


@pytest.mark.parametrize("skipped_to", [Answer.ACTING, Answer.DONE])
def test_an_answer_before_received_is_a_409_in_the_action_the_page_and_the_api(
    cast, county_warning, skipped_to
):
    w = county_warning
    mine = delivery_of(w, cast.people["village"])
    village = cast.users["village"]
    with pytest.raises(Conflict) as refused:
        actions.answer(village, mine, answer=skipped_to, via=Channel.PHONE, evacuated=1)
    assert refused.value.field == "answer" and "请先回复“已收到”" in str(refused.value.message)

    client = logged_in(village)
    post = {"client_uuid": str(uuid.uuid4()), "answer": skipped_to, "evacuated": "1"}
    page = client.post(f"/m/warnings/{w.number}/", post)
    assert page.status_code == 409 and "请先回复“已收到”" in page.content.decode()
    assert buttons(page.content.decode()) == ["received"]

    api = client.post(
        f"/api/v1/warnings/deliveries/{mine.pk}/answer",
        {"answer": skipped_to, "evacuated": 1},
        content_type="application/json",
    )
    assert api.status_code == 409 and api.json()["field"] == "answer"
    assert "请先回复“已收到”" in api.json()["detail"]

    mine.refresh_from_db()
    assert (mine.answer, mine.answered_at) == ("", None)
    assert not Reply.objects.filter(delivery=mine).exists()
