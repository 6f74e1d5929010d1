"""What disasters contribute to the home page (today's zero reports of the cell, how many of
the user's cells have not filed today's yet) and to the top bar (灾情)."""

from django.utils.translation import gettext_lazy as _

from qianshao.disasters.stats import zero_today, zero_waiting
from qianshao.lib.panels import NavEntry, Panel, register


def home(user, cell) -> dict:
    return {"zero_waiting": zero_waiting(user), "zero_today": zero_today(cell)}


PAGES = frozenset({"zero-board", "zero-calendar", "disasters", "disaster", "disaster-new", "zero"})

register(Panel("disasters", home=home, nav=(NavEntry(_("灾情"), "zero-board", 50, PAGES),)))
