"""Found by `qianshao bench hazards`: a day has 32**6 random hazard numbers, so at 100,000
reports a day a few collide. A report whose number is taken gets another; nothing of the
failed attempt is left behind."""

import pytest
from django.db import IntegrityError

from qianshao.audit.models import AuditRecord
from qianshao.hazards import actions
from qianshao.hazards.models import Hazard, Tally
from qianshao.lib import numbers as numbering
from qianshao.notify.models import Message


def report(cast, category, title="厂房消防通道堵塞"):
    return actions.report(
        cast.users["village"], title=title, description="d", category=category, cell=cast.village
    )


def test_a_report_whose_number_is_taken_gets_another_and_is_written_once(
    cast, category, monkeypatch
):
    first = report(cast, category)
    messages = Message.objects.count()
    numbers = iter([first.number, "YH20990101ABCDEF"])
    monkeypatch.setattr(numbering, "number", lambda prefix, now: next(numbers))

    second = report(cast, category, title="第二个隐患")

    assert second.number == "YH20990101ABCDEF"
    assert Hazard.objects.get(number=first.number).title == "厂房消防通道堵塞"
    assert Hazard.objects.count() == 2
    assert AuditRecord.objects.filter(action="hazards.report").count() == 2
    assert Tally.objects.get(path=cast.village.path, status="submitted").n == 2
    assert Message.objects.count() == 2 * messages, "the township is told once"


def test_a_report_that_never_finds_a_free_number_fails_and_writes_nothing(
    cast, category, monkeypatch
):
    first = report(cast, category)
    monkeypatch.setattr(numbering, "number", lambda prefix, now: first.number)

    with pytest.raises(IntegrityError):
        report(cast, category, title="第二个隐患")

    assert Hazard.objects.count() == 1
    assert AuditRecord.objects.filter(action="hazards.report").count() == 1
    assert Tally.objects.get(path=cast.village.path, status="submitted").n == 1


def test_a_number_is_the_prefix_the_local_day_and_six_letters_of_the_alphabet_alike():
    from collections import Counter
    from datetime import UTC, datetime

    now = datetime(2026, 3, 1, 17, 0, tzinfo=UTC)  # 3月2日 01:00 in China
    drawn = [numbering.number("YH", now) for _ in range(4000)]
    assert all(n.startswith("YH20260302") and len(n) == 16 for n in drawn)
    letters = Counter(c for n in drawn for c in n[10:])
    assert set(letters) == set(numbering.ALPHABET) and len(numbering.ALPHABET) == 32
    # 24,000 letters, 750 of each expected: a letter drawn half or twice as often as the
    # others would mean a biased draw (this bound fails by chance far less than 1e-30)
    assert all(375 < n < 1500 for n in letters.values()), letters
    assert len(set(drawn)) == len(drawn)
