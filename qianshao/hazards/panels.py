"""What hazards contribute to the home page (the cell's hazard summary, how many steps wait
for the user), to the top bar (隐患, its phone tab 上报; 督办 and 统计 for those who work
above the field; 举报 for those who manage cells) and to the map (the open hazards with a
point: ``hazards.open``)."""

from django.utils.translation import gettext_lazy as _

from qianshao.grid.permissions import management_scope
from qianshao.grid.posts import works_above_field
from qianshao.hazards.access import visible_hazards
from qianshao.hazards.maps import open_hazards
from qianshao.hazards.queries import hazard_summary, task_q
from qianshao.lib.panels import CHASE, InboxKind, MapLayer, NavEntry, Panel, PhoneTab, register


def home(user, cell) -> dict:
    return {
        "hazards": hazard_summary(cell),
        "task_count": visible_hazards(user).filter(task_q(user)).count(),
    }


def manages_cells(user) -> bool:
    scope = management_scope(user)
    return scope.everything or bool(scope.paths)


REPORT_TAB = PhoneTab(20, _("上报"), "hazard-report")
REPORTS = frozenset({"hazard-stats", "hazard-monthly"})

NAV = (
    NavEntry(_("隐患"), "hazards", 30, frozenset({"hazards", "hazard"}), phone=REPORT_TAB),
    NavEntry(
        _("督办"),
        "hazard-supervision",
        60,
        frozenset({"hazard-supervision"}),
        shown=works_above_field,
    ),
    NavEntry(_("统计"), "hazard-stats", 70, REPORTS, shown=works_above_field),
    NavEntry(_("举报"), "public-list", 80, frozenset({"public-list"}), shown=manages_cells),
)

LAYERS = (MapLayer("hazards.open", _("未销号隐患"), open_hazards),)
# the inbox: the hazards' steps; a 督办 and its answer are a chase
INBOX = (
    ("hazards", InboxKind("hazards", _("隐患"), 20)),
    ("hazards.supervise", CHASE),
    ("hazards.answer_supervision", CHASE),
)

register(Panel("hazards", home=home, nav=NAV, layers=LAYERS, inbox=INBOX))
