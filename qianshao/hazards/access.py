"""Getting hazards for a user: only through scope, 404 for both missing and not yours."""

from functools import cached_property

from django.db.models import Q
from django.http import Http404

from qianshao.grid import routing
from qianshao.grid.access import visible_assignments, visible_cells
from qianshao.grid.models import Department
from qianshao.grid.scope import restrict, scope_of
from qianshao.hazards.models import Hazard, Photo, Supervision
from qianshao.hazards.permissions import responsible_posts_q

MAX_CHOICES = 500


def visible_hazards(user):
    return restrict(Hazard.objects.all(), user)


def access_hazard(user, number: str) -> Hazard:
    hazard = (
        visible_hazards(user)
        .select_related(
            "category",
            "cell",
            "owner",
            "assignee_cell",
            "assignee_department",
            "responsible",
            "reporter",
            "escalated_by",
        )
        .filter(number=number)
        .first()
    )
    if hazard is None:
        raise Http404(number)
    return hazard


def visible_merge_target(user, hazard: Hazard) -> Hazard | None:
    """The hazard ``hazard`` was merged into, if ``user`` sees it: a reporter outside its
    scope learns only that theirs was merged, not which hazard it joined."""
    if hazard.merged_into_id is None:
        return None
    return visible_hazards(user).filter(pk=hazard.merged_into_id).first()


def visible_photos(user):
    """Photos of the hazards ``user`` sees (public-report photos before triage: none)."""
    return Photo.objects.filter(hazard__in=visible_hazards(user).values("pk"))


def access_photo(user, token: str) -> Photo:
    photo = visible_photos(user).filter(token=token).first()
    if photo is None:
        raise Http404(token)
    return photo


def visible_supervisions(user):
    return restrict(
        Supervision.objects.select_related("hazard", "target_cell", "target_department"), user
    )


def access_supervision(user, supervision_id: int) -> Supervision:
    supervision = visible_supervisions(user).filter(pk=supervision_id).first()
    if supervision is None:
        raise Http404(supervision_id)
    return supervision


class Choices:
    """What ``user`` may pick in a step form for ``hazard``: the hazard's cell and those
    above it within their scope, the departments of its county, and the people holding a
    post in either. Each list is read once, when a form first asks for it."""

    def __init__(self, user, hazard: Hazard):
        self.user, self.hazard = user, hazard

    @cached_property
    def _above(self):
        return routing.ancestors_and_self(self.hazard.cell)

    @cached_property
    def _county(self):
        found = [c for c in self._above if c.kind in routing.COUNTY_KINDS]
        return found[-1] if found else None

    @cached_property
    def _departments(self) -> list[Department]:
        if self._county is None:
            return []
        return list(Department.objects.filter(cell=self._county).order_by("code"))

    def departments(self) -> list[Department]:
        """The county's departments: the only ones a hazard may be escalated or assigned to."""
        return self._departments

    @cached_property
    def _cells(self):
        """The hazard's cell and those above it that the user sees, nearest first: an
        assignee cell must contain the hazard (its people must see what they rectify)."""
        scope = scope_of(self.user)
        return [c for c in reversed(self._above) if scope.covers(c.path)]

    def assignees(self) -> dict[str, tuple[str, object]]:
        """{form value: (label, cell or department)}."""
        found = {f"cell:{c.code}": (f"{c.name}（{c.code}）", c) for c in self._cells}
        for d in self.departments():
            found[f"dept:{d.pk}"] = (d.name, d)
        return found

    def people(self) -> dict[int, tuple[str, object]]:
        """{person id: (label, person)}: people the user sees with a post in one of those
        cells or in one of the county's departments — each one who may be responsible
        (``permissions.may_be_responsible``, which the action checks again)."""
        where = Q(cell__in=self._cells)
        if self._county is not None:
            where |= Q(department__cell=self._county)
        posts = visible_assignments(self.user).active().filter(where)
        posts = posts.filter(responsible_posts_q(self.hazard))
        found: dict[int, tuple[str, object]] = {}
        for post in posts.order_by("person__name", "person_id")[:MAX_CHOICES]:
            unit = post.department.name if post.department_id else post.cell.name
            label = f"{post.person.name}（{unit} {post.get_role_display()}）"
            found.setdefault(post.person_id, (label, post.person))
        return found

    def report_cells(self) -> list:
        """The cells a report may be placed in (resubmission): those the user sees, as on
        the report form, the hazard's own first."""
        cells = list(visible_cells(self.user).defer("boundary").order_by("path")[:MAX_CHOICES])
        others = [c for c in cells if c.pk != self.hazard.cell_id]
        return [self.hazard.cell, *others] if len(others) < len(cells) else cells
