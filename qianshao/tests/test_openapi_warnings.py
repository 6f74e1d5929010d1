"""The OpenAPI document tells the truth about the warning endpoints: real answers —
successes and every kind of refusal — checked against it with ``test_openapi.Conformance``.
Every warning operation must answer a 2xx here."""

import re
import uuid
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from qianshao.testing import appoint
from qianshao.tests.test_openapi import Conformance, client_for
from qianshao.warnings.tests.access_rules_cap import API_RULES as CAP_RULES

WARNINGS = "/api/v1/warnings"


class WarningConformance(Conformance):
    """Also checks answers that are not JSON (CAP XML, Atom) against their documented type."""

    def check(self, method: str, url: str, response) -> None:
        kind = response.get("Content-Type", "").split(";")[0]
        if response.status_code == 200 and "xml" in kind:
            path = url.split("?")[0]
            template = next(t for pattern, t in self.templates if pattern.match(path))
            documented = self.document["paths"][template][method.lower()]["responses"]["200"]
            self.seen.add((method, template, 200))
            if kind not in documented.get("content", {}):
                self.problems.append(f"{method} {url} → 200: {kind} is not documented")
            return
        super().check(method, url, response)


@pytest.fixture
def conformance(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return WarningConformance(response.json())


def warning_operations(document) -> set[tuple[str, str]]:
    return {
        (method.upper(), path)
        for path, operations in document["paths"].items()
        if path == WARNINGS or path.startswith(WARNINGS + "/")
        for method in operations
    }


def draft_body(**extra) -> dict:
    return {
        "client_uuid": str(uuid.uuid4()),
        "type": "rainstorm",
        "level": "yellow",
        "headline": "A县气象台发布暴雨黄色预警",
        "text": "预计未来6小时降雨量50毫米以上",
        "instruction": "转移危险区群众",
        "targets": ["450901100"],
        "valid_until": (timezone.now() + timedelta(hours=12)).isoformat(),
    } | extra


@pytest.mark.django_db
def test_real_answers_of_every_warning_operation_match_the_document(cast, conformance):
    c = conformance
    county = client_for(cast.users["county"])
    township = client_for(cast.users["township"])
    village = client_for(cast.users["village"])
    head = appoint(cast.county, "head", name="县长")
    from qianshao.accounts.actions import create_login

    second = client_for(create_login(None, head, username="county-head", password="pw-12345678"))

    # Every operation refuses the anonymous caller, but the public CAP exports.
    for method, path in sorted(warning_operations(c.document)):
        c.call(Client(), method, re.sub(r"\{\w+\}", "1", path))

    # Drafting: made, resent, refused.
    body = draft_body()
    made = c.call(county, "POST", WARNINGS, body)
    assert made.status_code == 201, made.content
    c.call(county, "POST", WARNINGS, body)  # the same client_uuid: 200
    c.call(township, "POST", WARNINGS, body)  # someone else's client_uuid: 409
    c.call(county, "POST", WARNINGS, draft_body(targets=[]))  # 400
    c.call(county, "POST", WARNINGS, draft_body(targets=["450902"]))  # 404
    c.call(county, "POST", WARNINGS, draft_body(type="plague"))  # 400
    c.call(county, "POST", WARNINGS, draft_body(level="purple"))  # 422
    c.call(village, "POST", WARNINGS, draft_body(targets=["450901100201"]))  # 403
    c.call(county, "POST", WARNINGS, raw="{oops")  # 400
    wid = made.json()["id"]

    # A county-wide red one needs a second person.
    red = c.call(county, "POST", WARNINGS, draft_body(level="red", targets=["450901"])).json()
    c.call(county, "POST", f"{WARNINGS}/{red['id']}/issue")  # 403: not approved
    c.call(county, "POST", f"{WARNINGS}/{red['id']}/approve", {"note": "本人"})  # 403
    c.call(second, "POST", f"{WARNINGS}/{red['id']}/approve", {"note": "同意"})
    c.call(county, "POST", f"{WARNINGS}/{red['id']}/issue")
    c.call(county, "POST", f"{WARNINGS}/{red['id']}/approve", {})  # 409

    # Editing, submitting for approval, sending back.
    edit = f"{WARNINGS}/{red['id']}"
    second_draft = c.call(county, "POST", WARNINGS, draft_body()).json()
    draft = f"{WARNINGS}/{second_draft['id']}"
    c.call(county, "PATCH", draft, {"headline": "A县暴雨黄色预警（修改）"})
    c.call(county, "PATCH", draft, {"level": "purple"})  # 422
    c.call(county, "PATCH", draft, {"targets": ["450902"]})  # 404
    c.call(village, "PATCH", draft, {"headline": "村"})  # 404: not theirs to see
    c.call(county, "PATCH", edit, {"headline": "已发布"})  # 409: issued
    c.call(county, "POST", f"{draft}/submit", {"issue_on_approval": False})
    c.call(county, "PATCH", draft, {"headline": "待审核"})  # 409: submitted
    c.call(county, "POST", f"{draft}/submit", {})  # 409
    c.call(second, "POST", f"{draft}/return", {"reason": "请补充防御指引"})
    c.call(second, "POST", f"{draft}/return", {"reason": "再次"})  # 409: a draft again
    c.call(second, "POST", f"{draft}/return", {})  # 422

    # Issuing, reading, the board.
    c.call(county, "POST", f"{WARNINGS}/{wid}/issue")
    for url in [
        WARNINGS,
        f"{WARNINGS}?status=issued&level=yellow&type=rainstorm&active=true&cell=450901100201",
        f"{WARNINGS}?active=false&limit=1",
        f"{WARNINGS}?status=lost",
        f"{WARNINGS}?cell=450902",
        f"{WARNINGS}/{wid}",
        f"{WARNINGS}/999999",
        f"{WARNINGS}/{wid}/board",
        f"{WARNINGS}/{wid}/board?cell=450901100",
        f"{WARNINGS}/{wid}/board?cell=450902",
        f"{WARNINGS}/{wid}/unanswered",
        f"{WARNINGS}/{wid}/unanswered?cell=450901100201&limit=1",
        f"{WARNINGS}/{wid}.cap.xml",
        f"{WARNINGS}/feed.atom",
    ]:
        c.call(county, "GET", url)
    c.call(client_for(cast.users["outsider"]), "GET", f"{WARNINGS}/{wid}/board")  # 404

    # 叫应.
    mine = c.call(village, "GET", f"{WARNINGS}/deliveries?waiting=true").json()
    c.call(village, "GET", f"{WARNINGS}/deliveries?warning={wid}")
    delivery = next(d["id"] for d in mine["items"] if d["warning"] == wid)
    answer = f"{WARNINGS}/deliveries/{delivery}/answer"
    c.call(village, "POST", answer, {"answer": "received", "client_uuid": str(uuid.uuid4())})
    c.call(village, "POST", answer, {"answer": "received"})  # 409
    c.call(village, "POST", answer, {"answer": "acting", "evacuated": -1})  # 400
    c.call(village, "POST", answer, {"answer": "fled"})  # 422
    c.call(village, "POST", answer, {"answer": "done", "evacuated": 12, "note": "已转移"})
    c.call(county, "POST", answer, {"answer": "received"})  # not theirs: 404

    # Relaying, revising, cancelling.
    relay = {"targets": ["450901100201"], "instruction": "村干部入户通知"}
    c.call(township, "POST", f"{WARNINGS}/{wid}/relay", relay)
    c.call(township, "POST", f"{WARNINGS}/{wid}/relay", relay | {"targets": ["450901101"]})
    c.call(county, "POST", f"{WARNINGS}/{wid}/relay", relay)  # its own: 403
    revised = c.call(county, "POST", f"{WARNINGS}/{wid}/revise", {"level": "orange"}).json()
    c.call(county, "POST", f"{WARNINGS}/{wid}/revise", {"level": "orange"})  # 409
    c.call(county, "POST", f"{WARNINGS}/{revised['id']}/issue")
    c.call(county, "POST", f"{WARNINGS}/{revised['id']}/cancel", {"reason": "降雨减弱"})
    c.call(county, "POST", f"{WARNINGS}/{revised['id']}/cancel", {"reason": "再次"})  # 409
    c.call(county, "POST", f"{WARNINGS}/{revised['id']}/cancel", {})  # 422
    c.call(county, "GET", f"{WARNINGS}/{revised['id']}.cap.xml")

    c.assert_true()
    exercised = {(m, p) for m, p, status in c.seen if 200 <= status < 300}
    # the CAP import is exercised by warnings/tests/test_cap_openapi.py, which checks that
    # every CAP operation answered with success there
    missing = sorted(warning_operations(c.document) - exercised - set(CAP_RULES))
    assert missing == [], "warning operations never answered with success here"
