"""Django's `flush`, lifting the audit table's append-only triggers while it empties the
database (its DELETE or TRUNCATE would be refused otherwise), and putting them back."""

from django.core.management.commands import flush
from django.db import connections

from qianshao.lib.dbsql import drop_audit_guard, restore_audit_guard


class Command(flush.Command):
    def handle(self, **options):
        connection = connections[options["database"]]
        guarded = "audit_auditrecord" in connection.introspection.table_names()
        if guarded:
            drop_audit_guard(connection)
        try:
            return super().handle(**options)
        finally:
            if guarded:
                restore_audit_guard(connection)
