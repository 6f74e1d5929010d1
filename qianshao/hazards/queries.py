"""Hazard queries shared by pages, the API, the home pages and the benchmark."""

from django.db.models import Q
from django.urls import reverse

from qianshao.grid import tree
from qianshao.grid.access import scope_roots, visible_cells
from qianshao.grid.scope import scope_of
from qianshao.hazards import tally
from qianshao.hazards.access import visible_hazards
from qianshao.hazards.forms import OPEN_CHOICE
from qianshao.hazards.models import OPEN, Status
from qianshao.hazards.permissions import task_q
from qianshao.hazards.reports import figures

__all__ = [
    "child_summaries",
    "filtered",
    "hazard_summary",
    "ledger_rows",
    "hazard_links",
    "hazards_of_origin",
    "summarise",
    "task_q",
]


def hazard_summary(cell) -> dict:
    """发现, 未销号, 超时, 重大未销号 in the cell's subtree, from its tally (one query)."""
    return summarise(tally.counts([cell.path])[cell.path])


def filtered(hazards, data: dict, cell):
    if cell is not None:
        hazards = hazards.filter(tree.subtree_q(cell.path, "cell_path"))
    status = data.get("status")
    if status == OPEN_CHOICE:
        hazards = hazards.filter(status__in=OPEN)
    elif status:
        hazards = hazards.filter(status=status)
    if data.get("overdue"):
        hazards = hazards.filter(overdue=data["overdue"] == "1")
    for field in ["grade", "category", "source"]:
        if data.get(field):
            hazards = hazards.filter(**{field: data[field]})
    return hazards


def child_summaries(user, cell) -> dict:
    """The counts of the selected cell (or the user's scope roots) and of its children,
    from the tally: two queries however many children or hazards there are."""
    if cell is None:
        roots = scope_roots(user)
        cell = roots[0] if len(roots) == 1 and not scope_of(user).everything else None
    rows = list(visible_cells(user).children_of(cell)) if cell else scope_roots(user)
    counted = tally.counts([c.path for c in rows] + ([cell.path] if cell else []))
    return {
        "summary_cell": cell,
        "summary": summarise(counted[cell.path]) if cell else None,
        "children": [(child, summarise(counted[child.path])) for child in rows],
    }


def summarise(counter: dict) -> dict:
    """发现, 未销号, 超时, 重大未销号 — by the statistics table's definitions (one place)."""
    f = figures(counter)
    return {
        "found": f.found,
        "open": f.pending + f.rectifying,
        "overdue": f.overdue,
        "major": f.major_open,
    }


def ledger_rows(user, cell, since, limit: int) -> tuple[list[dict], bool]:
    """The hazards of a 隐患台账 (the risks area's ledger): those ``user`` sees in ``cell``'s
    subtree found since ``since`` or still open, oldest first, at most ``limit`` (and
    whether there were more). Each row: id, number, title, grade and status (their labels),
    found_at, deadline, cell_name."""
    found = (
        visible_hazards(user)
        .filter(tree.subtree_q(cell.path, "cell_path"))
        .filter(Q(found_at__gte=since) | Q(status__in=OPEN))
        .exclude(status=Status.MERGED)
        .select_related("cell")
        .order_by("found_at", "id")[: limit + 1]
    )
    rows = [
        {
            "id": h.pk,
            "number": h.number,
            "title": h.title,
            "grade": str(h.get_grade_display()),
            "status": str(h.get_status_display()),
            "found_at": h.found_at,
            "deadline": h.deadline,
            "cell_name": h.cell.name,
        }
        for h in found
    ]
    return rows[:limit], len(rows) > limit


def hazard_links(user, ids) -> dict[int, dict]:
    """The hazards of ``ids`` that ``user`` sees, as another area links them: {id: {number,
    title, status (its label), url}}; one query."""
    wanted = [pk for pk in ids if pk]
    if not wanted:
        return {}
    rows = visible_hazards(user).filter(pk__in=wanted).only("pk", "number", "title", "status")
    return {
        h.pk: {
            "number": h.number,
            "title": h.title,
            "status": h.get_status_display(),
            "url": reverse("hazard", args=[h.number]),
        }
        for h in rows
    }


def hazards_of_origin(user, ref: str) -> list[dict]:
    """The hazards ``user`` sees that were reported from the record ``ref`` ("risks.point:12"),
    the latest first, as ``hazard_links`` gives them."""
    ids = list(
        visible_hazards(user).filter(origin=ref).order_by("-id").values_list("pk", flat=True)[:50]
    )
    found = hazard_links(user, ids)
    return [found[pk] for pk in ids if pk in found]
