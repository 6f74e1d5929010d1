"""Duty desk test helpers: a roster of 甲镇 and A县 with people on today's shift."""

from django.utils import timezone

from qianshao.grid.models import Role
from qianshao.incidents import actions_duty
from qianshao.incidents.models import Shift
from qianshao.testing import appoint


def staff(cast, cell, *names):
    """People holding a post at ``cell`` (网格员), appointed through the actions."""
    return [appoint(cell, Role.MEMBER, name=name) for name in names]


def on_duty_now(cast, cell, leader, a, b=None) -> Shift:
    """Today's shift of ``cell`` (started at the roster's hour, a day before when that hour
    is still to come) planned with ``leader``, ``a`` and ``b``."""
    setting = actions_duty.setting_of(cell)
    now = timezone.now()
    day = timezone.localdate(now)
    part, starts, _ends = actions_duty.slots(setting, day)[0]
    if starts > now:
        from datetime import timedelta

        day -= timedelta(days=1)
        part, starts, _ends = actions_duty.slots(setting, day)[0]
    actions_duty.plan(
        None,
        cell,
        [{"day": day, "part": part, "leader": leader.pk, "a": a.pk, "b": b.pk if b else None}],
    )
    return Shift.objects.get(cell=cell, starts_at=starts)
