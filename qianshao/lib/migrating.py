"""Steps of migrations that Django's operations do not take the way a large table needs."""

from django.db import migrations


def drop_column_indexes(app_label: str, model_name: str, columns: tuple[str, ...]):
    """A RunPython that drops the single-column indexes of ``columns`` (PostgreSQL's LIKE
    index of a text column with them) by the names the database holds, and makes them
    again backwards: for the database half of a ``SeparateDatabaseAndState`` whose state
    half sets ``db_index=False``. AlterField would do it by remaking the whole table on
    SQLite — minutes at a million rows, and a table's triggers go with the old one."""

    def forwards(apps, schema_editor):
        model = apps.get_model(app_label, model_name)
        for column in columns:
            for name in schema_editor._constraint_names(model, [column], index=True):
                schema_editor.execute(schema_editor._delete_index_sql(model, name))

    def backwards(apps, schema_editor):
        model = apps.get_model(app_label, model_name)
        for column in columns:
            field = next(f for f in model._meta.concrete_fields if f.column == column)
            for sql in schema_editor._field_indexes_sql(model, field):
                schema_editor.execute(sql)

    return migrations.RunPython(forwards, backwards)


def drop_foreign_keys(app_label: str, model_name: str, columns: tuple[str, ...]):
    """A RunPython that drops PostgreSQL's foreign-key constraints on ``columns`` by the
    names the database holds, and makes them again backwards: for the database half of a
    ``SeparateDatabaseAndState`` whose state half sets ``db_constraint=False``. Nothing on
    SQLite, which checks a key by one probe of an index as the row goes in and cannot drop
    a constraint without remaking the whole table."""

    def forwards(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        model = apps.get_model(app_label, model_name)
        for column in columns:
            for name in schema_editor._constraint_names(model, [column], foreign_key=True):
                schema_editor.execute(schema_editor._delete_fk_sql(model, name))

    def backwards(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        model = apps.get_model(app_label, model_name)
        for column in columns:
            field = next(f for f in model._meta.concrete_fields if f.column == column)
            schema_editor.execute(
                schema_editor._create_fk_sql(model, field, "_fk_%(to_table)s_%(to_column)s")
            )

    return migrations.RunPython(forwards, backwards)
