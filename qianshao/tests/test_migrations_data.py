"""Every migration that moves data is tested from the state before it (docs/upgrade.md).

A county upgrades with its data in place, so a migration that writes, copies or changes rows
meets rows the tests' fresh databases never had. Each one here is walked with
django-test-migrations' ``Migrator``: the database migrated to the state just before it
(every migration ``migrate`` applies before it on an empty database, no more), rows written
through that state's historical models, the migration applied, the rows checked; and where
it can be undone, undone and checked again.

One full ``migrate`` of this project takes about 20 s on SQLite, and the plugin's
``migrator`` fixture does one after every test (its reset) and one before (from an empty
database), and its ``transactional_db`` truncates every table after each (seconds on
PostgreSQL). The tests here share one walk instead (``walk``): they are written in the
order ``migrate`` applies their migrations, each moves the database forward from where the
last one left it and leaves it emptied of its rows, and the database is brought back to the
latest state once, after the last. A test run alone, or out of order, starts from an empty
database as the plugin does. They run after the tests that use the database (pytest-django
puts the tests without its ``django_db`` mark last).

``MOVES_DATA`` names the test of every migration with RunPython or RunSQL that writes rows a
county may have; ``SEEDS_OWN_TABLES`` those that write only into the tables they create,
``SCHEMA_ONLY`` those that write no row. A new migration with RunPython or RunSQL in none of
them fails ``test_every_migration_with_code_is_tested_or_says_why_not``.
"""

import importlib
import io
import sys
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.db.migrations.exceptions import IrreversibleError
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.operations import RunPython, RunSQL, SeparateDatabaseAndState
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

# Each migration with RunPython or RunSQL that changes or adds to rows a county may have
# → the test that walks it, in the order ``migrate`` applies them.
MOVES_DATA = {
    ("audit", "0002_guard_and_genesis"): "test_audit_0002_keeps_a_chain_head_already_there",
    ("audit", "0003_keyed_chain"): "test_audit_0003_seals_the_unkeyed_chain",
    ("grid", "0002_domains"): "test_grid_0002_adds_the_domains_a_county_lacks",
    ("disasters", "0005_day_chase_to_steps_taken"): "test_disasters_0005_moves_day_chases",
    ("grid", "0005_cell_tally"): "test_grid_0005_counts_the_cells_already_there",
    ("hazards", "0002_defaults"): "test_hazards_0002_adds_the_defaults_a_county_lacks",
    ("hazards", "0004_rungs_to_steps_taken"): "test_hazards_0004_moves_raised_rungs",
    ("notify", "0004_inbox_kinds_and_buttons"): "test_notify_0004_gives_inbox_items_their_event",
    ("risks", "0005_cell_risks_to_points"): "test_risks_0005_makes_points_of_grid_card_lines",
    ("risks", "0007_point_watch"): "test_risks_0007_watches_points_from_their_due_time",
    ("warnings", "0002_defaults"): "test_warnings_0002_adds_the_defaults_a_county_lacks",
    ("warnings", "0004_chase_steps_taken"): "test_warnings_0004_moves_chase_levels",
}

# Each migration that writes rows only into tables it creates itself (no row of a county can
# be there before it) → what it writes; ``test_seeds_of_the_tables_they_create_are_there``.
SEEDS_OWN_TABLES = {
    ("resources", "0002_kits"): "the kit standards (九个一, 四小件)",
    ("resources", "0003_forces"): "the team norms",
    ("resources", "0005_supplies"): "the supplies catalogue's classes",
    ("risks", "0001_initial"): "the risk kinds, grading bands, patrol rule and frequencies",
}

