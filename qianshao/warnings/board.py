"""The 叫应 board of a warning: per child cell, how many were sent it, reached, cannot
be reached (无法送达: no login, no SMS), have answered, are overdue; who has not answered
(marked when unreachable); the map coloured by answer rate.

Counts are grouped by the recipients' cells in one query over the deliveries the user sees
(the deliveries index on warning and cell path), then rolled up to the children of the
cell the board is drawn for. A relay's board counts the deliveries it covers: its own and
its parent's inside its targets (``warnings.relayed.covered``).
"""

from dataclasses import dataclass

from django.db.models import Count, Q, Sum
from django.utils import timezone

from qianshao.grid import tree
from qianshao.grid.access import visible_cells
from qianshao.grid.maps import boundary_features
from qianshao.grid.models import Cell
from qianshao.grid.scope import scope_of
from qianshao.lib.geojson import collection
from qianshao.lib.panels import figure
from qianshao.warnings.access import visible_deliveries
from qianshao.warnings.audience import unreachable_flag, unreachable_q
from qianshao.warnings.models import Answer, Warning
from qianshao.warnings.relayed import covered

COUNTED = ("sent", "delivered", "unreachable", "answered", "overdue", "acting", "done")
COUNTED += ("evacuated",)


@dataclass
class Tally:
    sent: int = 0  # recipients: one delivery each
    delivered: int = 0  # whose message reached them (the outbox sent it)
    answered: int = 0
    overdue: int = 0
    acting: int = 0
    done: int = 0
    evacuated: int = 0
    unreachable: int = 0  # nobody can tell them: no login, no SMS (warnings.audience)
    listed: int | None = None  # on the transfer lists (another area's figure; None: none)

    @property
    def waiting(self) -> int:
        return self.sent - self.answered

    @property
    def rate(self) -> int | None:
        """Answered, in whole percent (None when nobody was sent it)."""
        return round(100 * self.answered / self.sent) if self.sent else None

    def add(self, other: "Tally") -> None:
        for name in COUNTED:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def as_dict(self) -> dict:
        return {
            "sent": self.sent,
            "delivered": self.delivered,
            "unreachable": self.unreachable,
            "answered": self.answered,
            "waiting": self.waiting,
            "overdue": self.overdue,
            "acting": self.acting,
            "done": self.done,
            "evacuated": self.evacuated,
            "rate": self.rate,
        }


@dataclass
class Board:
    warning: Warning
    cell: Cell
    total: Tally
    children: list[tuple[Cell, Tally]]
    own: Tally  # recipients at the board's cell itself


def root_for(user, warning: Warning) -> Cell | None:
    """Where the board starts for ``user``: the warning's own cell when they see it, else
    the outermost of their cells that the warning reaches."""
    scope = scope_of(user)
    if scope.covers(warning.cell_path):
        return warning.cell
    targets = list(warning.targets.values_list("cell_path", flat=True))
    for path in scope.paths:
        if any(tree.is_within(path, t) or tree.is_within(t, path) for t in targets):
            return Cell.objects.get(path=path)
    return None


def board(user, warning: Warning, cell: Cell) -> Board:
    now = timezone.now()
    rows = (
        visible_deliveries(user)
        .filter(covered(warning))
        .filter(tree.subtree_q(cell.path, "cell_path"))
        .values("cell_path")
        .annotate(
            sent=Count("id"),
            delivered=Count("id", filter=Q(delivered_at__isnull=False)),
            answered=Count("id", filter=Q(answered_at__isnull=False)),
            overdue=Count("id", filter=Q(answered_at__isnull=True, due_at__lte=now)),
            acting=Count("id", filter=Q(answer=Answer.ACTING)),
            done=Count("id", filter=Q(answer=Answer.DONE)),
            evacuated=Sum("evacuated"),
            unreachable=Count("id", filter=unreachable_q("person__")),
        )
        .order_by()
    )
    children = list(visible_cells(user).children_of(cell).defer("boundary"))
    by_path = {c.path: Tally() for c in children}
    total, own = Tally(), Tally()
    depth = len(tree.codes_of(cell.path))
    for row in rows:
        tally = Tally(
            row["sent"],
            row["delivered"],
            row["answered"],
            row["overdue"],
            row["acting"],
            row["done"],
            row["evacuated"] or 0,
            row["unreachable"],
        )
        total.add(tally)
        codes = tree.codes_of(row["cell_path"])
        if len(codes) == depth:
            own.add(tally)
            continue
        child = tree.SEPARATOR.join(codes[: depth + 1]) + tree.SEPARATOR
        if child in by_path:
            by_path[child].add(tally)
    shown = [(c, by_path[c.path]) for c in children if by_path[c.path].sent]
    _listed(cell, total, shown)
    return Board(warning, cell, total, shown, own)


def _listed(cell: Cell, total: Tally, shown: list[tuple[Cell, Tally]]) -> None:
    """The people on the transfer lists (转移避险清单) of the board's cell and of each child
    shown, beside the evacuated figure the answers reported: read through the panels
    (``listed_people``), left None when no area keeps the figure."""
    listed = figure("listed_people", [cell.path, *(c.path for c, _t in shown)])
    if listed is None:
        return
    total.listed = listed[cell.path]
    for c, t in shown:
        t.listed = listed[c.path]


def unanswered(user, warning: Warning, cell: Cell):
    """The deliveries under ``cell`` still waiting for an answer, the longest late first;
    ``unreachable`` marks those nobody can tell (no login, no SMS)."""
    return (
        visible_deliveries(user)
        .filter(covered(warning), answered_at__isnull=True)
        .filter(tree.subtree_q(cell.path, "cell_path"))
        .select_related("person", "cell")
        .annotate(unreachable=unreachable_flag("person__"))
        .order_by("due_at", "cell_path", "id")
    )


def answered(user, warning: Warning, cell: Cell):
    return (
        visible_deliveries(user)
        .filter(covered(warning), answered_at__isnull=False)
        .filter(tree.subtree_q(cell.path, "cell_path"))
        .select_related("person", "cell")
        .order_by("-answered_at", "id")
    )


def geojson(user, b: Board) -> dict:
    """The board's children with their boundaries, coloured by answer rate (properties)."""
    return collection(
        boundary_features(
            user,
            [
                (
                    c.pk,
                    {
                        "code": c.code,
                        "name": c.name,
                        "rate": tally.rate,
                        "overdue": tally.overdue,
                        "waiting": tally.waiting,
                    },
                )
                for c, tally in b.children
            ],
        )
    )
