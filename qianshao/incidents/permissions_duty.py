"""Who may do what at the duty desk (docs/adr/0025 "Duty"): decided here, and only here.

- Everyone sees the rosters, spot checks, handovers and duty logs of the cells in their
  scope.
- A roster is planned (and copied forward) by a managing post (网格长, 副网格长, 调度员,
  网格管理员) at its cell or above.
- A shift's check-in, its handover and a spot check's answer are made by the people on it
  (its leader, A or B post); the incoming shift's people accept a handover.
- A spot check is sent by an overseeing post (a managing post at a township, park, county
  or above) to the duty cells under its cell.
- The duty log of a cell is written by the people on its shift now, and by a managing post
  at the cell or above.
- A swap is proposed by the one giving the post and accepted or declined by the one taking
  it; a managing post at the cell or above may withdraw it.
"""

from django.utils.translation import gettext as _

from qianshao.grid import posts, tree
from qianshao.grid.posts import overseeing_posts
from qianshao.grid.scope import scope_of

OUT_OF_AREA = _("该网格不在您的辖区内")


def person_of(user):
    """The user's person in the grid, or None."""
    if not getattr(user, "is_authenticated", False):
        return None
    return getattr(user, "person", None)


def _outside(user, path: str) -> str | None:
    return None if scope_of(user).covers(path) else str(OUT_OF_AREA)


manages = posts.manages


def plan_refusal(user, path: str) -> str | None:
    """Why ``user`` may not plan the roster of the cell at ``path``, or None."""
    if manages(user, path):
        return None
    return _outside(user, path) or _(
        "须在该网格或其上级网格担任网格长、副网格长、调度员或网格管理员"
    )


def on_shift(user, shift) -> bool:
    person = person_of(user)
    return person is not None and person.pk in shift.person_ids()


def shift_refusal(user, shift) -> str | None:
    """Why ``user`` may not act for ``shift`` (check-in, handover, a spot check's answer)."""
    if on_shift(user, shift):
        return None
    return _outside(user, shift.cell_path) or _("只有本班次的值班人员可以办理")


def spot_refusal(user, path: str) -> str | None:
    """Why ``user`` may not send a spot check from the cell at ``path``."""
    if user.is_superuser or any(
        tree.is_within(path, post.cell.path) for post in overseeing_posts(user)
    ):
        return None
    return _outside(user, path) or _(
        "须在乡镇（街道）及以上网格担任网格长、副网格长、调度员或网格管理员"
    )


def log_refusal(user, path: str, shift) -> str | None:
    """Why ``user`` may not write the duty log of the cell at ``path`` (``shift``: the one
    on duty there now, or None)."""
    if shift is not None and on_shift(user, shift):
        return None
    if manages(user, path):
        return None
    return _outside(user, path) or _("只有当班人员或本网格管理人员可以记录值班日志")


def swap_rule(user, swap, step: str):
    """The swaps' rule on people (``SWAP_FLOW.take``)."""
    person = person_of(user)
    if step in ("accept", "decline"):
        if person is not None and person.pk == swap.taker_id:
            return None
        return _outside(user, swap.cell_path) or _("只有换入人可以确认换班")
    if person is not None and person.pk == swap.giver_id:
        return None
    if manages(user, swap.cell_path):
        return None
    return _outside(user, swap.cell_path) or _("只有申请人可以撤回换班")
