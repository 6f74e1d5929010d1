"""Fixtures of the web tests; the browser fixtures come from qianshao.testing_browser."""

from importlib import import_module

import pytest

from qianshao.testing_browser import CHROMIUM, CHROMIUM_ARGS, PHONE, TIMEOUT_MS  # noqa: F401


@pytest.fixture
def demo(transactional_db):
    """The demo county (凌云县), built through the real actions in the test's database.

    A transactional test ends by flushing the database, which also removes the rows data
    migrations seed (the hazard domains the demo's departments supervise); put them back.
    """
    from django.apps import apps

    from qianshao import demo

    import_module("qianshao.grid.migrations.0002_domains").seed(apps, None)
    demo.build_grid()
    return demo
