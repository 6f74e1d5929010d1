"""A check-in's hazard, which most check-ins leave empty, is indexed where it holds one
(docs/adr/0039): its full index held a NULL for every check-in, which SQLite's ANALYZE
counted as one value of a million rows. Dropped by the names the database holds
(``lib.migrating``), not by AlterField: SQLite would remake the table for it."""

import django.db.models.deletion
from django.db import migrations, models

from qianshao.lib.migrating import drop_column_indexes


class Migration(migrations.Migration):
    dependencies = [
        ("hazards", "0010_partial_indexes_of_rare_columns"),
        ("risks", "0008_list_index"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[drop_column_indexes("risks", "Patrol", ("hazard_id",))],
            state_operations=[
                migrations.AlterField(
                    model_name="patrol",
                    name="hazard",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="hazards.hazard",
                        verbose_name="发现的隐患",
                    ),
                ),
            ],
        ),
        migrations.AddIndex(
            model_name="patrol",
            index=models.Index(
                condition=models.Q(("hazard__isnull", False)),
                fields=["hazard"],
                name="patrol_hazard",
            ),
        ),
    ]
