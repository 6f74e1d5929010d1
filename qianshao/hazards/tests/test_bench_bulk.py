"""The benches' bulk loads set the hazards' plain indexes aside and build them again after
(``bench.bulk.indexes_built_after``): the table ends with the indexes it began with, as
the database defines them, and the constraints' own indexes check the load throughout."""

import pytest
from django.db import connection

from qianshao.bench.bulk import indexes_built_after
from qianshao.hazards.models import Hazard

pytestmark = pytest.mark.django_db


def indexes() -> dict[str, str]:
    """The hazards table's indexes, by name, with their definitions."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT name, coalesce(sql, '') FROM sqlite_master"
                " WHERE type = 'index' AND tbl_name = %s",
                [Hazard._meta.db_table],
            )
        else:
            cursor.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s",
                [Hazard._meta.db_table],
            )
        return dict(cursor.fetchall())


def test_the_table_ends_with_the_indexes_it_began_with():
    before = indexes()
    assert len(before) > 10  # the list's, the scope's and the keys' indexes
    with indexes_built_after(Hazard):
        during = indexes()
    kept = set(during)
    assert kept < set(before)
    for name in kept:  # the primary key's and the unique number's
        definition = before[name].upper()
        assert "UNIQUE" in definition or definition == "" or name.endswith("_pkey"), name
    assert indexes() == before
