"""Who may take which step of a warning: decided here, and only here.

- Issuing belongs to the managing roles (网格长, 副网格长, 调度员, 网格管理员 not of a
  department) of a county, township or park — not of a village or enterprise — for targets
  within their own cell's subtree. The warning is issued in the name of the lowest such cell
  that covers all its targets.
- Approving (审核) belongs to someone else with the same right over the warning's cell: never
  its author. A county-wide warning of a level that asks for it (red and orange by default)
  is issued only once approved.
- Relaying (转发) belongs to the same roles of a cell inside the warning's targets, to targets
  inside both the warning's and their own.
- Answering (叫应) belongs to the delivery's recipient alone.
"""

from django.utils.translation import gettext as _

from qianshao.grid import tree
from qianshao.grid.models import Cell, CellKind, RoleAssignment
from qianshao.grid.permissions import MANAGING_ROLES
from qianshao.warnings import rules
from qianshao.warnings.models import TRANSITIONS, Status, Step, Warning

FIELD_KINDS = {CellKind.VILLAGE, CellKind.COMMUNITY, CellKind.ENTERPRISE, CellKind.GROUP}
WIDE_KINDS = {CellKind.PROVINCE, CellKind.CITY, CellKind.COUNTY}
PART_KINDS = {CellKind.TOWNSHIP, CellKind.PARK}


def issuing_posts(user) -> list[RoleAssignment]:
    """The user's active posts that may issue warnings (read once per user object)."""
    cached = getattr(user, "_qianshao_warning_posts", None)
    if cached is None:
        cached = [
            post
            for post in RoleAssignment.objects.active()
            .filter(person__user=user, role__in=MANAGING_ROLES, department__isnull=True)
            .select_related("cell")
            if post.cell.kind not in FIELD_KINDS
        ]
        user._qianshao_warning_posts = cached
    return cached


def issuer_cell(user, targets: list[Cell]) -> Cell | None:
    """The lowest cell of the user's issuing posts that covers every target, or None."""
    covering = [
        post.cell
        for post in issuing_posts(user)
        if all(tree.is_within(t.path, post.cell.path) for t in targets)
    ]
    return max(covering, key=lambda c: len(c.path), default=None)


def may_issue_for(user, warning: Warning) -> bool:
    """Does ``user`` hold an issuing post at the warning's cell or above it?"""
    if user.is_superuser:
        return True
    return any(tree.is_within(warning.cell_path, p.cell.path) for p in issuing_posts(user))


def is_wide(targets: list[Cell]) -> bool:
    """Does the warning cover a whole county (or more): a county or a cell above among
    its targets, or every township and park of one county?"""
    if any(t.kind in WIDE_KINDS for t in targets):
        return True
    chosen = {t.pk for t in targets}
    for county in {t.parent_id for t in targets if t.kind in PART_KINDS}:
        parts = set(Cell.objects.filter(parent_id=county).values_list("pk", flat=True))
        if parts and parts <= chosen:
            return True
    return False


def needs_approval(w: Warning) -> bool:
    """Must a second person approve it before it is issued?"""
    targets = [t.cell for t in w.targets.select_related("cell")]
    return rules.rule(w.level).second_approval and is_wide(targets)


def refusal(user, warning: Warning, step: str, *, needs_approval: bool = False) -> str | None:
    """Why ``user`` may not take ``step`` on ``warning`` now, or None if they may."""
    if step not in TRANSITIONS[warning.status]:
        return _("“%(status)s”状态下不能%(step)s") % {
            "status": warning.get_status_display(),
            "step": Step(step).label,
        }
    if not getattr(user, "is_authenticated", False):
        return _("请先登录")
    if step == Step.EXPIRE:
        return _("预警到期由系统处理")
    if not may_issue_for(user, warning):
        return _("只有发布单位或其上级的网格长、调度员可以%(step)s") % {"step": Step(step).label}
    if step == Step.APPROVE and warning.created_by_id == user.pk:
        return _("审核人不能是起草人")
    if step == Step.ISSUE and needs_approval and warning.status == Status.DRAFT:
        return _("全县范围的红色、橙色预警须经另一人审核后发布")
    return None


def allowed_steps(user, w: Warning) -> list[str]:
    """The steps ``user`` may take now: the buttons on the warning's page."""
    wide = needs_approval(w) if w.status == Status.DRAFT else False
    return [
        step
        for step in TRANSITIONS[w.status]
        if refusal(user, w, step, needs_approval=wide) is None
    ]


def may_relay(user, warning: Warning) -> bool:
    return warning.status == Status.ISSUED and bool(relay_cells(user, warning))


def relay_cells(user, warning: Warning) -> list[Cell]:
    """The user's issuing cells that lie inside the warning's targets (below its own cell):
    where they may relay it to."""
    targets = [t.cell_path for t in warning.targets.all()]
    return [
        post.cell
        for post in issuing_posts(user)
        if post.cell.path != warning.cell_path
        and any(tree.is_within(post.cell.path, t) for t in targets)
    ]
