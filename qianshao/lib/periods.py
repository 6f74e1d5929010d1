"""Days and months of the site's calendar (its time zone): a month as people type it, and
the [start, end) moments of local days and calendar months that queries filter on."""

import re
from datetime import date, datetime, time, timedelta

from django.utils import timezone
from django.utils.translation import gettext as _

from qianshao.lib.errors import ActionError

MONTH_RE = re.compile(r"^(\d{4})-(\d{1,2})$")


def parse_month(text: str | None, now: datetime | None = None) -> date:
    """The first day of the month written ``YYYY-MM``; empty means the current month.

    Raises ActionError (field ``month``) for a malformed, impossible or future month.
    """
    today = timezone.localdate(now or timezone.now())
    text = (text or "").strip()
    if not text:
        return today.replace(day=1)
    match = MONTH_RE.match(text)
    if match is None:
        raise ActionError(_("报送月份应写作 YYYY-MM，例如 2026-11"), "month")
    year, month = int(match.group(1)), int(match.group(2))
    if not 1 <= month <= 12:
        raise ActionError(_("报送月份的月应在 01 到 12 之间"), "month")
    if year < 2000:
        raise ActionError(_("报送月份不能早于 2000 年"), "month")
    first = date(year, month, 1)
    if first > today:
        raise ActionError(_("报送月份不能晚于本月"), "month")
    return first


def month_bounds(first: date) -> tuple[datetime, datetime]:
    """[start, end) of the calendar month beginning ``first``, in the site's time zone."""
    zone = timezone.get_default_timezone()
    following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    start = datetime(first.year, first.month, 1, tzinfo=zone)
    return start, datetime(following.year, following.month, 1, tzinfo=zone)


def local_bounds(first: date, last: date) -> tuple[datetime, datetime]:
    """[start, end) of the local days ``first`` to ``last``."""
    start = timezone.make_aware(datetime.combine(first, time.min))
    return start, timezone.make_aware(datetime.combine(last + timedelta(days=1), time.min))
