from django.db import models


class Tally(models.Model):
    """One figure of the resources under a cell path (teams by kind, batches by class and
    band, shelter capacity…), kept by the actions for the record's path and every ancestor
    path in the action's transaction, moved by the sweep for what changes with time
    (docs/adr/0023). ``key`` splits a figure ("" when it has no split)."""

    path = models.CharField(max_length=255)
    figure = models.CharField(max_length=32)
    key = models.CharField(max_length=64, default="")
    n = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["path", "figure", "key"], name="one_resources_tally")
        ]

    def __str__(self) -> str:
        return f"{self.path} {self.figure}[{self.key}]: {self.n}"
