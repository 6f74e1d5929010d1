"""The hazard reports of seed 003 §六(二): the grid hazard statistics table (网格隐患统计表,
附件 5) and the monthly hazard report (隐患月报表) with its list of hazards still under
rectification (问题隐患整改清单).

The statistics table reads the tally counters (one query for the cell and all its children,
whatever the number of hazards). It counts:

- 排查发现 (found): every hazard reported in the subtree except merged duplicates (已合并)
  and reports returned to the reporter (已退回);
- 其中重大 (major): found hazards graded 重大隐患;
- 已整改 (rectified): closed (已销号);
- 整改中 (under rectification): accepted and not yet closed (``UNDER_RECTIFICATION``);
- 待受理 (awaiting triage): submitted, not yet accepted — so found = rectified + under
  rectification + awaiting triage;
- 超期 (overdue): not closed and the current step's time limit passed (marked by the sweep);
- 重大未销号 (major still open): major and not closed;
- 整改率 (rectification rate): rectified / found.

The monthly report covers a subtree and a calendar month in the site's time zone
(Asia/Shanghai), up to the month's end — or up to now for the current month. Every hazard
appears as it stood at that cut-off, so that later steps never rewrite a month already
reported: a hazard that no audit record touches after the cut-off is read from its row; one
that was touched is rebuilt by replaying the ``after`` snapshots of its audit records from
before the cut-off (every step writes its status, grade, due time and 五落实 fields there).
A hazard counts as overdue at the cut-off when it was open and its step's due time had
passed, so a month's figures do not depend on when the sweep happened to run. Closures are
counted by ``closed_at``, which never changes once set (销号 is final).

Which hazards to look at comes from their rows: reported in the month, or earlier and open
now, or closed, merged or returned with ``updated_at`` after the cut-off (every step saves
``updated_at``, so a hazard that left the open states before the cut-off is not read). The
hazards come from the user's ``restrict``-ed queryset; audit records and responsible people
are read only by the ids of those hazards.
"""

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.db.models import Count, QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from qianshao.audit.models import AuditRecord
from qianshao.grid import tree
from qianshao.grid.models import Cell, Person
from qianshao.hazards import tally
from qianshao.hazards.models import OPEN, UNDER_RECTIFICATION, Grade, Hazard, Status
from qianshao.lib.periods import month_bounds

NOT_COUNTED = frozenset({Status.MERGED, Status.RETURNED})
CHUNK = 500  # ids per IN (...) query, well below SQLite's limit on parameters


# --- the statistics table ----------------------------------------------------------------


@dataclass
class Figures:
    """One line of the statistics table (see the module docstring for each definition)."""

    found: int = 0
    major: int = 0
    rectified: int = 0
    rectifying: int = 0
    pending: int = 0
    overdue: int = 0
    major_open: int = 0

    @property
    def rate(self) -> float | None:
        """整改率: rectified / found, or None when nothing was found."""
        return self.rectified / self.found if self.found else None

    @property
    def rate_text(self) -> str:
        return "—" if self.rate is None else f"{self.rate:.1%}"

    @property
    def empty(self) -> bool:
        return not any(vars(self).values())

    def minus(self, other: "Figures") -> "Figures":
        return Figures(**{k: v - getattr(other, k) for k, v in vars(self).items()})

    def plus(self, other: "Figures") -> "Figures":
        return Figures(**{k: v + getattr(other, k) for k, v in vars(self).items()})


def figures(counters: dict[tuple, int]) -> Figures:
    """The table's figures from one path's tally counters {(status, grade, overdue): n}."""
    f = Figures()
    for (status, grade, overdue), n in counters.items():
        if status in NOT_COUNTED:
            continue
        f.found += n
        major = grade == Grade.MAJOR
        f.major += n if major else 0
        f.rectified += n if status == Status.CLOSED else 0
        f.rectifying += n if status in UNDER_RECTIFICATION else 0
        f.pending += n if status == Status.SUBMITTED else 0
        f.overdue += n if status in OPEN and overdue else 0
        f.major_open += n if status in OPEN and major else 0
    return f


@dataclass
class StatsTable:
    cell: Cell
    at: datetime
    rows: list[tuple[Cell, Figures]]
    # Hazards placed on the cell itself rather than in a child (本级), None when there are none.
    own: Figures | None
    total: Figures


