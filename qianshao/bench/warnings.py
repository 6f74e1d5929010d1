"""`qianshao bench warnings`: one red warning to a whole province, and the chase.

1. The province grid (as `bench import`) and its responsible people, each with a login and
   a mobile number: per village or community 网格长, 网格员, 信息员; per township and
   county 网格长, 调度员, 信息员 (bulk-written: set-up, not measured).
2. A red rainstorm warning to the province, drafted and approved through the actions, then
   issued through ``warnings.actions.issue`` with SMS on: the seconds until every delivery
   is stored and the first chunk's messages queued (``notify.fanout``); then the worker's
   part, every other message queued a chunk at a time (run here, in-process).
3. Baseline in the same run: the same delivery and message rows bulk-inserted into the same
   tables in one transaction (``lib.dbsql.insert_rows``: executemany, COPY on PostgreSQL);
   the ratio is the issue and its whole fan-out against it.
4. The chase sweep over those deliveries when nobody has answered: at the answer time
   (each dispatcher told, the resend started) and one period later (the level above).
"""

import time
import uuid
from datetime import date, timedelta
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.utils import timezone

from qianshao.accounts.actions import create_login
from qianshao.audit.models import AuditRecord
from qianshao.bench import figures
from qianshao.bench.counts import by_kind, header
from qianshao.bench.timing import seconds
from qianshao.grid import actions as grid_actions
from qianshao.grid.importers.divisions import import_divisions
from qianshao.grid.models import BASE_KINDS, Cell, CellKind, Person, Role, RoleAssignment
from qianshao.lib.dbsql import bulk_cache, insert_rows
from qianshao.notify import fanout
from qianshao.notify.models import FanOut, Message
from qianshao.warnings import actions, rules, sweep
from qianshao.warnings.models import Delivery, Level, WarningType

LEAVES = BASE_KINDS
LEAF_ROLES = [Role.HEAD, Role.MEMBER, Role.INFORMANT]
UPPER_ROLES = [Role.HEAD, Role.DISPATCHER, Role.INFORMANT]
TERM = date(2024, 1, 1)


def run(out, *, csv_dir: Path, root: str, villages: int, **_):
    settings.SMS_GATEWAY_URL = settings.SMS_GATEWAY_URL or "http://127.0.0.1:9/sms"
    out.write(f"qianshao bench warnings — {header(root, villages)}, on {connection.vendor}, SMS on")
    took, (province, people) = seconds(lambda: _world(csv_dir, root, villages))
    leaves = Cell.objects.subtree(province.path).filter(kind__in=LEAVES).count()
    out.write(
        f"  set-up: {leaves:,} villages and communities, {people:,} responsible people with "
        f"logins ({took:.1f} s)"
    )
    out.write(f"  grid: {by_kind(root)}")
    if connection.vendor == "postgresql":
        # a province's grid and people were written long before its warning: autovacuum
        # has analyzed them (within a minute of a bulk write), and the planner joins the
        # recipients' posts, cells and people by hashing instead of 70,000 index probes
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    w = _approved(province)
    messages_before = Message.objects.count()
    took, w = seconds(lambda: actions.issue(None, w))
    made = Delivery.objects.filter(warning=w).count()
    queued = Message.objects.count() - messages_before
    out.write(
        f"  issue one red warning to the province (deliveries, the first {fanout.CHUNK:,}'s "
        f"messages, audit, queue): {took:.3f} s for {made:,} deliveries and {queued:,} "
        f"messages (target <= 2 s)"
    )
    rest, rest_n = _rest_of_fan_outs()
    out.write(
        f"  the worker queues the rest, {fanout.CHUNK:,} deliveries a transaction: "
        f"{rest:.3f} s for {rest_n:,} messages; every message queued {took + rest:.3f} s "
        f"after the issue began"
    )
    queued += rest_n
    baseline = _baseline(w)
    out.write(
        f"  baseline, the same rows bulk-inserted in one transaction: {baseline:.3f} s"
        f"  ({(made + queued) / baseline:,.0f} rows/s)"
    )
    ratio = (took + rest) / baseline
    out.write(f"  ratio issue and its fan-out / plain insert: {ratio:.1f}x  (target <= 3x)")
    figures.record("issue_s", round(took, 3))
    figures.record("queued_s", round(took + rest, 3))
    figures.record("ratio", round(ratio, 2))
    chased = 0.0
    if connection.vendor == "postgresql":
        # the chase comes at the answer time, 30 minutes or more after the issue: by then
        # autovacuum has analyzed the deliveries just written (within a minute of a bulk
        # write), so the planner knows that a warning can have 70,000 of them, and has
        # vacuumed away the baseline's copies of them and of their messages, deleted above
        with connection.cursor() as cursor:
            for model in (Delivery, Message):
                cursor.execute(f"VACUUM ANALYZE {model._meta.db_table}")
    rule = rules.rule(w.level)
    first = w.issued_at + rule.answer
    for label, at in [("at the answer time", first), ("one period later", first + rule.escalate)]:
        before = Message.objects.count()
        took, handled = seconds(lambda at=at: sweep.sweep(at))
        told = Message.objects.count() - before
        out.write(
            f"  chase sweep {label}: {took:.3f} s for {handled:,} unanswered deliveries, "
            f"{told:,} messages queued (target <= 0.5 s)"
        )
        rest, rest_n = _rest_of_fan_outs()
        if rest_n:
            out.write(
                f"    the worker queues the rest of the resend: {rest:.3f} s, {rest_n:,} messages"
            )
        chased = max(chased, took)
    figures.record("chase_s", round(chased, 3))
    took, handled = seconds(lambda: sweep.sweep(first + rule.escalate + timedelta(minutes=1)))
    out.write(f"  chase sweep with nothing due: {took * 1000:.1f} ms ({handled} handled)")
    out.write(f"  audit records written: {AuditRecord.objects.count():,}")


