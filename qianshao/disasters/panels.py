"""What disasters contribute to the home page (today's zero reports of the cell, how many of
the user's cells have not filed today's yet, whether they file one), to the top bar (灾情; on
a phone the tab 零报告 for those who file one) and to the map (the disaster reports of the
last 30 days: ``disasters.recent``)."""

from django.utils.translation import gettext_lazy as _

from qianshao.disasters.maps import recent_disasters
from qianshao.disasters.permissions import filing_cells
from qianshao.disasters.stats import zero_today, zero_waiting
from qianshao.lib.panels import CHASE, InboxKind, MapLayer, NavEntry, Panel, PhoneTab, register


def home(user, cell) -> dict:
    return {
        "zero_waiting": zero_waiting(user),
        "zero_today": zero_today(cell),
        "files_zero": files_zero(user),
    }


PAGES = frozenset({"zero-board", "zero-calendar", "disasters", "disaster", "disaster-new", "zero"})


def files_zero(user) -> bool:
    return bool(filing_cells(user))


ZERO_TAB = PhoneTab(40, _("零报告"), "zero", mine=files_zero)
NAV = (NavEntry(_("灾情"), "zero-board", 50, PAGES, phone=ZERO_TAB),)
LAYERS = (MapLayer("disasters.recent", _("近30日灾情"), recent_disasters),)
# the inbox: the disasters and zero reports; the chase of those not filed is a chase
INBOX = (
    ("disasters", InboxKind("disasters", _("零报告/灾情"), 40)),
    ("disasters.zero_missing", CHASE),
)

register(Panel("disasters", home=home, nav=NAV, layers=LAYERS, inbox=INBOX))
