"""What each area contributes to the pages that show everything at once (the home pages
and the navigation now; the map to come): areas register a ``Panel`` in their
``panels.py``, and ``web`` reads the registry, importing nothing else of the areas.
``web``'s app config imports every installed app's ``panels`` module at start."""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


def _everyone(user) -> bool:
    return True


@dataclass(frozen=True)
class NavEntry:
    """A link in the top bar: shown to whom ``shown(user)`` says, at place ``order``, lit
    on the pages named in ``names`` or whose URL name starts with ``prefix``."""

    label: str
    url_name: str
    order: int
    names: frozenset[str] = frozenset()
    prefix: str = ""
    shown: Callable[[Any], bool] = _everyone

    def lit(self, url_name: str | None) -> bool:
        name = url_name or ""
        return name in self.names or bool(self.prefix and name.startswith(self.prefix))


@dataclass(frozen=True)
class Panel:
    """One area's contribution. ``home(user, cell)`` returns the context its parts of the
    home page read (the user's cell, or the top of an administrator's scope); ``nav`` its
    links in the top bar."""

    area: str
    home: Callable[[Any, Any], dict] = field(default=lambda user, cell: {})
    nav: tuple[NavEntry, ...] = ()


_registry: dict[str, Panel] = {}


def register(panel: Panel) -> Panel:
    """Register ``panel`` (again on a reload: one per area)."""
    _registry[panel.area] = panel
    return panel


def registered() -> list[Panel]:
    """Every registered panel, in the order the areas were installed."""
    return list(_registry.values())
