from django.db import models

from qianshao.grid.models import TallyBase


class Tally(TallyBase):
    """One figure of the resources under a cell path (teams by kind, batches by class and
    band, shelter capacity…), kept by the actions for the record's path and every ancestor
    path in the action's transaction, moved by the sweep for what changes with time
    (docs/adr/0023). ``key`` splits a figure ("" when it has no split)."""

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["path", "figure", "key"], name="one_resources_tally")
        ]