# Each migration with RunPython or RunSQL that writes no row → what its code does.
SCHEMA_ONLY = {
    ("audit", "0004_head_follows_records"): "a trigger: the head moves with each insert",
    ("audit", "0005_no_unread_indexes"): "drops two indexes by name",
    ("disasters", "0002_byte_order"): 'PostgreSQL: path columns COLLATE "C" (values kept)',
    ("disasters", "0006_day_tally_room"): "PostgreSQL: the counters' fillfactor",
    ("hazards", "0006_tally_room"): "PostgreSQL: the counters' fillfactor",
    ("hazards", "0008_one_path_index"): "drops an index by name",
    ("hazards", "0010_partial_indexes_of_rare_columns"): "drops two indexes by name",
    ("incidents", "0001_initial"): "byte order, fillfactor, the log's append-only trigger",
    ("incidents", "0002_duty"): "byte order, the duty log's append-only trigger",
    ("incidents", "0003_response"): "byte order",
    ("notify", "0008_message_keys_unchecked"): "PostgreSQL: drops two foreign keys by name",
    ("resources", "0006_batch_expires_index"): "PostgreSQL: fillfactor",
    ("risks", "0009_patrol_hazard_partial_index"): "drops an index by name",
    ("warnings", "0009_delivery_keys_unchecked"): "PostgreSQL: drops three foreign keys by name",
}


# Marked as the plugin marks the tests of its ``migrator``: ``-m "not migration_test"``
# leaves them out.
migration_test = pytest.mark.migration_test


def _plan() -> list[tuple[str, str]]:
    """Every migration, in the order ``migrate`` applies them to an empty database."""
    executor = MigrationExecutor(None)
    leaves = executor.loader.graph.leaf_nodes()
    return [(m.app_label, m.name) for m, _ in executor.migration_plan(leaves, clean_start=True)]


class Walk:
    """The test database along the plan ``migrate`` follows from an empty database."""

    def __init__(self):
        from django_test_migrations.migrator import Migrator

        self.migrator = Migrator()
        self.plan = _plan()

    def _last_of_each_app(self, upto: int) -> list[tuple[str, str]]:
        last = {}
        for app, name in self.plan[:upto]:
            last[app] = (app, name)
        return list(last.values())

    def before(self, app: str, name: str):
        """Migrate to just before ``app``'s ``name``, every table empty; the historical
        models of that state."""
        at = self.plan.index((app, name))
        targets = self._last_of_each_app(at)
        applied = set(MigrationRecorder(connection).applied_migrations())
        if applied and applied <= set(self.plan[:at]):
            apps = self.migrator.apply_tested_migration(targets).apps
        else:
            if applied and applied != set(self.plan):
                # past this point: forward first, as the migrator drops the tables of
                # today's models only (a model's table deleted since goes with its migration)
                self.migrator.reset()
            apps = self.migrator.apply_initial_migration(targets).apps
        # without the rows that migrations on the way seeded: a test starts alike however
        # it is reached (after the test before it, alone, out of order, or on another worker
        # of a parallel run, whose last test may have stopped short of a seeding migration)
        _empty()
        return apps

    def forward(self, app: str, name: str):
        """Apply ``app``'s ``name``; the historical models after it."""
        return self.migrator.apply_tested_migration([(app, name)]).apps

    def back(self, app: str, name: str):
        """Undo ``app``'s ``name``; the historical models before it."""
        at = self.plan.index((app, name))
        targets = [t for t in self._last_of_each_app(at) if t[0] == app]
        assert targets, "an app's first migration: nothing before it to go back to"
        return self.migrator.apply_tested_migration(targets).apps


