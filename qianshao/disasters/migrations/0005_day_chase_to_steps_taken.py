"""The deadline sweep's steps taken move from ``DayChase`` to the once-per-step record
(``workflow.StepTaken``: subject "disasters.day:<day>", step "chase:<level>"), which the
sweep now claims; ``DayChase`` goes. Its ``missing`` count stays in each step's audit
record."""

from django.db import migrations


def copy_steps(apps, schema_editor) -> None:
    DayChase = apps.get_model("disasters", "DayChase")
    StepTaken = apps.get_model("workflow", "StepTaken")
    StepTaken.objects.bulk_create(
        [
            StepTaken(subject=f"disasters.day:{day.isoformat()}", step=f"chase:{level}", at=at)
            for day, level, at in DayChase.objects.values_list("day", "level", "at").iterator()
        ],
        batch_size=500,
        ignore_conflicts=True,
    )


def copy_back(apps, schema_editor) -> None:
    DayChase = apps.get_model("disasters", "DayChase")
    StepTaken = apps.get_model("workflow", "StepTaken")
    found = StepTaken.objects.filter(
        subject__startswith="disasters.day:", step__startswith="chase:"
    )
    DayChase.objects.bulk_create(
        [
            DayChase(
                day=subject.split(":", 1)[1], level=int(step.split(":", 1)[1]), at=at, missing=0
            )
            for subject, step, at in found.values_list("subject", "step", "at").iterator()
        ],
        batch_size=500,
    )
    found.delete()


class Migration(migrations.Migration):
    dependencies = [
        ("disasters", "0004_reporting_rule_next_day"),
        ("workflow", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(copy_steps, copy_back),
        migrations.DeleteModel(name="DayChase"),
    ]
