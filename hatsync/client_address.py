"""Which address a request came from: the one sign-in lockouts count by and logs name.

Each reverse proxy appends to X-Forwarded-For the address it received the request from, and the
last proxy's own address is REMOTE_ADDR. With N trusted proxies the client is therefore the
N-th hop from the right of X-Forwarded-For + REMOTE_ADDR; everything further left was written
by the client and is never believed. TRUSTED_PROXY_COUNT is N (0: reached directly).
"""

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_address_from(*, remote_addr: str, forwarded_for: str, trusted_proxies: int) -> str:
    """The client's address, given the connection's address, the X-Forwarded-For header and how
    many proxies in front of hatsync append to it. A request with fewer hops than proxies did not
    come through them all (a health check from inside the network), and a hop that is not an IP
    address is not one a proxy wrote: both are known by the connection's own address."""
    hops = [hop.strip() for hop in forwarded_for.split(",") if hop.strip()] + [remote_addr]
    if trusted_proxies <= 0 or len(hops) <= trusted_proxies:
        return remote_addr
    client = hops[-(trusted_proxies + 1)]
    try:
        return str(ipaddress.ip_address(client))
    except ValueError:
        return remote_addr


def client_address(request: HttpRequest) -> str:
    """The client's address behind settings.TRUSTED_PROXY_COUNT proxies (django-axes counts
    sign-in failures by it: AXES_CLIENT_IP_CALLABLE)."""
    return client_address_from(remote_addr=request.META.get("REMOTE_ADDR", ""),
                               forwarded_for=request.META.get("HTTP_X_FORWARDED_FOR", ""),
                               trusted_proxies=settings.TRUSTED_PROXY_COUNT)
