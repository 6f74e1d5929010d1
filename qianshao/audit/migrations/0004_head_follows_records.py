"""The chain's head moves with the records the database writes: an append is one read of
the head (locking it) and one insert, not a third statement to move the head after it."""

from django.db import migrations

SQLITE = """
CREATE TRIGGER IF NOT EXISTS audit_moves_head AFTER INSERT ON audit_auditrecord
BEGIN
    UPDATE audit_audithead SET last_seq = NEW.seq, last_hash = NEW.hash
    WHERE id = 1 AND last_seq < NEW.seq;
END;
"""
POSTGRESQL = """
CREATE OR REPLACE FUNCTION audit_moves_head() RETURNS trigger AS $$
BEGIN
    UPDATE audit_audithead AS h SET last_seq = n.seq, last_hash = n.hash
    FROM (SELECT seq, hash FROM new_records ORDER BY seq DESC LIMIT 1) AS n
    WHERE h.id = 1 AND h.last_seq < n.seq;
    RETURN NULL;
END; $$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS audit_moves_head ON audit_auditrecord;
CREATE TRIGGER audit_moves_head AFTER INSERT ON audit_auditrecord
REFERENCING NEW TABLE AS new_records FOR EACH STATEMENT EXECUTE FUNCTION audit_moves_head();
"""


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute(SQLITE)
    elif vendor == "postgresql":
        schema_editor.execute(POSTGRESQL)


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute("DROP TRIGGER IF EXISTS audit_moves_head")
    elif vendor == "postgresql":
        schema_editor.execute("DROP TRIGGER IF EXISTS audit_moves_head ON audit_auditrecord")
        schema_editor.execute("DROP FUNCTION IF EXISTS audit_moves_head()")


class Migration(migrations.Migration):
    dependencies = [("audit", "0003_keyed_chain")]

    operations = [migrations.RunPython(forwards, backwards)]
