"""Scope: what a user may see is the subtrees of the cells of their role assignments.

Every page and endpoint gets its objects through ``restrict`` (directly or through an
``access_*`` helper); no view filters by hand. A model says how it reaches a cell path with
``SCOPE_FIELD`` (``"path"`` on Cell, ``"cell__path"`` on most records); a field that crosses
a many-valued relation is filtered through a subquery so that rows are never repeated.
"""

import operator
from dataclasses import dataclass
from functools import reduce

from django.db.models import Q, QuerySet

from qianshao.grid import tree
from qianshao.grid.posts import post_cells
from qianshao.lib.keyset import crosses_many


@dataclass(frozen=True)
class Scope:
    everything: bool
    paths: tuple[str, ...]

    def covers(self, path: str) -> bool:
        return self.everything or any(path.startswith(p) for p in self.paths)

    def q(self, field: str) -> Q:
        """Rows under the scope's cells: only terms on ``field`` (lib.keyset reads them)."""
        if not self.paths:
            return Q(pk__in=[])
        return reduce(operator.or_, (tree.subtree_q(path, field) for path in self.paths))

    def reach_q(self, field: str) -> Q:
        """Records at or under the scope's cells, and records at a cell above them: a
        warning for a whole county reaches each of its villages."""
        condition = self.q(field)
        above = sorted({a for p in self.paths for a in tree.ancestor_paths(p)})
        if above:
            condition |= Q(**{f"{field}__in": above})
        return condition


NOTHING = Scope(everything=False, paths=())


def scope_of(user) -> Scope:
    """The user's scope, from their posts (``grid.posts``: read once per user object)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return NOTHING
    if user.is_superuser:
        return Scope(everything=True, paths=())
    return Scope(everything=False, paths=tuple(post_cells(user)))


def restrict(queryset: QuerySet, user, *, reaching: bool = False) -> QuerySet:
    """``queryset`` narrowed to what ``user`` may see; with ``reaching``, also what lies at
    a cell above their cells and so reaches them (``Scope.reach_q``)."""
    scope = scope_of(user)
    if scope.everything:
        return queryset
    if not scope.paths:
        return queryset.none()
    model = queryset.model
    field = model.SCOPE_FIELD
    condition = scope.reach_q(field) if reaching else scope.q(field)
    if crosses_many(model, field):
        return queryset.filter(pk__in=model._base_manager.filter(condition).values("pk"))
    return queryset.filter(condition)
