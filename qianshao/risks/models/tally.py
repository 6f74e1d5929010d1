from django.db import models

from qianshao.grid.models import TallyBase


class Tally(TallyBase):
    """One figure of the risks under a cell path, kept by the actions for the record's path
    and every ancestor path in the action's transaction (docs/adr/0024 "Counters"):

    - ``points``: risk points in force, keyed ``<grade>:<kind code>`` (the 四色图's counts);
    - ``patrols``: patrols whose due time falls in a month, keyed ``<yyyy-mm>:<outcome>``
      (on_time, late, missed: the completeness table).

    ``key`` splits a figure ("" when it has no split)."""

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["path", "figure", "key"], name="one_risks_tally")
        ]