@pytest.fixture(scope="module")
def _walk(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        walk = Walk()
    yield walk
    with django_db_blocker.unblock():
        walk.migrator.reset()
        _empty()


@pytest.fixture
def walk(_walk, django_db_blocker):
    """The walk, and the database to the test (outside any transaction, as a transactional
    test has it: SQLite alters tables only there); emptied after it."""
    with django_db_blocker.unblock():
        yield _walk
        _empty()


def _empty() -> None:
    """Delete every row in the database but the migrations applied, as pytest-django's flush
    after a transactional test does, but only in the tables that have rows (its TRUNCATE of
    every table takes seconds on PostgreSQL) and in those of models since deleted too."""
    from django.core.management.color import no_style

    from qianshao.lib.dbsql import drop_audit_guard, restore_audit_guard

    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        tables = []
        for table in connection.introspection.table_names(cursor):
            if table != MigrationRecorder.Migration._meta.db_table:
                cursor.execute(f"SELECT 1 FROM {quote(table)} LIMIT 1")
                if cursor.fetchone():
                    tables.append(table)
    if not tables:
        return
    guarded = "audit_auditrecord" in tables
    if guarded:
        drop_audit_guard(connection)
    try:
        sql = connection.ops.sql_flush(no_style(), tables, allow_cascade=True)
        connection.ops.execute_sql_flush(sql)
    finally:
        if guarded:
            restore_audit_guard(connection)


# --- the guards -------------------------------------------------------------------------


def _runs_code(operations) -> bool:
    for operation in operations:
        if isinstance(operation, RunPython | RunSQL):
            return True
        if isinstance(operation, SeparateDatabaseAndState) and _runs_code(
            operation.database_operations
        ):
            return True
    return False


def _project_migrations():
    loader = MigrationLoader(None, ignore_no_migrations=True)
    return {
        key: migration
        for key, migration in loader.disk_migrations.items()
        if type(migration).__module__.startswith("qianshao.")
    }


def test_every_migration_with_code_is_tested_or_says_why_not():
    with_code = {key for key, m in _project_migrations().items() if _runs_code(m.operations)}
    lists = [set(MOVES_DATA), set(SEEDS_OWN_TABLES), set(SCHEMA_ONLY)]
    assert sum(map(len, lists)) == len(set().union(*lists)), "a migration in two lists"
    listed = set().union(*lists)
    assert sorted(with_code - listed) == [], (
        "a migration with RunPython or RunSQL: walk it from the state before it in "
        "qianshao/tests/test_migrations_data.py (MOVES_DATA), or say why it needs no walk "
        "(SEEDS_OWN_TABLES, SCHEMA_ONLY)"
    )
    assert sorted(listed - with_code) == []


def test_the_data_migrations_tests_follow_the_plan():
    """The walk goes forward only: a test out of the plan's order costs a migrate from an
    empty database."""
    module = sys.modules[__name__]
    assert [key for key in _plan() if key in MOVES_DATA] == list(MOVES_DATA)
    tests = [getattr(module, name, None) for name in MOVES_DATA.values()]
    assert all(callable(test) for test in tests)
    lines = [test.__code__.co_firstlineno for test in tests]
    assert lines == sorted(lines)


@pytest.mark.django_db
def test_no_model_change_lacks_its_migration():
    out = io.StringIO()
    try:
        call_command("makemigrations", "--check", "--dry-run", stdout=out, stderr=out)
    except SystemExit:
        pytest.fail(f"makemigrations would write migrations:\n{out.getvalue()}")


@pytest.mark.django_db
def test_seeds_of_the_tables_they_create_are_there():
    """What SEEDS_OWN_TABLES write is what every database starts with (a transactional
    test's flush removes it; these run before those)."""
    from qianshao.resources.models import Category, KitStandard, Norm
    from qianshao.risks.models import PatrolFrequency, RiskKind

    kits = _migration("resources", "0002_kits").STANDARDS
    assert set(KitStandard.objects.values_list("code", flat=True)) >= {c for c, *_ in kits}
    norms = _migration("resources", "0003_forces").SEEDED_NORMS
    assert Norm.objects.filter(within=None).count() >= len(norms)
    classes = _migration("resources", "0005_supplies").TOP_CLASSES
    assert set(Category.objects.filter(parent=None).values_list("code", flat=True)) >= {
        code for code, _ in classes
    }
    risks = _migration("risks", "0001_initial")
    assert set(RiskKind.objects.values_list("code", flat=True)) >= {k[0] for k in risks.KINDS}
    assert dict(PatrolFrequency.objects.values_list("grade", "every_hours")) == dict(
        risks.FREQUENCIES
    )


def _migration(app: str, name: str):
    return importlib.import_module(f"qianshao.{app}.migrations.{name}")


# --- the walk, in the order migrate applies the migrations ------------------------------


@migration_test
def test_audit_0002_keeps_a_chain_head_already_there(walk):
    apps = walk.before("audit", "0002_guard_and_genesis")
    apps.get_model("audit", "AuditHead").objects.create(pk=1, last_seq=3, last_hash="ab" * 32)

    apps = walk.forward("audit", "0002_guard_and_genesis")
    head = apps.get_model("audit", "AuditHead").objects.get()
    assert (head.last_seq, head.last_hash) == (3, "ab" * 32)
    # and from now on the database refuses to change a record
    record = _unkeyed_records(apps, 1)[0]
    with pytest.raises(DatabaseError), transaction.atomic():
        type(record).objects.filter(pk=record.pk).update(note="changed")


def _unkeyed_records(apps, n: int) -> list:
    """``n`` records hashed as the chain was before it was keyed (plain SHA-256), the head
    moved to the last as the code of then did."""
    from qianshao.audit import chain
    from qianshao.audit.models import AuditRecord, Scheme

    Record = apps.get_model("audit", "AuditRecord")
    Head = apps.get_model("audit", "AuditHead")
    head, _ = Head.objects.get_or_create(pk=1, defaults={"last_hash": chain.GENESIS})
    seq, last = head.last_seq, head.last_hash
    made = []
    for i in range(n):
        fields = {
            "seq": seq + 1,
            "at": datetime(2026, 11, 1, 8, i, tzinfo=UTC),
            "actor_id": None,
            "actor_label": "system",
            "action": "grid.create_cell",
            "object_type": "grid.cell",
            "object_id": str(i + 1),
            "object_label": f"第{i + 1}村",
            "cell_path": "450901.",
            "before": None,
            "after": {"name": f"第{i + 1}村"},
            "note": "",
            "prev_hash": last,
        }
        digest = chain._digest(AuditRecord(**fields, scheme=Scheme.SHA256))
        made.append(Record.objects.create(**fields, hash=digest))
        seq, last = seq + 1, digest
    Head.objects.filter(pk=1).update(last_seq=seq, last_hash=last)
    return made


@migration_test
def test_audit_0003_seals_the_unkeyed_chain(walk):
    from qianshao.audit import chain

    apps = walk.before("audit", "0003_keyed_chain")
    old = _unkeyed_records(apps, 3)
    last_hash = old[-1].hash

    apps = walk.forward("audit", "0003_keyed_chain")
    Record = apps.get_model("audit", "AuditRecord")
    records = list(Record.objects.order_by("seq"))
    assert [(r.seq, r.hash, r.scheme) for r in records[:3]] == [
        (r.seq, r.hash, "sha256") for r in old
    ]
    seal = records[3]
    assert (seal.seq, seal.action, seal.scheme) == (old[-1].seq + 1, chain.SEAL, "hmac-sha256")
    assert (seal.prev_hash, seal.before) == (last_hash, {"seq": old[-1].seq, "hash": last_hash})
    head = apps.get_model("audit", "AuditHead").objects.get()
    assert (head.last_seq, head.last_hash) == (seal.seq, seal.hash)
    verdict = chain.verify()
    assert (verdict.ok, verdict.checked, verdict.unkeyed) == (True, 4, 3)
    with pytest.raises(DatabaseError), transaction.atomic():
        Record.objects.filter(pk=seal.pk).delete()

    # the code before it could not verify the keyed chain: it is not undone
    with pytest.raises(IrreversibleError):
        walk.back("audit", "0003_keyed_chain")


@migration_test
def test_grid_0002_adds_the_domains_a_county_lacks(walk):
    apps = walk.before("grid", "0002_domains")
    apps.get_model("grid", "Domain").objects.create(
        code="fire", name="消防安全", sort=40, active=False
    )

    apps = walk.forward("grid", "0002_domains")
    domains = {d.code: d for d in apps.get_model("grid", "Domain").objects.all()}
    assert set(domains) == {code for code, _ in _migration("grid", "0002_domains").DOMAINS}
    fire = domains["fire"]
    assert (fire.name, fire.sort, fire.active) == ("消防安全", 40, False)
    assert (domains["gas"].name, domains["gas"].active) == ("燃气", True)


WHEN = datetime(2026, 11, 20, 16, 0, tzinfo=UTC)


@migration_test
def test_disasters_0005_moves_day_chases(walk):
    apps = walk.before("disasters", "0005_day_chase_to_steps_taken")
    DayChase = apps.get_model("disasters", "DayChase")
    chases = [("2026-11-19", 1, WHEN, 7), ("2026-11-19", 2, WHEN + timedelta(hours=1), 3)]
    chases.append(("2026-11-20", 1, WHEN + timedelta(days=1), 2))
    for day, level, at, missing in chases:
        DayChase.objects.create(day=day, level=level, at=at, missing=missing)
    StepTaken = apps.get_model("workflow", "StepTaken")
    StepTaken.objects.create(subject="hazards.hazard:1", step="rung:1@x@y", at=WHEN)

    apps = walk.forward("disasters", "0005_day_chase_to_steps_taken")
    StepTaken = apps.get_model("workflow", "StepTaken")
    steps = StepTaken.objects.filter(subject__startswith="disasters.day:")
    assert sorted(steps.values_list("subject", "step", "at")) == [
        (f"disasters.day:{day}", f"chase:{level}", at) for day, level, at, _ in chases
    ]
    with pytest.raises(LookupError):
        apps.get_model("disasters", "DayChase")

    apps = walk.back("disasters", "0005_day_chase_to_steps_taken")
    back = apps.get_model("disasters", "DayChase").objects.values_list("day", "level", "at")
    assert sorted((d.isoformat(), lv, at) for d, lv, at in back) == [c[:3] for c in chases]
    StepTaken = apps.get_model("workflow", "StepTaken")
    assert list(StepTaken.objects.values_list("subject", flat=True)) == ["hazards.hazard:1"]


def _cells(apps, *rows, **fields) -> dict:
    """Cells of (code, kind, parent code); their paths as the grid makes them."""
    from qianshao.grid import tree

    Cell = apps.get_model("grid", "Cell")
    made = {}
    for code, kind, parent in rows:
        up = made.get(parent)
        made[code] = Cell.objects.create(
            code=code,
            name=f"格{code}",
            kind=kind,
            level=up.level + 1 if up else 3,
            path=tree.child_path(up.path if up else "", code),
            parent=up,
            **fields.get(code, {}),
        )
    return made


COUNTY = [
    ("450901", "county", None),
    ("450901100", "township", "450901"),
    ("450901100201", "village", "450901100"),
    ("450901100202", "village", "450901100"),
]


@migration_test
def test_grid_0005_counts_the_cells_already_there(walk):
    apps = walk.before("grid", "0005_cell_tally")
    _cells(apps, *COUNTY)

    apps = walk.forward("grid", "0005_cell_tally")
    tally = apps.get_model("grid", "Tally").objects.filter(figure="cells")
    county, township = "450901.", "450901.450901100."
    assert sorted(tally.values_list("path", "key", "n")) == sorted(
        [
            (county, "county", 1),
            (county, "township", 1),
            (county, "village", 2),
            (township, "township", 1),
            (township, "village", 2),
            (f"{township}450901100201.", "village", 1),
            (f"{township}450901100202.", "village", 1),
        ]
    )

    apps = walk.back("grid", "0005_cell_tally")
    assert apps.get_model("grid", "Cell").objects.count() == 4


@migration_test
def test_hazards_0002_adds_the_defaults_a_county_lacks(walk):
    from qianshao.hazards.deadlines import DEFAULT_DEADLINES, DEFAULT_RUNGS

    apps = walk.before("hazards", "0002_defaults")
    grade, table = next(iter(DEFAULT_DEADLINES.items()))
    status = next(iter(table))
    apps.get_model("hazards", "StepDeadline").objects.create(grade=grade, status=status, hours=1)

    apps = walk.forward("hazards", "0002_defaults")
    deadlines = apps.get_model("hazards", "StepDeadline").objects.values_list(
        "grade", "status", "hours"
    )
    expected = {(g, s): h for g, t in DEFAULT_DEADLINES.items() for s, h in t.items()}
    assert {(g, s): h for g, s, h in deadlines} == {**expected, (grade, status): 1}
    rungs = apps.get_model("hazards", "SupervisionRung").objects.values_list("grade", "level")
    assert sorted(rungs) == sorted((g, lv) for g, t in DEFAULT_RUNGS.items() for lv in t)


@migration_test
def test_hazards_0004_moves_raised_rungs(walk):
    from qianshao.hazards.sweep import rung_step

    apps = walk.before("hazards", "0004_rungs_to_steps_taken")
    cells = _cells(apps, *COUNTY[:3])
    village = cells["450901100201"]
    domain = apps.get_model("grid", "Domain").objects.create(code="fire", name="消防")
    Hazard = apps.get_model("hazards", "Hazard")
    Supervision = apps.get_model("hazards", "Supervision")
    rungs = []
    for n in (1, 2):
        hazard = Hazard.objects.create(
            number=f"YH-{n}",
            title="灭火器过期",
            cell=village,
            cell_path=village.path,
            category=domain,
            found_at=WHEN,
        )
        for level in range(1, n + 1):
            due = WHEN + timedelta(hours=level)
            Supervision.objects.create(
                hazard=hazard,
                level=level,
                status="rectifying",
                step_due_at=due,
                answer_by=due + timedelta(hours=24),
                created_at=due + timedelta(minutes=5),
            )
            rungs.append((hazard.pk, level, due))
    StepTaken = apps.get_model("workflow", "StepTaken")
    StepTaken.objects.create(subject="disasters.day:2026-11-19", step="chase:1", at=WHEN)

    apps = walk.forward("hazards", "0004_rungs_to_steps_taken")
    StepTaken = apps.get_model("workflow", "StepTaken")
    steps = StepTaken.objects.filter(subject__startswith="hazards.hazard:")
    assert sorted(steps.values_list("subject", "step", "at")) == sorted(
        (f"hazards.hazard:{pk}", rung_step(level, "rectifying", due), due + timedelta(minutes=5))
        for pk, level, due in rungs
    )

    apps = walk.back("hazards", "0004_rungs_to_steps_taken")
    StepTaken = apps.get_model("workflow", "StepTaken")
    assert list(StepTaken.objects.values_list("subject", flat=True)) == ["disasters.day:2026-11-19"]
    assert apps.get_model("hazards", "Supervision").objects.count() == 3


@migration_test
def test_notify_0004_gives_inbox_items_their_event(walk):
    apps = walk.before("notify", "0004_inbox_kinds_and_buttons")
    user = apps.get_model("accounts", "User").objects.create(username="village", password="!")
    Message = apps.get_model("notify", "Message")
    InboxItem = apps.get_model("notify", "InboxItem")
    for event in ("warnings.issued", "hazards.assigned"):
        message = Message.objects.create(event=event, channel="inapp", user=user, subject=event)
        InboxItem.objects.create(user=user, message=message, subject=event)
    Message.objects.create(event="warnings.issued", channel="sms", address="13800000000")

    apps = walk.forward("notify", "0004_inbox_kinds_and_buttons")
    items = apps.get_model("notify", "InboxItem").objects.values_list("subject", "event", "action")
    assert sorted(items) == [
        ("hazards.assigned", "hazards.assigned", ""),
        ("warnings.issued", "warnings.issued", ""),
    ]
    assert set(apps.get_model("notify", "Message").objects.values_list("action", flat=True)) == {""}


@migration_test
def test_risks_0005_makes_points_of_grid_card_lines(walk):
    old = _migration("risks", "0005_cell_risks_to_points")
    apps = walk.before("risks", "0005_cell_risks_to_points")
    _migration("risks", "0001_initial").seed(apps, None)  # as a county has them
    centre = {"centre_lon": 106.5, "centre_lat": 24.3}
    cells = _cells(
        apps,
        *COUNTY,
        **{
            "450901100201": {"risks": "地质灾害隐患点：后山\n\n  某某水库  \n加油站", **centre},
            "450901100202": {"risks": "山洪沟"},  # no centre: nowhere to put a point
        },
    )
    village, other = cells["450901100201"], cells["450901100202"]

    apps = walk.forward("risks", "0005_cell_risks_to_points")
    Cell = apps.get_model("grid", "Cell")
    assert Cell.objects.get(pk=village.pk).risks == ""
    assert Cell.objects.get(pk=other.pk).risks == "山洪沟"
    RiskPoint = apps.get_model("risks", "RiskPoint")
    points = RiskPoint.objects.order_by("pk")
    assert [(p.name, p.kind.code, p.grade, p.cell_id) for p in points] == [
        ("地质灾害隐患点：后山", "landslide", "blue", village.pk),
        ("某某水库", "reservoir", "blue", village.pk),
        ("加油站", "hazchem", "blue", village.pk),
    ]
    for point in points:
        assert (point.lon, point.lat, point.cell_path) == (106.5, 24.3, village.path)
        assert (point.override_reason, point.address) == (old.MIGRATED, old.PLACE)
        assert point.review_on == timezone.localdate()
        assert point.next_due_at > timezone.now()
    records = apps.get_model("risks", "GradeRecord").objects.values_list("by_label", "reason")
    assert list(records) == [(old.BY, old.MIGRATED)] * 3
    tally = apps.get_model("risks", "Tally").objects.filter(figure="points")
    lineage = ["450901.", "450901.450901100.", village.path]
    kinds = ["blue:landslide", "blue:reservoir", "blue:hazchem"]
    assert sorted(tally.values_list("path", "key", "n")) == sorted(
        (path, key, 1) for path in lineage for key in kinds
    )

    # a point patrolled since stays a point when the migration is undone
    reservoir = points[1]
    apps.get_model("risks", "Patrol").objects.create(
        point=reservoir, cell_path=village.path, due_at=WHEN, outcome="done"
    )
    apps = walk.back("risks", "0005_cell_risks_to_points")
    assert apps.get_model("grid", "Cell").objects.get(pk=village.pk).risks == (
        "地质灾害隐患点：后山\n加油站"
    )
    left = apps.get_model("risks", "RiskPoint").objects.values_list("pk", flat=True)
    assert list(left) == [reservoir.pk]
    tally = apps.get_model("risks", "Tally").objects.filter(figure="points")
    assert sorted(tally.values_list("path", "key", "n")) == sorted(
        (path, "blue:reservoir", 1) for path in lineage
    )


def _point(apps, cell, name: str, **fields):
    kind = apps.get_model("risks", "RiskKind").objects.get(code="landslide")
    return apps.get_model("risks", "RiskPoint").objects.create(
        cell=cell,
        cell_path=cell.path,
        name=name,
        kind=kind,
        geometry={"type": "Point", "coordinates": [106.5, 24.3]},
        lon=106.5,
        lat=24.3,
        method="matrix",
        score=1,
        computed_grade="blue",
        grade="blue",
        public_key=uuid.uuid4(),
        **fields,
    )


@migration_test
def test_risks_0007_watches_points_from_their_due_time(walk):
    apps = walk.before("risks", "0007_point_watch")
    _migration("risks", "0001_initial").seed(apps, None)
    village = _cells(apps, *COUNTY[:3])["450901100201"]
    due = _point(apps, village, "后山滑坡", next_due_at=WHEN)
    never = _point(apps, village, "已销号", next_due_at=None, status="closed")

    apps = walk.forward("risks", "0007_point_watch")
    watch = dict(apps.get_model("risks", "RiskPoint").objects.values_list("pk", "watch_at"))
    assert watch == {due.pk: WHEN, never.pk: None}


@migration_test
def test_warnings_0002_adds_the_defaults_a_county_lacks(walk):
    from qianshao.warnings.rules import DEFAULT_RULES, DEFAULT_TYPES

    apps = walk.before("warnings", "0002_defaults")
    apps.get_model("warnings", "WarningType").objects.create(
        code="rainstorm", name="强降雨", cap_event="Heavy Rain", sort=9
    )
    apps.get_model("warnings", "LevelRule").objects.create(
        level="red", roles=["dispatcher"], answer_minutes=5, escalate_minutes=10
    )

    apps = walk.forward("warnings", "0002_defaults")
    types = {t.code: t for t in apps.get_model("warnings", "WarningType").objects.all()}
    assert set(types) == {code for code, *_ in DEFAULT_TYPES}
    assert (types["rainstorm"].name, types["rainstorm"].sort) == ("强降雨", 9)
    rules = {r.level: r for r in apps.get_model("warnings", "LevelRule").objects.all()}
    assert set(rules) == {str(level) for level in DEFAULT_RULES}
    assert (rules["red"].roles, rules["red"].answer_minutes) == (["dispatcher"], 5)


@migration_test
def test_warnings_0004_moves_chase_levels(walk):
    apps = walk.before("warnings", "0004_chase_steps_taken")
    village = _cells(apps, *COUNTY[:3])["450901100201"]
    kind = apps.get_model("warnings", "WarningType").objects.create(
        code="rainstorm", name="暴雨", cap_event="Rainstorm"
    )
    Warning = apps.get_model("warnings", "Warning")
    made = {}
    for level, due in ((0, WHEN), (1, WHEN), (2, None)):
        made[level] = Warning.objects.create(
            number=f"YJ-{level}",
            level="orange",
            headline="暴雨橙色预警",
            text="预计未来6小时有暴雨",
            status="issued",
            source="local",
            sender_name="凌云县气象台",
            cell=village,
            cell_path=village.path,
            type=kind,
            valid_from=WHEN,
            valid_until=WHEN + timedelta(days=1),
            created_at=WHEN,
            cap_identifier=f"cap-{level}",
            cap_sender="12379@lingyun.gov.cn",
            answer_due_at=due,
            chase_level=level,
        )
    StepTaken = apps.get_model("workflow", "StepTaken")
    StepTaken.objects.create(subject="disasters.day:2026-11-19", step="chase:1", at=WHEN)
    start = timezone.now()

    apps = walk.forward("warnings", "0004_chase_steps_taken")
    StepTaken = apps.get_model("workflow", "StepTaken")
    steps = StepTaken.objects.filter(subject__startswith="warnings.warning:")
    one, two = made[1].pk, made[2].pk
    assert sorted(steps.values_list("subject", "step")) == [
        (f"warnings.warning:{one}", "chase:1"),
        (f"warnings.warning:{two}", "chase:1"),
        (f"warnings.warning:{two}", "chase:2"),
    ]
    assert steps.get(subject=f"warnings.warning:{one}").at == WHEN
    # when the steps of a warning with no answer time were taken was not kept: "now"
    assert all(start <= s.at <= timezone.now() for s in steps.exclude(at=WHEN))

    apps = walk.back("warnings", "0004_chase_steps_taken")
    StepTaken = apps.get_model("workflow", "StepTaken")
    assert list(StepTaken.objects.values_list("subject", flat=True)) == ["disasters.day:2026-11-19"]
