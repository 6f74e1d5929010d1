"""What each area contributes to the pages that show everything at once (the home pages,
the navigation, the map's layers, the inbox's kinds): areas register a ``Panel`` in their
``panels.py``, and ``web`` and ``notify`` read the registry, importing nothing of the areas.
``web``'s app config imports every installed app's ``panels`` module at start."""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext_lazy as _

from qianshao.lib.geojson import collection


def _everyone(user) -> bool:
    return True


@dataclass(frozen=True)
class PhoneTab:
    """Where a ``NavEntry`` sits in the phone's bottom tab bar: at place ``order``, under
    ``label`` and leading to ``url_name`` — a grid member's own page of the area, such as
    上报 for 隐患 — for the users ``mine(user)`` names; the others get the entry's own label
    and page there."""

    order: int
    label: str = ""
    url_name: str = ""
    mine: Callable[[Any], bool] = _everyone


@dataclass(frozen=True)
class NavEntry:
    """A link in the top bar: shown to whom ``shown(user)`` says — only those who may open
    it — at place ``order``, lit on the pages named in ``names`` or whose URL name starts
    with ``prefix``; on a phone a tab of the bottom bar when ``phone`` places it there, else
    under 更多."""

    label: str
    url_name: str
    order: int
    names: frozenset[str] = frozenset()
    prefix: str = ""
    shown: Callable[[Any], bool] = _everyone
    phone: PhoneTab | None = None

    def lit(self, url_name: str | None) -> bool:
        name = url_name or ""
        return name in self.names or bool(self.prefix and name.startswith(self.prefix))


class Features(list):
    """What a layer's ``features`` gives: the GeoJSON features (a list), and whether the
    layer drew only the first ``limit`` records of more (``truncated``)."""

    def __init__(self, features=(), *, limit: int | None = None, truncated: bool = False):
        super().__init__(features)
        self.limit = limit
        self.truncated = truncated


def first(rows, limit: int) -> tuple[list, bool]:
    """The first ``limit`` of ``rows`` (a query is read with ``limit + 1``, no count) and
    whether there were more."""
    found = list(rows[: limit + 1])
    return found[:limit], len(found) > limit


@dataclass(frozen=True)
class MapLayer:
    """A named layer of the map: ``features(user, cell)`` gives the GeoJSON features of
    what ``user`` may see in ``cell``'s subtree (a list, or ``Features`` saying it was cut at
    its limit); shown to whom ``shown(user)`` says. ``name`` is a slug, ``area.what``."""

    name: str
    label: str
    features: Callable[[Any, Any], list[dict]]
    shown: Callable[[Any], bool] = _everyone

    def collection(self, user, cell, about: dict | None = None) -> dict:
        """The layer for ``cell`` as a FeatureCollection whose ``properties`` name the
        layer, say whether it was cut (and at how many records) and add ``about``."""
        found = self.features(user, cell)
        properties = {"layer": self.name, "label": str(self.label)}
        properties["truncated"] = bool(getattr(found, "truncated", False))
        if getattr(found, "limit", None) is not None:
            properties["limit"] = found.limit
        return collection(list(found), properties | (about or {}))


@dataclass(frozen=True)
class InboxKind:
    """A category of the in-app inbox (预警叫应, 隐患, 督办/催办 …): ``name`` is its slug
    (``/inbox/?kind=``), ``order`` its place among the tabs."""

    name: str
    label: str
    order: int


# The chases of every area (a hazard's 督办, a warning's 未叫应, a zero report's 未报) share
# one kind; an event no area maps is the platform's own.
CHASE = InboxKind("chase", _("督办/催办"), 30)
SYSTEM = InboxKind("system", _("系统"), 90)


@dataclass(frozen=True)
class CardRisk:
    """A risk the grid card (明白卡) lists for a cell: its name, its grade (``red``,
    ``orange``, ``yellow``, ``blue``: the colour) and the grade's label, and the page it
    opens for the user (empty when none, as on the public page)."""

    name: str
    grade: str
    label: str
    url: str = ""


@dataclass(frozen=True)
class DutyLine:
    """Who is on duty now at a level that watches a cell (its township, its county …), as
    the home pages and the grid card show it (今日值班): the level's name, the shift's end,
    the leader on duty and the A and B posts with their phones, whether the shift confirmed
    it is on duty, and the level's duty desk (empty when the user may not open it)."""

    cell: str
    until: Any
    leader: str = ""
    leader_phone: str = ""
    a: str = ""
    a_phone: str = ""
    b: str = ""
    b_phone: str = ""
    confirmed: bool = False
    url: str = ""


@dataclass(frozen=True)
class Follow:
    """What follows from another area's record (``ref``): a record of a later area opened
    from it (an incident from a hazard), or the link that opens one (``action``)."""

    label: str
    url: str
    action: bool = False


