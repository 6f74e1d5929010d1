"""A user's posts: the role assignments in their term today, read once per user object (one
request) and kept in one attribute, and the named questions asked of them — by scope, by
who may change the grid, and by the permissions of hazards, warnings and disasters."""

from django.contrib.auth import get_user_model
from django.db import connection

from qianshao.grid import tree
from qianshao.grid.models import (
    FIELD_KINDS,
    MANAGING_ROLES,
    Cell,
    Department,
    Person,
    RoleAssignment,
    active_on_sql,
)
from qianshao.lib.dbsql import Columns, own, read_joined

# the order of a user's posts for their home page: dispatchers before heads, and so on
ROLE_WEIGHT = {"dispatcher": 0, "head": 1, "deputy": 2, "manager": 3, "member": 4, "informant": 5}

_login = Person._meta.get_field("user").remote_field


def posts_of(user) -> list[RoleAssignment]:
    """The user's active posts with their cell, department and person: one query, kept on
    the user object, which the same read gives its ``person``."""
    if not getattr(user, "is_authenticated", False):
        return []
    kept = getattr(user, "_qianshao_posts", None)
    if kept is None:
        kept = _read_posts(user.pk)
        if kept and not _login.is_cached(user):
            _login.set_cached_value(user, kept[0].person)
        user._qianshao_posts = kept
    return kept


# A cell's boundary is left out: a county's GeoJSON is tens or hundreds of kilobytes, which
# every request of its people would decode; the map that draws it reads it when it does.
_POST, _CELL = Columns(RoleAssignment, "a"), Columns(Cell, "c", defer=("boundary",))
_DEPARTMENT, _PERSON = Columns(Department, "d"), Columns(Person, "p")
_JOINED = [_POST, _CELL, _DEPARTMENT, _PERSON]
_RELATED = [RoleAssignment._meta.get_field(f) for f in ("cell", "department", "person")]


def _read_posts(user_id: int) -> list[RoleAssignment]:
    """``RoleAssignment.objects.active().filter(person__user=user_id).select_related("cell",
    "department", "person").defer("cell__boundary")``, in its order, as one hand-written
    statement: it runs on every request, and the ORM took longer to compile it than the
    database to answer it. Its text is put together once per kind of database."""
    db = own(connection)  # not the proxy: each of its attributes is a thread-local look-up
    sql = _POSTS_SQL.get(db.vendor)
    if sql is None:
        quote = db.ops.quote_name

        def table(model) -> str:
            return quote(model._meta.db_table)

        sql = (
            f"SELECT {', '.join(part.sql(db) for part in _JOINED)} "
            f"FROM {table(RoleAssignment)} a "
            f"JOIN {table(Person)} p ON p.id = a.person_id "
            f"JOIN {table(Cell)} c ON c.id = a.cell_id "
            f"LEFT JOIN {table(Department)} d ON d.id = a.department_id "
            f"WHERE p.user_id = %s AND {active_on_sql(db, 'a')[0]} "
            "ORDER BY c.path, a.role, a.id"
        )
        _POSTS_SQL[db.vendor] = sql
    posts = []
    for post, *related in read_joined(db, sql, [user_id, *active_on_sql(db, "a")[1]], _JOINED):
        for field, value in zip(_RELATED, related, strict=True):
            field.set_cached_value(post, value)
        posts.append(post)
    return posts


_POSTS_SQL: dict[str, str] = {}  # _read_posts's statement, by the database's vendor


def cell_posts(user) -> list[RoleAssignment]:
    """The user's posts that are not a department's."""
    return [post for post in posts_of(user) if post.department_id is None]


def managing_posts(user) -> list[RoleAssignment]:
    """The user's posts of a managing role (网格长, 副网格长, 调度员, 网格管理员), not a
    department's."""
    return [post for post in cell_posts(user) if post.role in MANAGING_ROLES]


