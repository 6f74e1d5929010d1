"""Duty desk test helpers: a roster of 甲镇 and A县 with people on today's shift."""

from datetime import time, timedelta

from django.utils import timezone

from qianshao.grid.models import Role
from qianshao.incidents import actions_duty
from qianshao.incidents.models import DutySetting, Shift
from qianshao.testing import appoint


def staff(cast, cell, *names):
    """People holding a post at ``cell`` (网格员), appointed through the actions."""
    return [appoint(cell, Role.MEMBER, name=name) for name in names]


def hand_over_around_now(cell) -> DutySetting:
    """Move ``cell``'s hand-over hour so that its shift of today started at most six hours
    ago and more than 17 hours of it remain, whatever the time of day the test runs at.

    At the roster's default 08:30, a test begun at 08:29 would find yesterday's shift ending
    under it; and a shift begun yesterday lies on another day, or another month, of the
    pages that show it."""
    now = timezone.localtime()
    minutes = max(0, now.hour * 60 + now.minute - 6 * 60)
    setting, _ = DutySetting.objects.update_or_create(
        cell=cell,
        defaults={
            "starts": time(minutes // 60, minutes % 60),
            "enabled": actions_duty.keeps_roster(cell),
        },
    )
    return setting


def on_duty_now(cast, cell, leader, a, b=None, *, following=None) -> Shift:
    """Today's shift of ``cell``, under way, planned with ``leader``, ``a`` and ``b``; and,
    with ``following``, the next day's first shift with ``following`` on its A post."""
    setting = hand_over_around_now(cell)
    day = timezone.localdate()
    part, starts, _ends = actions_duty.slots(setting, day)[0]
    assert starts <= timezone.now()
    rows = [{"day": day, "part": part, "leader": leader.pk, "a": a.pk, "b": b.pk if b else None}]
    if following is not None:
        next_day = day + timedelta(days=1)
        next_part = actions_duty.slots(setting, next_day)[0][0]
        rows.append({"day": next_day, "part": next_part, "leader": None, "a": following.pk})
    actions_duty.plan(None, cell, rows)
    return Shift.objects.get(cell=cell, starts_at=starts)
