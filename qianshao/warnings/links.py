"""One-tap answer links (SMS): ``/w/<token>`` answers one delivery without a login.

The token is the delivery's id and an HMAC of it under the site's secret key (truncated to
96 bits: an SMS is short, and a guess must hit one live delivery), so a forged or altered
link names no delivery. What an answer may be is the action's business (``answer``).
"""

import base64
import hashlib
import hmac
import re
from functools import cache

from django.conf import settings
from django.utils.crypto import salted_hmac

SALT = "qianshao.warnings.answer-link"
_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"


@cache
def _keyed(secret: str):
    """An HMAC-SHA256 under a key derived from ``secret``, to copy for each id (a fan-out
    makes tens of thousands of links)."""
    key = salted_hmac(SALT, "key", secret=secret).digest()
    return hmac.new(key, digestmod=hashlib.sha256)


def _mac(delivery_id: int, keyed=None) -> str:
    digest = (keyed or _keyed(settings.SECRET_KEY)).copy()
    digest.update(str(delivery_id).encode())
    return base64.urlsafe_b64encode(digest.digest()[:12]).decode()


def _base36(n: int) -> str:
    digits = ""
    while True:
        n, d = divmod(n, 36)
        digits = _DIGITS[d] + digits
        if n == 0:
            return digits


def token_for(delivery_id: int) -> str:
    return f"{_base36(delivery_id)}-{_mac(delivery_id)}"


PREFIX = "/w/"


def link_for(delivery_id: int) -> str:
    return f"{PREFIX}{token_for(delivery_id)}"


def tokens_for(delivery_ids) -> list[str]:
    """``token_for`` of each id, the key read once (a fan-out makes tens of thousands;
    the deliveries keep them, for the database to write their links into the messages)."""
    keyed = _keyed(settings.SECRET_KEY)
    return [f"{_base36(pk)}-{_mac(pk, keyed)}" for pk in delivery_ids]


# The one spelling of a token: the id in lower-case base 36 without leading zeros, a dash,
# and 16 characters of URL-safe base64 (12 bytes, so never padded).
CANONICAL = re.compile(r"[1-9a-z][0-9a-z]{0,12}-[A-Za-z0-9_-]{16}")


def delivery_id_of(token: str) -> int | None:
    """The delivery a token names, or None for a forged or garbled one, or for any other
    spelling of a real one (capitals, leading zeros, a sign, blanks, padding …): one link,
    one spelling, as it was sent."""
    if not CANONICAL.fullmatch(token):
        return None
    head, _, mac = token.partition("-")
    delivery_id = int(head, 36)
    if _base36(delivery_id) != head:  # int() would also read what the pattern excludes
        return None
    return delivery_id if hmac.compare_digest(mac, _mac(delivery_id)) else None
