"""Finding people in the user's scope: by name or phone (the grid search), and the contact
book (通讯录) of a part of the grid, with the dispatchers above it whom its people call.

Both read active posts (``RoleAssignment``) through ``grid.access.visible_assignments``, so
a person is found only through a post in a cell of the user's scope. A name matches when it
contains the query; a phone when it starts with the query's digits (a whole number is a
prefix too). The lookups walk indexes: the scope is a range on the cell path (ADR 2), a
phone prefix a range on the unique phone's index (``phone_prefix_q``), and the people are
read in name order (``person_name``) up to the limit; a name's middle (a given name) cannot
be served by a B-tree, so that match is checked on the scope's posts as they are walked.
"""

import re

from django.db.models import Q

from qianshao.grid import tree
from qianshao.grid.access import visible_assignments
from qianshao.grid.models import Cell, Role, RoleAssignment, active_on
from qianshao.grid.scope import scope_of

SEARCH_LIMIT = 50
# a phone query: digits, with the spaces and dashes people type between them
_PHONE_RE = re.compile(r"^[\d\s-]{3,}$")


def phone_digits(q: str) -> str:
    """The digits of ``q`` when it reads as (part of) a phone number, else ''."""
    return re.sub(r"\D", "", q) if _PHONE_RE.match(q) else ""


def phone_prefix_q(digits: str, field: str = "person__phone") -> Q:
    """Phones starting with ``digits`` as a range on the phone (``digits`` ≤ phone <
    ``digits`` with its last digit raised): the unique index on the phone serves it on every
    database, where ``LIKE 'digits%'`` would need a pattern index on PostgreSQL and a
    case-sensitive LIKE on SQLite. Phones are digits only, so the range is the prefix."""
    if len(digits) > 11:
        return Q(pk__in=[])
    stripped = digits.rstrip("9")
    if not stripped:  # 9, 99, …: no phone starts so (13–19), but keep the range honest
        return Q(**{f"{field}__gte": digits})
    high = stripped[:-1] + str(int(stripped[-1]) + 1)
    return Q(**{f"{field}__gte": digits, f"{field}__lt": high})


def find_people(user, q: str, limit: int = SEARCH_LIMIT) -> list[dict]:
    """The people of the user's scope whose name contains ``q`` or whose phone starts with
    its digits: one row per person with their posts in scope, at most ``limit``."""
    q = (q or "").strip()
    if not q:
        return []
    digits = phone_digits(q)
    match = phone_prefix_q(digits) if digits else Q(person__name__contains=q)
    posts = (
        visible_assignments(user)
        .active()
        .filter(match)
        .order_by("person__name", "person_id", "cell__path", "id")
    )
    people: dict[int, dict] = {}
    # a person holds few posts: read a little more than ``limit`` people's worth
    for post in posts[: limit * 4]:
        row = people.get(post.person_id)
        if row is None:
            if len(people) == limit:
                break
            row = people[post.person_id] = {"person": post.person, "posts": []}
        row["posts"].append(post)
    return list(people.values())


def contact_posts(user, cell: Cell | None = None):
    """The active posts of the user's scope (of ``cell``'s subtree when given, a cell the
    caller got through ``access_cell``), in cell order (by path), then by rank."""
    posts = visible_assignments(user).active()
    if cell is not None:
        posts = posts.filter(tree.subtree_q(cell.path, "cell__path"))
    return posts.by_rank().order_by("cell__path", "rank", "person__name", "id")


def dispatchers_above(user) -> list[RoleAssignment]:
    """The dispatchers (调度员) of the cells above the user's scope — those the user's
    people call: for a village member their township's (and the county's), for a township
    the county's. Cells' own dispatchers, not departments'; empty for the whole tree."""
    scope = scope_of(user)
    if scope.everything or not scope.paths:
        return []
    above = sorted({a for p in scope.paths for a in tree.ancestor_paths(p)} - set(scope.paths))
    above = [path for path in above if not scope.covers(path)]
    if not above:
        return []
    posts = RoleAssignment.objects.filter(
        active_on(), cell__path__in=above, role=Role.DISPATCHER, department__isnull=True
    ).select_related("person", "cell")
    # nearest cell first (the longest path), then by name
    return sorted(posts, key=lambda a: (-len(a.cell.path), a.person.name, a.pk))
