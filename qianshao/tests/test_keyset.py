"""Keyset pages (lib.keyset): every ordering the lists use walks the whole list exactly once,
forwards and backwards, with ties and NULLs, on either database; rows written during the
walk neither repeat nor hide the others; a cursor is good only for its own list."""

import random
from datetime import timedelta

import pytest
from django.db import connection
from django.db.models import Case, F, Value, When
from django.test import Client
from django.utils import timezone

from qianshao.grid.models import Domain
from qianshao.grid.scope import restrict
from qianshao.hazards.models import Grade, Hazard, Source, Status
from qianshao.lib import keyset

pytestmark = pytest.mark.django_db


def make(cast, n: int, *, seed: int = 1) -> list[int]:
    """``n`` hazards of 一村 with many ties in time and NULL deadlines, written directly."""
    rng = random.Random(seed)
    base = timezone.now().replace(microsecond=0)
    category = Domain.objects.get(code="fire")
    start = Hazard.objects.count()
    rows = []
    for i in range(n):
        at = base - timedelta(minutes=rng.randrange(4))  # four distinct times: ties
        rows.append(
            Hazard(
                number=f"YHKS{start + i:08d}",
                title=f"隐患{i}",
                category=category,
                grade=Grade.GENERAL,
                status=rng.choice([Status.SUBMITTED, Status.RECTIFYING]),
                source=Source.PATROL,
                cell=cast.village,
                cell_path=cast.village.path,
                found_at=at,
                reported_at=at,
                due_at=None if rng.random() < 0.4 else at + timedelta(hours=rng.randrange(3)),
            )
        )
    return [h.pk for h in Hazard.objects.bulk_create(rows)]


# Each ordering with the key that makes it total (the keyset appends the primary key in the
# last key's direction).
ORDERINGS = [
    (["-reported_at"], ["-pk"]),
    (["reported_at", "-id"], []),
    (["due_at"], ["pk"]),
    (["-due_at", "number"], []),
    ([F("due_at").asc(nulls_last=True)], ["pk"]),
    ([F("due_at").desc(nulls_first=True), "-reported_at"], ["-pk"]),
    (
        [Case(When(status=Status.SUBMITTED, then=Value(0)), default=Value(1)), "-reported_at"],
        ["-pk"],
    ),
]


def walk(queryset, limit: int, backwards: bool = False) -> list[int]:
    """Every row's id, page by page through the cursors (from the end when ``backwards``)."""
    found = keyset.window(queryset, "/test/", limit, None, counted=False)
    if backwards:
        while found.next_cursor:  # to the last page first
            found = keyset.window(queryset, "/test/", limit, found.next_cursor, counted=False)
        pages = [found.rows]
        while found.previous_cursor:
            found = keyset.window(queryset, "/test/", limit, found.previous_cursor, counted=False)
            pages.insert(0, found.rows)
        return [row.pk for page in pages for row in page]
    seen = [row.pk for row in found.rows]
    while found.next_cursor:
        found = keyset.window(queryset, "/test/", limit, found.next_cursor, counted=False)
        seen += [row.pk for row in found.rows]
    return seen


@pytest.mark.parametrize(("ordering", "total"), ORDERINGS, ids=lambda o: repr(o)[:40])
@pytest.mark.parametrize("limit", [1, 3, 7])
def test_every_ordering_walks_every_row_once_in_its_order_both_ways(cast, ordering, total, limit):
    make(cast, 23)
    queryset = Hazard.objects.order_by(*ordering)
    expected = list(Hazard.objects.order_by(*ordering, *total).values_list("pk", flat=True))
    assert len(expected) == 23
    assert walk(queryset, limit) == expected
    assert walk(queryset, limit, backwards=True) == expected


def test_rows_written_during_the_walk_neither_repeat_nor_hide_the_others(cast):
    first = set(make(cast, 40, seed=2))
    queryset = Hazard.objects.order_by("-reported_at", "-id")
    found = keyset.window(queryset, "/test/", 6, None, counted=False)
    seen = [row.pk for row in found.rows]
    written = set()
    while found.next_cursor:
        written |= set(make(cast, 3, seed=len(seen)))  # newer rows land before the cursor
        found = keyset.window(queryset, "/test/", 6, found.next_cursor, counted=False)
        seen += [row.pk for row in found.rows]
    assert len(seen) == len(set(seen))
    assert first <= set(seen)
    assert set(seen) - first <= written


def test_a_cursor_is_refused_on_another_list_or_changed(cast):
    make(cast, 5)
    found = keyset.window(Hazard.objects.order_by("-reported_at"), "/a/", 2, None)
    with pytest.raises(keyset.BadCursor):
        keyset.window(Hazard.objects.order_by("-reported_at"), "/b/", 2, found.next_cursor)
    with pytest.raises(keyset.BadCursor):
        keyset.window(Hazard.objects.order_by("reported_at"), "/a/", 2, found.next_cursor)
    changed = found.next_cursor[:-2] + ("AA" if not found.next_cursor.endswith("AA") else "BB")
    with pytest.raises(keyset.BadCursor):
        keyset.window(Hazard.objects.order_by("-reported_at"), "/a/", 2, changed)


def test_counts_are_exact_to_the_bound_and_capped_above_it(cast, monkeypatch):
    make(cast, 12)
    monkeypatch.setattr(keyset, "COUNT_BOUND", 10)
    assert keyset.bounded_count(Hazard.objects.all()) == (10, True)
    assert keyset.bounded_count(Hazard.objects.filter(pk__lt=0)) == (0, False)
    monkeypatch.setattr(keyset, "COUNT_BOUND", 100)
    assert keyset.bounded_count(Hazard.objects.all()) == (Hazard.objects.count(), False)


def test_the_api_walks_a_users_list_by_next_exactly_once_and_stays_in_scope(cast):
    make(cast, 30, seed=3)
    client = Client()
    client.force_login(cast.users["village"])
    url, seen = "/api/v1/hazards?limit=7", []
    while url:
        page = client.get(url).json()
        seen += [h["number"] for h in page["items"]]
        url = page["next"]
    visible = Hazard.objects.filter(cell_path__startswith=cast.village.path)
    assert len(seen) == len(set(seen))
    assert set(seen) == set(visible.values_list("number", flat=True))
    outsider = Client()
    outsider.force_login(cast.users["outsider"])
    first = client.get("/api/v1/hazards?limit=7").json()
    foreign = outsider.get(first["next"]).json()
    assert foreign["items"] == [] and foreign["next"] is None


def test_on_sqlite_a_large_scope_walks_the_time_index_and_a_small_one_keeps_its_own(
    cast, monkeypatch
):
    """SQLite has no range statistics: past ``FEW`` rows in the scope the list is read
    along its ordering's index, never sorted whole (docs/adr/0026)."""
    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL plans a scoped list from its own statistics")
    make(cast, 30, seed=4)
    scoped = restrict(Hazard.objects.order_by("-reported_at", "-id"), cast.users["village"])

    def plan(queryset) -> str:
        sql, params = queryset[:21].query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
            return " / ".join(row[-1] for row in cursor.fetchall())

    monkeypatch.setattr(keyset, "FEW", 10)
    walked, counted = keyset.steered(*keyset.prepared(scoped))
    assert "hazards_listed_idx" in plan(walked) and "TEMP B-TREE" not in plan(walked)
    assert counted == 30  # nothing but the scope: the probe's own count
    monkeypatch.setattr(keyset, "FEW", 100)
    kept, _ = keyset.steered(*keyset.prepared(scoped))
    assert "cell_path" in plan(kept)
    assert walk(scoped, 4) == list(scoped.values_list("pk", flat=True))
