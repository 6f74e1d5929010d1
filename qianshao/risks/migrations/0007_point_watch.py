"""The missed-patrol sweep's candidates by when it next has something to do for a point
(``watch_at``, first its due time), not by the due time itself: a point chased and waiting
for its next due time is no longer read every minute. And room in each page of the
counters on PostgreSQL, so that an action's move of a counter is a HOT update (no index
entry rewritten), as every area's counters (docs/adr/0024 "As built")."""

from django.db import migrations, models
from django.db.models import F

from qianshao.lib.dbsql import leave_room


def watch_from_due(apps, schema_editor):
    RiskPoint = apps.get_model("risks", "RiskPoint")
    RiskPoint.objects.update(watch_at=F("next_due_at"))


class Migration(migrations.Migration):
    dependencies = [
        ("grid", "0004_person_name_index"),
        ("risks", "0006_patrol_rule_bounds"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="riskpoint",
            name="risk_point_due",
        ),
        migrations.AddField(
            model_name="riskpoint",
            name="watch_at",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.RunPython(watch_from_due, migrations.RunPython.noop, elidable=False),
        migrations.AddIndex(
            model_name="riskpoint",
            index=models.Index(
                condition=models.Q(("status", "active"), ("watch_at__isnull", False)),
                fields=["watch_at"],
                name="risk_point_watch",
            ),
        ),
        migrations.RunPython(*leave_room("risks_tally", 70), elidable=False),
    ]
