"""The nightly backup's rules: which archives it keeps, when it runs."""

from datetime import datetime, timedelta

import pytest
from django.core.exceptions import ImproperlyConfigured

from qianshao.ops import backup, upgrade
from qianshao.ops.tasks import utc_time


@pytest.mark.django_db
def test_the_migrated_test_database_has_no_migration_pending():
    assert upgrade.has_data()
    assert upgrade.pending() == []


@pytest.mark.parametrize(
    "rule, kept",
    [
        # the last 7 days; the newest of ISO weeks 2026-W03, W02 (01-11), W01 (01-04), 2025-W52
        ("7 daily, 4 weekly", {"01-10", "01-11", "01-12", "01-13", "01-14", "01-15", "01-16",
                               "01-04", "12-28"}),
        ("2 daily", {"01-16", "01-15"}),
        ("1 monthly", {"01-16"}),
    ],
)  # fmt: skip
def test_the_keep_rule_keeps_the_newest_of_each_day_and_week(tmp_path, rule, kept):
    # nightly archives from 2025-12-14 to 2026-01-16, and two on 01-16
    day = datetime(2025, 12, 14, 2, 30)
    names = []
    while day <= datetime(2026, 1, 16, 2, 30):
        names.append(day)
        day += timedelta(days=1)
    names.append(datetime(2026, 1, 16, 9, 0))  # a manual one later that day
    for at in names:
        (tmp_path / at.strftime("qianshao-%Y%m%d-%H%M%S.tar")).write_bytes(b"x")
    (tmp_path / "notes.txt").write_text("not an archive: never deleted")

    backup.prune(tmp_path, rule)

    left = sorted(p.name for p in tmp_path.iterdir())
    assert "notes.txt" in left
    archives = [n for n in left if n.startswith("qianshao-")]
    assert {f"{n[13:15]}-{n[15:17]}" for n in archives} == kept
    assert len(archives) == len(kept)  # one per kept day
    assert "qianshao-20260116-090000.tar" in archives  # the newest of its day


@pytest.mark.parametrize("rule", ["7 days", "daily", "7 daily; 4 weekly", ""])
def test_a_bad_keep_rule_is_named(rule):
    with pytest.raises(ValueError, match="QIANSHAO_BACKUP_KEEP"):
        backup.parse_keep(rule)


def test_the_nightly_time_is_local():
    assert str(utc_time("02:30")) == "18:30:00"  # Asia/Shanghai, UTC+8
    assert utc_time("off") is None
    with pytest.raises(ImproperlyConfigured, match="QIANSHAO_BACKUP_AT"):
        utc_time("25:99")
