"""What warnings contribute to the home page (the warnings in force that reach the user, how
many wait for their answer) and to the top bar (预警, lit on every warning page)."""

from django.utils.translation import gettext_lazy as _

from qianshao.lib.panels import NavEntry, Panel, register
from qianshao.warnings.access import active_warnings, waiting_for


def home(user, cell) -> dict:
    return {
        "warnings_waiting": waiting_for(user).count(),
        "active_warnings": active_warnings(user),
    }


register(Panel("warnings", home=home, nav=(NavEntry(_("预警"), "warnings", 40, prefix="warning"),)))
