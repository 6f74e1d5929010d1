"""The nightly backup (found by Huey's autodiscovery)."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from huey import crontab

from qianshao.notify.jobs import periodic
from qianshao.ops import backup


def utc_time(local: str) -> time | None:
    """QIANSHAO_BACKUP_AT ("02:30", local time) as a UTC time of day; None when "off"."""
    if local.strip().lower() in ("off", "no", "0", ""):
        return None
    try:
        at = time.fromisoformat(local.strip())
    except ValueError as exc:
        raise ImproperlyConfigured(
            f"QIANSHAO_BACKUP_AT: {local!r} is not a time like 02:30 (or off)"
        ) from exc
    # the zone's offset today (China keeps no summer time)
    today = datetime.now(ZoneInfo(settings.TIME_ZONE)).date()
    moment = datetime.combine(today, at, ZoneInfo(settings.TIME_ZONE))
    return moment.astimezone(ZoneInfo("UTC")).time()


AT = utc_time(settings.BACKUP_AT)
try:
    backup.parse_keep(settings.BACKUP_KEEP)
except ValueError as exc:
    raise ImproperlyConfigured(str(exc)) from exc


def _never(now) -> bool:
    return False


@periodic(
    crontab(minute=str(AT.minute), hour=str(AT.hour)) if AT else _never,
    every=timedelta(days=1),
    label=_("每日备份"),
)
def nightly_backup() -> str:
    """Every night: one archive into QIANSHAO_BACKUP_DIR, then those past
    QIANSHAO_BACKUP_KEEP deleted. A failure is recorded (an alert) and raised."""
    result = backup.take()
    backup.prune(result.path.parent, settings.BACKUP_KEEP)
    return str(result.path)
