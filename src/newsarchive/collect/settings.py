"""Fetch settings: every knob has a default, an environment variable and (for the
important ones) a CLI option, so one unattended `watch` can be tuned without code.

Environment variables are ``NEWSARCHIVE_`` + the field name in upper case, e.g.
``NEWSARCHIVE_PROXY=socks5://127.0.0.1:9050`` or ``NEWSARCHIVE_HOST_CONCURRENCY=4``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from typing import Any

from newsarchive import __version__

DEFAULT_USER_AGENT = (
    f"newsarchive/{__version__} (+https://github.com/newsarchive/newsarchive; archiving bot)"
)


class SettingsError(ValueError):
    """A setting has a value we cannot use; the message names it."""


@dataclass(frozen=True, slots=True)
class FetchSettings:
    user_agent: str = DEFAULT_USER_AGENT
    # http://, https://, socks5:// or socks5h:// (socks5h lets the proxy resolve names,
    # which is what users behind the GFW need).
    proxy: str | None = None
    connect_timeout: float = 10.0
    read_timeout: float = 20.0  # longest silence between two reads
    total_timeout: float = 60.0  # whole exchange, even when bytes keep trickling in
    max_bytes: int = 20_000_000  # per response, after decompression
    max_redirects: int = 5
    workers: int = 16  # requests in flight across all hosts
    host_concurrency: int = 2  # requests in flight per host
    host_rate: float = 2.0  # request starts per second per host
    retries: int = 2  # extra attempts after a 429/5xx or a network error
    backoff: float = 1.0  # first back-off; doubles per attempt
    max_retry_wait: float = 30.0  # a longer Retry-After is not waited for in this pass
    min_interval: float = 300.0  # `watch`: never poll a source more often than this
    max_interval: float = 6 * 3600.0  # ... and never less often than this
    allow_private_addresses: bool = False
    # A host's resolved addresses are reused this long (seconds; 0 = resolve for every
    # check and connection). Every hop is still checked against them.
    dns_cache_ttl: float = 60.0
    full_text_min_chars: int = 200  # a feed item with this much text carries the article
    # Article extraction is pure-Python CPU work (~20-50 ms a page) and would hold the
    # interpreter lock against the fetch threads: run it in this many processes
    # (0 = in the fetch threads, fine for small passes and tests).
    extract_processes: int = min(4, os.cpu_count() or 1)
    # Several collectors on one archive (leases.py): how long a source or page stays
    # with the collector that claimed it without being renewed (renewed every third of
    # it while that collector works). A killed collector's work goes to the others
    # after at most this long.
    lease: float = 180.0

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: Any) -> FetchSettings:
        """Defaults, then NEWSARCHIVE_* variables, then explicit overrides (CLI options;
        None means "not given")."""
        env = os.environ if env is None else env
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = env.get(f"NEWSARCHIVE_{f.name.upper()}")
            if raw is None or raw == "":
                continue
            default = getattr(cls(), f.name)
            kind = str if default is None else type(default)
            values[f.name] = _convert(f.name, kind, raw, f.type)
        values.update({k: v for k, v in overrides.items() if v is not None})
        settings = replace(cls(), **values)
        settings.check()
        return settings

    def check(self) -> None:
        positive = (
            "connect_timeout",
            "read_timeout",
            "total_timeout",
            "max_bytes",
            "workers",
            "host_concurrency",
            "host_rate",
            "min_interval",
            "max_interval",
            "lease",
        )
        for name in positive:
            if getattr(self, name) <= 0:
                raise SettingsError(f"{name} must be > 0 (got {getattr(self, name)!r})")
        for name in (
            "retries",
            "backoff",
            "max_retry_wait",
            "max_redirects",
            "extract_processes",
            "dns_cache_ttl",
        ):
            if getattr(self, name) < 0:
                raise SettingsError(f"{name} must be >= 0 (got {getattr(self, name)!r})")
        if self.min_interval > self.max_interval:
            raise SettingsError("min_interval must not exceed max_interval")
        if self.proxy and not self.proxy.startswith(
            ("http://", "https://", "socks5://", "socks5h://")
        ):
            raise SettingsError(
                f"proxy {self.proxy!r}: expected http://, https://, socks5:// or socks5h://"
            )


def _convert(name: str, kind: type, raw: str, declared: Any) -> Any:
    try:
        if kind is bool:
            if raw.strip().lower() in ("1", "true", "yes", "on"):
                return True
            if raw.strip().lower() in ("0", "false", "no", "off"):
                return False
            raise ValueError(raw)
        if kind is int:
            return int(raw)
        if kind is float:
            return float(raw)
        return raw
    except ValueError:
        raise SettingsError(f"NEWSARCHIVE_{name.upper()}={raw!r}: not a valid {declared}") from None
