"""Room in each page of the zero reports' day counters on PostgreSQL, so that a report's
move of a counter is a HOT update (no index entry rewritten), as every area's counters."""

from django.db import migrations

from qianshao.lib.dbsql import leave_room


class Migration(migrations.Migration):
    dependencies = [
        ("disasters", "0005_day_chase_to_steps_taken"),
    ]

    operations = [
        migrations.RunPython(*leave_room("disasters_daytally", 70), elidable=False),
    ]
