"""Materialised paths of the grid tree.

A cell's path is its ancestors' codes and its own, each followed by a dot:
``451027.451027100.451027100201.``. Codes hold only digits, capital letters and
underscores, all of which sort after ``/``; so the subtree of a cell is the half-open
range ``[path, path[:-1] + "/")`` — one indexed range scan on every database (no LIKE,
whose index use differs between SQLite and PostgreSQL). See docs/adr/0002.
"""

import re

from django.db.models import Q

CODE_RE = re.compile(r"^[0-9A-Z_]{1,20}$")
SEPARATOR = "."
_AFTER_SEPARATOR = chr(ord(SEPARATOR) + 1)


def is_valid_code(code: str) -> bool:
    if code.isdigit() and code.isascii():  # most codes: no pattern needed
        return 0 < len(code) <= 20
    return bool(CODE_RE.fullmatch(code))  # fullmatch: "$" would let a trailing newline in


def child_path(parent_path: str, code: str) -> str:
    return f"{parent_path}{code}{SEPARATOR}"


def subtree_bounds(path: str) -> tuple[str, str]:
    return path, path[:-1] + _AFTER_SEPARATOR


def subtree_q(path: str, field: str = "path") -> Q:
    low, high = subtree_bounds(path)
    return Q(**{f"{field}__gte": low, f"{field}__lt": high})


def codes_of(path: str) -> list[str]:
    return [code for code in path.split(SEPARATOR) if code]


def ancestor_paths(path: str) -> list[str]:
    """Paths of the ancestors of ``path``, root first, without ``path`` itself."""
    codes = codes_of(path)
    return [SEPARATOR.join(codes[:i]) + SEPARATOR for i in range(1, len(codes))]


def parent_path(path: str) -> str:
    """The path of ``path``'s parent ("" for a root)."""
    return path[: path.rfind(SEPARATOR, 0, len(path) - 1) + 1]


def lineage(path: str) -> list[str]:
    """``path`` and the paths of its ancestors, root first."""
    return [*ancestor_paths(path), path]


def is_within(path: str, root: str) -> bool:
    return path.startswith(root)


def outermost(paths) -> list[str]:
    """Drop every path that lies inside another one of ``paths``."""
    kept: list[str] = []
    for path in sorted(set(paths)):
        if not kept or not path.startswith(kept[-1]):
            kept.append(path)
    return kept
