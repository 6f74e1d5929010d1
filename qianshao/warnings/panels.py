"""What warnings contribute to the home page: the warnings in force that reach the user and
how many wait for their answer (``lib.panels``)."""

from qianshao.lib.panels import Panel, register
from qianshao.warnings.access import active_warnings, waiting_for


def home(user, cell) -> dict:
    return {
        "warnings_waiting": waiting_for(user).count(),
        "active_warnings": active_warnings(user),
    }


register(Panel("warnings", home=home))
