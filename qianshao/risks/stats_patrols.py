"""Patrol statistics (issue 14 item 4): per cell, for a month, how many patrols were due
(closed: on time, late or missed), done on time, late, missed, and the share done — from the
``patrols`` counters, one read for all of a cell's children, like the zero reports'
completeness; per person of a cell from a county down, one GROUP BY of the month's patrols
in its subtree (by the (cell_path, due_at) index); and the last patrol of each point."""

from dataclasses import dataclass
from datetime import date

from django.db.models import Count

from qianshao.grid import tree
from qianshao.grid.models import CellKind
from qianshao.lib.periods import month_bounds
from qianshao.risks import tally
from qianshao.risks.models import Outcome


@dataclass(frozen=True)
class Figures:
    on_time: int = 0
    late: int = 0
    missed: int = 0

    @property
    def due(self) -> int:
        return self.on_time + self.late + self.missed

    @property
    def done(self) -> int:
        return self.on_time + self.late

    @property
    def rate(self) -> float | None:
        """The share of due patrols done (on time or late), in %; None when none was due."""
        return round(100 * self.done / self.due, 1) if self.due else None

    @property
    def on_time_rate(self) -> float | None:
        return round(100 * self.on_time / self.due, 1) if self.due else None

    def plain(self) -> dict:
        return {
            "due": self.due,
            "on_time": self.on_time,
            "late": self.late,
            "missed": self.missed,
            "rate": self.rate,
            "on_time_rate": self.on_time_rate,
        }


ABOVE_COUNTY = frozenset({CellKind.PROVINCE, CellKind.CITY})


def _month(first: date) -> str:
    return f"{first:%Y-%m}"


def figures(paths: list[str], first: date) -> dict[str, Figures]:
    """The month's figures of each of ``paths``, one read of the counters."""
    month = _month(first)
    found = tally.read_many(list(paths), tally.PATROLS)
    result = {}
    for path in paths:
        counts = found.get(path, {}).get(tally.PATROLS, {})
        result[path] = Figures(
            **{
                o: counts.get(f"{month}:{o}", 0)
                for o in (Outcome.ON_TIME, Outcome.LATE, Outcome.MISSED)
            }
        )
    return result


@dataclass(frozen=True)
class PersonFigures:
    person_id: int | None
    name: str
    figures: Figures


def lists_people(cell) -> bool:
    """Are a cell's patrollers listed one by one? From a county down: a city's or a
    province's month is hundreds of thousands of patrols and thousands of people, read
    through their children's figures (the counters) instead."""
    return cell.kind not in ABOVE_COUNTY


def by_person(patrols, path: str, first: date) -> list[PersonFigures]:
    """The month's figures of each patroller of the patrols ``patrols`` (a scoped query) in
    the subtree of ``path``, the least complete first; patrols of no one (missed ones of a
    point without a patroller) under "—"."""
    start, end = month_bounds(first)
    rows = (
        patrols.filter(tree.subtree_q(path, "cell_path"), due_at__gte=start, due_at__lt=end)
        .values_list("patroller_id", "patroller__name", "outcome")
        .annotate(n=Count("id"))
        .order_by()
    )
    people: dict = {}
    for person_id, name, outcome, n in rows:
        entry = people.setdefault(person_id, {"name": name or "—"})
        entry[outcome] = entry.get(outcome, 0) + n
    found = [
        PersonFigures(
            pk,
            entry["name"],
            Figures(
                entry.get(Outcome.ON_TIME, 0),
                entry.get(Outcome.LATE, 0),
                entry.get(Outcome.MISSED, 0),
            ),
        )
        for pk, entry in people.items()
    ]
    return sorted(found, key=lambda p: (p.figures.rate or 0, p.name, p.person_id or 0))
