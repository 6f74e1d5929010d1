"""Upgrading in place: what `qianshao run` does before it migrates (docs/upgrade.md)."""

from django.db import connection
from django.db.migrations.executor import MigrationExecutor


def pending() -> list[str]:
    """The migrations this release would apply to the database, in order."""
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return [f"{migration.app_label}.{migration.name}" for migration, _backwards in plan]


def has_data() -> bool:
    """Whether the database was migrated before (a fresh one has nothing to back up)."""
    return "django_migrations" in connection.introspection.table_names()
