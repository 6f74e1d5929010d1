from django.db import models


class Tally(models.Model):
    """One figure of the incidents under a cell path, kept by the actions for the record's
    path and every ancestor path in the action's transaction (docs/adr/0025 "Counters"):

    - ``incidents``: incidents by the month they happened, kind and grade, keyed
      ``<yyyy-mm>:<kind>:<grade>``;
    - ``reports``: the reports and passings up that had a deadline, by the month of the
      deadline, keyed ``<yyyy-mm>:on_time`` or ``<yyyy-mm>:late`` (the timeliness rate).

    ``key`` splits a figure ("" when it has no split)."""

    path = models.CharField(max_length=255)
    figure = models.CharField(max_length=32)
    key = models.CharField(max_length=64, default="")
    n = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["path", "figure", "key"], name="one_incidents_tally")
        ]

    def __str__(self) -> str:
        return f"{self.path} {self.figure}[{self.key}]: {self.n}"
