"""Key the audit chain (docs/adr/0017): records get a hashing scheme, those already written
keep plain SHA-256 and are sealed by one keyed record; DELETE (and TRUNCATE) are refused by
the database as UPDATE is."""

from django.conf import settings
from django.db import migrations, models

from qianshao.lib import dbsql


def seal(apps, schema_editor):
    from qianshao.audit.chain import seal_unkeyed

    seal_unkeyed(
        apps.get_model("audit", "AuditRecord"),
        apps.get_model("audit", "AuditHead"),
        settings.AUDIT_KEY,
    )


def guard(apps, schema_editor):
    # SQLite rebuilds the table to add a column, which drops its triggers: put all back
    dbsql.restore_audit_guard(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_guard_and_genesis")]

    operations = [
        migrations.AddField(
            model_name="auditrecord",
            name="scheme",
            field=models.CharField(
                choices=[("sha256", "SHA-256"), ("hmac-sha256", "HMAC-SHA256")],
                default="sha256",
                max_length=16,
            ),
            preserve_default=False,
        ),
        migrations.RunPython(guard, dbsql.unguard_audit_deletes),
        # irreversible: the code before it cannot verify the keyed records it leads to
        migrations.RunPython(seal),
    ]
