"""The workflow mechanism: the table's checks, take/move/finish on a real record, and the
rule that nothing but the mechanism writes a status (read from the code itself)."""

import ast
from pathlib import Path

import pytest

import qianshao
from qianshao.audit.models import AuditRecord
from qianshao.grid.models import Domain
from qianshao.hazards.actions import report
from qianshao.hazards.models import FLOW, Hazard, Status, Step
from qianshao.lib.errors import Conflict, NotAllowed
from qianshao.workflow.flow import FLOWS, Flow

ROOT = Path(qianshao.__file__).parent


def test_a_table_naming_an_unknown_step_or_status_or_leaving_a_status_out_is_refused():
    table = {s: dict(moves) for s, moves in FLOW.table.items()}
    with pytest.raises(ValueError, match="without a row"):
        Flow(
            Hazard,
            {k: v for k, v in table.items() if k != Status.CLOSED},
            steps=Step,
            statuses=Status,
            area="t",
        )
    with pytest.raises(ValueError, match="nowhere"):
        Flow(
            Hazard,
            table | {Status.CLOSED: {Step.CLOSE: "nowhere"}},
            steps=Step,
            statuses=Status,
            area="t",
        )
    with pytest.raises(ValueError, match="fly"):
        Flow(
            Hazard,
            table | {Status.CLOSED: {"fly": Status.CLOSED}},
            steps=Step,
            statuses=Status,
            area="t",
        )
    assert all(flow.model is not Hazard or flow is FLOW for flow in FLOWS)  # none kept


def test_state_refusal_speaks_the_tables_words_and_allowed_steps_follow_the_rule():
    h = Hazard(status=Status.CLOSED)
    assert FLOW.state_refusal(h, Step.ACCEPT) == "“已销号”状态下不能受理"
    h.status = Status.SUBMITTED
    assert FLOW.state_refusal(h, Step.ACCEPT) is None
    only_return = FLOW.allowed_steps(None, h, lambda u, o, s: None if s == Step.RETURN else "no")
    assert only_return == [Step.RETURN]


@pytest.fixture
def hazard(cast):
    return report(
        cast.users["village"],
        title="厂房消防通道堵塞",
        description="通道堆放杂物",
        category=Domain.objects.get(code="industry_trade"),
        cell=cast.village,
    )


def test_take_locks_checks_the_table_then_the_rule_and_finish_moves_saves_and_audits(cast, hazard):
    admin = cast.users["admin"]
    with pytest.raises(Conflict) as refused:
        FLOW.take(Hazard.objects.all(), hazard.pk, Step.CLOSE, actor=admin)
    assert refused.value.field == "step" and "已上报" in refused.value.message
    with pytest.raises(NotAllowed) as denied:
        FLOW.take(
            Hazard.objects.all(),
            hazard.pk,
            Step.ACCEPT,
            actor=admin,
            rule=lambda u, o, s: ("不行", "cell"),
        )
    assert (denied.value.message, denied.value.field) == ("不行", "cell")

    before = AuditRecord.objects.count()
    h = FLOW.take(Hazard.objects.all(), hazard.pk, Step.ACCEPT, actor=None)
    with pytest.raises(ValueError):  # a status the step does not lead to
        FLOW.move(h, Status.CLOSED)
    assert FLOW.move(h, Status.VERIFYING) == Status.SUBMITTED  # the on-the-spot branch
    FLOW.finish(None, h, note="现场消除", extra={"photos": 2})
    hazard.refresh_from_db()
    assert hazard.status == Status.VERIFYING
    record = AuditRecord.objects.order_by("-seq").first()
    assert AuditRecord.objects.count() == before + 1
    assert record.action == "hazards.accept" and record.note == "现场消除"
    assert record.before["status"] == Status.SUBMITTED
    assert record.after["status"] == Status.VERIFYING and record.after["photos"] == 2


# --- nothing but the mechanism writes a status ------------------------------------------

# Queue claims, not workflows: a message's delivery and an import job's run are claimed by
# one conditional UPDATE each (compare-and-set), which a transition table would only slow.
QUEUE_CLAIMS = {Path("notify/delivery.py"), Path("grid/roster_jobs.py")}
QUERY_WRITES = {"update", "create", "get_or_create", "update_or_create", "bulk_update"}


def _status_writes(path: Path, governed: set[str]) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        targets = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, ast.AugAssign | ast.AnnAssign):
            targets = [node.target]
        for target in targets:
            for sub in ast.walk(target):
                if isinstance(sub, ast.Attribute) and sub.attr == "status":
                    found.append(f"{path}:{node.lineno} assigns .status")
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        if name == "setattr" and any(
            isinstance(a, ast.Constant) and a.value == "status" for a in node.args
        ):
            found.append(f"{path}:{node.lineno} setattr status")
        if any(k.arg == "status" for k in node.keywords) and (
            name in QUERY_WRITES or name in governed
        ):
            found.append(f"{path}:{node.lineno} {name}(status=…)")
    return found


def test_no_code_outside_the_workflow_mechanism_writes_a_status():
    governed = {flow.model.__name__ for flow in FLOWS}  # every area's, as Django loaded them
    assert governed == {
        "Hazard",
        "PublicReport",
        "Reward",
        "Warning",
        "DisasterReport",
        "ReliefApplication",
        "KitItem",
        "Team",
        "Shelter",
        "Transfer",
        "Requisition",
        "RiskPoint",
        "Incident",
        "Order",
        "Swap",
        "Finding",
    }
    writes = []
    for path in sorted(ROOT.rglob("*.py")):
        rel = path.relative_to(ROOT)
        if {"tests", "migrations"} & set(rel.parts) or rel == Path("workflow/flow.py"):
            continue
        if rel in QUEUE_CLAIMS:
            continue
        writes += _status_writes(path, governed)
    assert writes == []


def test_the_check_finds_each_way_of_writing_a_status(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text(
        "h.status = 'closed'\n"
        "h.status, h.note = 'closed', ''\n"
        "setattr(h, 'status', 'closed')\n"
        "Hazard.objects.filter(pk=1).update(status='closed')\n"
        "Hazard(status='closed')\n"
        "Hazard.objects.filter(status='closed')\n"  # a read: not a write
        "render(request, 'x.html', status=400)\n",  # an HTTP status: not a write
        encoding="utf-8",
    )
    assert len(_status_writes(sample, {"Hazard"})) == 5
