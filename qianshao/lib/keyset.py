"""Keyset (cursor) pagination: the one way every list pages, in the API and on the pages.

A page is the rows after (or before) the last one seen, in the list's ordering, so its cost
is that of reading one page through the index that serves the ordering, however deep it is
and however many rows lie behind it. The ordering is the queryset's (or its model's), made
total by ending it with the primary key. The position travels as an opaque ``cursor``: the
ordering's values of the row it follows, signed with the site's key and the list's path,
so that a cursor that was changed, or that belongs to another list, is refused (400 naming
``cursor``); it only ever positions within what the caller may see, never widens it.

Counts are bounded: ``count`` is exact up to ``COUNT_BOUND`` and ``count_capped`` says when
there are more ("10,000+"); counting never walks a million rows.

The API's ``Pagination`` (django-ninja) takes ``limit`` (1–``MAX_LIMIT``) and ``cursor``,
and answers ``items``, ``count``, ``count_capped``, ``next`` and ``previous``; ``offset``
stays for older clients, up to ``MAX_OFFSET``. Pages call ``page(request, queryset, size)``
and include ``_pages.html``.
"""

import datetime
import decimal
import operator
from dataclasses import dataclass, field
from functools import reduce
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.core import signing
from django.core.exceptions import FieldDoesNotExist
from django.db import connection
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.expressions import Col, F, Func, OrderBy
from django.db.models.lookups import In, Lookup
from django.db.models.sql import Query
from django.db.models.sql.where import WhereNode
from django.utils.translation import gettext as _
from ninja import Field, Schema
from ninja.pagination import PaginationBase
from pydantic import field_validator

from qianshao.lib.errors import ActionError

PER_PAGE = getattr(settings, "NINJA_PAGINATION_PER_PAGE", 100)
MAX_LIMIT = 200
MAX_OFFSET = 10_000
COUNT_BOUND = 10_000


class BadCursor(ActionError):
    """A cursor that was not made by this list (changed, truncated, or another list's)."""

    def __init__(self):
        super().__init__(_("翻页位置（cursor）无效，请从第一页重新翻起"), "cursor")


@dataclass(frozen=True)
class Key:
    """One column of the ordering: its lookup path (or annotation), direction, whether it
    may be NULL, and where NULLs go when the ordering says (None: the database's way)."""

    name: str
    descending: bool
    nullable: bool
    nulls_last: bool | None = None

    def value(self, row) -> Any:
        if isinstance(row, dict):
            return row[self.name]
        value = row
        for part in self.name.split("__"):
            value = getattr(value, part)
            if value is None:
                return None
        return getattr(value, "pk", value)

    def order(self, backwards: bool = False) -> OrderBy:
        """This key's term of ORDER BY, walking forwards or backwards."""
        descending = self.descending != backwards
        nulls_last = None if self.nulls_last is None else self.nulls_last != backwards
        field = F(self.name)
        placement = {}
        if nulls_last is not None:
            placement = {"nulls_last": True} if nulls_last else {"nulls_first": True}
        return field.desc(**placement) if descending else field.asc(**placement)

    def nulls_after(self) -> bool:
        """Whether NULLs come after every value in this key's direction: as the ordering
        says, or PostgreSQL's way (last ascending) or SQLite's (first ascending)."""
        if self.nulls_last is not None:
            return self.nulls_last
        last_ascending = connection.vendor == "postgresql"
        return last_ascending != self.descending

    def beyond(self, value, backwards: bool) -> Q | None:
        """Rows strictly past ``value`` in the walking direction (None: no row can be)."""
        descending = self.descending != backwards
        nulls_after = self.nulls_after() != backwards
        if value is None:
            return None if nulls_after else Q(**{f"{self.name}__isnull": False})
        condition = Q(**{f"{self.name}__{'lt' if descending else 'gt'}": value})
        if self.nullable and nulls_after:
            condition |= Q(**{f"{self.name}__isnull": True})
        return condition

    def reached(self, value, backwards: bool) -> Q:
        """Rows at or past ``value``: a plain range an index walks from (first key only)."""
        descending = self.descending != backwards
        return Q(**{f"{self.name}__{'lte' if descending else 'gte'}": value})

    def equal(self, value) -> Q:
        if value is None:
            return Q(**{f"{self.name}__isnull": True})
        return Q(**{self.name: value})


