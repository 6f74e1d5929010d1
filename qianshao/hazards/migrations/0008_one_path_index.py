"""The hazard's own ``cell_path`` index goes: it was a prefix of (cell_path, status), which
serves the same ranges, and one more B-tree each report wrote. Dropped by name, so that
SQLite does not copy the table to alter the field."""

from django.db import migrations, models


def drop(apps, schema_editor):
    model = apps.get_model("hazards", "Hazard")
    # the single-column indexes on cell_path (and PostgreSQL's LIKE index beside it)
    for name in schema_editor._constraint_names(model, ["cell_path"], index=True):
        schema_editor.execute(schema_editor._delete_index_sql(model, name))


def restore(apps, schema_editor):
    model = apps.get_model("hazards", "Hazard")
    field = model._meta.get_field("cell_path")
    schema_editor.execute(schema_editor._create_index_sql(model, fields=[field]))
    like = getattr(schema_editor, "_create_like_index_sql", None)
    if like is not None and (sql := like(model, field)) is not None:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("hazards", "0007_listed_by_time_and_id")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="hazard",
                    name="cell_path",
                    field=models.CharField(editable=False, max_length=255),
                )
            ],
            database_operations=[migrations.RunPython(drop, restore)],
        )
    ]
