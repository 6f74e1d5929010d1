from django.db import migrations

from qianshao.lib import dbsql
from qianshao.warnings.rules import DEFAULT_RULES, DEFAULT_TYPES


def seed(apps, schema_editor):
    WarningType = apps.get_model("warnings", "WarningType")
    LevelRule = apps.get_model("warnings", "LevelRule")
    for sort, (code, name, event, category) in enumerate(DEFAULT_TYPES):
        WarningType.objects.get_or_create(
            code=code,
            defaults={"name": name, "cap_event": event, "cap_category": category, "sort": sort},
        )
    for level, (roles, answer, escalate, second) in DEFAULT_RULES.items():
        LevelRule.objects.get_or_create(
            level=level,
            defaults={
                "roles": [str(r) for r in roles],
                "answer_minutes": answer,
                "escalate_minutes": escalate,
                "second_approval": second,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("warnings", "0001_initial")]

    operations = [
        migrations.RunPython(seed, migrations.RunPython.noop),
        migrations.RunPython(
            dbsql.byte_order(
                [
                    ("warnings_warning", "cell_path", 255),
                    ("warnings_target", "cell_path", 255),
                    ("warnings_delivery", "cell_path", 255),
                ]
            ),
            migrations.RunPython.noop,
        ),
    ]
