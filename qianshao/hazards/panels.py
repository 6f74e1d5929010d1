"""What hazards contribute to the home page (the cell's hazard summary, how many steps wait
for the user), to the top bar (隐患, 督办, 统计, and 举报 for those who manage cells) and to
the map (the open hazards with a point: ``hazards.open``)."""

from django.utils.translation import gettext_lazy as _

from qianshao.grid.permissions import management_scope
from qianshao.hazards.access import visible_hazards
from qianshao.hazards.maps import open_hazards
from qianshao.hazards.queries import hazard_summary, task_q
from qianshao.lib.panels import MapLayer, NavEntry, Panel, register


def home(user, cell) -> dict:
    return {
        "hazards": hazard_summary(cell),
        "task_count": visible_hazards(user).filter(task_q(user)).count(),
    }


def manages_cells(user) -> bool:
    scope = management_scope(user)
    return scope.everything or bool(scope.paths)


NAV = (
    NavEntry(_("隐患"), "hazards", 30, frozenset({"hazards", "hazard"})),
    NavEntry(_("督办"), "hazard-supervision", 60, frozenset({"hazard-supervision"})),
    NavEntry(_("统计"), "hazard-stats", 70, frozenset({"hazard-stats", "hazard-monthly"})),
    NavEntry(_("举报"), "public-list", 80, frozenset({"public-list"}), shown=manages_cells),
)

LAYERS = (MapLayer("hazards.open", _("未销号隐患"), open_hazards),)

register(Panel("hazards", home=home, nav=NAV, layers=LAYERS))