def prepared(queryset: QuerySet) -> tuple[QuerySet, list[Key]]:
    """The queryset's ordering as keys, ending with the primary key; an ordering by an
    expression (a CASE, say) becomes an annotation so that its value can be read and
    compared."""
    model = queryset.model
    pk = model._meta.pk.name
    ordering = list(queryset.query.order_by) or list(model._meta.ordering)
    keys = []
    for i, item in enumerate(ordering):
        name, descending, nulls_last, expression = _term(item)
        if expression is None and _alias_only(queryset, name):
            expression = F(name)  # an alias() is not selected: its value could not be read
        if expression is not None:
            name = f"keyset_{i}"
            queryset = queryset.annotate(**{name: expression})
        elif name == "pk":
            name = pk
        keys.append(Key(name, descending, _nullable(queryset, name), nulls_last))
        if name == pk:
            return queryset, keys
    keys.append(Key(pk, keys[-1].descending if keys else False, False))
    return queryset, keys


def ordered(queryset: QuerySet, keys: list[Key], backwards: bool = False) -> QuerySet:
    return queryset.order_by(*[k.order(backwards) for k in keys])


def _term(item) -> tuple[str, bool, bool | None, Any]:
    """(name, descending, nulls last or None, the expression to annotate or None)."""
    if isinstance(item, str):
        if item.startswith("-"):
            return item[1:], True, None, None
        return item.lstrip("+"), False, None, None
    if not isinstance(item, OrderBy):
        item = item.asc()
    nulls_last = True if item.nulls_last else False if item.nulls_first else None
    if isinstance(item.expression, F):
        return item.expression.name, item.descending, nulls_last, None
    return "", item.descending, nulls_last, item.expression


def _alias_only(queryset: QuerySet, name: str) -> bool:
    query = queryset.query
    return name in query.annotations and name not in query.annotation_select


def _nullable(queryset: QuerySet, name: str) -> bool:
    if name in queryset.query.annotations:
        return True
    model = queryset.model
    parts = name.split("__")
    for i, part in enumerate(parts):
        found = model._meta.get_field(part)
        if i == len(parts) - 1 and found.is_relation and part == found.name:
            raise TypeError(f"keyset: order by {name}_id or a field of {name}, not the relation")
        if i < len(parts) - 1:
            if found.null:
                return True
            model = found.related_model
        else:
            return found.null
    return False


def after(keys: list[Key], values: list, backwards: bool = False) -> Q:
    """Rows strictly after ``values`` in the ordering of ``keys`` (or before, backwards):
    (k1 > v1) or (k1 = v1 and k2 > v2) or …, with a plain range on the first key in front
    when it cannot be NULL, so that the index is walked from the position, not filtered."""
    parts, same = [], Q()
    for key, value in zip(keys, values, strict=True):
        past = key.beyond(value, backwards)
        if past is not None:
            parts.append(same & past)
        same &= key.equal(value)
    if not parts:
        return Q(pk__in=[])
    condition = reduce(operator.or_, parts)
    first, value = keys[0], values[0]
    if not first.nullable and value is not None:
        condition = first.reached(value, backwards) & condition
    return condition


# --- the cursor ---------------------------------------------------------------------------


def _dump(value):
    if isinstance(value, datetime.datetime):
        return {"t": value.isoformat()}
    if isinstance(value, datetime.date):
        return {"d": value.isoformat()}
    if isinstance(value, decimal.Decimal):
        return {"n": str(value)}
    return value


def _load(value):
    if isinstance(value, dict):
        if "t" in value:
            return datetime.datetime.fromisoformat(value["t"])
        if "d" in value:
            return datetime.date.fromisoformat(value["d"])
        if "n" in value:
            return decimal.Decimal(value["n"])
        raise ValueError(value)
    if isinstance(value, list):
        raise ValueError(value)
    return value


