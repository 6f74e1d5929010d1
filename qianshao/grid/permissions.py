"""Who may change the grid. Seeing is ``grid.scope``; changing is decided here.

Managing roles are 网格长, 副网格长, 调度员 and a 网格管理员 who is not a department's.
A manager changes the cells strictly below their own (the county appoints township roles,
the township appoints village roles); at the top of the tree, the root's managers also
manage the root itself.
"""

from qianshao.grid.models import Cell
from qianshao.grid.posts import managing_cells
from qianshao.grid.scope import Scope


def management_scope(user) -> Scope:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Scope(everything=False, paths=())
    if user.is_superuser:
        return Scope(everything=True, paths=())
    return Scope(everything=False, paths=tuple(managing_cells(user)))


def can_manage(user, cell: Cell) -> bool:
    """May ``user`` appoint people to ``cell``, end their terms, or move it?"""
    if user is None:  # the system itself: commands and imports
        return True
    scope = management_scope(user)
    if scope.everything:
        return True
    return any(_manages(root, cell) for root in scope.paths)


def can_place_under(user, parent: Cell) -> bool:
    """May ``user`` put a cell under ``parent``?"""
    if user is None:
        return True
    return management_scope(user).covers(parent.path)


def may_give_login(actor, cells) -> bool:
    """May ``actor`` give a login to the person holding roles in ``cells``?

    The login carries every role the person holds, so only someone who manages the cells
    of all of them may set its password (else a village's manager who appoints a county's
    head to the village could log in as that head).
    """
    if actor is None or actor.is_superuser:  # the system, or an administrator
        return True
    return bool(cells) and all(can_manage(actor, cell) for cell in cells)


def _manages(root: str, cell: Cell) -> bool:
    if cell.path == root:
        return cell.parent_id is None
    return cell.path.startswith(root)
