"""The supervision board (督办台): overdue first, then what falls due within a day, and the
supervision records with an answer form for those who must answer."""

import re
from datetime import timedelta

import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from qianshao.hazards import actions
from qianshao.hazards import sweep as supervision
from qianshao.hazards.models import Hazard, Supervision
from qianshao.hazards.tests.access_rules_pages import hazard_at
from qianshao.hazards.tests.test_api_steps import api_client

NUMBER = re.compile(r'<tr data-number="(\w+)">')


def section(html: str, name: str) -> str:
    return html[html.index(f'data-testid="{name}"') :].split("</section>")[0]


def supervised(hazard, hours_late: int):
    supervision.supervise(hazard.pk, hazard.due_at + timedelta(hours=hours_late))
    hazard.refresh_from_db()
    return hazard


def test_overdue_hazards_come_first_by_supervision_level_then_those_due_soon(cast, client_for):
    reminded = supervised(hazard_at(cast, "accepted", title="提醒"), 1)
    lettered = supervised(hazard_at(cast, "accepted", title="函告"), 25)
    due_soon = hazard_at(cast, "submitted", title="快到期")
    later = hazard_at(cast, "rectifying", title="整改中")  # due at the plan's deadline, 3 days
    closed = hazard_at(cast, "closed")
    assert (reminded.supervision_level, lettered.supervision_level) == (1, 2)
    html = client_for(cast.users["county"]).get("/hazards/supervision/").content.decode()
    assert NUMBER.findall(section(html, "overdue")) == [lettered.number, reminded.number]
    soon = NUMBER.findall(section(html, "soon"))
    assert soon == [due_soon.number]
    assert later.number not in html and closed.number not in html


def test_each_record_shows_its_target_and_answer_time_and_only_the_target_may_answer(
    cast, client_for
):
    hazard = supervised(hazard_at(cast, "accepted"), 1)
    record = Supervision.objects.get(hazard=hazard)
    county = client_for(cast.users["county"]).get("/hazards/supervision/").content.decode()
    row = county[county.index(f'<tr data-supervision="{record.pk}">') :].split("</tr>")[0]
    assert "甲镇" in row and "提醒" in row and "未答复" in row
    assert f'data-testid="answer-{record.pk}"' not in row  # the county is not the target
    township = client_for(cast.users["township"])
    html = township.get("/hazards/supervision/").content.decode()
    assert f'data-testid="answer-{record.pk}"' in html


def test_the_target_answers_and_a_second_answer_is_refused(cast, client_for):
    hazard = supervised(hazard_at(cast, "accepted"), 1)
    record = Supervision.objects.get(hazard=hazard)
    url = f"/hazards/supervision/{record.pk}/answer/"
    township = client_for(cast.users["township"])
    empty = township.post(url, {"answer": " "})
    assert empty.status_code == 400
    assert Supervision.objects.get(pk=record.pk).answered_at is None
    assert township.post(url, {"answer": "已安排专人处理"}).status_code == 302
    record.refresh_from_db()
    assert record.answer == "已安排专人处理" and record.answered_by == cast.users["township"]
    again = township.post(url, {"answer": "再次答复"})
    assert again.status_code == 409
    assert "该督办已答复" in again.content.decode()
    assert Supervision.objects.get(pk=record.pk).answer == "已安排专人处理"
    html = township.get(f"/hazards/{hazard.number}/").content.decode()
    assert "已安排专人处理" in section(html, "supervisions")


def test_someone_who_is_not_the_target_may_not_answer(cast, client_for):
    hazard = supervised(hazard_at(cast, "accepted"), 1)
    record = Supervision.objects.get(hazard=hazard)
    response = client_for(cast.users["county"]).post(
        f"/hazards/supervision/{record.pk}/answer/", {"answer": "代为答复"}
    )
    assert response.status_code == 403
    assert "只有督办对象可以答复" in response.content.decode()
    assert Supervision.objects.get(pk=record.pk).answered_at is None


