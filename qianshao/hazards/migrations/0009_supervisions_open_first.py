"""The supervisions' ordering, open first (``sweep.open_first``), gets its index: a plain one
on SQLite, whose ascending order puts NULLs first already; NULLS FIRST on PostgreSQL."""

from django.db import migrations

import qianshao.lib.dbsql


class Migration(migrations.Migration):
    dependencies = [("hazards", "0008_one_path_index")]

    operations = [
        migrations.AddIndex(
            model_name="supervision",
            index=qianshao.lib.dbsql.NullsFirstIndex(
                fields=["settled_at", "answered_at", "answer_by", "id"],
                name="supervision_open_first",
                nulls_first=2,
            ),
        ),
    ]
