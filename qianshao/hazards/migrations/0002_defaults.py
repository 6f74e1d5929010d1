from django.db import migrations

from qianshao.hazards.deadlines import DEFAULT_DEADLINES, DEFAULT_RUNGS
from qianshao.lib import dbsql


def seed(apps, schema_editor):
    StepDeadline = apps.get_model("hazards", "StepDeadline")
    SupervisionRung = apps.get_model("hazards", "SupervisionRung")
    for grade, table in DEFAULT_DEADLINES.items():
        for status, hours in table.items():
            StepDeadline.objects.get_or_create(
                grade=grade, status=status, defaults={"hours": hours}
            )
    for grade, table in DEFAULT_RUNGS.items():
        for level, (after, answer) in table.items():
            SupervisionRung.objects.get_or_create(
                grade=grade, level=level, defaults={"after_hours": after, "answer_hours": answer}
            )


class Migration(migrations.Migration):
    dependencies = [("hazards", "0001_initial")]

    operations = [
        migrations.RunPython(seed, migrations.RunPython.noop),
        migrations.RunPython(
            dbsql.byte_order(
                [
                    ("hazards_hazard", "cell_path", 255),
                    ("hazards_publicreport", "cell_path", 255),
                    ("hazards_tally", "path", 255),
                ]
            ),
            migrations.RunPython.noop,
        ),
    ]
