"""Counting a client's requests per hour for the pages that need no login (tracking a
public report, a cell's public page): one counter per address and hour in the cache
(shared when QIANSHAO_CACHE_URL names Redis, else the database cache)."""

from django.core.cache import cache
from django.utils import timezone

HOUR = 3600


def _key(kind: str, address: str) -> str:
    return f"qianshao:{kind}:{address}:{int(timezone.now().timestamp() // HOUR)}"


def spent(kind: str, address: str, limit: int) -> bool:
    """Has ``address`` made ``limit`` counted requests of ``kind`` this hour?"""
    return cache.get(_key(kind, address), 0) >= limit


def count(kind: str, address: str) -> None:
    """Count one request of ``kind`` from ``address`` this hour."""
    key = _key(kind, address)
    cache.add(key, 0, timeout=2 * HOUR)
    try:
        cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=2 * HOUR)
