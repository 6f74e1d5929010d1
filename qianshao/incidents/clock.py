"""An incident's clock, for its page and the API alike: the timers running on it, soonest
first — each level's deadline to pass it up, the next 续报 while it is open, the end of the
casualty window (补报) once it has ended."""

from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext as _

from qianshao.incidents import rules


def timers(incident, relays, rule) -> list[dict]:
    """The timers of ``incident`` (``relays``: its relays, each with its cell; ``rule``: the
    reporting rule), soonest first, each ``{"label", "due", "over"}``."""
    now = timezone.now()
    found = []
    for relay in relays:
        if relay.passed_at is None:
            found.append(
                {
                    "label": _("%(level)s上报") % {"level": relay.cell.name},
                    "due": relay.due_at,
                    "over": now > relay.due_at,
                }
            )
    if incident.open:
        due = incident.last_report_at + timedelta(hours=rule.update_hours)
        found.append({"label": _("续报"), "due": due, "over": now > due})
    else:
        due = rules.casualty_window_ends(incident.category, incident.occurred_at)
        if now <= due:
            found.append({"label": _("伤亡变化补报截止"), "due": due, "over": False})
    return sorted(found, key=lambda t: t["due"])
