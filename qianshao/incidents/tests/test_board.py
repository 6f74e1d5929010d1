"""The incident board, its live partial and its one-key warning; the SitRep as a page and a
.docx."""

import uuid
from io import BytesIO

import pytest
from docx import Document

from qianshao.accounts.actions import create_login
from qianshao.grid.models import Role
from qianshao.incidents import actions, actions_orders
from qianshao.incidents.models import LogEntry
from qianshao.incidents.tests.helpers import a_team, an_incident
from qianshao.testing import appoint
from qianshao.warnings.models import Warning, WarningType

pytestmark = pytest.mark.django_db


def form(**fields) -> dict:
    return {"client_uuid": str(uuid.uuid4())} | fields


def test_the_board_shows_the_map_and_refreshes_what_changes(cast, client_for):
    incident = an_incident(cast)
    team = a_team(cast)
    county = client_for(cast.users["county"])
    page = county.get(f"/incidents/{incident.pk}/board/").content.decode()
    assert 'data-testid="board-map"' in page and 'hx-trigger="every 5s"' in page
    assert 'data-testid="board-dispatch"' in page  # the nearest team, one key
    assert (
        county.post(
            f"/incidents/{incident.pk}/dispatch/", form(team=str(team.pk), task="赶赴现场处置")
        ).status_code
        == 302
    )
    live = county.get(f"/incidents/{incident.pk}/board/", HTTP_HX_REQUEST="true")
    html = live.content.decode()
    assert "<html" not in html and "甲镇综合救援队" in html and "已下达" in html
    assert "data-board-teams" in html


def test_a_warning_to_the_affected_cells_from_the_board(cast, client_for):
    head = appoint(cast.village, Role.HEAD, name="一村村长")  # someone to receive it
    create_login(None, head, username="head", password="qianshao-test-1")
    incident = an_incident(cast)
    kind = WarningType.objects.first()
    county = client_for(cast.users["county"])
    answer = county.post(
        f"/incidents/{incident.pk}/warn/",
        form(type=str(kind.pk), level="blue", headline="一村路口交通管制", text="请绕行"),
    )
    assert answer.status_code == 302, answer.content.decode()[:2000]
    w = Warning.objects.get()
    assert list(w.targets.values_list("cell__code", flat=True)) == [cast.village.code]
    assert LogEntry.objects.filter(incident=incident, text__contains=w.number).exists()


def test_the_sitrep_page_and_docx(cast, client_for):
    incident = an_incident(cast)
    team = a_team(cast)
    order = actions_orders.dispatch(cast.users["county"], incident, team=team.pk, task="救援")
    actions_orders.answer(team.leader.user, order, "arrive")
    actions.report(cast.users["village"], incident, text="一人死亡", figures={"dead": 1})
    county = client_for(cast.users["county"])
    page = county.get(f"/incidents/{incident.pk}/sitrep/").content.decode()
    assert "突发事件信息报告" in page and "死亡 1 人" in page and "到达现场 1 支 1 人" in page
    answer = county.get(f"/incidents/{incident.pk}/sitrep.docx")
    assert answer.status_code == 200
    assert "attachment" in answer["Content-Disposition"]
    text = "\n".join(p.text for p in Document(BytesIO(answer.content)).paragraphs)
    assert "突发事件信息报告" in text and "死亡 1 人" in text and "到达现场 1 支 1 人" in text
    cells = [
        c.text for t in Document(BytesIO(answer.content)).tables for r in t.rows for c in r.cells
    ]
    assert "甲镇综合救援队" in cells and incident.title in cells
