"""What disasters contribute to the home page (today's zero reports of the cell, how many of
the user's cells have not filed today's yet), to the top bar (灾情) and to the map (the
disaster reports of the last 30 days: ``disasters.recent``)."""

from django.utils.translation import gettext_lazy as _

from qianshao.disasters.maps import recent_disasters
from qianshao.disasters.stats import zero_today, zero_waiting
from qianshao.lib.panels import MapLayer, NavEntry, Panel, register


def home(user, cell) -> dict:
    return {"zero_waiting": zero_waiting(user), "zero_today": zero_today(cell)}


PAGES = frozenset({"zero-board", "zero-calendar", "disasters", "disaster", "disaster-new", "zero"})

NAV = (NavEntry(_("灾情"), "zero-board", 50, PAGES),)
LAYERS = (MapLayer("disasters.recent", _("近30日灾情"), recent_disasters),)

register(Panel("disasters", home=home, nav=NAV, layers=LAYERS))
