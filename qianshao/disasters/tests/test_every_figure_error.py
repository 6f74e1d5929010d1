"""Issue 12, defect 2: the disaster figures' problems are told all at once, each on its
figure — by the action, in the API's 400 (``errors`` beside the first ``detail``/``field``)
and on the page (each error in its field's wrapper), not the first one alone."""

import re

import pytest

from qianshao.disasters import actions
from qianshao.disasters.models import DisasterReport
from qianshao.disasters.tests.test_api_disasters import DISASTERS, disaster, post, written
from qianshao.disasters.tests.test_api_disasters import clock as clock  # noqa: F401
from qianshao.disasters.tests.test_pages_disasters import html, logged_in, report_form
from qianshao.hazards.tests.test_api_steps import api_client
from qianshao.lib.errors import ActionError

# The issue's figures: 受灾 5, 死亡 6, 成灾 2 (of 1 affected), 绝收 3
ISSUE = {
    "affected": 5,
    "dead": 6,
    "crops_affected_ha": 1,
    "crops_damaged_ha": 2,
    "crops_lost_ha": 3,
}
ISSUE_FIELDS = ["dead", "crops_damaged_ha", "crops_lost_ha"]


def test_the_check_raises_every_problem_the_first_in_front():
    with pytest.raises(ActionError) as caught:
        actions.checked_figures(ISSUE | {"economic_loss": "1.234", "injured": 1})
    error = caught.value
    assert [e.field for e in error.errors] == ["economic_loss", "figures", *ISSUE_FIELDS]
    assert (error.field, error.message) == ("economic_loss", error.errors[0].message)
    assert all(e.message for e in error.errors)
    assert "绝收" in error.errors[-1].message and "成灾" in error.errors[-1].message


def test_one_problem_is_raised_as_before():
    with pytest.raises(ActionError) as caught:
        actions.checked_figures({"affected": 1, "dead": 2})
    assert caught.value.field == "dead" and len(caught.value.errors) == 1
    assert "errors" not in caught.value.as_dict()


def test_the_api_answers_every_problem_and_keeps_the_first_as_detail(cast, clock):  # noqa: F811
    before = written()
    response = post(api_client(cast.users["village"]), DISASTERS, disaster(figures=ISSUE))
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["field"] == "dead" and body["detail"]
    assert [e["field"] for e in body["errors"]] == ISSUE_FIELDS
    assert body["errors"][0]["detail"] == body["detail"]
    assert written() == before


def test_the_page_shows_every_problem_each_in_its_fields_wrapper(cast, clock):  # noqa: F811
    client = logged_in(cast.users["village"])
    figures = {name: str(value) for name, value in ISSUE.items()}
    response = client.post("/disasters/new/", report_form(cast.village, **figures))
    assert response.status_code == 400
    page = html(response)
    for name in ISSUE_FIELDS:
        wrapper = re.search(rf'<div class="zr-figure" data-field="{name}">(.*?)</div>', page, re.S)
        assert wrapper and 'class="errorlist' in wrapper.group(1), name
    assert DisasterReport.objects.count() == 0


def test_a_field_error_and_the_cross_checks_show_together(cast, clock):  # noqa: F811
    """A figure the form refuses on its own (negative) does not hide the others' problems,
    and a figure compared with a refused one is not blamed for it."""
    client = logged_in(cast.users["village"])
    figures = {"affected": "-1", "dead": "3", "crops_affected_ha": "1", "crops_damaged_ha": "2"}
    response = client.post("/disasters/new/", report_form(cast.village, **figures))
    assert response.status_code == 400
    page = html(response)
    wrappers = dict(
        re.findall(r'<div class="zr-figure" data-field="(\w+)">(.*?)</div>', page, re.S)
    )
    blamed = {name for name, inside in wrappers.items() if 'class="errorlist' in inside}
    assert blamed == {"affected", "crops_damaged_ha"}
