"""The chase sweep claims each step of a warning's chase in the once-per-step record
(``workflow.StepTaken``); the steps taken before (``chase_level``) are copied there, so
that none is taken again: subject "warnings.warning:<id>", steps "chase:1" and "chase:2".
When they were taken was not kept: the answer time stands for it."""

from django.db import migrations
from django.utils import timezone


def copy_steps(apps, schema_editor) -> None:
    Warning = apps.get_model("warnings", "Warning")
    StepTaken = apps.get_model("workflow", "StepTaken")
    chased = Warning.objects.filter(chase_level__gte=1).values_list(
        "pk", "chase_level", "answer_due_at"
    )
    StepTaken.objects.bulk_create(
        [
            StepTaken(
                subject=f"warnings.warning:{pk}", step=f"chase:{step}", at=due or timezone.now()
            )
            for pk, level, due in chased.iterator()
            for step in range(1, level + 1)
        ],
        batch_size=500,
        ignore_conflicts=True,
    )


def drop_steps(apps, schema_editor) -> None:
    StepTaken = apps.get_model("workflow", "StepTaken")
    StepTaken.objects.filter(subject__startswith="warnings.warning:").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("warnings", "0003_approval_threshold"),
        ("workflow", "0001_initial"),
    ]

    operations = [migrations.RunPython(copy_steps, drop_steps)]