@dataclass(frozen=True)
class Panel:
    """One area's contribution. ``home(user, cell)`` returns the context its parts of the
    home page read (the user's cell, or the top of an administrator's scope); ``nav`` its
    links in the top bar; ``layers`` its layers of the map; ``inbox`` the kind of the
    messages it writes: (event prefix, kind) pairs, a prefix naming an event or the events
    under it (``warnings`` holds ``warnings.issue``), the longest prefix deciding;
    ``figures`` the numbers it keeps per cell path that another area's page shows beside
    its own (``{name: fn(paths) -> {path: n}}``, read through ``figure``); ``cell_card``
    the risks a cell's grid card lists (``fn(user, cell) -> [CardRisk]``, the user anonymous
    on the public page; read through ``card_risks``); ``on_duty`` who is on duty now over a
    cell (``fn(user, cell) -> [DutyLine]``, nearest level first; read through ``on_duty``);
    ``follows`` what follows from another area's record, its reference given
    (``fn(user, ref) -> [Follow]``: the records opened from it and the links that open one;
    read through ``following``) — so an earlier area's page links to a later one's records
    without importing it."""

    area: str
    home: Callable[[Any, Any], dict] = field(default=lambda user, cell: {})
    nav: tuple[NavEntry, ...] = ()
    layers: tuple[MapLayer, ...] = ()
    inbox: tuple[tuple[str, InboxKind], ...] = ()
    figures: dict[str, Callable[[list[str]], dict[str, int]]] = field(default_factory=dict)
    cell_card: Callable[[Any, Any], list[CardRisk]] | None = None
    on_duty: Callable[[Any, Any], list[DutyLine]] | None = None
    follows: Callable[[Any, str], list[Follow]] | None = None


_registry: dict[str, Panel] = {}


def register(panel: Panel) -> Panel:
    """Register ``panel`` (again on a reload: one per area)."""
    _registry[panel.area] = panel
    return panel


def registered() -> list[Panel]:
    """Every registered panel, in the order the areas were installed."""
    return list(_registry.values())


def layers_for(user) -> list[MapLayer]:
    """The map layers ``user`` may see, in the order of the areas and of each one's."""
    return [layer for panel in registered() for layer in panel.layers if layer.shown(user)]


def layer(name: str) -> MapLayer | None:
    """The layer called ``name`` (None when no area registered one)."""
    for panel in registered():
        for found in panel.layers:
            if found.name == name:
                return found
    return None


def figure(name: str, paths: list[str]) -> dict[str, int] | None:
    """The figure ``name`` for each of ``paths`` as the areas that keep it give it (summed
    when several do; a path they have nothing for is 0), or None when no area keeps it —
    so that a page shows the column only where the figure exists."""
    found = None
    for panel in registered():
        fn = panel.figures.get(name)
        if fn is None:
            continue
        found = found if found is not None else dict.fromkeys(paths, 0)
        for path, n in fn(paths).items():
            if path in found:
                found[path] += n
    return found


def card_risks(user, cell) -> list[CardRisk] | None:
    """The risks the areas list on ``cell``'s grid card, or None when no area provides
    them (the card then shows the cell's own text, ``Cell.risk_list``)."""
    found = None
    for panel in registered():
        if panel.cell_card is not None:
            found = (found or []) + list(panel.cell_card(user, cell))
    return found


def on_duty(user, cell) -> list[DutyLine]:
    """Who is on duty now over ``cell``, as the areas that keep rosters give it."""
    found: list[DutyLine] = []
    for panel in registered():
        if panel.on_duty is not None:
            found += list(panel.on_duty(user, cell))
    return found


def following(user, ref: str) -> list[Follow]:
    """What the areas say follows from the record ``ref`` ("<kind>:<key>"), for ``user``."""
    found: list[Follow] = []
    for panel in registered():
        if panel.follows is not None:
            found += list(panel.follows(user, ref))
    return found


def inbox_prefixes() -> dict[str, InboxKind]:
    """Every event prefix an area maps, and its kind."""
    return {prefix: kind for panel in registered() for prefix, kind in panel.inbox}


def inbox_kinds() -> list[InboxKind]:
    """The inbox's kinds in their order, each once, 系统 last."""
    kinds = {kind.name: kind for kind in inbox_prefixes().values()}
    return sorted([*kinds.values(), SYSTEM], key=lambda kind: kind.order)


def under(event: str, prefix: str) -> bool:
    """Whether ``prefix`` names ``event`` or an event family holding it."""
    return event == prefix or event.startswith(prefix + ".")


def kind_of(event: str) -> InboxKind:
    """The kind of a message of ``event``: that of the longest prefix mapping it."""
    found = [(p, kind) for p, kind in inbox_prefixes().items() if under(event, p)]
    return max(found, key=lambda pair: len(pair[0]))[1] if found else SYSTEM


# --- origins: a record of another area a hazard (or any record) was reported from ------------

# An origin reference is "<kind>:<key>" ("risks.point:12"). The area that owns the kind
# registers a resolver: (user, key, **extra) -> a dict, or None when the record is missing
# or not the user's to see. The dict holds ``label`` and ``url`` (the link back) and, for a
# report form to be prefilled, as they apply: ``cell`` (a cell code), ``lon``, ``lat``,
# ``address``, ``title``, ``description``, ``photos`` (stored files: ``.name``, ``.open()``)
# and ``on_reported`` (a callable given the new record's id, run in its transaction).
Origin = Callable[..., dict | None]
_origins: dict[str, Origin] = {}


def register_origin(kind: str, resolver: Origin) -> Origin:
    """Register the resolver of ``kind`` (again on a reload: one per kind)."""
    _origins[kind] = resolver
    return resolver


def origin(user, ref: str | None, **extra) -> dict | None:
    """What ``ref`` ("<kind>:<key>") refers to as ``user`` may see it, or None (no such
    kind, a malformed reference, a record missing or not theirs)."""
    kind, sep, key = (ref or "").partition(":")
    resolver = _origins.get(kind)
    if not sep or not key or resolver is None:
        return None
    return resolver(user, key, **extra)
