"""What the incidents area contributes to the pages: its links in the top bar (突发事件:
every incident page, their URL names all start with "incident"; 值班: the duty desk, its
URL names start with "duty", for those who work above the field), who is on duty now on the
home pages and the grid card (今日值班), and the kinds of its notices in the inbox (its
chases with every area's)."""

from django.utils.translation import gettext_lazy as _

from qianshao.grid.posts import works_above_field
from qianshao.incidents import cards
from qianshao.lib.panels import CHASE, InboxKind, NavEntry, Panel, register

NAV = (
    NavEntry(_("突发事件"), "incidents", 68, prefix="incident"),
    NavEntry(_("值班"), "duty-desk", 69, prefix="duty", shown=works_above_field),
)
INBOX = (
    ("incidents", InboxKind("incidents", _("突发事件"), 70)),
    ("incidents.relay_due", CHASE),
    ("incidents.relay_escalate", CHASE),
    ("incidents.update_due", CHASE),
    ("incidents.order_silent", CHASE),
    ("incidents.checkin_missing", CHASE),
    ("incidents.spot_missing", CHASE),
    ("incidents.handover_missing", CHASE),
    ("incidents.roster_gap", CHASE),
)

register(Panel("incidents", nav=NAV, inbox=INBOX, on_duty=cards.on_duty, follows=cards.follows))
