"""The reports of 灾情报送, for a cell in the user's scope:

- 零报告报送情况统计表 of a day or of a period (at most ``MAX_DAYS`` days): per child cell
  and in total, 应报 (expected: one report a reporting cell a day), 已报 (received), 按时
  (on time: before the rule's deadline of its day), 迟报 (late = received − on time), 未报
  (missing = expected − received), 报送率 (received ÷ expected) and 及时率 (on time ÷
  expected), read from the day counters (``stats``); for a single day, also the reporting
  cells that have not reported, with their township and information officers (信息员).
- 自然灾害情况统计表 of a period of the disasters' start: per child cell and in total, the
  number of disaster reports and the sum of each indicator (each report's latest figures),
  and the reports themselves.

A row "本级" holds what lies on the cell itself rather than in a child (a village's own zero
reports; a disaster reported at a township). Dates are the site's local dates.
"""

import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from qianshao.disasters import schedule, stats
from qianshao.disasters.access import visible_disasters, visible_zero_reports
from qianshao.disasters.models import INDICATORS, DisasterReport
from qianshao.disasters.stats import Completeness
from qianshao.grid import tree
from qianshao.grid.access import visible_assignments, visible_cells
from qianshao.grid.models import TOWNSHIP_KINDS, Cell, Person, Role
from qianshao.lib.errors import ActionError
from qianshao.lib.periods import local_bounds

MAX_DAYS = 92  # a quarter: the longest period of the completeness table
MAX_STATISTICS_DAYS = 366  # a year: the longest period of the disaster statistics
EARLIEST = date(2000, 1, 1)
DATE_RE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
FIELD_LABELS = {
    "day": gettext_lazy("报告日"),
    "from": gettext_lazy("开始日期"),
    "to": gettext_lazy("结束日期"),
}


# --- dates -------------------------------------------------------------------------------


def parse_date(text: str | None, field: str) -> date | None:
    """The date written ``YYYY-MM-DD`` in ``field``, or None when empty.

    Raises ActionError naming ``field`` for a malformed, impossible, too early or future date.
    """
    text = (text or "").strip()
    if not text:
        return None
    label = FIELD_LABELS[field]
    match = DATE_RE.match(text)
    if match is None:
        raise ActionError(_("%(f)s应写作 YYYY-MM-DD，例如 2026-07-01") % {"f": label}, field)
    try:
        found = date(*(int(part) for part in match.groups()))
    except ValueError:
        raise ActionError(
            _("%(f)s %(t)s 不是有效的日期") % {"f": label, "t": text}, field
        ) from None
    if found < EARLIEST:
        raise ActionError(_("%(f)s不能早于 2000 年") % {"f": label}, field)
    if found > schedule.today():
        raise ActionError(_("%(f)s不能晚于今天") % {"f": label}, field)
    return found


def parse_period(first_text: str | None, last_text: str | None, limit: int) -> tuple[date, date]:
    """``from`` and ``to``: the end defaults to today, the start to the first of the end's
    month. Refuses an end before the start, or a period longer than ``limit`` days."""
    last = parse_date(last_text, "to") or schedule.today()
    first = parse_date(first_text, "from") or last.replace(day=1)
    if last < first:
        raise ActionError(_("结束日期不能早于开始日期"), "to")
    length = (last - first).days + 1
    if length > limit:
        raise ActionError(
            _("统计时段最长 %(n)s 天，所选时段为 %(m)s 天，请缩短") % {"n": limit, "m": length},
            "to",
        )
    return first, last


def completeness_period(params) -> tuple[date, date]:
    """The table's days from the query: ``from``/``to`` for a period, else ``day`` (today)."""
    if params.get("from", "").strip() or params.get("to", "").strip():
        return parse_period(params.get("from"), params.get("to"), MAX_DAYS)
    day = parse_date(params.get("day"), "day") or schedule.today()
    return day, day


def statistics_period(params) -> tuple[date, date]:
    """The disasters' start dates from the query: ``from``/``to``, this month by default."""
    return parse_period(params.get("from"), params.get("to"), MAX_STATISTICS_DAYS)