def _salt(where: str, keys: list[Key]) -> str:
    order = ",".join(("-" if k.descending else "") + k.name for k in keys)
    return f"qianshao.keyset:{where}:{order}"


def encode(where: str, keys: list[Key], row, backwards: bool) -> str:
    values = [_dump(k.value(row)) for k in keys]
    return signing.Signer(salt=_salt(where, keys)).sign_object([values, int(backwards)])


def decode(where: str, keys: list[Key], token: str) -> tuple[list, bool]:
    try:
        values, backwards = signing.Signer(salt=_salt(where, keys)).unsign_object(token)
        values = [_load(v) for v in values]
    except (signing.BadSignature, ValueError, TypeError, KeyError):
        raise BadCursor() from None
    if len(values) != len(keys) or backwards not in (0, 1):
        raise BadCursor()
    return values, bool(backwards)


# --- one page -----------------------------------------------------------------------------


@dataclass
class Window:
    rows: list
    next_cursor: str | None = None
    previous_cursor: str | None = None
    count: int | None = None
    count_capped: bool | None = None
    extra: dict = field(default_factory=dict)


def window(queryset, where: str, limit: int, cursor: str | None, *, counted: bool = True) -> Window:
    """The ``limit`` rows of ``queryset`` from ``cursor`` (the first ones without), and the
    cursors of the pages on either side. ``where`` names the list (its path): a cursor is
    good only there. ``counted``: the bounded count too, on the first page only (a client
    keeps it while it follows ``next``). A list of rows in memory pages the same way by
    position."""
    if not isinstance(queryset, QuerySet):
        return _window_of_list(list(queryset), where, limit, cursor)
    queryset, keys = prepared(queryset)
    queryset, counted_on = steered(queryset, keys)
    walked = ordered(queryset, keys)
    backwards = False
    if cursor:
        values, backwards = decode(where, keys, cursor)
        walked = ordered(queryset, keys, backwards).filter(after(keys, values, backwards))
    found = list(walked[: limit + 1])
    more = len(found) > limit
    rows = found[:limit]
    if backwards:
        rows.reverse()
    result = Window(rows)
    if rows:
        if more or backwards:
            result.next_cursor = encode(where, keys, rows[-1], False)
        if cursor and (more or not backwards):
            result.previous_cursor = encode(where, keys, rows[0], True)
    if counted and not cursor:
        if isinstance(counted_on, int):
            result.count, result.count_capped = (
                min(counted_on, COUNT_BOUND),
                counted_on > COUNT_BOUND,
            )
        else:
            result.count, result.count_capped = bounded_count(counted_on)
    return result


# --- SQLite's plan ------------------------------------------------------------------------
#
# SQLite keeps no statistics of a range (it is built without STAT4), so for a list scoped to a
# subtree (``cell_path`` between two bounds) and ordered by time it takes the ``cell_path``
# index and sorts the whole scope, however large, in a temporary B-tree. When the scope holds
# more than ``FEW`` rows, its terms are written so that no index can serve them (``+col``, a
# no-op that SQLite's planner reads as "not indexable"), and the list walks the index of its
# ordering instead, reading rows until the page is full: a cost that grows with the page, not
# with the scope. A filter of several values (``status IN (…)``: "open") is written the same
# way, since no index serves the ordering past it; a filter of one value keeps its index,
# which a composite (value, ordering) index can serve in order. A small scope keeps the
# index and sorts at most ``FEW`` rows. PostgreSQL
# has the statistics and plans both cases well by itself.

FEW = 2_000


class Unindexed(Func):
    """The column, unchanged, in a form SQLite's planner takes no index for."""

    template = "+%(expressions)s"


