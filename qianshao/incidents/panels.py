"""What the incidents area contributes to the pages: its link in the top bar (突发事件: every
page of the area, their URL names all start with "incident"), and the kinds of its notices
in the inbox (its chases with every area's)."""

from django.utils.translation import gettext_lazy as _

from qianshao.lib.panels import CHASE, InboxKind, NavEntry, Panel, register

NAV = (NavEntry(_("突发事件"), "incidents", 68, prefix="incident"),)
INBOX = (
    ("incidents", InboxKind("incidents", _("突发事件"), 70)),
    ("incidents.relay_due", CHASE),
    ("incidents.relay_escalate", CHASE),
    ("incidents.update_due", CHASE),
    ("incidents.order_silent", CHASE),
)

register(Panel("incidents", nav=NAV, inbox=INBOX))