def period_label(first: date, last: date) -> str:
    if first == last:
        return _("%(y)s年%(m)s月%(d)s日") % {"y": first.year, "m": first.month, "d": first.day}
    return _("%(a)s至%(b)s（共 %(n)s 天）") % {
        "a": period_label(first, first),
        "b": period_label(last, last),
        "n": (last - first).days + 1,
    }


def period_slug(first: date, last: date) -> str:
    """The period as a file name has it: ``2026-07-01`` or ``2026-07-01至2026-07-31``."""
    if first == last:
        return first.isoformat()
    return _("%(a)s至%(b)s") % {"a": first.isoformat(), "b": last.isoformat()}


# --- 零报告报送情况统计表 ------------------------------------------------------------------


@dataclass
class Unreported:
    """A reporting cell without a zero report on the day, and whom to call."""

    cell: Cell
    township: Cell | None
    informants: list[Person]


@dataclass
class CompletenessTable:
    cell: Cell
    first: date
    last: date
    at: datetime
    deadline: str  # as the forms say it: "16:00", "次日 08:00"
    rows: list[tuple[Cell, Completeness]]
    own: Completeness | None  # the cell's own report (a village's), None when it has none
    total: Completeness
    unreported: list[Unreported]  # on a single day only

    @property
    def single_day(self) -> bool:
        return self.first == self.last

    @property
    def period(self) -> str:
        return period_label(self.first, self.last)

    @property
    def period_line(self) -> str:
        """The form's period: the day and its deadline, or the period; and the moment the
        figures stand at while the period is not over."""
        deadline = self.deadline
        if self.single_day:
            text = _("报告日：%(d)s（截止时间 %(t)s）") % {"d": self.period, "t": deadline}
        else:
            text = _("统计时段：%(p)s") % {"p": self.period}
        if self.last >= timezone.localdate(self.at):
            at = timezone.localtime(self.at).strftime("%Y-%m-%d %H:%M")
            text += _("，统计截至 %(t)s") % {"t": at}
        return text


def completeness_table(
    user, cell: Cell, first: date, last: date, now: datetime | None = None
) -> CompletenessTable:
    """零报告报送情况统计表 of ``cell`` from ``first`` to ``last`` (``cell`` is the user's,
    through ``access_cell``). A fixed number of queries, however many cells and days."""
    rows = stats.child_completeness(cell, first, last)
    total = stats.total(stats.completeness(cell, first, last))
    below = Completeness()
    for _child, c in rows:
        below.add(c)
    own = Completeness(
        total.expected - below.expected,
        total.received - below.received,
        total.on_time - below.on_time,
        total.open_expected - below.open_expected,
        total.open_received - below.open_received,
    )
    return CompletenessTable(
        cell=cell,
        first=first,
        last=last,
        at=now or timezone.now(),
        deadline=schedule.deadline_label(),
        rows=rows,
        own=own if own.expected or own.received else None,
        total=total,
        unreported=unreported(user, cell, first) if first == last else [],
    )


def unreported(user, cell: Cell, day: date) -> list[Unreported]:
    """The reporting cells under ``cell`` without a zero report for ``day``, by path, with
    their township and their active information officers (three queries)."""
    reported = visible_zero_reports(user).filter(day=day, cell=OuterRef("pk"))
    missing = (
        visible_cells(user)
        .subtree(cell.path)
        .filter(kind__in=schedule.rule().kinds)
        .filter(~Exists(reported))
        .defer("boundary")
        .order_by("path")
    )
    places = (
        visible_cells(user)
        .filter(kind__in=TOWNSHIP_KINDS)
        .filter(tree.subtree_q(cell.path) | Q(path__in=tree.ancestor_paths(cell.path)))
        .defer("boundary")
    )
    townships = {c.path: c for c in places}
    officers: dict[int, list[Person]] = {}
    assignments = (
        visible_assignments(user)
        .active()
        .filter(role=Role.INFORMANT, cell__in=missing.values("pk"))
        .by_rank()
    )
    for a in assignments:
        officers.setdefault(a.cell_id, []).append(a.person)
    found = []
    for c in missing:
        township = next((townships[p] for p in tree.lineage(c.path) if p in townships), None)
        found.append(Unreported(c, township, officers.get(c.pk, [])))
    return found