def overseeing_posts(user) -> list[RoleAssignment]:
    """The user's managing posts at a township, park, county or above — not at a village,
    community, enterprise or group: those that triage hazards, issue warnings and verify
    disasters."""
    return [post for post in managing_posts(user) if post.cell.kind not in FIELD_KINDS]


def overseers_of(path: str):
    """The active users holding an overseeing post (as ``overseeing_posts`` reads one) at
    the cell of ``path`` or above it: one query, by user id."""
    posts = (
        RoleAssignment.objects.active()
        .filter(
            cell__path__in=tree.lineage(path),
            role__in=MANAGING_ROLES,
            department=None,
            person__user__is_active=True,
        )
        .exclude(cell__kind__in=FIELD_KINDS)
    )
    return get_user_model().objects.filter(person__in=posts.values("person")).order_by("pk")


def works_above_field(user) -> bool:
    """Does the user work above the field: a post at a township, park, county or above, or a
    department's, or administering everything? They use the overviews (督办, 统计, the API);
    the people of a village, community or enterprise work from the phone pages."""
    if user.is_superuser:
        return True
    return any(post.department_id or post.cell.kind not in FIELD_KINDS for post in posts_of(user))


def managing_cells(user) -> list[str]:
    """The paths of the cells of the user's managing posts, none inside another."""
    return tree.outermost(post.cell.path for post in managing_posts(user))


def manages(user, path: str) -> bool:
    """Does ``user`` hold a managing post (not a department's) at the cell of ``path`` or
    above it — or administer everything? The areas' rule for changing what a cell keeps."""
    return user.is_superuser or any(
        tree.is_within(path, post.cell.path) for post in managing_posts(user)
    )


def post_cells(user) -> list[str]:
    """The paths of the cells of all the user's posts, none inside another."""
    return tree.outermost(post.cell.path for post in posts_of(user))


def department_ids(user) -> set[int]:
    """The departments the user holds a post in."""
    return {post.department_id for post in posts_of(user) if post.department_id}


def holds_post_in(user, cell_id: int | None) -> bool:
    """Does the user hold any post (a department's included) in the cell?"""
    return cell_id is not None and any(post.cell_id == cell_id for post in posts_of(user))


def primary_post(user) -> RoleAssignment | None:
    """The user's highest post (top level first, dispatchers before others): their home."""
    return min(
        posts_of(user),
        key=lambda a: (a.cell.level, ROLE_WEIGHT.get(a.role, 9), a.pk),
        default=None,
    )


def people_labels(user_ids, *, known=()) -> dict[int, str]:
    """How a timeline names each user of ``user_ids``: the person and their highest post
    today ("莫宏金（泗城镇 镇洪村 网格员）"), one query for them all; a user without a
    current post is named by the person alone, and one without a person is left out.
    ``known``: user objects whose posts are read already (the request's own user)."""
    ids = {pk for pk in user_ids if pk is not None}
    labels = {}
    for user in known:
        if user.pk in ids and getattr(user, "_qianshao_posts", None):
            labels[user.pk] = _label(user._qianshao_posts)
            ids.discard(user.pk)
    if not ids:
        return labels
    found: dict[int, list[RoleAssignment]] = {}
    posts = RoleAssignment.objects.active().filter(person__user_id__in=ids)
    for post in posts.select_related("cell", "department", "person"):
        found.setdefault(post.person.user_id, []).append(post)
    for user_id, held in found.items():
        labels[user_id] = _label(held)
    for user_id, name in Person.objects.filter(user_id__in=ids - set(found)).values_list(
        "user_id", "name"
    ):
        labels[user_id] = name
    return labels


def _label(held: list[RoleAssignment]) -> str:
    post = min(held, key=lambda a: (a.cell.level, ROLE_WEIGHT.get(a.role, 9), a.pk))
    where = post.department.name if post.department_id else post.cell.name
    return f"{post.person.name}（{where} {post.get_role_display()}）"