def steered(queryset: QuerySet, keys: list[Key]) -> tuple[QuerySet, QuerySet | int]:
    """(the queryset to walk, the queryset to count or the count itself), each as SQLite
    should read it: a scope of over ``FEW`` rows is walked along the ordering's index. The
    scope alone is counted by its own index (up to ``COUNT_BOUND``, the probe that decided);
    with other filters, a scope past ``COUNT_BOUND`` is counted through their indexes
    (the scope's would read all of it). A scope on another table is steered by
    ``_steered_across``."""
    field = getattr(queryset.model, "SCOPE_FIELD", None)
    if connection.vendor != "sqlite" or (field and keys[0].name == field):
        return queryset, queryset
    if not field or "__" in field:
        return _steered_across(queryset, keys)
    model = queryset.model
    also = getattr(model, "SCOPE_ALSO", ())  # columns the access rules OR with the scope's
    columns = {model._meta.get_field(name).column for name in (field, *also)}
    scope = _only(queryset.query.where, columns)
    if scope is None:
        return queryset, queryset
    probe = model._base_manager.all()
    probe.query.where = scope
    held = probe.order_by().values("pk")[: COUNT_BOUND + 1].count()
    if held <= FEW:
        return queryset, queryset
    walking = queryset._chain()
    first = _column_of(model, keys[0].name)
    walking.query.where = _unindexed(walking.query.where, columns, first)
    if len(scope.children) == len(queryset.query.where.children):
        return walking, held  # nothing but the scope: the probe counted it
    return walking, walking if held > COUNT_BOUND else queryset


def _steered_across(queryset: QuerySet, keys: list[Key]):
    """``steered`` for a scope read on another table: ``pk IN (rows of the scope)`` (a scope
    through a to-many relation, a list's own subquery) or a column of the row a forward
    relation leads to (a supervision's hazard's path). SQLite reads the subquery, or the
    other table's index, first and sorts what it found; past ``FEW`` rows, and when an
    index of the model starts with the ordering's first key, the list is walked along that
    index instead, each row checked by ``EXISTS`` of its own row in the subquery, or through
    its relation with the other table's column made unindexable. The rows are counted once,
    to decide, and that count is the list's."""
    model, where = queryset.model, queryset.query.where
    if not _walkable(model, keys):
        return queryset, queryset
    term = _subquery_scope(where, model)
    column = None
    if term is None:
        field = getattr(model, "SCOPE_FIELD", None)
        if not field or "__" not in field or crosses_many(model, field):
            return queryset, queryset
        holder = model
        for part in field.split("__")[:-1]:
            holder = holder._meta.get_field(part).related_model
        column = holder._meta.get_field(field.rsplit("__", 1)[1]).column
        if not _touches(where, {column})[0]:
            return queryset, queryset
    held = queryset.order_by().values("pk")[: COUNT_BOUND + 1].count()
    if held <= FEW:
        return queryset, held
    walking = queryset._chain()
    if term is None:
        walking.query.where = _unindexed(where, {column}, None)
        return walking, held
    node = WhereNode(connector="AND")
    node.children = [child for child in where.children if child is not term]
    walking.query.where = node
    inner = model._base_manager.all()
    inner.query = term.rhs.clone()
    return walking.filter(Exists(inner.filter(pk=OuterRef("pk")))), held


def _walkable(model, keys: list[Key]) -> bool:
    """Whether an index can serve the ordering's first key (the primary key's, or one of
    the model's that starts with it)."""
    first = _column_of(model, keys[0].name)
    if first is None:
        return False
    if first == model._meta.pk.column:
        return True
    for index in model._meta.indexes:
        if index.fields and _column_of(model, index.fields[0].lstrip("-")) == first:
            return True
    return False


def _subquery_scope(where: WhereNode, model) -> Lookup | None:
    """The AND-ed term ``pk IN (a query of the same model)`` of ``where``, or None."""
    if where.connector != "AND" or where.negated:
        return None
    for child in where.children:
        if (
            isinstance(child, In)
            and isinstance(child.lhs, Col)
            and child.lhs.target.primary_key
            and child.lhs.target.model is model
            and isinstance(child.rhs, Query)
            and child.rhs.model is model
        ):
            return child
    return None


def crosses_many(model, field: str) -> bool:
    """Whether the way from ``model`` to ``field`` (``a__b__c``) crosses a to-many
    relation (one row of ``model``, several of ``field``'s)."""
    for part in field.split("__")[:-1]:
        relation = model._meta.get_field(part)
        if relation.one_to_many or relation.many_to_many:
            return True
        model = relation.related_model
    return False


