"""What the risks area contributes to the pages: its link in the top bar (风险管控, the
四色图 and every page of the area: their URL names all start with "risks"), its layers of
the map (the risk points in their grade's colour, the child cells by their highest grade),
the kind of its notices in the inbox (a missed patrol's chases with every area's), the
phone's 巡查 tab, and the risk points listed on a cell's grid card."""

from django.utils.translation import gettext_lazy as _

from qianshao.grid.posts import cell_posts
from qianshao.lib.panels import CHASE, InboxKind, NavEntry, Panel, PhoneTab, register
from qianshao.risks import cards, layers, route_patrols


def home(user, cell) -> dict:
    """The field home page's 今日巡查 tile: the member's points due today."""
    return {"patrols_due": route_patrols.due_today(user)}


def patrols(user) -> bool:
    """Does ``user`` hold a post of the grid (not a department's), and so patrol?"""
    return bool(cell_posts(user))


# a grid member's patrols of the day; the others' tab is the 四色图
PATROL_TAB = PhoneTab(50, _("巡查"), "risks-patrol-today", mine=patrols)

NAV = (
    NavEntry(
        _("风险管控"),
        "risks",
        65,
        prefix="risks",
        phone=PATROL_TAB,
    ),
)
LAYERS = layers.LAYERS
# the inbox: the risks' notices; a missed patrol's reminder and its escalation are chases
INBOX = (
    ("risks", InboxKind("risks", _("风险管控"), 65)),
    ("risks.patrol_remind", CHASE),
    ("risks.patrol_escalate", CHASE),
)

register(Panel("risks", home=home, nav=NAV, layers=LAYERS, inbox=INBOX, cell_card=cards.cell_card))
