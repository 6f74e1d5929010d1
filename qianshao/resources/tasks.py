"""The resources area's periodic tasks (found by Huey's autodiscovery), one module per part."""

from qianshao.resources import tasks_forces, tasks_kits, tasks_shelters, tasks_supplies  # noqa: F401
