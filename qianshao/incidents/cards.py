"""What the incidents show on other pages: 今日值班 for the home pages and the grid card
(``lib.panels.on_duty``: who is on duty now at the levels that watch a cell — the cell itself
when it keeps a roster, its township, its county — nearest first; names and phones for those
logged in, nothing on the public card), and the incidents opened from another area's record
(``lib.panels.following``)."""

from urllib.parse import urlencode

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from qianshao.grid import tree
from qianshao.grid.scope import scope_of
from qianshao.incidents.access import visible_incidents
from qianshao.incidents.actions_duty import duty_cells
from qianshao.incidents.models import Shift
from qianshao.lib.panels import DutyLine, Follow


def on_duty(user, cell) -> list[DutyLine]:
    if cell is None or not getattr(user, "is_authenticated", False):
        return []
    now = timezone.now()
    levels = {c.pk: c for c in duty_cells("").filter(path__in=tree.lineage(cell.path))}
    if not levels:
        return []
    shifts = (
        Shift.objects.filter(cell_id__in=levels, starts_at__lte=now, ends_at__gt=now)
        .select_related("leader", "post_a", "post_b")
        .order_by("-cell_path")
    )
    scope = scope_of(user)
    found = []
    for s in shifts:
        c = levels[s.cell_id]
        found.append(
            DutyLine(
                cell=c.name,
                until=s.ends_at,
                leader=s.leader.name if s.leader else "",
                leader_phone=s.leader.phone if s.leader else "",
                a=s.post_a.name if s.post_a else "",
                a_phone=s.post_a.phone if s.post_a else "",
                b=s.post_b.name if s.post_b else "",
                b_phone=s.post_b.phone if s.post_b else "",
                confirmed=s.confirmed_at is not None,
                url=f"{reverse('duty-desk')}?cell={c.code}" if scope.covers(c.path) else "",
            )
        )
    return found


def follows(user, ref: str) -> list[Follow]:
    """The incidents opened from the record ``ref`` that ``user`` sees, and the link that
    opens one from it (接报为突发事件) for those who may report one."""
    if not getattr(user, "is_authenticated", False) or not ref:
        return []
    found = [
        Follow(
            _("突发事件：%(t)s（%(n)s）") % {"t": title, "n": number},
            reverse("incident", args=[pk]),
        )
        for pk, title, number in visible_incidents(user)
        .filter(origin=ref)
        .order_by("-occurred_at")
        .values_list("pk", "title", "number")[:20]
    ]
    found.append(
        Follow(
            str(_("上报为突发事件")),
            f"{reverse('incident-new')}?{urlencode({'origin': ref})}",
            True,
        )
    )
    return found
