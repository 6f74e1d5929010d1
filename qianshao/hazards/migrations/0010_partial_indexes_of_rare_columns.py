"""``merged_into`` and ``origin``, which most hazards leave empty, are indexed where they
hold a value (docs/adr/0039). Their full indexes held a NULL for every hazard; SQLite's
ANALYZE counted those as one value of a million rows, and the planner then walked a
county's whole range of hazards for a page's duplicates (1.6 s at a million).

The old indexes are dropped by the names the database holds (``lib.migrating``), not by
AlterField: SQLite would remake the table of a million rows for it."""

import django.db.models.deletion
from django.db import migrations, models

from qianshao.lib.migrating import drop_column_indexes


class Migration(migrations.Migration):
    dependencies = [("hazards", "0009_supervisions_open_first")]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                drop_column_indexes("hazards", "Hazard", ("merged_into_id", "origin"))
            ],
            state_operations=[
                migrations.AlterField(
                    model_name="hazard",
                    name="merged_into",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="duplicates",
                        to="hazards.hazard",
                        verbose_name="合并到",
                    ),
                ),
                migrations.AlterField(
                    model_name="hazard",
                    name="origin",
                    field=models.CharField(
                        blank=True, max_length=64, null=True, verbose_name="来源记录"
                    ),
                ),
            ],
        ),
        migrations.AddIndex(
            model_name="hazard",
            index=models.Index(
                condition=models.Q(("merged_into__isnull", False)),
                fields=["merged_into"],
                name="hazards_merged_into_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="hazard",
            index=models.Index(
                condition=models.Q(("origin__isnull", False)),
                fields=["origin"],
                name="hazards_origin_idx",
            ),
        ),
    ]
