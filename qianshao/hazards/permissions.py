"""Who may take which step of a hazard's loop: decided here, and only here.

- Triage (受理, 退回, 合并, 交办, 抄告, 核查, 销号) belongs to the managing roles of the
  township or park the hazard lies in, or of anything above it (the county), and to the
  department that holds an escalated hazard (抄告) or owns a major one.
- Rectification (开始整改, 报告进展, 提请核查) belongs to the assignee: the plan's
  responsible person, people with a role in the assignee cell, or the assignee department.
- Verification must be by someone other than the rectifier.
- Resubmitting a returned report belongs to its reporter.
- Nobody takes a step on a hazard outside their scope, whatever else names them (a plan's
  responsible person elsewhere, a reporter whose post has ended).
"""

from django.db.models import Q
from django.utils.translation import gettext as _

from qianshao.grid import tree
from qianshao.grid.models import RoleAssignment
from qianshao.grid.posts import cell_posts, department_ids, overseeing_posts
from qianshao.grid.scope import scope_of
from qianshao.hazards.models import FLOW, Grade, Hazard, Status, Step
from qianshao.lib.errors import NotAllowed

TRIAGE_STEPS = {Step.ACCEPT, Step.RETURN, Step.MERGE, Step.ESCALATE}
RECTIFY_STEPS = {Step.START, Step.PROGRESS, Step.SUBMIT}
CHECK_STEPS = {Step.VERIFY, Step.REJECT, Step.CLOSE}


def triages(user, hazard: Hazard) -> bool:
    """Does ``user`` hold a managing post over the hazard's township (or above)?"""
    if user.is_superuser:
        return True
    return any(hazard.cell_path.startswith(post.cell.path) for post in overseeing_posts(user))


def triages_q(user) -> Q:
    """``triages`` as a condition on hazards."""
    if user.is_superuser:
        return Q(pk__isnull=False)
    condition = Q(pk__in=[])
    for post in overseeing_posts(user):
        condition |= tree.subtree_q(post.cell.path, "cell_path")
    return condition


def in_department(user, department_id: int | None) -> bool:
    return department_id is not None and department_id in department_ids(user)


def department_handles(user, hazard: Hazard) -> bool:
    """The department holding the hazard (抄告), or owning a major one, acts as triage.

    Escalating makes the receiving department the hazard's owner, so it keeps the hazard
    after assigning it to someone else.
    """
    if hazard.status == Status.ESCALATED or hazard.escalated_by_id:
        return in_department(user, hazard.owner_id)
    return hazard.grade == Grade.MAJOR and in_department(user, hazard.owner_id)


def department_handles_q(user) -> Q:
    """``department_handles`` as a condition on hazards."""
    held = Q(status=Status.ESCALATED) | Q(escalated_by__isnull=False) | Q(grade=Grade.MAJOR)
    return held & Q(owner__in=department_ids(user))


def _station_cells(user) -> set[int]:
    return {post.cell_id for post in cell_posts(user)}


def rectifies(user, hazard: Hazard) -> bool:
    """Is ``user`` the assignee: responsible person, in the assignee cell or department?"""
    if hazard.responsible_id and hazard.responsible.user_id == user.pk:
        return True
    if hazard.assignee_department_id:
        return in_department(user, hazard.assignee_department_id)
    return hazard.assignee_cell_id in _station_cells(user)


def rectifies_q(user) -> Q:
    """``rectifies`` as a condition on hazards."""
    return (
        Q(responsible__user=user)
        | Q(assignee_department__in=department_ids(user))
        | Q(assignee_department__isnull=True, assignee_cell__in=_station_cells(user))
    )


def is_rectifier(user, hazard: Hazard) -> bool:
    return user.pk == hazard.rectified_by_id or (
        hazard.responsible_id is not None and hazard.responsible.user_id == user.pk
    )


def responsible_posts_q(hazard: Hazard) -> Q:
    """Posts whose holder may be a hazard's responsible person (整改责任人): those at the
    hazard's cell or above it (a county department's included), as their holders see the
    hazard. A condition on active role assignments."""
    return Q(cell__path__in=tree.lineage(hazard.cell_path))


def may_be_responsible(person, hazard: Hazard) -> bool:
    """Does ``person`` hold a post that lets them see, and so rectify, ``hazard``?"""
    posts = RoleAssignment.objects.active().filter(person=person)
    return posts.filter(responsible_posts_q(hazard)).exists()


def refusal(user, hazard: Hazard, step: str) -> str | None:
    """Why ``user`` may not take ``step`` on ``hazard`` now, or None if they may."""
    state = FLOW.state_refusal(hazard, step)
    if state is not None:
        return state
    if not getattr(user, "is_authenticated", False):
        return _("请先登录")
    if not scope_of(user).covers(hazard.cell_path):
        return _("该隐患不在您的辖区内")
    if step == Step.RESUBMIT:
        return None if user.pk == hazard.reported_by_id else _("只有报告人可以重新上报")
    if step in TRIAGE_STEPS:
        return None if triages(user, hazard) else _("只有属地乡镇（园区）或上级可以受理")
    if step == Step.ASSIGN:
        ok = (
            triages(user, hazard)
            if hazard.status == Status.ACCEPTED
            else (department_handles(user, hazard) or triages(user, hazard))
        )
        return None if ok else _("您无权交办该隐患")
    if step in RECTIFY_STEPS:
        return None if rectifies(user, hazard) else _("只有承办单位或整改责任人可以整改")
    if step in CHECK_STEPS:
        if not (triages(user, hazard) or department_handles(user, hazard)):
            return _("您无权核查或销号")
        if step == Step.VERIFY and is_rectifier(user, hazard):
            return _("核查人不能是整改人")
        return None
    return _("未知环节")


def check_may_take(user, hazard: Hazard, step: str) -> None:
    """403 before any input of ``step`` (photos above all) is read, when the hazard's state
    allows the step but ``user`` may not take it. A step the state does not allow is left
    to the action (its 409; a resend of a step taken gets its first answer)."""
    if FLOW.allows(hazard, step):
        reason = refusal(user, hazard, step)
        if reason is not None:
            raise NotAllowed(reason, "step")


def allowed_steps(user, hazard: Hazard) -> list[str]:
    """The steps ``user`` may take now: the buttons on the hazard's page."""
    return FLOW.allowed_steps(user, hazard, refusal)


def _may_q(user, step: str, status: str) -> Q:
    """Who may take ``step`` from ``status``, as ``refusal`` decides it, as a condition.

    Verification leaves out its rectifiers; the same people may still 核查不通过 in the
    same status, so the condition of the check steps together needs no such exception.
    """
    if step == Step.RESUBMIT:
        return Q(reported_by=user)
    if step in TRIAGE_STEPS or (step == Step.ASSIGN and status == Status.ACCEPTED):
        return triages_q(user)
    if step in RECTIFY_STEPS:
        return rectifies_q(user)
    return triages_q(user) | department_handles_q(user)  # 交办 when escalated, the checks


def task_q(user) -> Q:
    """The hazards on which ``user`` has a step to take (我的任务), as one condition: for
    each status, the people ``refusal`` lets take one of its steps. Callers narrow to the
    user's scope (``visible_hazards``), as ``refusal`` does first."""
    if not getattr(user, "is_authenticated", False):
        return Q(pk__in=[])
    condition = Q(pk__in=[])
    for status, steps in FLOW.table.items():
        if steps:
            anyone = Q(pk__in=[])
            for step in steps:
                anyone |= _may_q(user, step, status)
            condition |= Q(status=status) & anyone
    return condition
