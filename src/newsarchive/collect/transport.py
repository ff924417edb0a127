"""What httpx's public API cannot express, added at the network layer it uses
(httpcore's network backend): a deadline for the whole exchange and connections pinned
to the address we checked.

- Deadline: httpx's timeouts are per read, so a server sending its *headers* one byte
  per read timeout would hold a worker for days. Every read, write and connect here gets
  at most the time left before the exchange's deadline (a thread-local: sync httpx does
  its I/O on the calling thread).
- Pinning: the address check (safety.py) resolves the host; connecting by name would
  resolve it again, and a DNS server answering differently the second time (DNS
  rebinding) would reach an address we never checked. We connect to the checked
  address instead (TLS still verifies the certificate against the host name, which
  httpcore passes separately).

httpx does not take a network backend as an argument, so `install` swaps it on the
client's connection pool (httpcore reads it for every new connection). If a future
httpx moves that attribute, `install` returns False and requests go unguarded by these
two extras, still bounded by the read timeout and the pre-request address check.
"""

from __future__ import annotations

import ssl
import threading
import time
import typing
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import httpcore
import httpx

_local = threading.local()


@contextmanager
def deadline(when: float) -> Iterator[None]:
    """Bound all I/O of this thread until the block ends by `when` (time.monotonic)."""
    _local.deadline = when
    try:
        yield
    finally:
        _local.deadline = None


def _left(timeout: float | None) -> float | None:
    when: float | None = getattr(_local, "deadline", None)
    if when is None:
        return timeout
    left = when - time.monotonic()
    if left <= 0:
        raise httpcore.ReadTimeout("total timeout reached")
    return left if timeout is None else min(timeout, left)


class _Stream(httpcore.NetworkStream):
    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, _left(timeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, _left(timeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        return _Stream(self._inner.start_tls(ssl_context, server_hostname, _left(timeout)))

    def get_extra_info(self, info: str) -> typing.Any:
        return self._inner.get_extra_info(info)


class GuardedBackend(httpcore.NetworkBackend):
    def __init__(
        self, inner: httpcore.NetworkBackend, pin: Callable[[str, int], str] | None
    ) -> None:
        self._inner = inner
        self._pin = pin

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: typing.Iterable[typing.Any] | None = None,
    ) -> httpcore.NetworkStream:
        try:
            target = self._pin(host, port) if self._pin else host
        except OSError as exc:  # resolution failed: a connect error like any other
            raise httpcore.ConnectError(f"cannot resolve {host}: {exc}") from None
        stream = self._inner.connect_tcp(
            target, port, _left(timeout), local_address, socket_options
        )
        return _Stream(stream)

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: typing.Iterable[typing.Any] | None = None,
    ) -> httpcore.NetworkStream:
        raise httpcore.ConnectError("unix sockets are not used by the collector")

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


def install(client: httpx.Client, pin: Callable[[str, int], str] | None) -> bool:
    """Guard every connection `client` opens from now on. `pin(host, port)` returns the
    address to connect to (None: connect by name, e.g. to a configured proxy)."""
    pool = getattr(getattr(client, "_transport", None), "_pool", None)
    backend = getattr(pool, "_network_backend", None)
    if pool is None or backend is None:
        return False
    pool._network_backend = GuardedBackend(backend, pin)
    return True
