"""Who may do what with incidents: decided here, and only here (docs/adr/0025 "Who").

- Everyone sees the incidents of the cells in their scope (``grid.scope``), departments too.
- Whoever sees a cell may report an incident there and send its 续报 — a village's grid
  member from the phone, a department's officer, the duty desk.
- A level passes an incident up (逐级上报) by a managing post (网格长, 副网格长, 调度员,
  网格管理员) at that level or above it.
- Command — the response (start, raise, lower, end), the grade set by hand, the on-scene
  commander, orders to teams, the summary — belongs to an overseeing post (a managing
  post at a township, park, county or above, ``grid.posts.overseeing_posts``) at the
  incident's cell or above it. The on-scene commander appointed may write the command log.
- An order is answered by its team's leader, or for them by whoever commands.
"""

from django.utils.translation import gettext as _

from qianshao.grid import tree
from qianshao.grid.posts import manages, overseeing_posts
from qianshao.grid.scope import scope_of

OUT_OF_AREA = _("该网格不在您的辖区内")


def _outside(user, path: str) -> str | None:
    return None if scope_of(user).covers(path) else str(OUT_OF_AREA)


def report_refusal(user, path: str) -> str | None:
    """Why ``user`` may not report an incident at ``path`` (or a 续报 of one there)."""
    if user.is_superuser:
        return None
    return _outside(user, path)


def commands(user, path: str) -> bool:
    """Does ``user`` command incidents at ``path``?"""
    return user.is_superuser or any(
        tree.is_within(path, post.cell.path) for post in overseeing_posts(user)
    )


def command_refusal(user, path: str) -> str | None:
    """Why ``user`` may not command an incident at ``path``, or None."""
    if commands(user, path):
        return None
    return _outside(user, path) or _(
        "须在事发地乡镇（街道）及以上网格担任网格长、副网格长、调度员或网格管理员"
    )


def incident_rule(user, incident, step: str):
    """The flow's rule on people (``INCIDENT_FLOW.take``)."""
    return command_refusal(user, incident.cell_path)


def log_refusal(user, incident) -> str | None:
    """Why ``user`` may not write ``incident``'s command log: those who command it, and the
    on-scene commander appointed."""
    person = getattr(user, "person", None) if user.is_authenticated else None
    if incident.commander_id and person is not None and person.pk == incident.commander_id:
        return None
    return command_refusal(user, incident.cell_path)


def relay_refusal(user, relay) -> str | None:
    """Why ``user`` may not pass ``relay``'s level's report up."""
    if manages(user, relay.cell_path):
        return None
    return _outside(user, relay.cell_path) or _(
        "须在该层级网格担任网格长、副网格长、调度员或网格管理员"
    )


def answer_refusal(user, order, leader_user_id: int | None) -> str | None:
    """Why ``user`` may not answer ``order`` (its team's leader answers; whoever commands
    the incident may record an answer for them)."""
    if leader_user_id is not None and user.pk == leader_user_id:
        return None
    if commands(user, order.cell_path):
        return None
    if scope_of(user).covers(order.cell_path):
        return _("只有队长或指挥人员可以应答调派指令")
    return str(OUT_OF_AREA)
