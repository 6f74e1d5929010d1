from django.db import migrations

from qianshao.lib import dbsql

GENESIS = "0" * 64


def genesis(apps, schema_editor):
    apps.get_model("audit", "AuditHead").objects.get_or_create(
        pk=1, defaults={"last_hash": GENESIS}
    )


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial"), ("grid", "0001_initial")]

    operations = [
        migrations.RunPython(genesis, migrations.RunPython.noop),
        migrations.RunPython(dbsql.guard_audit, dbsql.unguard_audit),
        migrations.RunPython(dbsql.byte_order_paths, migrations.RunPython.noop),
    ]
