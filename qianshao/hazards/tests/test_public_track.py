"""Following a report by its tracking code (查询码), without a login."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from qianshao.hazards import actions, public
from qianshao.hazards.models import Status
from qianshao.hazards.tests.access_rules_public import industry, send, to_hazard


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()


@pytest.mark.django_db
def test_tracking_codes_are_ten_unambiguous_characters_and_differ(cast):
    codes = {send(cast, photos=0).tracking_code for _ in range(20)}
    assert len(codes) == 20
    for code in codes:
        assert public.CODE_RE.match(code)
        assert not set(code) & set("01IO")


@pytest.mark.django_db
def test_the_track_form_leads_to_the_report_whatever_the_case_and_dashes(cast, client):
    report = send(cast)
    assert client.get("/report/track/").status_code == 200
    typed = f" {report.tracking_code[:5].lower()}-{report.tracking_code[5:]} "
    response = client.get("/report/track/", {"code": typed})
    assert response.status_code == 302
    assert response["Location"] == f"/report/track/{report.tracking_code}/"
    lower = client.get(f"/report/track/{report.tracking_code.lower()}/")
    assert lower.status_code == 302
    assert lower["Location"] == f"/report/track/{report.tracking_code}/"
    page = client.get(f"/report/track/{report.tracking_code}/").content.decode()
    assert "已收到" in page and report.text in page


@pytest.mark.django_db
@pytest.mark.parametrize("code", ["", "ABC", "ABCDEFGHJK1", "ABCDEFGHI0", "<script>"])
def test_a_malformed_code_in_the_form_is_refused_naming_the_field(cast, client, code):
    response = client.get("/report/track/", {"code": code})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'data-field="code"' in html and "查询码：" in html
    assert "<script>" not in html.split('data-testid="errors"')[1]


@pytest.mark.django_db
def test_a_wrong_code_answers_404_with_a_clear_message(cast, client):
    send(cast)
    for code in ["ABCDEFGHJK", "NOPE", "x" * 40]:
        response = client.get(f"/report/track/{code}/")
        assert response.status_code == 404
        html = response.content.decode()
        assert "未找到该查询码" in html and "请核对查询码" in html
        assert 'data-testid="track-form"' in html


@pytest.mark.django_db
def test_the_progress_is_told_in_plain_words_at_each_step(cast, client):
    report = send(cast)
    url = f"/report/track/{report.tracking_code}/"
    assert "隐患处理进展" not in client.get(url).content.decode()
    hazard = to_hazard(cast, report, grade="general")
    assert "已受理，正在安排整改" in client.get(url).content.decode()
    actions.escalate(cast.users["township"], hazard)
    assert "已移交县级主管部门处理" in client.get(url).content.decode()


@pytest.mark.django_db
def test_a_report_merged_into_another_hazard_follows_that_hazards_progress(cast, client):
    village = cast.users["village"]
    first = actions.report(
        village, title="同一处管涌", description="d", category=industry(), cell=cast.village
    )
    first = actions.accept(cast.users["township"], first)
    first = actions.assign(
        cast.users["township"],
        first,
        measures="m",
        responsible=cast.people["village"],
        deadline=timezone.now() + timedelta(days=2),
        contingency="c",
        assignee_cell=cast.village,
    )
    report = send(cast)
    hazard = to_hazard(cast, report, grade="general")
    merged = actions.merge(cast.users["township"], hazard, into=first)
    assert merged.status == Status.MERGED
    page = client.get(f"/report/track/{report.tracking_code}/").content.decode()
    assert "已交责任单位整改" in page
    assert first.number not in page and merged.number not in page
