"""The inbox's kinds (预警叫应, 隐患, 督办/催办 …): each item's kind follows from its event
by the mappings the areas declare in their panels (``lib.panels``). Here: a kind named in a
request, the items of a kind as a filter, and the unread of each kind in one grouped query."""

from django.db.models import Count, Q
from django.utils.translation import gettext as _

from qianshao.lib import panels
from qianshao.lib.errors import ActionError
from qianshao.lib.panels import InboxKind


def parse(name: str | None) -> InboxKind | None:
    """The kind ``?kind=`` names (None for all); ActionError naming ``kind`` when unknown."""
    if not name:
        return None
    for kind in panels.inbox_kinds():
        if kind.name == name:
            return kind
    raise ActionError(_("未知的消息类别：%(k)s") % {"k": name[:40]}, "kind")


def _under(prefix: str) -> Q:
    return Q(event=prefix) | Q(event__startswith=prefix + ".")


def _any(prefixes: list[str]) -> Q:
    found = Q(pk__in=[])
    for prefix in prefixes:
        found |= _under(prefix)
    return found


def of_kind(kind: InboxKind) -> Q:
    """The items of ``kind``: under a prefix mapped to it and under no longer prefix mapped
    to another kind (the longest prefix decides, as ``panels.kind_of`` does)."""
    prefixes = panels.inbox_prefixes()
    if kind == panels.SYSTEM:
        return ~_any(list(prefixes))
    found = Q(pk__in=[])
    for prefix, owner in prefixes.items():
        if owner != kind:
            continue
        taken = [p for p, k in prefixes.items() if k != kind and panels.under(p, prefix)]
        found |= _under(prefix) & ~_any(taken)
    return found


def unread_counts(items) -> dict[str, int]:
    """How many of ``items`` (a user's inbox) are unread, by kind name: one query grouped
    by event over the unread rows (the index on user, read_at, event answers it)."""
    counts: dict[str, int] = {}
    rows = items.filter(read_at__isnull=True).values_list("event").annotate(n=Count("pk"))
    for event, n in rows.order_by():
        name = panels.kind_of(event).name
        counts[name] = counts.get(name, 0) + n
    return counts
