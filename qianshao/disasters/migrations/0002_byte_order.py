from django.db import migrations

from qianshao.lib import dbsql


class Migration(migrations.Migration):
    dependencies = [("disasters", "0001_initial")]

    operations = [
        migrations.RunPython(
            dbsql.byte_order(
                [
                    ("disasters_zeroreport", "cell_path", 255),
                    ("disasters_daytally", "path", 255),
                    ("disasters_disasterreport", "cell_path", 255),
                ]
            ),
            migrations.RunPython.noop,
        ),
    ]
