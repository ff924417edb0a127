"""The one HTTP layer: polite, bounded GET requests with httpx (sync, used from a thread
pool; see run.py).

Bounds, each enforced here so no caller can forget them:
- every hop's address is checked (safety.py) and redirects are followed by hand, at
  most `max_redirects`, so a redirect to a private address or a loop is caught;
- connect and read timeouts come from httpx; the total time of an exchange bounds every
  read, write and connect (transport.py), so a server trickling its headers or body one
  byte per second still ends on time;
- the body is streamed and capped twice: the bytes on the wire and the bytes after
  decompression (we decompress ourselves with an output limit, so a 10 MB gzip bomb
  never becomes 10 GB in memory);
- per-host concurrency and request rate (HostGate), and Retry-After / exponential
  back-off on 429 and 5xx.
"""

from __future__ import annotations

import functools
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Protocol
from urllib.parse import urljoin, urlsplit

import httpx

from newsarchive.collect.safety import (
    CachedResolver,
    UnsafeURLError,
    check_url,
    pinned_address,
    private_addresses_allowed,
)
from newsarchive.collect.settings import FetchSettings
from newsarchive.collect.transport import deadline, install

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


class FetchError(Exception):
    """A request that ended without a usable response; `reason` is for the user."""

    def __init__(
        self,
        url: str,
        reason: str,
        *,
        status: int | None = None,
        retry_after: float | None = None,
        unreachable: bool = False,
    ) -> None:
        super().__init__(f"{url}: {reason}")
        self.url = url
        self.reason = reason
        self.status = status
        self.retry_after = retry_after
        # The host refused the connection or never answered: not worth asking again
        # in this pass (see Fetcher.unreachable).
        self.unreachable = unreachable


@dataclass(slots=True)
class Response:
    url: str  # final URL after redirects
    status: int
    headers: dict[str, str]
    body: bytes  # decompressed
    observed: datetime
    elapsed: float
    redirects: list[str] = field(default_factory=list)

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "")


class Gate(Protocol):
    """Admits requests to one host: `with gate.slot(): <one exchange>`."""

    def slot(self) -> AbstractContextManager[None]: ...


class HostGate:
    """At most `concurrency` requests in flight to one host, started at most `rate` per
    second. The rate counts request starts, which is what a server's limiter sees."""

    def __init__(self, concurrency: int, rate: float) -> None:
        self._slots = threading.BoundedSemaphore(concurrency)
        self._lock = threading.Lock()
        self._interval = 1.0 / rate
        self._next_start = 0.0

    @contextmanager
    def slot(self) -> Iterator[None]:
        with self._slots:
            with self._lock:
                now = time.monotonic()
                start = max(now, self._next_start)
                self._next_start = start + self._interval
            if start > now:
                time.sleep(start - now)
            yield


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


class _Decoder:
    """Content-Encoding decoding with an output limit (gzip and deflate; we never ask
    for anything else)."""

    def __init__(self, encoding: str) -> None:
        enc = encoding.strip().lower()
        if enc in ("", "identity"):
            self._z = None
        elif enc in ("gzip", "x-gzip"):
            self._z = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif enc == "deflate":
            self._z = zlib.decompressobj(32 + zlib.MAX_WBITS)  # zlib or gzip header
        else:
            raise ValueError(f"unsupported Content-Encoding {encoding!r}")
        self._raw_deflate = enc == "deflate"

    def decode(self, chunk: bytes, limit: int) -> tuple[bytes, bool]:
        """Decoded bytes (at most `limit`) and whether more output was pending."""
        if self._z is None:
            return chunk[:limit], len(chunk) > limit
        try:
            out = self._z.decompress(chunk, limit)
        except zlib.error:
            if not self._raw_deflate:
                raise
            # Some servers send raw deflate without the zlib header.
            self._z = zlib.decompressobj(-zlib.MAX_WBITS)
            self._raw_deflate = False
            out = self._z.decompress(chunk, limit)
        return out, bool(self._z.unconsumed_tail)


