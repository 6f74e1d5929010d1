"""The supervision sweep claims each rung it raises in the once-per-step record
(``workflow.StepTaken``); the rungs raised before are copied there, so that none is raised
again: subject "hazards.hazard:<id>", step "rung:<level>@<status>@<step's due time, UTC
ISO>" (``hazards.sweep.rung_step``), taken when the supervision was created."""

from datetime import UTC

from django.db import migrations


def copy_rungs(apps, schema_editor) -> None:
    Supervision = apps.get_model("hazards", "Supervision")
    StepTaken = apps.get_model("workflow", "StepTaken")
    rows = Supervision.objects.values_list(
        "hazard_id", "level", "status", "step_due_at", "created_at"
    ).order_by("pk")
    batch = []
    for hazard, level, status, due, created in rows.iterator(chunk_size=2000):
        step = f"rung:{level}@{status}@{due.astimezone(UTC).isoformat()}"
        batch.append(StepTaken(subject=f"hazards.hazard:{hazard}", step=step, at=created))
        if len(batch) >= 2000:
            StepTaken.objects.bulk_create(batch, ignore_conflicts=True)
            batch = []
    StepTaken.objects.bulk_create(batch, ignore_conflicts=True)


def drop_rungs(apps, schema_editor) -> None:
    StepTaken = apps.get_model("workflow", "StepTaken")
    StepTaken.objects.filter(
        subject__startswith="hazards.hazard:", step__startswith="rung:"
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("hazards", "0003_supervision_settled_at"),
        ("workflow", "0001_initial"),
    ]

    operations = [migrations.RunPython(copy_rungs, drop_rungs)]