def stats_table(cell: Cell, children: list[Cell], now: datetime | None = None) -> StatsTable:
    """网格隐患统计表 of ``cell``: one row per child, the cell's own hazards and the total.

    One query for every counter, however many hazards and children there are.
    """
    found = tally.counts([cell.path, *(c.path for c in children)])
    rows = [(child, figures(found[child.path])) for child in children]
    total = figures(found[cell.path])
    below = Figures()
    for _child, f in rows:
        below = below.plus(f)
    own = total.minus(below)
    return StatsTable(cell, now or timezone.now(), rows, None if own.empty else own, total)


# --- a hazard as it stood at a moment ----------------------------------------------------

# The fields of the audit snapshots (hazards.actions.FIELDS) that the monthly report shows.
REPLAYED = ("status", "grade", "due_at", "overdue", "deadline", "responsible", "measures")
REPLAYED += ("funds", "contingency")


@dataclass
class Entry:
    """One hazard in the monthly report, with its state at the report's cut-off."""

    hazard: Hazard
    status: str
    grade: str
    overdue: bool
    deadline: datetime | None
    responsible: str
    measures: str
    funds: Decimal | None
    contingency: str
    closed_at: datetime | None

    @property
    def is_open(self) -> bool:
        return self.status in OPEN

    @property
    def status_label(self) -> str:
        return str(Status(self.status).label)

    @property
    def grade_label(self) -> str:
        return str(Grade(self.grade).label)


def _touched_after(ids: list[int], moment: datetime) -> set[int]:
    """The hazards among ``ids`` that some audit record touches at or after ``moment``."""
    touched: set[int] = set()
    for i in range(0, len(ids), CHUNK):
        chunk = [str(pk) for pk in ids[i : i + CHUNK]]
        found = (
            AuditRecord.objects.filter(
                object_type=Hazard._meta.label_lower, object_id__in=chunk, at__gte=moment
            )
            .values_list("object_id", flat=True)
            .distinct()
        )
        touched.update(int(pk) for pk in found)
    return touched


def _replay(ids: list[int], moment: datetime) -> dict[int, dict]:
    """Per hazard: its audited fields as of ``moment``, replayed from the audit records."""
    states: dict[int, dict] = {}
    for i in range(0, len(ids), CHUNK):
        chunk = [str(pk) for pk in ids[i : i + CHUNK]]
        records = (
            AuditRecord.objects.filter(object_type=Hazard._meta.label_lower, object_id__in=chunk)
            .filter(at__lt=moment)
            .order_by("seq")
            .values_list("object_id", "after")
        )
        for object_id, after in records.iterator():
            if isinstance(after, dict):
                state = states.setdefault(int(object_id), {})
                state.update({k: after[k] for k in REPLAYED if k in after})
    return states


def _when(value) -> datetime | None:
    return parse_datetime(value) if isinstance(value, str) else value


def _money(value) -> Decimal | None:
    try:
        return None if value in (None, "") else Decimal(str(value))
    except InvalidOperation:
        return None


def entries_at(hazards: list[Hazard], moment: datetime) -> list[Entry]:
    """``hazards`` as they stood at ``moment`` (see the module docstring)."""
    touched = _touched_after([h.pk for h in hazards], moment)
    states = _replay(sorted(touched), moment)
    people = {s.get("responsible") for s in states.values()} - {None}
    names = dict(Person.objects.filter(pk__in=people).values_list("pk", "name"))
    out = []
    for h in hazards:
        state = states.get(h.pk) if h.pk in touched else None
        if state and "status" in state:
            out.append(_replayed(h, state, moment, names))
        else:
            out.append(_as_is(h, moment))
    return out


def _replayed(h: Hazard, state: dict, moment: datetime, names: dict) -> Entry:
    """A hazard from its audited fields at ``moment``; overdue when open with its step's due
    time passed (whether or not the sweep had come by then)."""
    status, due_at = state["status"], _when(state.get("due_at"))
    return Entry(
        hazard=h,
        status=status,
        grade=state.get("grade", h.grade),
        overdue=status in OPEN and due_at is not None and due_at < moment,
        deadline=_when(state.get("deadline")),
        responsible=names.get(state.get("responsible"), ""),
        measures=state.get("measures", ""),
        funds=_money(state.get("funds")),
        contingency=state.get("contingency", ""),
        closed_at=h.closed_at if status == Status.CLOSED else None,
    )


def _as_is(h: Hazard, moment: datetime) -> Entry:
    """A hazard untouched since ``moment``: its row is its state then."""
    due_passed = h.due_at is not None and h.due_at < moment
    return Entry(
        hazard=h,
        status=h.status,
        grade=h.grade,
        overdue=h.is_open and (h.overdue or due_passed),
        deadline=h.deadline,
        responsible=h.responsible.name if h.responsible_id else "",
        measures=h.measures,
        funds=h.funds,
        contingency=h.contingency,
        closed_at=h.closed_at,
    )


