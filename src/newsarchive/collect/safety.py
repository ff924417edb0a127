"""Address safety: the collector must not become a way to reach the machine it runs on
or its private network (a hostile feed can link to http://169.254.169.254/ or redirect
to http://127.0.0.1:8080/admin).

Every hop of every request is checked before it is sent: the host name is resolved and
each address it resolves to must be globally routable; the connection is then made to
the checked address (`pinned_address`, used by transport.py), so a DNS server answering
differently the second time (DNS rebinding) cannot redirect it.
"""

from __future__ import annotations

import ipaddress
import os
import socket
import threading
import time
from collections.abc import Callable
from urllib.parse import urlsplit

ALLOW_ENV = "NEWSARCHIVE_ALLOW_PRIVATE_ADDRESSES"

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class UnsafeURLError(ValueError):
    """A URL we refuse to fetch; the message says why."""


def private_addresses_allowed(setting: bool = False) -> bool:
    """The setting, or the environment variable (tests and local feed servers)."""
    return setting or os.environ.get(ALLOW_ENV, "").strip().lower() in ("1", "true", "yes")


def _unsafe_reason(ip: IPAddress) -> str | None:
    mapped = ip.ipv4_mapped if isinstance(ip, ipaddress.IPv6Address) else None
    if mapped is not None:
        ip = mapped
    for label, flag in (
        # Most specific first: is_private also covers loopback and link-local.
        ("loopback", ip.is_loopback),
        ("link-local", ip.is_link_local),
        ("multicast", ip.is_multicast),
        ("unspecified", ip.is_unspecified),
        ("reserved", ip.is_reserved),
        ("private", ip.is_private),
    ):
        if flag:
            return label
    # Catches what the flags above miss, e.g. 100.64.0.0/10 (carrier-grade NAT).
    if not ip.is_global:
        return "non-global"
    return None


def resolve(host: str, port: int) -> list[IPAddress]:
    """Every address `host` resolves to (the system resolver, like the HTTP client)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    # Strip an IPv6 zone ("fe80::1%eth0"), which ip_address does not accept.
    return [ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in infos]


Resolver = Callable[[str, int], list[IPAddress]]


class CachedResolver:
    """`resolve`, remembered for `ttl` seconds per (host, port).

    A pass requests hundreds of pages from the same few hosts: without this, every
    request's check (and every new connection) asks the system resolver again. Only
    the answer is cached; every hop of every request is still checked against it.
    Sharing one answer between the check and the connection also means a rebinding
    DNS server gets no second question within the TTL. Failures are not cached."""

    def __init__(self, ttl: float = 60.0) -> None:
        self.ttl = ttl
        self._answers: dict[tuple[str, int], tuple[float, list[IPAddress]]] = {}
        self._lock = threading.Lock()

    def __call__(self, host: str, port: int) -> list[IPAddress]:
        key = (host.lower(), port)
        now = time.monotonic()
        with self._lock:
            hit = self._answers.get(key)
        if hit is not None and hit[0] > now:
            return hit[1]
        addresses = resolve(host, port)  # looked up at call time (tests replace it)
        if self.ttl > 0:
            with self._lock:
                self._answers[key] = (now + self.ttl, addresses)
        return addresses


def check_url(
    url: str,
    *,
    allow_private: bool = False,
    via_proxy: bool = False,
    resolver: Resolver | None = None,
) -> None:
    """Raise UnsafeURLError unless `url` is http(s) and its host resolves only to public
    addresses. With a proxy, a name we cannot resolve locally is allowed: the proxy
    resolves it (socks5h), and that is how users behind a censoring resolver work."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise UnsafeURLError(f"{url}: only http and https URLs are fetched")
    host = parts.hostname
    if not host:
        raise UnsafeURLError(f"{url}: no host")
    if private_addresses_allowed(allow_private):
        return
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise UnsafeURLError(f"{url}: invalid port") from None
    try:
        addresses: list[IPAddress] = [ipaddress.ip_address(host)]
    except ValueError:
        try:
            addresses = (resolver or resolve)(host, port)
        except (OSError, UnicodeError) as exc:
            if via_proxy:
                return
            raise UnsafeURLError(f"{url}: cannot resolve {host} ({exc})") from None
    for ip in addresses:
        reason = _unsafe_reason(ip)
        if reason:
            raise UnsafeURLError(
                f"{url}: {host} resolves to {reason} address {ip}; refused "
                f"(set {ALLOW_ENV}=1 to allow)"
            )


def pinned_address(
    host: str, port: int, *, allow_private: bool = False, resolver: Resolver | None = None
) -> str:
    """The address to connect to for `host`: resolved once, every address checked
    (unless private addresses are allowed), the first one used."""
    try:
        return str(ipaddress.ip_address(host.strip("[]")))
    except ValueError:
        pass
    addresses = (resolver or resolve)(host, port)
    if not addresses:
        raise OSError(f"{host}: no address")
    if not private_addresses_allowed(allow_private):
        for ip in addresses:
            reason = _unsafe_reason(ip)
            if reason:
                raise UnsafeURLError(
                    f"{host} resolves to {reason} address {ip}; refused "
                    f"(set {ALLOW_ENV}=1 to allow)"
                )
    return str(addresses[0])
