"""The expiry sweep's candidates by their expiry alone (the band left out of every index),
and on PostgreSQL room in each page of the batches and of the counters, so that the sweep's
move of a band and an action's move of a counter are HOT updates: no index entry rewritten
(docs/adr/0023 "Sweep")."""

from django.db import migrations, models

from qianshao.lib.dbsql import leave_room


class Migration(migrations.Migration):
    dependencies = [
        ("resources", "0005_supplies"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="batch",
            name="supply_batch_band",
        ),
        migrations.AddIndex(
            model_name="batch",
            index=models.Index(
                condition=models.Q(("quantity__gt", 0)),
                fields=["expires"],
                name="supply_batch_expires",
            ),
        ),
        migrations.RunPython(*leave_room("resources_batch", 85), elidable=False),
        migrations.RunPython(*leave_room("resources_tally", 70), elidable=False),
    ]
