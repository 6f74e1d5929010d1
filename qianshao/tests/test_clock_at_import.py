"""No clock is read when a module is imported or a test collected, only when code runs.

A parametrized case built from ``timezone.localdate() + timedelta(days=1)`` holds the
date of collection: a suite collected before midnight in Asia/Shanghai and run after it
asked about "tomorrow" with today's date and saw it accepted. Cases that need a time
relative to now give a callable, read when the test runs. The same holds for the
project's modules: a constant taken from the clock at import is stale in a process that
runs for months.
"""

import ast
from pathlib import Path

import qianshao

CLOCK = {"now", "localdate", "localtime", "today", "utcnow"}
# Reads at import that mean "when this process started", on purpose.
ALLOWED = {("notify/jobs.py", "STARTED")}
ROOT = Path(qianshao.__file__).parent


def _reads_at_import(tree: ast.AST) -> list[tuple[int, str, str]]:
    """(line, call, assigned name) of each clock call evaluated outside a function body:
    module and class level, decorators (``parametrize``) and argument defaults."""
    found = []

    def visit(node: ast.AST, target: str) -> None:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            for outer in [*node.decorator_list, *node.args.defaults, *node.args.kw_defaults]:
                if outer is not None:
                    visit(outer, target)
            return  # the body runs later
        if isinstance(node, ast.Lambda):
            return  # so does a lambda's
        if isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            target = ",".join(ast.unparse(t) for t in targets)
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name in CLOCK:
                found.append((node.lineno, ast.unparse(node), target))
        for child in ast.iter_child_nodes(node):
            visit(child, target)

    visit(tree, "")
    return found


def test_the_check_finds_a_date_taken_at_collection():
    source = """
import pytest
from django.utils import timezone
X = 1

@pytest.mark.parametrize("day", [timezone.localdate()])
def test_one(day, when=timezone.now()):
    later = timezone.now()  # fine: read when the test runs
    lazy = lambda: timezone.localdate()  # fine too

WHEN = timezone.now()
"""
    found = _reads_at_import(ast.parse(source))
    assert [(line, target) for line, _, target in found] == [(6, ""), (7, ""), (11, "WHEN")]


def test_no_module_reads_the_clock_when_imported_or_collected():
    found = []
    for path in sorted(ROOT.rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        for line, call, target in _reads_at_import(ast.parse(path.read_text(encoding="utf-8"))):
            if (relative, target) not in ALLOWED:
                found.append(f"{relative}:{line}: {call}")
    assert found == []