class Fetcher:
    """Shared by all worker threads of one pass (httpx.Client is thread-safe).

    One httpx client (one connection pool) per host, not one for all: httpcore's pool
    scans every connection it holds on each request and each response it hands back,
    so one pool for 8 hosts × 8 connections spent ~2 ms of CPU per request in that
    scan alone (profiled on bench/fetch.py: more than the HTTP exchange itself). A
    per-host pool holds at most `host_concurrency` connections. The TLS context (CA
    bundle loading, ~0.1 s) is built once and shared.

    `gates(host)` makes the gate of each host (default: a `HostGate`, which counts this
    process's requests only; collectors sharing a PostgreSQL archive pass gates shared
    through the database, see hostslots.py)."""

    def __init__(
        self,
        settings: FetchSettings,
        *,
        stop: threading.Event | None = None,
        gates: Callable[[str], Gate] | None = None,
    ) -> None:
        self.settings = settings
        self.stop = stop or threading.Event()
        self._make_gate = gates or (
            lambda host: HostGate(settings.host_concurrency, settings.host_rate)
        )
        self._tls = httpx.create_ssl_context()
        self.resolver = CachedResolver(settings.dns_cache_ttl)
        # With a proxy, connections go to the proxy (which the user chose, and which
        # may well be local): nothing to pin.
        self._pin = (
            None
            if settings.proxy
            else functools.partial(
                pinned_address,
                allow_private=private_addresses_allowed(settings.allow_private_addresses),
                resolver=self.resolver,
            )
        )
        self._clients: dict[str, httpx.Client] = {}
        # Hosts (host:port) that refused or timed out in this pass, with the reason:
        # every later request to them fails at once instead of costing its own
        # connect timeout and retries (85 items of one dead host took 172 s).
        self.unreachable: dict[str, str] = {}
        self._gates: dict[str, Gate] = {}
        self._gates_lock = threading.Lock()
        # Built now, so that a proxy setting httpx cannot use (socks without the
        # socksio extra) fails at the start, not on the first request.
        self._spare: httpx.Client | None = self._new_client()
        self.guarded = install(self._spare, self._pin)

    def _new_client(self) -> httpx.Client:
        s = self.settings
        timeout = httpx.Timeout(
            connect=s.connect_timeout,
            read=s.read_timeout,
            write=s.read_timeout,
            pool=s.total_timeout,
        )
        return httpx.Client(
            timeout=timeout,
            follow_redirects=False,
            proxy=s.proxy,
            verify=self._tls,
            # Proxies come from our own setting only: an inherited HTTP_PROXY would
            # silently change where requests go and bypass the address check.
            trust_env=False,
            # Idle connections are kept for a minute (httpcore's default is 5 s): pages
            # of one host arrive in bursts as feeds are read, and a reconnect per burst
            # costs the server a handshake for nothing.
            limits=httpx.Limits(
                max_connections=s.host_concurrency,
                max_keepalive_connections=s.host_concurrency,
                keepalive_expiry=60.0,
            ),
            headers={
                "User-Agent": s.user_agent,
                "Accept-Encoding": "gzip, deflate",
                "Accept": "application/rss+xml, application/atom+xml, application/feed+json,"
                " application/xml;q=0.9, text/html;q=0.9, */*;q=0.8",
            },
        )

    def client(self, host: str) -> httpx.Client:
        """The client (connection pool) for `host`, created on first use."""
        with self._gates_lock:
            c = self._clients.get(host)
            if c is None:
                if self._spare is not None:
                    c, self._spare = self._spare, None
                else:
                    c = self._new_client()
                    install(c, self._pin)
                self._clients[host] = c
            return c

    def close(self) -> None:
        with self._gates_lock:
            clients = [*self._clients.values(), *([self._spare] if self._spare else [])]
            self._clients.clear()
            self._spare = None
        for c in clients:
            c.close()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def gate(self, host: str) -> Gate:
        with self._gates_lock:
            g = self._gates.get(host)
            if g is None:
                g = self._gates[host] = self._make_gate(host)
            return g

    # -- the request ----------------------------------------------------------------

    def get(
        self, url: str, *, etag: str | None = None, last_modified: str | None = None
    ) -> Response:
        """GET with redirects, retries and all the bounds above. Returns any final
        status except 429/5xx after the retries (FetchError)."""
        headers: dict[str, str] = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        current = url
        seen: list[str] = []
        while True:
            resp = self._with_retries(current, headers)
            location = resp.headers.get("location")
            if resp.status in (301, 302, 303, 307, 308) and location:
                seen.append(current)
                nxt = urljoin(current, location.strip())
                if nxt in seen:
                    raise FetchError(url, f"redirect loop ({' -> '.join([*seen, nxt])})")
                if len(seen) > self.settings.max_redirects:
                    raise FetchError(
                        url, f"too many redirects (more than {self.settings.max_redirects})"
                    )
                # Validators belong to the first URL; another URL must not see them.
                headers = {}
                current = nxt
                continue
            resp.redirects = seen
            return resp

    def _with_retries(self, url: str, headers: dict[str, str]) -> Response:
        s = self.settings
        attempt = 0
        while True:
            try:
                resp = self._exchange(url, headers)
            except FetchError as exc:
                # Network trouble may be transient; size/safety/timeout errors are not
                # retried (a trickling server would just trickle again).
                if exc.status is not None or attempt >= s.retries or not _transient(exc):
                    if exc.unreachable:
                        self.unreachable.setdefault(_host_key(url), exc.reason)
                    raise
                wait = s.backoff * 2**attempt
            else:
                if resp.status not in RETRY_STATUSES:
                    return resp
                after = parse_retry_after(resp.headers.get("retry-after"))
                wait = after if after is not None else s.backoff * 2**attempt
                if attempt >= s.retries or wait > s.max_retry_wait:
                    detail = f"HTTP {resp.status}"
                    if after is not None:
                        detail += f" (Retry-After {after:g}s)"
                    raise FetchError(
                        url,
                        f"{detail} after {attempt + 1} attempt(s)",
                        status=resp.status,
                        retry_after=after,
                    )
            attempt += 1
            if self.stop.wait(wait):
                raise FetchError(url, "interrupted while waiting to retry")

    def _exchange(self, url: str, headers: dict[str, str]) -> Response:
        s = self.settings
        try:
            check_url(
                url,
                allow_private=private_addresses_allowed(s.allow_private_addresses),
                via_proxy=bool(s.proxy),
                resolver=self.resolver,
            )
        except UnsafeURLError as exc:
            raise FetchError(url, str(exc).removeprefix(f"{url}: ")) from None
        host = urlsplit(url).hostname or ""
        dead = self.unreachable.get(_host_key(url))
        if dead is not None:
            raise FetchError(url, f"skipped: host unreachable earlier in this pass ({dead})")
        with self.gate(host).slot():
            observed = datetime.now(UTC)
            start = time.monotonic()
            until = start + s.total_timeout
            answered = False  # the host sent a status line: it is reachable
            try:
                client = self.client(host.lower())
                with deadline(until), client.stream("GET", url, headers=headers) as r:
                    answered = True
                    body = self._read_body(url, r, until)
                    resp_headers = {k.lower(): v for k, v in r.headers.items()}
                    status = r.status_code
            except UnsafeURLError as exc:  # raised when connecting (pinned address)
                raise FetchError(url, str(exc)) from None
            except httpx.TimeoutException as exc:
                if time.monotonic() >= until:
                    raise FetchError(
                        url, f"total timeout: no complete response after {s.total_timeout:g}s"
                    ) from None
                # A connect timeout, or no status line in time: the host is not answering.
                raise FetchError(
                    url, f"timed out ({type(exc).__name__})", unreachable=not answered
                ) from None
            except httpx.ConnectError as exc:
                raise FetchError(
                    url, f"network error: {type(exc).__name__}: {exc}", unreachable=True
                ) from None
            except httpx.HTTPError as exc:
                raise FetchError(url, f"network error: {type(exc).__name__}: {exc}") from None
        return Response(url, status, resp_headers, body, observed, time.monotonic() - start)

    def _read_body(self, url: str, r: httpx.Response, deadline: float) -> bytes:
        s = self.settings
        if r.status_code in (301, 302, 303, 304, 307, 308):
            return b""
        declared = r.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > s.max_bytes:
            raise FetchError(url, f"response too large ({declared} bytes > cap {s.max_bytes})")
        try:
            decoder = _Decoder(r.headers.get("content-encoding", ""))
        except ValueError as exc:
            raise FetchError(url, str(exc)) from None
        body = bytearray()
        wire = 0
        # No chunk_size: httpx would buffer until it has that many bytes, hiding a
        # trickle from the deadline check.
        for chunk in r.iter_raw():
            if time.monotonic() > deadline:
                raise FetchError(
                    url, f"total timeout: body still arriving after {s.total_timeout:g}s"
                )
            wire += len(chunk)
            if wire > s.max_bytes:
                raise FetchError(url, f"response too large (> cap {s.max_bytes} bytes)")
            try:
                out, more = decoder.decode(chunk, s.max_bytes - len(body) + 1)
            except zlib.error as exc:
                raise FetchError(url, f"corrupt compressed body: {exc}") from None
            body += out
            if len(body) > s.max_bytes or more:
                raise FetchError(
                    url,
                    f"decompressed body exceeds cap {s.max_bytes} bytes "
                    f"(after {wire} bytes on the wire: compression bomb?)",
                )
        return bytes(body)


def _host_key(url: str) -> str:
    parts = urlsplit(url)
    return f"{(parts.hostname or '').lower()}:{parts.port or ''}"


def _transient(exc: FetchError) -> bool:
    return exc.reason.startswith("network error")
