"""What the risks area contributes to the pages: its link in the top bar (风险管控, the
四色图 and every page of the area: their URL names all start with "risks"), its layers of
the map (the risk points in their grade's colour, the child cells by their highest grade)
and the kind of its notices in the inbox."""

from django.utils.translation import gettext_lazy as _

from qianshao.lib.panels import InboxKind, NavEntry, Panel, register
from qianshao.risks import layers

NAV = (
    NavEntry(
        _("风险管控"),
        "risks",
        65,
        prefix="risks",
        # PHONE TAB (patrols part, added at merge): phone=PhoneTab(<order>, _("巡查"),
        # "risks-patrol-today") — a grid member's patrols of the day.
    ),
)
LAYERS = layers.LAYERS
INBOX = (("risks", InboxKind("risks", _("风险管控"), 65)),)

register(Panel("risks", nav=NAV, layers=LAYERS, inbox=INBOX))
