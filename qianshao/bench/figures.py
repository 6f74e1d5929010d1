"""The figures a bench measured, by name, for ``--json FILE``: each bench records what it
prints, and the command writes ``{"bench", "database", "figures"}`` when it is done."""

import json
from pathlib import Path

from django.db import connection

_recorded: dict[str, float | bool] = {}
_named: list[str] = []


def name(bench: str) -> None:
    """The bench's name in the JSON, when a variant has its own (``http-json``)."""
    _named[:] = [bench]


def record(name: str, value: float | bool) -> None:
    _recorded[name] = value


def write(path: Path, bench: str) -> None:
    bench = _named[0] if _named else bench
    document = {"bench": bench, "database": connection.vendor, "figures": dict(_recorded)}
    path.write_text(json.dumps(document, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
