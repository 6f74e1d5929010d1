"""Helpers of the patrols' tests."""

import io
from datetime import datetime
from zoneinfo import ZoneInfo

from PIL import Image

from qianshao.risks.tests.helpers import risk_point

CHINA = ZoneInfo("Asia/Shanghai")
# a Monday in December, out of the flood season
START = datetime(2026, 12, 7, 8, 0, tzinfo=CHINA)


def jpeg(colour=(200, 30, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), colour).save(out, "JPEG")
    return out.getvalue()


def patrolled_point(cast, **fields):
    """An orange (84 h) point of 一村 patrolled by the village member."""
    fields.setdefault("patroller", cast.people["village"])
    return risk_point(cast, **fields)
