"""What each area contributes to the pages that show everything at once (the home pages
now; the map and the navigation to come): areas register a ``Panel`` in their
``panels.py``, and ``web`` reads the registry, importing nothing else of the areas.
``web``'s app config imports every installed app's ``panels`` module at start."""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Panel:
    """One area's contribution. ``home(user, cell)`` returns the context its parts of the
    home page read (the user's cell, or the top of an administrator's scope)."""

    area: str
    home: Callable[[Any, Any], dict] = field(default=lambda user, cell: {})


_registry: dict[str, Panel] = {}


def register(panel: Panel) -> Panel:
    """Register ``panel`` (again on a reload: one per area)."""
    _registry[panel.area] = panel
    return panel


def registered() -> list[Panel]:
    """Every registered panel, in the order the areas were installed."""
    return list(_registry.values())
