"""The incidents' tallies (docs/adr/0025 "Counters"), kept by ``grid.tallies`` in the
area's own table:

- ``incidents``: incidents by the month they happened, kind and grade, keyed
  ``<yyyy-mm>:<kind>:<grade>`` (a regrade moves one between grades);
- ``reports``: the reports and passings up that had a deadline, by the month of the
  deadline and whether they met it, keyed ``<yyyy-mm>:on_time`` / ``<yyyy-mm>:late`` —
  the timeliness rate of a cell's subtree and period is one read.
"""

from django.db.models import Count
from django.db.models.functions import TruncMonth
from django.utils import timezone

from qianshao.grid.tallies import Tallies
from qianshao.incidents.models import Incident, Relay, Report, Tally

INCIDENTS = "incidents"
REPORTS = "reports"
ON_TIME, LATE = "on_time", "late"

TALLIES = Tallies(Tally)

add = TALLIES.add
add_many = TALLIES.add_many
move = TALLIES.move
read = TALLIES.read
read_many = TALLIES.read_many
rebuild = TALLIES.rebuild
matches = TALLIES.matches


def month(at) -> str:
    return f"{timezone.localtime(at):%Y-%m}"


def incident_key(occurred_at, kind: str, grade: str) -> str:
    return f"{month(occurred_at)}:{kind}:{grade}"


def report_key(due_at, late: bool) -> str:
    return f"{month(due_at)}:{LATE if late else ON_TIME}"


@TALLIES.recounts(INCIDENTS)
def _incidents():
    rows = (
        Incident.objects.annotate(m=TruncMonth("occurred_at"))
        .values_list("cell_path", "m", "kind", "grade")
        .annotate(n=Count("id"))
        .order_by()
    )
    for path, m, kind, grade, n in rows:
        yield INCIDENTS, path, f"{m:%Y-%m}:{kind}:{grade}", n


@TALLIES.recounts(REPORTS)
def _reports():
    reports = (
        Report.objects.filter(due_at__isnull=False)
        .annotate(m=TruncMonth("due_at"))
        .values_list("cell_path", "m", "late")
        .annotate(n=Count("id"))
        .order_by()
    )
    relays = (
        Relay.objects.filter(passed_at__isnull=False)
        .annotate(m=TruncMonth("due_at"))
        .values_list("cell_path", "m", "late")
        .annotate(n=Count("id"))
        .order_by()
    )
    for rows in (reports, relays):
        for path, m, late, n in rows:
            yield REPORTS, path, f"{m:%Y-%m}:{LATE if late else ON_TIME}", n


def timeliness(paths: list[str], months: list[str]) -> dict[str, dict]:
    """For each of ``paths``: the reports with a deadline in ``months`` (``yyyy-mm``), those
    on time, and the rate (None when there were none)."""
    found = read_many(paths, REPORTS)
    result = {}
    for path in paths:
        keys = found.get(path, {}).get(REPORTS, {})
        on_time = sum(keys.get(f"{m}:{ON_TIME}", 0) for m in months)
        late = sum(keys.get(f"{m}:{LATE}", 0) for m in months)
        total = on_time + late
        result[path] = {
            "total": total,
            "on_time": on_time,
            "late": late,
            "rate": round(on_time * 100 / total, 1) if total else None,
        }
    return result
