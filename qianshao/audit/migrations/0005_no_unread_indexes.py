"""The records' ``action`` and ``cell_path`` lose their indexes: no query of the platform
reads by either (records are read by object, by seq, or all of them when the chain is
verified), and every action paid for both on each append (docs/adr/0037).

The indexes are dropped by the names the database holds (as hazards 0008 drops one), not
by AlterField: SQLite would remake the table for it, and the table's triggers
(append-only, the head that follows the records) would go with the old one."""

from django.db import migrations, models

COLUMNS = ("action", "cell_path")


def forwards(apps, schema_editor):
    model = apps.get_model("audit", "AuditRecord")
    for column in COLUMNS:  # its single-column index (and PostgreSQL's LIKE index beside it)
        for name in schema_editor._constraint_names(model, [column], index=True):
            schema_editor.execute(schema_editor._delete_index_sql(model, name))


def backwards(apps, schema_editor):
    model = apps.get_model("audit", "AuditRecord")
    for column in COLUMNS:
        field = model._meta.get_field(column)
        for sql in schema_editor._field_indexes_sql(model, field):
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("audit", "0004_head_follows_records")]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(forwards, backwards)],
            state_operations=[
                migrations.AlterField(
                    model_name="auditrecord",
                    name="action",
                    field=models.CharField(max_length=64, verbose_name="动作"),
                ),
                migrations.AlterField(
                    model_name="auditrecord",
                    name="cell_path",
                    field=models.CharField(blank=True, max_length=255, verbose_name="网格路径"),
                ),
            ],
        )
    ]
