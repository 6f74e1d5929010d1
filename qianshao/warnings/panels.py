"""What warnings contribute to the home page (the warnings in force that reach the user, how
many wait for their answer), to the top bar (预警, lit on every warning page; on a phone
the tab 叫应, those that reach the user) and to the map (the warnings in force with their
answered share: ``warnings.active``)."""

from django.utils.translation import gettext_lazy as _

from qianshao.lib.panels import CHASE, InboxKind, MapLayer, NavEntry, Panel, PhoneTab, register
from qianshao.warnings.access import active_warnings, waiting_for
from qianshao.warnings.maps import in_force


def home(user, cell) -> dict:
    return {
        "warnings_waiting": waiting_for(user).count(),
        "active_warnings": active_warnings(user),
    }


NAV = (
    NavEntry(
        _("预警"), "warnings", 40, prefix="warning", phone=PhoneTab(30, _("叫应"), "warning-mine")
    ),
)
LAYERS = (MapLayer("warnings.active", _("生效预警"), in_force),)
# the inbox: the warnings and their 叫应 (a resend asks the recipient to answer); a
# dispatcher's chase of those who have not answered is a chase
INBOX = (("warnings", InboxKind("warnings", _("预警叫应"), 10)), ("warnings.chase", CHASE))

register(Panel("warnings", home=home, nav=NAV, layers=LAYERS, inbox=INBOX))