# --- 自然灾害情况统计表 --------------------------------------------------------------------

# Indicators the paper form heads as a group over short column labels.
GROUPED = {
    "collapsed_households": (gettext_lazy("倒塌房屋"), gettext_lazy("户")),
    "collapsed_rooms": (gettext_lazy("倒塌房屋"), gettext_lazy("间")),
    "crops_affected_ha": (gettext_lazy("农作物（公顷）"), gettext_lazy("受灾")),
    "crops_damaged_ha": (gettext_lazy("农作物（公顷）"), gettext_lazy("成灾")),
    "crops_lost_ha": (gettext_lazy("农作物（公顷）"), gettext_lazy("绝收")),
}


def indicator_head() -> list[tuple[str, list[str]]]:
    """The indicators' header as the paper form has it, in ``INDICATORS``' order:
    ``(label, [])`` over one column, ``(group, [sub, …])`` over several."""
    head: list[tuple[str, list[str]]] = []
    for name, (label, _places) in INDICATORS.items():
        if name not in GROUPED:
            head.append((str(label), []))
            continue
        group, sub = (str(text) for text in GROUPED[name])
        if head and head[-1][0] == group:
            head[-1][1].append(sub)
        else:
            head.append((group, [sub]))
    return head


def columns(figures: dict) -> list[tuple[str, int | Decimal, int]]:
    """``(name, value, decimal places)`` of each indicator in ``figures``, in order."""
    return [(name, figures[name], places) for name, (_label, places) in INDICATORS.items()]


@dataclass
class Line:
    """One line of the statistics table: a child cell, the cell itself (本级) or the total."""

    figures: dict  # reports (the number of disaster reports) and each indicator
    cell: Cell | None = None

    @property
    def reports(self) -> int:
        return self.figures["reports"]

    @property
    def columns(self) -> list[tuple[str, int | Decimal, int]]:
        return columns(self.figures)


@dataclass
class Entry:
    """One disaster report in the list under the table, with its latest figures."""

    report: DisasterReport

    @property
    def columns(self) -> list[tuple[str, int | Decimal, int]]:
        return columns(self.report.figures())


@dataclass
class StatisticsTable:
    cell: Cell
    first: date
    last: date
    at: datetime
    rows: list[Line]
    own: Line | None
    total: Line
    entries: list[Entry]

    @property
    def period(self) -> str:
        return period_label(self.first, self.last)

    @property
    def period_line(self) -> str:
        return _("统计时段：%(p)s（按灾害发生时间）") % {"p": self.period}


def _zero() -> dict:
    return {"reports": 0} | {name: 0 for name in INDICATORS}


def statistics_table(
    user, cell: Cell, first: date, last: date, now: datetime | None = None
) -> StatisticsTable:
    """自然灾害情况统计表 of ``cell``: the disaster reports in its subtree that started from
    ``first`` to ``last``, every child of ``cell`` a row (zeros included)."""
    start, end = local_bounds(first, last)
    reports = visible_disasters(user).filter(started_at__gte=start, started_at__lt=end)
    found = {child.pk: figures for child, figures in stats.child_figures(cell, reports)}
    children = visible_cells(user).children_of(cell).defer("boundary")
    rows = [Line(found.get(child.pk, _zero()), child) for child in children]
    total = stats.figures(cell, reports)
    own = {k: v - sum(line.figures[k] for line in rows) for k, v in total.items()}
    listed = (
        reports.filter(tree.subtree_q(cell.path, "cell_path"))
        .select_related("cell")
        .order_by("started_at", "id")
    )
    return StatisticsTable(
        cell=cell,
        first=first,
        last=last,
        at=now or timezone.now(),
        rows=rows,
        own=Line(own, cell) if own["reports"] else None,
        total=Line(total),
        entries=[Entry(d) for d in listed],
    )
