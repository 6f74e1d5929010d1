"""The client's own address and scheme behind a reverse proxy (``QIANSHAO_TRUSTED_PROXIES``).

Everything that counts per address — the login lockout (django-axes, through
``client_address``), the public pages' rate limits — reads ``REMOTE_ADDR``. Behind nginx
that is nginx's own address for every client, so ``TrustedProxyMiddleware``, first in
``MIDDLEWARE``, puts the client's address there: when the connection comes from a trusted
proxy, the rightmost address of ``X-Forwarded-For`` that is not itself a trusted proxy
(each proxy appends the address it was connected from; what lies left of the first address
no trusted proxy wrote is whatever the client sent); ``X-Forwarded-Proto`` is then believed
(``SECURE_PROXY_SSL_HEADER``). From any other peer both headers are dropped, so nothing
downstream can be fooled by a client that sets them. A malformed entry leaves the peer's
address as it was.
"""

import ipaddress
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

FORWARDED_FOR = "HTTP_X_FORWARDED_FOR"
FORWARDED_PROTO = "HTTP_X_FORWARDED_PROTO"


def networks(entries: Iterable[str], variable: str) -> list[Network]:
    """Addresses or CIDR networks (``127.0.0.1``, ``10.0.0.0/8``, ``::1``) as networks;
    ImproperlyConfigured naming ``variable`` for one that is neither (a network with host
    bits set, ``10.0.0.1/8``, is refused as gunicorn refuses it)."""
    found = []
    for entry in entries:
        try:
            found.append(ipaddress.ip_network(entry.strip()))
        except ValueError as exc:
            raise ImproperlyConfigured(
                f"{variable} must hold IP addresses or networks (e.g. 127.0.0.1,10.0.0.0/8),"
                f" got {entry!r}: {exc}"
            ) from None
    return found


def _address(text: str) -> Address | None:
    try:
        address = ipaddress.ip_address(text.strip())
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped  # ::ffff:127.0.0.1 is 127.0.0.1
    return address


def _trusted(address: Address, trusted: list[Network]) -> bool:
    return any(address in network for network in trusted)  # v4 in a v6 network: False


def forwarded_client(peer: Address, forwarded_for: str, trusted: list[Network]) -> Address:
    """The client behind the trusted ``peer``: walking ``forwarded_for`` from the right, the
    first address that no trusted proxy owns (the leftmost when all are trusted); ``peer``
    when the header is absent or an entry reached on the way is not an address."""
    client = peer
    for entry in reversed(forwarded_for.split(",")) if forwarded_for.strip() else ():
        address = _address(entry)
        if address is None:
            return peer
        client = address
        if not _trusted(address, trusted):
            break
    return client


class TrustedProxyMiddleware:
    """``REMOTE_ADDR`` becomes the client's own address when a trusted proxy forwarded the
    request; the forwarding headers of anyone else are removed (see the module)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        meta = request.META
        trusted = settings.TRUSTED_PROXIES
        peer = _address(meta.get("REMOTE_ADDR", ""))
        if trusted and peer is not None and _trusted(peer, trusted):
            meta["REMOTE_ADDR"] = str(forwarded_client(peer, meta.get(FORWARDED_FOR, ""), trusted))
        else:
            meta.pop(FORWARDED_FOR, None)
            meta.pop(FORWARDED_PROTO, None)
        return self.get_response(request)


def client_address(request) -> str:
    """The client's address as everything that counts per address reads it (django-axes'
    ``AXES_CLIENT_IP_CALLABLE``, the rate limits): ``REMOTE_ADDR``, after the middleware."""
    return request.META.get("REMOTE_ADDR", "")
