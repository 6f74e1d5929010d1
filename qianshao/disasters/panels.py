"""What disasters contribute to the home page: today's zero reports of the cell and how many
of the user's cells have not filed today's yet (``lib.panels``)."""

from qianshao.disasters.stats import zero_today, zero_waiting
from qianshao.lib.panels import Panel, register


def home(user, cell) -> dict:
    return {"zero_waiting": zero_waiting(user), "zero_today": zero_today(cell)}


register(Panel("disasters", home=home))
