"""Warnings on the map: the warnings in force that reach a cell, each drawn on the boundary
of the part of the cell's subtree it covers (a target inside the subtree; the cell itself
when a target lies at or above it) with its answered share there (the map layer its panel
registers). The board's map (``board.geojson``) and this layer draw through the one
boundary builder, ``grid.maps.boundary_features``, and count 叫应 with ``board.Tally``."""

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone

from qianshao.grid import tree
from qianshao.grid.maps import boundary_features
from qianshao.lib.panels import Features, first
from qianshao.warnings.access import reaching, visible_deliveries, visible_warnings
from qianshao.warnings.board import Tally
from qianshao.warnings.models import Level, Status, Target, Warning

LAYER_LIMIT = 200  # the newest warnings in force drawn; the layer says when there were more


def in_force(user, cell, limit: int = LAYER_LIMIT) -> Features:
    """The warnings in force that ``user`` sees and that reach ``cell``, newest first (at
    most ``limit``): a feature per part of ``cell``'s subtree each covers."""
    warnings, truncated = first(
        reaching(
            visible_warnings(user).filter(status=Status.ISSUED, valid_until__gt=timezone.now()),
            cell,
        )
        .select_related("type")
        .order_by("-issued_at", "-id"),
        limit,
    )
    parts = _parts(cell, [w.pk for w in warnings])
    tallies = _tallies(user, cell, parts)
    levels = {level.value: str(level.label) for level in Level}
    items = []
    for w in warnings:
        board = reverse("warning-board", args=[w.number])
        for cell_id, path in parts.get(w.pk, []):
            tally = tallies[(w.pk, path)]
            code = tree.codes_of(path)[-1]
            items.append(
                (
                    cell_id,
                    {
                        "number": w.number,
                        "headline": w.headline,
                        "type": w.type.name,
                        "level": w.level,
                        "level_label": levels.get(w.level, w.level),
                        "valid_until": timezone.localtime(w.valid_until).isoformat(),
                        "cell": code,
                        "sent": tally.sent,
                        "answered": tally.answered,
                        "rate": tally.rate,
                        "url": f"{board}?cell={code}",
                    },
                )
            )
    return Features(boundary_features(user, items), limit=limit, truncated=truncated)


def _parts(cell, warning_ids: list[int]) -> dict[int, list[tuple[int, str]]]:
    """Per warning, the parts of ``cell``'s subtree it covers, as (cell id, path): the cell
    itself when a target lies at or above it, else each of its targets inside it."""
    targets = (
        Target.objects.filter(warning_id__in=warning_ids)
        .filter(tree.subtree_q(cell.path, "cell_path") | Q(cell_path__in=tree.lineage(cell.path)))
        .order_by("warning_id", "cell_path")
        .values_list("warning_id", "cell_id", "cell_path")
    )
    parts: dict[int, list[tuple[int, str]]] = {}
    for warning_id, cell_id, path in targets:
        found = parts.setdefault(warning_id, [])
        if found and found[0][1] == cell.path:
            continue  # the whole cell is covered: nothing inside it to add
        if tree.is_within(cell.path, path):
            parts[warning_id] = [(cell.pk, cell.path)]
        else:
            found.append((cell_id, path))
    return parts


def _tallies(user, cell, parts) -> dict[tuple[int, str], Tally]:
    """Who was sent each warning and who answered, per part: one query over the
    deliveries ``user`` sees under ``cell`` (the deliveries' index on warning and path),
    grouped by the recipients' cells and added up to the parts that hold them. A relay's
    parts count its parent's deliveries too, as its board does (``relayed.covered``): its
    parts lie inside its targets."""
    tallies = {(w, path): Tally() for w, found in parts.items() for _id, path in found}
    relays: dict[int, list[int]] = {}  # parent: its relays drawn here
    for relay, parent in Warning.objects.filter(
        pk__in=list(parts), parent__isnull=False
    ).values_list("pk", "parent_id"):
        relays.setdefault(parent, []).append(relay)
    rows = (
        visible_deliveries(user)
        .filter(warning_id__in=[*parts, *relays])
        .filter(tree.subtree_q(cell.path, "cell_path"))
        .values("warning_id", "cell_path")
        .annotate(sent=Count("id"), answered=Count("id", filter=Q(answered_at__isnull=False)))
        .order_by()
    )
    for row in rows:
        drawn = [row["warning_id"]] if row["warning_id"] in parts else []
        for w in [*drawn, *relays.get(row["warning_id"], [])]:
            for _id, path in parts[w]:
                if tree.is_within(row["cell_path"], path):
                    tallies[(w, path)].add(Tally(sent=row["sent"], answered=row["answered"]))
    return tallies
