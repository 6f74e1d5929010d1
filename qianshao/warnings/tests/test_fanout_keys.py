"""A warning's deliveries and the outbox's messages keep no foreign-key constraints in
PostgreSQL (docs/adr/0040): the ORM still protects and cascades as the models say, and the
migrations drop the constraints by the names the database holds, and make them again
backwards."""

import pytest
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.db.models import ProtectedError

from qianshao.grid.models import Person
from qianshao.notify.models import Message
from qianshao.warnings.models import Delivery, Warning

UNCHECKED = {
    ("warnings", "0009_delivery_keys_unchecked"): (
        Delivery,
        {"cell_id", "person_id", "warning_id"},
    ),
    ("notify", "0008_message_keys_unchecked"): (Message, {"person_id", "user_id"}),
}


def foreign_keys(table: str) -> set[str]:
    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, table)
    return {c["columns"][0] for c in found.values() if c["foreign_key"]}


def test_a_recipient_stays_protected_and_a_warning_takes_its_deliveries_along(issued, cast):
    w = issued([cast.village])
    delivery = w.deliveries.select_related("person").first()
    assert delivery is not None
    with pytest.raises(ProtectedError):
        delivery.person.delete()
    assert Person.objects.filter(pk=delivery.person_id).exists()
    Warning.objects.filter(pk=w.pk).delete()
    assert not Delivery.objects.filter(warning_id=w.pk).exists()


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="PostgreSQL only: SQLite keeps its constraints (an index probe each)",
)
@pytest.mark.django_db
@pytest.mark.parametrize("migration", sorted(UNCHECKED))
def test_postgresql_has_no_such_keys_and_the_migration_makes_them_again_backwards(migration):
    model, columns = UNCHECKED[migration]
    table = model._meta.db_table
    assert not foreign_keys(table) & columns
    loader = MigrationLoader(connection)
    step = loader.get_migration(*migration).operations[0].database_operations[0]
    before = loader.project_state(migration, at_end=False).apps
    with connection.schema_editor() as editor:  # inside the test's transaction
        step.reverse_code(before, editor)
    assert foreign_keys(table) >= columns
    with connection.schema_editor() as editor:
        step.code(before, editor)
    assert not foreign_keys(table) & columns
