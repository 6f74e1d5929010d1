from django.db import models


class Tally(models.Model):
    """One figure of the risks under a cell path, kept by the actions for the record's path
    and every ancestor path in the action's transaction (docs/adr/0024 "Counters"):

    - ``points``: risk points in force, keyed ``<grade>:<kind code>`` (the 四色图's counts);
    - ``patrols``: patrols whose due time falls in a month, keyed ``<yyyy-mm>:<outcome>``
      (on_time, late, missed: the completeness table).

    ``key`` splits a figure ("" when it has no split)."""

    path = models.CharField(max_length=255)
    figure = models.CharField(max_length=32)
    key = models.CharField(max_length=64, default="")
    n = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["path", "figure", "key"], name="one_risks_tally")
        ]

    def __str__(self) -> str:
        return f"{self.path} {self.figure}[{self.key}]: {self.n}"
