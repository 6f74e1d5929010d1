"""Room in each page of the hazards' counters on PostgreSQL, so that an action's move of a
counter is a HOT update (no index entry rewritten), as every area's counters."""

from django.db import migrations

from qianshao.lib.dbsql import leave_room


class Migration(migrations.Migration):
    dependencies = [
        ("hazards", "0005_hazard_origin"),
    ]

    operations = [
        migrations.RunPython(*leave_room("hazards_tally", 70), elidable=False),
    ]
