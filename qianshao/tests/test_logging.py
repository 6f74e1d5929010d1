"""What the log says about a request: a 4xx once (its request line has it, so Django adds
nothing: qianshao/tests/test_request_log.py), a 5xx with its traceback; the worker quiet
unless something fails."""

import logging

import pytest
from django.test import Client, override_settings
from django.urls import path

from qianshao import urls as project_urls


def _boom(request):
    raise RuntimeError("boom")


urlpatterns = [path("boom/", _boom), *project_urls.urlpatterns]


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/no-such-page/", "/hazards/"])
def test_a_refused_or_missing_page_adds_nothing_to_the_log(client, caplog, cast, url):
    client.force_login(cast.users["outsider"])
    with caplog.at_level(logging.DEBUG):
        answer = client.get(url if url != "/hazards/" else "/hazards/999999999/")
    assert answer.status_code == 404
    assert [r for r in caplog.records if r.name.startswith("django.request")] == []


@pytest.mark.django_db
@override_settings(ROOT_URLCONF=__name__)
def test_a_server_error_is_logged_once_with_its_traceback(caplog, cast):
    browser = Client(raise_request_exception=False)
    browser.force_login(cast.users["county"])
    with caplog.at_level(logging.DEBUG):
        answer = browser.get("/boom/")
    assert answer.status_code == 500
    [record] = [r for r in caplog.records if r.name == "django.request"]
    assert record.levelno == logging.ERROR and record.exc_info is not None


def test_the_worker_logs_failures_not_each_task():
    assert logging.getLogger("huey").getEffectiveLevel() == logging.WARNING