def _touches(node, columns: set[str]) -> tuple[bool, bool]:
    """(whether a term of ``node`` is on one of ``columns``, whether every term is)."""
    if isinstance(node, WhereNode):
        found = [_touches(child, columns) for child in node.children]
        return any(a for a, _ in found), bool(found) and all(b for _, b in found)
    on = (
        isinstance(node, Lookup) and isinstance(node.lhs, Col) and node.lhs.target.column in columns
    )
    return on, on


def _only(where: WhereNode, columns: set[str]) -> WhereNode | None:
    """The AND-ed terms of ``where`` that are all on ``columns`` (the scope), or None."""
    if where.connector != "AND" or where.negated:
        return None
    kept = [child for child in where.children if _touches(child, columns)[1]]
    if not kept:
        return None
    node = WhereNode(connector="AND")
    node.children = kept
    return node


def _column_of(model, name: str) -> str | None:
    """The column of ``model``'s own field ``name``, or None (a related or computed key)."""
    if "__" in name:
        return None
    try:
        return model._meta.get_field(name).column
    except FieldDoesNotExist:  # an annotation
        return None


def _unindexed(node, columns: set[str], first: str | None):
    """``node`` with its terms on ``columns`` (the scope), and its terms of several values
    (``IN``: no index serves an ordering past them) that are not on the ordering's first
    column, made unindexable: the walk reads the ordering's index and filters by them."""
    if isinstance(node, WhereNode):
        copy = WhereNode(connector=node.connector, negated=node.negated)
        copy.children = [_unindexed(child, columns, first) for child in node.children]
        return copy
    if not (isinstance(node, Lookup) and isinstance(node.lhs, Col)):
        return node
    on = node.lhs.target.column
    if on in columns or (node.lookup_name == "in" and on != first):
        return type(node)(Unindexed(node.lhs, output_field=node.lhs.output_field), node.rhs)
    return node


def bounded_count(queryset: QuerySet) -> tuple[int, bool]:
    """The number of rows up to ``COUNT_BOUND``, and whether there are more."""
    n = queryset.order_by().values("pk")[: COUNT_BOUND + 1].count()
    return min(n, COUNT_BOUND), n > COUNT_BOUND


def _window_of_list(rows: list, where: str, limit: int, cursor: str | None) -> Window:
    start = 0
    if cursor:
        try:
            start = int(signing.Signer(salt=f"qianshao.keyset:{where}:list").unsign(cursor))
        except (signing.BadSignature, ValueError):
            raise BadCursor() from None
        if not 0 <= start <= len(rows):
            raise BadCursor()

    def token(position: int) -> str:
        return signing.Signer(salt=f"qianshao.keyset:{where}:list").sign(str(position))

    result = Window(rows[start : start + limit])
    if not cursor:
        result.count, result.count_capped = min(len(rows), COUNT_BOUND), len(rows) > COUNT_BOUND
    if start + limit < len(rows):
        result.next_cursor = token(start + limit)
    if start > 0:
        result.previous_cursor = token(max(0, start - limit))
    return result


def checked_limit(limit: int | None, default: int = PER_PAGE) -> int:
    if limit is None:
        return default
    if not 1 <= limit <= MAX_LIMIT:
        raise ActionError(_("每页条数（limit）应在 1 到 %(n)s 之间") % {"n": MAX_LIMIT}, "limit")
    return limit


def checked_offset(offset: int) -> int:
    if not 0 <= offset <= MAX_OFFSET:
        raise ActionError(
            _("offset 应在 0 到 %(n)s 之间；更深的页请用 cursor") % {"n": f"{MAX_OFFSET:,}"},
            "offset",
        )
    return offset


# --- the pages ----------------------------------------------------------------------------


