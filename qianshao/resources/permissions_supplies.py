"""Who may move supplies (docs/adr/0023 "Scope"), on top of ``permissions.change_refusal``:

- a point's stock is moved (入库, 出库, 盘点, 报损, 征用, its minimums set) by a managing
  post at the point's cell or above;
- a transfer is sent by the source point's managers, to a point they see or to one at a
  cell above the source's (a village sends up to its township); it is received by the
  destination's managers only, and recalled by the source's;
- a requisition is returned and compensated by the managers of the point it went into.
"""

from django.utils.translation import gettext as _

from qianshao.grid import tree
from qianshao.grid.models import ABOVE_TOWNSHIP_KINDS
from qianshao.grid.posts import managing_posts
from qianshao.grid.scope import scope_of
from qianshao.resources.models import TransferStep
from qianshao.resources.permissions import change_refusal


def point_refusal(user, point) -> str | None:
    """Why ``user`` may not move stock at ``point`` (None if they may)."""
    return change_refusal(user, point.cell_path)


def destination_refusal(user, source, destination) -> str | None:
    """Why ``user`` may not send from ``source`` to ``destination``."""
    if destination.pk == source.pk:
        return _("调入储备点不能与调出储备点相同")
    if scope_of(user).covers(destination.cell_path):
        return None
    if tree.is_within(source.cell_path, destination.cell_path):
        return None  # up the tree, to a point at an ancestor of the source's cell
    return _("调入储备点须在您的辖区内或为调出储备点的上级储备点")


def transfer_refusal(user, transfer, step: str):
    """Why ``user`` may not take ``step`` of ``transfer`` (the rule of TRANSFER_FLOW)."""
    if step == TransferStep.RECEIVE:
        if change_refusal(user, transfer.destination_path) is not None:
            return _("调拨由调入储备点所在网格（或上级）的管理人员接收")
        return None
    if change_refusal(user, transfer.source_path) is not None:
        return _("调拨由调出储备点所在网格（或上级）的管理人员撤回")
    return None


def requisition_refusal(user, requisition, step: str):
    """Why ``user`` may not take ``step`` of ``requisition`` (REQUISITION_FLOW's rule)."""
    return change_refusal(user, requisition.point_path)


def catalogue_refusal(user) -> str | None:
    """Why ``user`` may not add to the catalogue (None if they may). The catalogue is one
    for every county, so it grows only by administrators and by managing posts at a county
    or above (the county's emergency bureau keeps its local fine classes); it is only added
    to, never changed, so one county's additions cannot alter another's items."""
    if user.is_superuser:
        return None
    if any(post.cell.kind in ABOVE_TOWNSHIP_KINDS for post in managing_posts(user)):
        return None
    return _("物资目录由管理员或县级（及以上）网格的管理人员维护")
