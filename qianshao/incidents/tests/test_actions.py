"""The incidents' actions: receiving, reports and their deadlines, passing up, the grade,
the response and the command log."""

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.db import DatabaseError, transaction
from django.utils import timezone

from qianshao.audit.models import AuditRecord
from qianshao.incidents import actions, grading, tally
from qianshao.incidents.models import Grade, Incident, IncidentStatus, LogEntry, Relay, Report
from qianshao.incidents.tests.helpers import an_incident
from qianshao.lib.errors import ActionError, Conflict, NotAllowed, NotFound

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "figures, grade",
    [
        ({}, Grade.IV),
        ({"dead": 2, "missing": 0}, Grade.IV),
        ({"dead": 2, "missing": 1}, Grade.III),  # the missing count with the dead
        ({"dead": 9}, Grade.III),
        ({"dead": 10}, Grade.II),
        ({"dead": 30}, Grade.I),
        ({"seriously_injured": 10}, Grade.III),
        ({"seriously_injured": 49}, Grade.III),
        ({"seriously_injured": 50}, Grade.II),
        ({"seriously_injured": 100}, Grade.I),
        ({"direct_loss": Decimal("999.99")}, Grade.IV),
        ({"direct_loss": Decimal("1000")}, Grade.III),
        ({"direct_loss": Decimal("5000")}, Grade.II),
        ({"direct_loss": Decimal("10000")}, Grade.I),
        ({"dead": 3, "direct_loss": Decimal("6000")}, Grade.II),  # the gravest figure decides
    ],
)
def test_grade_by_the_national_thresholds(figures, grade):
    values = {"dead": 0, "missing": 0, "seriously_injured": 0, "direct_loss": 0} | figures
    assert grading.grade(**values) == grade


def test_a_village_report_reaches_its_township_with_a_deadline(cast):
    incident = an_incident(cast, minutes_ago=30)
    assert incident.number.startswith("SJ")
    assert incident.status == IncidentStatus.REPORTED
    assert incident.grade == Grade.IV and incident.injured == 1
    initial = Report.objects.get(incident=incident)
    assert initial.stage == "initial" and initial.seq == 1
    assert not initial.late  # 30 minutes after, within the hour
    relay = Relay.objects.get(incident=incident)
    assert relay.cell == cast.township  # the village's report reaches its township
    # the township passes it up within two hours, and the county has it within three of
    # the incident: the earlier of the two
    assert relay.due_at == min(
        relay.received_at + timedelta(minutes=120), incident.occurred_at + timedelta(minutes=180)
    )
    assert LogEntry.objects.filter(incident=incident, kind="report").count() == 1
    assert AuditRecord.objects.filter(action="incidents.incident.open").count() == 1
    figures = tally.read(cast.county.path, tally.INCIDENTS, tally.REPORTS)
    assert sum(figures[tally.INCIDENTS].values()) == 1
    assert figures[tally.REPORTS] == {f"{tally.month(initial.due_at)}:on_time": 1}


def test_a_report_two_hours_after_the_incident_is_late(cast):
    incident = an_incident(cast, minutes_ago=120)
    assert Report.objects.get(incident=incident).late
    assert tally.read(cast.village.path, tally.REPORTS)[tally.REPORTS] == {
        f"{tally.month(incident.occurred_at + timedelta(minutes=60))}:late": 1
    }


def test_the_county_desk_receives_a_call_at_its_own_level(cast):
    incident = an_incident(cast, "county")
    relay = Relay.objects.get(incident=incident)
    assert relay.cell == cast.county
    assert relay.due_at == relay.received_at + timedelta(minutes=120)


def test_passing_up_level_by_level(cast):
    incident = an_incident(cast)
    first = Relay.objects.get(incident=incident)
    with pytest.raises(NotAllowed) as refused:
        actions.pass_up(cast.users["village"], first)  # a grid member does not pass it up
    assert refused.value.field == "relay"
    actions.pass_up(cast.users["township"], first, note="电话报县应急局值班室")
    first.refresh_from_db()
    assert first.passed_at is not None and not first.late and first.watch_at is None
    county = Relay.objects.get(incident=incident, cell=cast.county)
    assert county.received_at == first.passed_at
    with pytest.raises(Conflict):
        actions.pass_up(cast.users["township"], first)
    with pytest.raises(NotAllowed):
        actions.pass_up(cast.users["township"], county)  # the county's own level
    actions.pass_up(cast.users["county"], county, note="报市应急管理局值班室")
    assert Relay.objects.filter(incident=incident).count() == 2  # the top passes it outside
    figures = tally.read(cast.county.path, tally.REPORTS)[tally.REPORTS]
    assert sum(figures.values()) == 3  # the village's report and the two levels'


def test_a_level_passing_up_after_its_deadline_is_late(cast):
    incident = an_incident(cast)
    relay = Relay.objects.get(incident=incident)
    with time_machine.travel(relay.due_at + timedelta(minutes=1)):
        actions.pass_up(cast.users["township"], relay)
    relay.refresh_from_db()
    assert relay.late


