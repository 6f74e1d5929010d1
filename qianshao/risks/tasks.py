"""The risks area's periodic tasks (found by Huey's autodiscovery), one module per part."""

from qianshao.risks import tasks_patrols, tasks_points  # noqa: F401
