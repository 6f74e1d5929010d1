"""The points part's worker task: regrading the points after the grading bands changed."""

from django.db import transaction
from huey.contrib.djhuey import db_task

from qianshao.risks import actions_points


@db_task()
def regrade_by_bands() -> int:
    """Every point the new bands grade differently, regraded by the system."""
    return actions_points.regrade_by_bands()


def start_regrade() -> None:
    """Hand the regrading to the worker once the bands' change is committed (a province's
    points are too many for the admin's request)."""
    transaction.on_commit(regrade_by_bands)
