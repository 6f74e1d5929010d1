"""Room in each page of the risks' counters on PostgreSQL, so that an action's move of a
counter is a HOT update (no index entry rewritten), as the resources' counters."""

from django.db import migrations

from qianshao.lib.dbsql import leave_room


class Migration(migrations.Migration):
    dependencies = [
        ("risks", "0006_patrol_rule_bounds"),
    ]

    operations = [
        migrations.RunPython(*leave_room("risks_tally", 70), elidable=False),
    ]