def test_the_assignee_answers_for_an_overdue_rectification(cast, client_for):
    hazard = hazard_at(cast, "rectifying")
    with time_machine.travel(hazard.due_at + timedelta(hours=2)):
        supervision.sweep()
        record = Supervision.objects.get(hazard=hazard)
        assert record.target_cell == cast.village
        village = client_for(cast.users["village"])
        html = village.get("/hazards/supervision/").content.decode()
        assert f'data-testid="answer-{record.pk}"' in html
        assert "逾期未答复" not in html
    with time_machine.travel(record.answer_by + timedelta(hours=1)):
        html = village.get("/hazards/supervision/").content.decode()
        assert "逾期未答复" in html


def test_the_outsider_sees_nothing_of_the_other_county_on_the_board(cast, client_for):
    hazard = supervised(hazard_at(cast, "accepted"), 25)
    soon = hazard_at(cast, "submitted")
    html = client_for(cast.users["outsider"]).get("/hazards/supervision/").content.decode()
    assert hazard.number not in html and soon.number not in html
    assert "暂无督办" in html


def test_the_board_reads_the_same_queries_however_many_records(cast, client_for):
    supervised(hazard_at(cast, "accepted"), 25)
    client = client_for(cast.users["township"])
    client.get("/hazards/supervision/")
    with CaptureQueriesContext(connection) as few:
        client.get("/hazards/supervision/")
    for _ in range(4):
        supervised(hazard_at(cast, "accepted"), 80)
        hazard_at(cast, "submitted")
    with CaptureQueriesContext(connection) as many:
        html = client.get("/hazards/supervision/").content.decode()
    assert html.count("data-supervision=") == 2 + 4 * 3
    assert len(many.captured_queries) == len(few.captured_queries)


def test_leaving_the_supervised_step_settles_its_records_and_they_sink_on_the_board(
    cast, client_for
):
    stale = supervised(hazard_at(cast, "accepted", title="已交办"), 25)
    waiting = supervised(hazard_at(cast, "accepted", title="仍待交办"), 1)
    settled = {s.pk for s in Supervision.objects.filter(hazard=stale)}
    [open_one] = Supervision.objects.filter(hazard=waiting)
    assert len(settled) == 2 and open_one.pk > max(settled)  # open_first must sort them
    actions.assign(
        cast.users["township"],
        stale,
        measures="清理",
        responsible=cast.people["village"],
        deadline=timezone.now() + timedelta(days=3),
        contingency="警示",
        assignee_cell=cast.village,
    )
    assert all(s.settled_at for s in Supervision.objects.filter(pk__in=settled))
    assert Supervision.objects.get(pk=open_one.pk).settled_at is None
    township = client_for(cast.users["township"])
    html = township.get("/hazards/supervision/").content.decode()
    shown = [int(pk) for pk in re.findall(r'<tr data-supervision="(\d+)">', html)]
    assert shown[0] == open_one.pk and set(shown[1:]) == settled
    row = html[html.index(f'<tr data-supervision="{min(settled)}">') :].split("</tr>")[0]
    assert "环节已办结" in row and "answer-" not in row and "逾期未答复" not in row
    api = api_client(cast.users["township"])
    waiting_ids = [
        s["id"]
        for s in api.get("/api/v1/hazards/supervisions", {"answered": "false"}).json()["items"]
    ]
    assert waiting_ids == [open_one.pk]
    late = township.post(f"/hazards/supervision/{min(settled)}/answer/", {"answer": "迟到答复"})
    assert late.status_code == 409
    assert Supervision.objects.get(pk=min(settled)).answered_at is None


def test_closing_settles_what_was_raised_on_the_last_step(cast):
    h = hazard_at(cast, "verified")
    supervision.supervise(h.pk, h.due_at + timedelta(hours=1))
    [record] = Supervision.objects.filter(hazard=h)
    assert record.settled_at is None
    with time_machine.travel(h.due_at + timedelta(hours=2), tick=False):
        actions.close(cast.users["township"], Hazard.objects.get(pk=h.pk))
        record.refresh_from_db()
        assert record.settled_at == timezone.now()