class Page:
    """A page of rows for a template: iterate it; ``next_url``/``previous_url`` are the
    links to the pages on either side (the request's other parameters kept)."""

    def __init__(self, request, found: Window):
        self.first = not request.GET.get("cursor")
        self.object_list = found.rows
        self.count = found.count
        self.count_capped = found.count_capped
        self.next_url = _link(request, found.next_cursor)
        self.previous_url = _link(request, found.previous_cursor)

    def __iter__(self):
        return iter(self.object_list)

    def __len__(self):
        return len(self.object_list)

    def __bool__(self):
        return bool(self.object_list)

    @property
    def has_next(self) -> bool:
        return self.next_url is not None

    @property
    def has_previous(self) -> bool:
        return self.previous_url is not None

    @property
    def has_other_pages(self) -> bool:
        return self.has_next or self.has_previous


def _query(request, cursor: str, dropped: tuple[str, ...]) -> str:
    """The request's query with ``cursor`` in place of the paging parameters."""
    kept = [(k, v) for k, vs in request.GET.lists() if k not in dropped for v in vs]
    return urlencode([*kept, ("cursor", cursor)])


def _link(request, cursor: str | None) -> str | None:
    return None if cursor is None else "?" + _query(request, cursor, ("cursor", "page"))


def page(request, queryset, size: int, *, counted: bool = False) -> Page:
    """The page of ``queryset`` the request's ``cursor`` points at (the first without)."""
    cursor = request.GET.get("cursor") or None
    return Page(request, window(queryset, request.path, size, cursor, counted=counted))


# --- the API ------------------------------------------------------------------------------


class Pagination(PaginationBase):
    """Every API list: ``limit`` rows from ``cursor`` (follow ``next``), with a bounded
    count. ``offset`` (up to 10,000) remains for older clients; with it, no cursors."""

    class Input(Schema):
        limit: int | None = Field(
            None, description=f"rows per page, 1–{MAX_LIMIT} (default {PER_PAGE})"
        )
        cursor: str | None = Field(
            None, description="the position to go on from: take it from `next` or `previous`"
        )
        offset: int | None = Field(
            None,
            description=f"deprecated: rows to skip (at most {MAX_OFFSET:,}); use `cursor`",
        )

        # A refusal, not a ValueError: pydantic lets it through, and it is answered 400
        # naming the field before the list's view runs.
        @field_validator("limit")
        @classmethod
        def _limit(cls, value):
            return checked_limit(value)

        @field_validator("offset")
        @classmethod
        def _offset(cls, value):
            return value if value is None else checked_offset(value)

    class Output(Schema):
        items: list[Any]
        count: int | None = Field(
            ..., description=f"the rows in all, counted up to {COUNT_BOUND:,}; on the first page"
        )
        count_capped: bool | None = Field(
            ..., description=f"true when there are over {COUNT_BOUND:,}; on the first page"
        )
        next: str | None = Field(None, description="the next page's URL, or null at the end")
        previous: str | None = Field(None, description="the previous page's URL")

    items_attribute = "items"

    def paginate_queryset(self, queryset, pagination: Input, request, **params):
        limit = checked_limit(pagination.limit)
        if pagination.offset is not None:
            return self._by_offset(queryset, pagination, limit)
        found = window(queryset, request.path, limit, pagination.cursor)
        return {
            "items": found.rows,
            "count": found.count,
            "count_capped": found.count_capped,
            "next": _api_link(request, found.next_cursor),
            "previous": _api_link(request, found.previous_cursor),
        }

    @staticmethod
    def _by_offset(queryset, pagination, limit: int) -> dict:
        offset = checked_offset(pagination.offset)
        if pagination.cursor:
            raise ActionError(_("cursor 与 offset 不能同时使用"), "offset")
        if isinstance(queryset, QuerySet):
            queryset = ordered(*prepared(queryset))
            count, capped = bounded_count(queryset)
        else:
            queryset = list(queryset)
            count, capped = min(len(queryset), COUNT_BOUND), len(queryset) > COUNT_BOUND
        return {
            "items": list(queryset[offset : offset + limit]),
            "count": count,
            "count_capped": capped,
            "next": None,
            "previous": None,
        }


def _api_link(request, cursor: str | None) -> str | None:
    if cursor is None:
        return None
    query = _query(request, cursor, ("cursor", "offset"))
    return f"{request.build_absolute_uri(request.path)}?{query}"
