"""What hazards contribute to the home page: the cell's hazard summary and how many steps
wait for the user (``lib.panels``)."""

from qianshao.hazards.access import visible_hazards
from qianshao.hazards.queries import hazard_summary, task_q
from qianshao.lib.panels import Panel, register


def home(user, cell) -> dict:
    return {
        "hazards": hazard_summary(cell),
        "task_count": visible_hazards(user).filter(task_q(user)).count(),
    }


register(Panel("hazards", home=home))
