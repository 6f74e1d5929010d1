"""The risks' tallies (docs/adr/0024 "Counters"), kept by ``grid.tallies`` in the risks'
own table:

- ``points``: risk points in force, keyed ``<grade>:<kind code>`` — the 四色图's counts
  per child cell are one read of the children's rows;
- ``patrols``: closed patrols by the month of their due time and outcome, keyed
  ``<yyyy-mm>:<outcome>`` — the completeness table.
"""

from django.db.models import Count
from django.db.models.functions import TruncMonth
from django.utils import timezone

from qianshao.grid.tallies import Tallies
from qianshao.risks.models import Patrol, RiskPoint, RiskStatus, Tally

POINTS = "points"
PATROLS = "patrols"

TALLIES = Tallies(Tally)

add = TALLIES.add
add_many = TALLIES.add_many
move = TALLIES.move
read = TALLIES.read
read_many = TALLIES.read_many
recount = TALLIES.recount
rebuild = TALLIES.rebuild
matches = TALLIES.matches


def point_key(grade: str, kind_code: str) -> str:
    return f"{grade}:{kind_code}"


def patrol_key(due_at, outcome: str) -> str:
    """The month of a due time (local time) and the outcome: "2026-12:on_time"."""
    return f"{timezone.localtime(due_at):%Y-%m}:{outcome}"


@TALLIES.recounts(POINTS)
def _points():
    rows = (
        RiskPoint.objects.filter(status=RiskStatus.ACTIVE)
        .values_list("cell_path", "grade", "kind__code")
        .annotate(n=Count("id"))
        .order_by()
    )
    for path, grade, kind, n in rows:
        yield POINTS, path, point_key(grade, kind), n


@TALLIES.recounts(PATROLS)
def _patrols():
    rows = (
        Patrol.objects.annotate(month=TruncMonth("due_at"))
        .values_list("cell_path", "month", "outcome")
        .annotate(n=Count("id"))
        .order_by()
    )
    for path, month, outcome, n in rows:
        yield PATROLS, path, f"{month:%Y-%m}:{outcome}", n
