"""Times a phone reports — when a hazard was found, when a disaster began: checked the same
way everywhere, so that neither a clock a little ahead nor a mistyped year gets through."""

from datetime import datetime, timedelta

from django.utils.translation import gettext as _

from qianshao.lib.errors import ActionError

CLOCK_SKEW = timedelta(minutes=10)  # a phone's clock may run this far ahead of ours
LOOKBACK = timedelta(days=366)  # what happened longer ago is not reported as news


def check_reported(at: datetime, now: datetime, field: str, label: str) -> None:
    """ActionError naming ``field`` when ``at`` is in the future or more than a year back."""
    if at > now + CLOCK_SKEW:
        raise ActionError(_("%(f)s不能晚于现在") % {"f": label}, field)
    if at < now - LOOKBACK:
        raise ActionError(_("%(f)s不能早于一年前") % {"f": label}, field)