# --- the monthly report ------------------------------------------------------------------


@dataclass
class CategoryLine:
    name: str
    general: int = 0
    major: int = 0

    @property
    def total(self) -> int:
        return self.general + self.major


@dataclass
class MonthlyReport:
    cell: Cell
    month: date
    start: datetime
    end: datetime
    # The moment the report stands at: the month's end, or now during the month.
    cutoff: datetime
    reported: list[Entry]  # reported in the month (not merged or returned at the cut-off)
    open: list[Entry]  # 问题隐患整改清单: every hazard still open at the cut-off
    closed: int  # closed (销号) during the month, whenever reported
    closed_major: int
    categories: list[CategoryLine] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        """Whether the month is over (else the report stands at ``cutoff``, i.e. now)."""
        return self.cutoff >= self.end

    @property
    def reported_major(self) -> int:
        return sum(1 for e in self.reported if e.grade == Grade.MAJOR)

    @property
    def reported_closed(self) -> int:
        return sum(1 for e in self.reported if e.status == Status.CLOSED)

    @property
    def reported_closed_major(self) -> int:
        return sum(1 for e in self.reported if e.status == Status.CLOSED and e.grade == Grade.MAJOR)

    @property
    def open_overdue(self) -> int:
        return sum(1 for e in self.open if e.overdue)

    @property
    def open_major(self) -> int:
        return sum(1 for e in self.open if e.grade == Grade.MAJOR)

    @property
    def open_overdue_major(self) -> int:
        return sum(1 for e in self.open if e.overdue and e.grade == Grade.MAJOR)

    @property
    def totals(self) -> CategoryLine:
        line = CategoryLine(_("合计"))
        for c in self.categories:
            line.general += c.general
            line.major += c.major
        return line


def monthly_report(
    hazards: QuerySet, cell: Cell, first: date, now: datetime | None = None
) -> MonthlyReport:
    """隐患月报表 of ``cell``'s subtree for the month beginning ``first``.

    ``hazards`` is the user's scoped queryset (``restrict``); the subtree and the month are
    narrowed here with index ranges on ``cell_path`` and ``reported_at``.
    """
    start, end = month_bounds(first)
    cutoff = min(end, now or timezone.now())
    subtree = hazards.filter(tree.subtree_q(cell.path, "cell_path"))
    rows = _candidates(subtree, start, cutoff)
    entries = entries_at(rows, cutoff)
    reported = [e for e in entries if e.hazard.reported_at >= start and e.status not in NOT_COUNTED]
    closed = dict(
        subtree.filter(status=Status.CLOSED, closed_at__gte=start, closed_at__lt=cutoff)
        .values_list("grade")
        .annotate(n=Count("id"))
        .order_by()
    )
    report = MonthlyReport(
        cell=cell,
        month=first,
        start=start,
        end=end,
        cutoff=cutoff,
        reported=reported,
        open=[e for e in entries if e.is_open],
        closed=sum(closed.values()),
        closed_major=closed.get(Grade.MAJOR, 0),
    )
    report.categories = _by_category(reported)
    return report


def _candidates(subtree: QuerySet, start: datetime, cutoff: datetime) -> list[Hazard]:
    """The hazards the report may show: reported in the month, or earlier and perhaps still
    open at the cut-off — open now, or closed, merged or returned since (every step moves
    ``updated_at``, so one that left the open states before the cut-off is not read).

    Three queries rather than one OR, so that each can use its own index: the month's range
    of ``reported_at``; the subtree's open statuses; the subtree's final statuses.
    """
    related = subtree.select_related("category", "cell", "responsible")
    earlier = related.filter(reported_at__lt=start)
    found: dict[int, Hazard] = {}
    for query in (
        related.filter(reported_at__gte=start, reported_at__lt=cutoff),
        earlier.filter(status__in=OPEN),
        earlier.filter(status__in=[Status.CLOSED, *NOT_COUNTED], updated_at__gte=cutoff),
    ):
        found.update((h.pk, h) for h in query.order_by())
    return sorted(found.values(), key=lambda h: (h.reported_at, h.pk))


def _by_category(entries: list[Entry]) -> list[CategoryLine]:
    lines: dict[int, CategoryLine] = {}
    order: dict[int, tuple] = {}
    for e in entries:
        category = e.hazard.category
        line = lines.setdefault(category.pk, CategoryLine(category.name))
        order[category.pk] = (category.sort, category.code)
        if e.grade == Grade.MAJOR:
            line.major += 1
        else:
            line.general += 1
    return [lines[pk] for pk in sorted(lines, key=order.__getitem__)]
