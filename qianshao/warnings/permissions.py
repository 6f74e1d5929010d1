"""Who may take which step of a warning: decided here, and only here.

- Issuing belongs to the managing roles (网格长, 副网格长, 调度员, 网格管理员 not of a
  department) of a county, township or park — not of a village or enterprise — for targets
  within their own cell's subtree. The warning is issued in the name of the lowest such cell
  that covers all its targets.
- Editing (修改), submitting for approval (提交审核) and taking a submitted draft back
  (退回修改) belong to the same roles; a draft from an upstream release system is not
  edited here (its words are the upstream authority's).
- Approving (审核) belongs to someone else with the same right over the warning's cell: never
  its author. A warning of a level that asks for it (red and orange by default) that reaches
  at least the level's 审核阈值 of some county's villages and communities, however its
  targets are spelt (``warnings.reach``, docs/adr/0018), is issued only once approved.
- Relaying (转发) belongs to the same roles of a cell inside the warning's targets, to targets
  inside both the warning's and their own.
- Answering (叫应) belongs to the delivery's recipient alone.
"""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from qianshao.grid import tree
from qianshao.grid.models import Cell
from qianshao.grid.posts import overseeing_posts, overseers_of
from qianshao.warnings import reach, rules
from qianshao.warnings.models import FLOW, Source, Status, Step, Warning

# the statuses in which issuing waits for a second person's approval (ADR 18)
UNAPPROVED = (Status.DRAFT, Status.SUBMITTED)
# the author's own steps on a draft: its words, and asking for them to be approved
AUTHORS_STEPS = (Step.EDIT, Step.SUBMIT)

# what a user who may use no issuing page lacks: a 403 that says so, not a 404
NO_ISSUING_POST = gettext_lazy(
    "发布预警需要县或乡镇的网格长、副网格长、调度员或网格管理员职务；您当前没有这样的职务。"
)


def lacks_issuing_post(user) -> bool:
    """Does ``user`` (signed in) hold no post that may issue warnings at all?"""
    return not user.is_superuser and not overseeing_posts(user)


def issuer_cell(user, targets: list[Cell]) -> Cell | None:
    """The lowest cell of the user's issuing posts that covers every target, or None."""
    covering = [
        post.cell
        for post in overseeing_posts(user)
        if all(tree.is_within(t.path, post.cell.path) for t in targets)
    ]
    return max(covering, key=lambda c: len(c.path), default=None)


def may_issue_for(user, warning: Warning) -> bool:
    """Does ``user`` hold an issuing post at the warning's cell or above it?"""
    if user.is_superuser:
        return True
    return any(tree.is_within(warning.cell_path, p.cell.path) for p in overseeing_posts(user))


def approval_share(w: Warning) -> reach.Share | None:
    """The county share that makes a second person approve ``w`` before it is issued (the
    widest one over the level's threshold), or None when it may be issued alone."""
    rule = rules.rule(w.level)
    if not rule.second_approval:
        return None
    over = [
        share
        for share in reach.shares([t.cell for t in w.targets.select_related("cell")])
        if share.at_least(rule.approval_threshold)
    ]
    return max(over, key=lambda s: (s.percent(), s.county.path), default=None)


def needs_approval(w: Warning) -> bool:
    """Must a second person approve it before it is issued?"""
    return approval_share(w) is not None


def approval_reason(w: Warning, share: reach.Share) -> str:
    """Why ``w`` waits for a second person: what it reaches, against the threshold."""
    return _(
        "该%(level)s预警覆盖%(county)s %(share)s%% 的村（社区），达到审核阈值 %(threshold)s%%，"
        "须经另一人审核后发布"
    ) % {
        "level": w.get_level_display(),
        "county": share.county.name,
        "share": share.percent(),
        "threshold": rules.rule(w.level).approval_threshold,
    }


def refusal(
    user, warning: Warning, step: str, *, approval: reach.Share | None = None
) -> str | None:
    """Why ``user`` may not take ``step`` on ``warning`` now, or None if they may;
    ``approval`` is the draft's ``approval_share`` (read once by the caller)."""
    state = FLOW.state_refusal(warning, step)
    if state is not None:
        return state
    if not getattr(user, "is_authenticated", False):
        return _("请先登录")
    if step == Step.EXPIRE:
        return _("预警到期由系统处理")
    if lacks_issuing_post(user):
        return str(NO_ISSUING_POST)
    if not may_issue_for(user, warning):
        return _("只有发布单位或其上级的网格长、调度员可以%(step)s") % {"step": Step(step).label}
    if step == Step.APPROVE and warning.created_by_id == user.pk:
        return _("审核人不能是起草人")
    if step == Step.EDIT and warning.source != Source.LOCAL:
        return _("来自上级预警发布系统的预警不能修改")
    if step in AUTHORS_STEPS and warning.created_by_id not in (None, user.pk):
        # whoever wrote the words is the one who may not approve them: nobody else writes
        # them (an approver sends a draft back with the reason instead)
        return _("只有起草人可以%(step)s") % {"step": Step(step).label}
    if step == Step.ISSUE and approval is not None and warning.status in UNAPPROVED:
        return approval_reason(warning, approval)
    return None


def allowed_steps(user, w: Warning) -> list[str]:
    """The steps ``user`` may take now: the buttons on the warning's page."""
    share = approval_share(w) if w.status in UNAPPROVED else None
    return FLOW.allowed_steps(user, w, lambda u, w, s: refusal(u, w, s, approval=share))


def approvers(w: Warning) -> list:
    """The users who may approve ``w`` now, as ``refusal`` judges each: those holding an
    issuing post (a managing role, not a department's) at its cell or above, read in one
    query, each then asked the rule (which leaves out its author)."""
    return [u for u in overseers_of(w.cell_path) if refusal(u, w, Step.APPROVE) is None]


def may_relay(user, warning: Warning) -> bool:
    return warning.status == Status.ISSUED and bool(relay_cells(user, warning))


def relay_cells(user, warning: Warning) -> list[Cell]:
    """The user's issuing cells that lie inside the warning's targets (below its own cell):
    where they may relay it to."""
    targets = [t.cell_path for t in warning.targets.all()]
    return [
        post.cell
        for post in overseeing_posts(user)
        if post.cell.path != warning.cell_path
        and any(tree.is_within(post.cell.path, t) for t in targets)
    ]
