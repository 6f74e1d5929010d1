from django.db import models

from qianshao.grid.models import TallyBase


class Tally(TallyBase):
    """One figure of the incidents under a cell path, kept by the actions for the record's
    path and every ancestor path in the action's transaction (docs/adr/0025 "Counters"):

    - ``incidents``: incidents by the month they happened, kind and grade, keyed
      ``<yyyy-mm>:<kind>:<grade>``;
    - ``reports``: the reports and passings up that had a deadline, by the month of the
      deadline, keyed ``<yyyy-mm>:on_time`` or ``<yyyy-mm>:late`` (the timeliness rate).

    ``key`` splits a figure ("" when it has no split)."""

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["path", "figure", "key"], name="one_incidents_tally")
        ]
