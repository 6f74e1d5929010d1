"""Benchmarks, registered by name for `qianshao bench <name>`."""


def _import(stdout, **options):
    from qianshao.bench.imports import run

    run(stdout, **options)


def _hazards(stdout, **options):
    from qianshao.bench.hazards import run

    run(stdout, **options)


def _http(stdout, **options):
    from qianshao.bench.http import run

    run(stdout, **options)


def _warnings(stdout, **options):
    from qianshao.bench.warnings import run

    run(stdout, **options)


def _zero_reports(stdout, **options):
    from qianshao.bench.zero_reports import run

    run(stdout, **options)


def _supplies(stdout, **options):
    from qianshao.bench.supplies import run

    run(stdout, **options)


def _resources(stdout, **options):
    from qianshao.bench.resources import run

    run(stdout, **options)


def _risks(stdout, **options):
    from qianshao.bench.risks import run

    run(stdout, **options)


def _incidents(stdout, **options):
    from qianshao.bench.incidents import run

    run(stdout, **options)


def _lists(stdout, **options):
    from qianshao.bench.lists import run

    run(stdout, **options)


BENCHES = {
    "import": _import,
    "hazards": _hazards,
    "http": _http,
    "warnings": _warnings,
    "zero-reports": _zero_reports,
    "supplies": _supplies,
    "resources": _resources,
    "risks": _risks,
    "incidents": _incidents,
    "lists": _lists,
}
