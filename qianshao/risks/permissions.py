"""Who may change the risks' records: decided here, and only here (docs/adr/0024).

- Everyone sees the risk points and patrols of the cells in their scope, departments too.
- A risk point is registered, edited, graded, published and retired by a managing post
  (网格长, 副网格长, 调度员, 网格管理员), not a department's, at its cell or above.
- A patrol is checked in by a person holding a post (any role, not a department's) at the
  point's cell or above — the point's patroller first among them.
"""

from django.utils.translation import gettext as _

from qianshao.grid import tree
from qianshao.grid.posts import cell_posts, managing_posts
from qianshao.grid.scope import scope_of


def manages(user, path: str) -> bool:
    """May ``user`` change a risk point at the cell of ``path``?"""
    return user.is_superuser or any(
        tree.is_within(path, post.cell.path) for post in managing_posts(user)
    )


def change_refusal(user, path: str) -> str | None:
    """Why ``user`` may not change a risk point at ``path`` (None if they may)."""
    if manages(user, path):
        return None
    if scope_of(user).covers(path):
        return _(
            "您无权管理该网格的风险点：须在该网格或其上级网格担任网格长、副网格长、调度员或网格管理员"
        )
    return _("该网格不在您的辖区内")


def patrols(user, path: str) -> bool:
    """May ``user`` check in a patrol of a point at ``path``?"""
    return user.is_superuser or any(
        tree.is_within(path, post.cell.path) for post in cell_posts(user)
    )


def checkin_refusal(user, path: str) -> str | None:
    """Why ``user`` may not check in at a point at ``path`` (None if they may)."""
    if patrols(user, path):
        return None
    if scope_of(user).covers(path):
        return _("您无权在该风险点打卡：须在该网格或其上级网格任职")
    return _("该风险点不在您的辖区内")
