"""A warning's deliveries keep no foreign-key constraints in PostgreSQL (docs/adr/0040):
it checks them one row by one at the commit, three per delivery, a second of a province's
issue. They are dropped by the names the database holds (``lib.migrating``); SQLite keeps
its own, which cost an index probe each and could go only by remaking the table."""

import django.db.models.deletion
from django.db import migrations, models

from qianshao.lib.migrating import drop_foreign_keys


class Migration(migrations.Migration):
    dependencies = [
        ("grid", "0005_cell_tally"),
        ("warnings", "0008_list_order"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                drop_foreign_keys("warnings", "Delivery", ("cell_id", "person_id", "warning_id"))
            ],
            state_operations=[
                migrations.AlterField(
                    model_name="delivery",
                    name="cell",
                    field=models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="grid.cell",
                    ),
                ),
                migrations.AlterField(
                    model_name="delivery",
                    name="person",
                    field=models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="warning_deliveries",
                        to="grid.person",
                    ),
                ),
                migrations.AlterField(
                    model_name="delivery",
                    name="warning",
                    field=models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="deliveries",
                        to="warnings.warning",
                    ),
                ),
            ],
        ),
    ]