def test_updates_regrade_and_a_grade_set_by_hand_keeps_its_reason(cast):
    incident = an_incident(cast)
    actions.report(cast.users["village"], incident, text="又发现两人死亡", figures={"dead": 3})
    incident.refresh_from_db()
    assert incident.grade == Grade.III and incident.dead == 3 and incident.injured == 1
    assert incident.reports_n == 2
    with pytest.raises(ActionError) as wrong:
        actions.set_grade(cast.users["county"], incident, grade=Grade.II, reason="")
    assert wrong.value.field == "reason"
    with pytest.raises(NotAllowed):
        actions.set_grade(cast.users["village"], incident, grade=Grade.II, reason="x")
    actions.set_grade(cast.users["county"], incident, grade=Grade.II, reason="社会影响重大")
    actions.report(cast.users["village"], incident, text="核实", figures={"dead": 4})
    incident.refresh_from_db()
    assert incident.grade == Grade.II and incident.grade_computed == Grade.III
    assert tally.matches()


def test_bad_figures_are_refused_each_by_name_and_nothing_written(cast):
    incident = an_incident(cast)
    with pytest.raises(ActionError) as wrong:
        actions.report(
            cast.users["village"],
            incident,
            text="x",
            figures={"dead": -1, "injured": 1, "seriously_injured": 2, "direct_loss": "abc"},
        )
    assert {e.field for e in wrong.value.errors} == {"dead", "direct_loss"}
    with pytest.raises(ActionError) as wrong:
        actions.report(cast.users["village"], incident, text="x", figures={"seriously_injured": 2})
    assert wrong.value.field == "seriously_injured"
    assert Report.objects.filter(incident=incident).count() == 1


def test_outside_the_scope_nothing_is_reported(cast):
    with pytest.raises(NotFound):
        an_incident(cast, "outsider")
    with pytest.raises(ActionError) as wrong:
        an_incident(cast, category="flood")  # not an accident's category
    assert wrong.value.field == "category"
    assert not Incident.objects.exists()


def test_the_response_moves_in_order(cast):
    incident = an_incident(cast)
    county = cast.users["county"]
    with pytest.raises(NotAllowed):
        actions.respond(cast.users["village"], incident, level="4", decided_by="县长")
    with pytest.raises(Conflict):
        actions.raise_level(county, incident, level="3", decided_by="县长")  # not started
    actions.respond(county, incident, level="4", decided_by="副县长王五")
    with pytest.raises(Conflict) as wrong:
        actions.raise_level(county, incident, level="4", decided_by="县长")
    assert wrong.value.field == "level"
    actions.raise_level(county, incident, level="3", decided_by="县长")
    with pytest.raises(Conflict):
        actions.lower_level(county, incident, level="2", decided_by="县长")
    actions.lower_level(county, incident, level="4", decided_by="县长")
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.RESPONDING and incident.level == "4"
    actions.end(county, incident, text="伤员已送医，道路恢复通行", decided_by="县长")
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.ENDED and incident.ended_at is not None
    assert incident.reports.order_by("-seq").first().stage == "final"
    decisions = list(
        LogEntry.objects.filter(incident=incident, kind="decision").values_list("text", flat=True)
    )
    assert any("提升为Ⅲ级" in t and "县长" in t for t in decisions)
    assert AuditRecord.objects.filter(action="incidents.incident.raise").count() == 1
    # once ended, a casualty change is a 补报
    actions.report(
        cast.users["village"], incident, text="伤员转重伤", figures={"seriously_injured": 1}
    )
    assert incident.reports.order_by("-seq").first().stage == "supplement"


def test_the_command_log_is_append_only(cast):
    incident = an_incident(cast)
    entry = actions.write_log(cast.users["county"], incident, kind="order", text="交警封闭路口")
    fixed = actions.write_log(
        cast.users["county"], incident, kind="note", text="应为封闭北侧路口", corrects=entry.pk
    )
    assert fixed.kind == "correction" and fixed.corrects_id == entry.pk
    with pytest.raises(NotAllowed):
        actions.write_log(cast.users["village"], incident, kind="note", text="x")
    with pytest.raises(DatabaseError), transaction.atomic():
        LogEntry.objects.filter(pk=entry.pk).update(text="改写")
    entry.refresh_from_db()
    assert entry.text == "交警封闭路口"


def test_the_commander_may_write_the_log(cast):
    incident = an_incident(cast)
    actions.appoint_commander(cast.users["county"], incident, person=cast.people["village"])
    incident.refresh_from_db()
    actions.write_log(cast.users["village"], incident, kind="feedback", text="现场已控制")
    assert LogEntry.objects.filter(incident=incident, kind="feedback").exists()


def test_the_update_timer_is_watched(cast):
    incident = an_incident(cast)
    assert abs(incident.watch_at - (incident.last_report_at + timedelta(hours=24))) < timedelta(
        seconds=1
    )
    assert timezone.now() < incident.watch_at
