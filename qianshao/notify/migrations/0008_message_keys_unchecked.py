"""A message's user and person keep no foreign-key constraints in PostgreSQL
(docs/adr/0040): it checks them one row by one at the commit, and a warning writes two
messages a person. Dropped by the names the database holds (``lib.migrating``); SQLite
keeps its own, an index probe each, which could go only by remaking the table."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from qianshao.lib.migrating import drop_foreign_keys


class Migration(migrations.Migration):
    dependencies = [
        ("grid", "0005_cell_tally"),
        ("notify", "0007_job_runs"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[drop_foreign_keys("notify", "Message", ("person_id", "user_id"))],
            state_operations=[
                migrations.AlterField(
                    model_name="message",
                    name="person",
                    field=models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="messages",
                        to="grid.person",
                    ),
                ),
                migrations.AlterField(
                    model_name="message",
                    name="user",
                    field=models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
        ),
    ]
