"""The lockout counts failures per account, whatever spelling of it was typed, and per address."""

import pytest
from django.conf import settings
from django.test import Client

from qianshao.testing import PASSWORD

WRONG = "wrong-password"


def page(client, username, password):
    return client.post("/login/", {"username": username, "password": password}).status_code


def api(client, username, password):
    return client.post(
        "/api/v1/auth/token",
        {"username": username, "password": password},
        content_type="application/json",
    ).status_code


def spellings(cast):
    phone = cast.people["village"].phone
    return [
        "village",
        " village",
        "village\n",
        "\tvillage",
        "village" + " " * 39,
        phone,
        f" {phone}",
        f"{phone[:3]} {phone[3:7]} {phone[7:]}",
        f"+86{phone}",
        phone.translate(str.maketrans("0123456789", "０１２３４５６７８９")),
    ]


@pytest.mark.parametrize("attempt", [page, api], ids=["login page", "token endpoint"])
def test_no_spelling_of_a_locked_account_gets_in(cast, client, attempt):
    limit = settings.AXES_FAILURE_LIMIT
    names = spellings(cast)
    for index in range(limit - 1):  # each failure under another spelling
        assert attempt(client, names[index % len(names)], WRONG) in (200, 401)
    assert attempt(client, names[limit % len(names)], WRONG) == 429
    for name in names:
        assert attempt(client, name, PASSWORD) == 429, repr(name)


@pytest.mark.parametrize("attempt", [page, api], ids=["login page", "token endpoint"])
def test_every_spelling_of_the_account_logs_in_before_a_lockout(cast, attempt):
    for name in spellings(cast):
        assert attempt(Client(), name, PASSWORD) in (200, 302), repr(name)


@pytest.mark.parametrize("attempt", [page, api], ids=["login page", "token endpoint"])
def test_padding_gives_no_more_guesses_than_the_limit(cast, client, attempt):
    answers = [attempt(client, " " * n + "village" + " " * n, WRONG) for n in range(40)]
    assert answers.count(429) == 40 - (settings.AXES_FAILURE_LIMIT - 1)
    assert set(answers[settings.AXES_FAILURE_LIMIT - 1 :]) == {429}


def test_unknown_logins_count_together_per_address(cast, client):
    limit = settings.AXES_FAILURE_LIMIT
    answers = [page(client, f"nobody-{n}", WRONG) for n in range(limit)]
    assert answers[:-1] == [200] * (limit - 1)
    assert answers[-1] == 429
    # the address is locked for unknown logins only; a known account still counts on its own
    assert page(client, "township", PASSWORD) == 302
    other = Client(REMOTE_ADDR="10.9.8.7")
    assert page(other, "nobody-else", WRONG) == 200


def test_a_locked_account_is_locked_from_that_address_only(cast, client):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        page(client, "village", WRONG)
    assert page(client, cast.people["village"].phone, PASSWORD) == 429
    assert page(Client(REMOTE_ADDR="10.9.8.7"), cast.people["village"].phone, PASSWORD) == 302


def test_attempts_during_a_lockout_do_not_prolong_it(cast, client, time_machine):
    from datetime import timedelta

    from django.utils import timezone

    time_machine.move_to(timezone.now(), tick=False)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        page(client, "village", WRONG)
    for _ in range(3):  # someone keeps trying during the cool-off
        time_machine.shift(settings.AXES_COOLOFF_TIME / 4)
        assert page(client, "village", WRONG) == 429
    time_machine.shift(settings.AXES_COOLOFF_TIME / 4 + timedelta(seconds=1))
    assert page(client, "village", PASSWORD) == 302
