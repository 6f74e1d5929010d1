"""Who may change the resources' records: decided here, and only here (docs/adr/0023).

- Everyone sees the records of the cells in their scope (``grid.scope``), departments too.
- A record is changed by a managing post (网格长, 副网格长, 调度员, 网格管理员), not a
  department's, at the record's cell *or above it*: a village keeps its own storage point and
  its own team, and the township and county keep what lies under them.
Each part's flows add their step rules on top of ``change_refusal``.
"""

from django.utils.translation import gettext as _

from qianshao.grid import posts
from qianshao.grid.scope import scope_of


def manages(user, path: str) -> bool:
    """May ``user`` change a record at the cell of ``path``?"""
    return posts.manages(user, path)


def change_refusal(user, path: str) -> str | None:
    """Why ``user`` may not change a record at ``path`` (None if they may): a cell they see
    without a managing post at it or above is a refusal of the right; one outside what they
    see is out of their area."""
    if manages(user, path):
        return None
    if scope_of(user).covers(path):
        return _(
            "您无权管理该网格的应急资源：须在该网格或其上级网格担任网格长、副网格长、调度员或网格管理员"
        )
    return _("该网格不在您的辖区内")