def _rest_of_fan_outs() -> tuple[float, int]:
    """Seconds for the worker's part of the fan-outs just started (run here, in-process,
    chunk by chunk as the task does), and the messages it queued."""
    before = Message.objects.count()
    pending = list(FanOut.objects.order_by("pk").values_list("pk", flat=True))
    took, _ = seconds(lambda: [fanout.continue_fan_out.call_local(pk) for pk in pending])
    return took, Message.objects.count() - before


def _world(csv_dir: Path, root: str, villages: int) -> tuple[Cell, int]:
    import_divisions(Path(csv_dir), root, villages)
    province = Cell.objects.get(code=root)
    posts = []
    for cell in Cell.objects.subtree(province.path).order_by("path"):
        if cell.kind in LEAVES:
            posts += [(cell, role) for role in LEAF_ROLES]
        elif cell.kind in (CellKind.COUNTY, CellKind.TOWNSHIP):
            posts += [(cell, role) for role in UPPER_ROLES]
    password = make_password(None)
    User = get_user_model()
    with transaction.atomic():
        users = User.objects.bulk_create(
            [User(username=f"bench{i}", password=password) for i in range(len(posts))],
            batch_size=2000,
        )
        people = Person.objects.bulk_create(
            [
                Person(name=f"人员{i}", phone=f"139{i:08d}", user=user)
                for i, user in enumerate(users)
            ],
            batch_size=2000,
        )
        RoleAssignment.objects.bulk_create(
            [
                RoleAssignment(person=p, cell=c, role=r, start=TERM)
                for p, (c, r) in zip(people, posts, strict=True)
            ],
            batch_size=2000,
        )
    return province, len(posts)


def _approved(province: Cell):
    """A red warning to the province, drafted by its dispatcher and approved by another."""
    drafter = grid_actions.create_person(
        None, name="省应急厅值班员", phone="13700000001", cell=province
    )
    grid_actions.assign_role(
        None, person=drafter, cell=province, role=Role.DISPATCHER, notify=False
    )
    user = create_login(None, drafter, username="bench-duty", password="bench-pass-2024!")
    w = actions.draft(
        user,
        type=WarningType.objects.get(code="rainstorm"),
        level=Level.RED,
        headline="省气象台发布暴雨红色预警",
        text="预计未来24小时全省大部地区有大暴雨，局地特大暴雨。",
        instruction="立即转移危险区群众，停止户外作业。",
        targets=[province],
        valid_until=timezone.now() + timedelta(days=2),
    )
    return actions.approve(None, w)


def _baseline(w) -> float:
    """Seconds to write the warning's delivery and message rows again, in bulk: the
    deliveries as another warning's (a draft, so that (warning, person) stays unique), the
    messages under another event with new uuids."""
    copy = actions.draft(
        None,
        type=w.type,
        level=w.level,
        headline=w.headline,
        text=w.text,
        targets=[w.cell],
        valid_until=w.valid_until,
    )
    tables = []
    for model, rows, changes in [
        (Delivery, Delivery.objects.filter(warning=w), {"warning_id": lambda: copy.pk}),
        (
            Message,
            Message.objects.filter(event="warnings.issue"),
            {"event": lambda: "bench.copy", "uuid": uuid.uuid4},
        ),
    ]:
        fields = [f for f in model._meta.concrete_fields if not f.primary_key]
        data = [
            [
                f.get_db_prep_save(
                    changes[f.attname]() if f.attname in changes else getattr(obj, f.attname),
                    connection,
                )
                for f in fields
            ]
            for obj in rows.iterator()
        ]
        tables.append((model, [f.column for f in fields], data))
    start = time.perf_counter()
    with transaction.atomic(), bulk_cache(connection):  # the page cache the fan-out has
        for model, columns, data in tables:
            insert_rows(connection, model._meta.db_table, columns, data, binary=True)
    took = time.perf_counter() - start
    with transaction.atomic():
        Message.objects.filter(event="bench.copy")._raw_delete("default")
        Delivery.objects.filter(warning=copy)._raw_delete("default")
    return took
