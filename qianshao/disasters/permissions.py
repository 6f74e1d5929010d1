"""Who may report what: decided here, and only here.

- A cell's zero report (零报告) is filed by someone holding a post in that cell — its
  information officer (信息员), or another of its grid members when they are away.
- A disaster report (初报, 续报) and a relief application are made by anyone with a post —
  not a department's — at the disaster's cell or above it.
- 核报 (verification) and relief decisions belong to the managing roles (网格长, 副网格长,
  调度员, 网格管理员) of a township, county or above strictly above the disaster's cell,
  and never to whoever reported its figures.
"""

from django.utils.translation import gettext as _

from qianshao.disasters import schedule
from qianshao.disasters.models import ReportStep, Stage
from qianshao.grid import tree
from qianshao.grid.posts import cell_posts, overseeing_posts
from qianshao.grid.scope import scope_of


def filing_cells(user) -> list:
    """The reporting cells where ``user`` holds a post: those whose zero report they file."""
    kinds = schedule.rule().kinds
    seen, found = set(), []
    for post in cell_posts(user):
        if post.cell.kind in kinds and post.cell_id not in seen:
            seen.add(post.cell_id)
            found.append(post.cell)
    return found


def files_for(user, cell) -> bool:
    """May ``user`` file ``cell``'s zero report?"""
    return user.is_superuser or any(p.cell_id == cell.pk for p in cell_posts(user))


def reports_for(user, cell) -> bool:
    """May ``user`` report a disaster in ``cell`` (a post at it or above)?"""
    return user.is_superuser or any(
        tree.is_within(cell.path, p.cell.path) for p in cell_posts(user)
    )


def reporting_refusal(user, cell) -> str | None:
    """Why ``user`` may not report a disaster in ``cell`` (初报, 续报, 救助申报), or None if
    they may. A cell they see without a post at it or above (a department's post, or a post
    beside it) is a refusal of the right, said as one; only a cell outside what they see is
    out of their area."""
    if reports_for(user, cell):
        return None
    if scope_of(user).covers(cell.path):
        return _("您无权为该网格报送灾情：须在该网格或其上级网格任职，部门岗位不报送灾情")
    return _("该网格不在您的辖区内")


def verifies_for(user, cell) -> bool:
    """May ``user`` verify (核报) what was reported in ``cell``: a managing post strictly
    above it, at a township or higher?"""
    if user.is_superuser:
        return True
    return any(
        p.cell.path != cell.path and tree.is_within(cell.path, p.cell.path)
        for p in overseeing_posts(user)
    )


def report_refusal(user, disaster, step: str):
    """Why ``user`` may not take ``step`` (续报, 核报) on ``disaster``, or None if they
    may: the rule its workflow (``models.REPORT_FLOW``) applies after the table."""
    if step == ReportStep.FOLLOW_UP:
        refused = reporting_refusal(user, disaster.cell)
        return None if refused is None else (refused, "cell")
    if not verifies_for(user, disaster.cell):
        return _("核报须由上级（乡镇以上）办理")
    if disaster.versions.filter(author=user).exists():
        return _("核报人不能是报告人")
    return None


def relief_refusal(user, relief, step: str):
    """Why ``user`` may not decide ``relief``, or None: the level above the disaster's
    cell, neither its applicant nor one who reported the disaster's figures."""
    if not verifies_for(user, relief.report.cell):
        return _("救助申报须由上级审批")
    reported = relief.report.versions.exclude(stage=Stage.VERIFIED).filter(author=user)
    if relief.applied_by_id == user.pk or reported.exists():
        return _("审批人不能是申报人或灾情报告人")
    return None
