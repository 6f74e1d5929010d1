"""Who chases whom: the dispatchers (调度员) over a part of the grid, read once.

Those who have not answered a warning or not filed their zero report are chased first by
the dispatcher of their own level — the nearest cell at or above theirs with a dispatcher
other than themselves (for a village, usually the township) — then by the one above that
(docs/adr/0013). ``Dispatchers(paths)`` reads every dispatcher post in the subtrees of
``paths`` and above them in one query; ``ladder(path)`` is the cells that dispatch for a
cell, nearest first.
"""

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Q

from qianshao.grid import tree
from qianshao.grid.models import Role, RoleAssignment, active_on


@dataclass(frozen=True)
class DispatchCell:
    """A dispatcher's cell, as a sweep needs it."""

    pk: int
    path: str
    code: str
    name: str


@dataclass(frozen=True)
class Dispatcher:
    """A dispatcher, as a notice needs them (``notify.outbox.Notice.people``)."""

    pk: int
    user_id: int | None
    phone: str


class Dispatchers:
    def __init__(self, paths):
        within = Q(pk__in=[])
        for path in paths:
            within |= tree.subtree_q(path, "cell__path")
            within |= Q(cell__path__in=tree.ancestor_paths(path))
        posts = RoleAssignment.objects.filter(
            active_on(), within, role=Role.DISPATCHER, department__isnull=True
        )
        rows = posts.values_list(
            "cell_id",
            "cell__path",
            "cell__code",
            "cell__name",
            "person_id",
            "person__user_id",
            "person__phone",
        )
        self.people: dict[str, dict[int, Dispatcher]] = defaultdict(dict)
        self.cells: dict[str, DispatchCell] = {}
        for cell_id, path, code, name, person_id, user_id, phone in rows:
            self.people[path][person_id] = Dispatcher(person_id, user_id, phone)
            self.cells[path] = DispatchCell(cell_id, path, code, name)
        self.persons = {pk for people in self.people.values() for pk in people}
        self._ladders: dict[str, list[DispatchCell]] = {}

    def ladder(self, path: str, person_id: int | None = None) -> list[DispatchCell]:
        """The dispatcher cells at or above ``path``, nearest first, leaving out a cell
        whose only dispatcher is ``person_id`` (who cannot chase themselves)."""
        found = self._ladders.get(path)
        if found is None:  # the parent's ladder, with this cell first if it dispatches
            parent = path[: path.rfind(tree.SEPARATOR, 0, len(path) - 1) + 1]
            above = self.ladder(parent) if parent else []
            # the parent's own list where this cell adds nothing: a province's villages
            # share their township's (a ladder is never changed once made)
            found = [self.cells[path], *above] if path in self.cells else above
            self._ladders[path] = found
        if person_id in self.persons:
            return [c for c in found if set(self.people[c.path]) - {person_id}]
        return found

    def of(self, cell: DispatchCell) -> list[Dispatcher]:
        """The dispatchers of ``cell``, in id order."""
        people = self.people[cell.path]
        return [people[pk] for pk in sorted(people)]
