"""Sources (feeds and listing pages) and what we remember about fetching them.

A new archive starts with the outlets in `profiles/sources.toml`; users add and remove
sources per archive. A removed source keeps its row (with `removed_at`), so a builtin
source the user removed is not brought back by the next upgrade.
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from importlib import resources
from typing import Any

from newsarchive.archive import Archive
from newsarchive.archive.session import marks, row_dict
from newsarchive.model import utcnow
from newsarchive.outlets import canonical_outlet

KINDS = ("feed", "listing")


class SourceError(ValueError):
    """A source cannot be added or used; the message says why."""


@dataclass(frozen=True, slots=True)
class Source:
    name: str
    url: str
    kind: str
    outlet: str | None

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "url": self.url, "kind": self.kind, "outlet": self.outlet}


@dataclass(slots=True)
class SourceState:
    name: str
    etag: str | None = None
    last_modified: str | None = None
    last_attempt: datetime | None = None
    last_success: datetime | None = None
    last_new_item: datetime | None = None
    next_due: datetime | None = None
    interval: float | None = None
    avg_new_interval: float | None = None
    error_streak: int = 0
    last_error: str | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for k in self.__slots__:
            v = getattr(self, k)
            out[k] = v.isoformat() if isinstance(v, datetime) else v
        return out


@cache
def builtin_sources() -> tuple[Source, ...]:
    data = tomllib.loads(
        resources.files("newsarchive.profiles").joinpath("sources.toml").read_text("utf-8")
    )
    return tuple(
        Source(name, e["url"], e.get("kind", "feed"), e.get("outlet"))
        for name, e in data.get("sources", {}).items()
    )


def _seed(archive: Archive) -> None:
    builtin = builtin_sources()
    # Read first: a write would take the archive's writer lock on every listing.
    known = archive.session.scalar(
        f"SELECT count(*) FROM sources WHERE name IN ({marks(len(builtin))})",
        [s.name for s in builtin],
    )
    if known == len(builtin):
        return
    now = utcnow().isoformat()
    with archive.transaction() as conn:
        for s in builtin:
            conn.execute(
                "INSERT INTO sources(name, url, kind, outlet, origin, added_at)"
                " VALUES(?,?,?,?, 'builtin', ?) ON CONFLICT(name) DO NOTHING",
                (s.name, s.url, s.kind, s.outlet, now),
            )


def list_sources(archive: Archive) -> list[Source]:
    _seed(archive)
    rows = archive.session.execute(
        "SELECT name, url, kind, outlet FROM sources WHERE removed_at IS NULL ORDER BY name"
    ).fetchall()
    return [Source(r["name"], r["url"], r["kind"], r["outlet"]) for r in rows]


def get_source(archive: Archive, name: str) -> Source | None:
    return next((s for s in list_sources(archive) if s.name == name), None)


def add_source(archive: Archive, name: str, url: str, kind: str = "feed") -> Source:
    """Add (or re-add, or change the URL of) a source."""
    name = name.strip()
    url = url.strip()
    if not name or any(c.isspace() for c in name):
        raise SourceError(f"source name {name!r}: must be one word")
    if not url.startswith(("http://", "https://")):
        raise SourceError(f"source {name}: URL {url!r} must start with http:// or https://")
    if kind not in KINDS:
        raise SourceError(f"source {name}: kind {kind!r} is not one of {', '.join(KINDS)}")
    _seed(archive)
    outlet = canonical_outlet(None, url)
    with archive.transaction() as conn:
        conn.execute(
            "INSERT INTO sources(name, url, kind, outlet, origin, added_at) VALUES(?,?,?,?,"
            " 'user', ?) ON CONFLICT(name) DO UPDATE SET url=excluded.url, kind=excluded.kind,"
            " outlet=coalesce(excluded.outlet, sources.outlet), removed_at=NULL",
            (name, url, kind, outlet, utcnow().isoformat()),
        )
        # A new URL starts fresh: old validators belong to the old URL.
        conn.execute("DELETE FROM source_state WHERE name=?", (name,))
    source = get_source(archive, name)
    assert source is not None
    return source


def remove_source(archive: Archive, name: str) -> bool:
    """Stop fetching a source. Articles collected from it stay in the archive."""
    _seed(archive)
    with archive.transaction() as conn:
        cur = conn.execute(
            "UPDATE sources SET removed_at=? WHERE name=? AND removed_at IS NULL",
            (utcnow().isoformat(), name),
        )
        # Its pages still waiting are not fetched (one being fetched now is stored).
        conn.execute("DELETE FROM page_queue WHERE source=?", (name,))
        return cur.rowcount > 0


# -- fetch state -------------------------------------------------------------------------

_STATE_COLS = (
    "etag",
    "last_modified",
    "last_attempt",
    "last_success",
    "last_new_item",
    "next_due",
    "interval",
    "avg_new_interval",
    "error_streak",
    "last_error",
)
_DATE_COLS = {"last_attempt", "last_success", "last_new_item", "next_due"}


def load_state(archive: Archive, name: str) -> SourceState:
    row = archive.session.execute(
        f"SELECT {', '.join(_STATE_COLS)} FROM source_state WHERE name=?", (name,)
    ).fetchone()
    state = SourceState(name)
    if row:
        for col in _STATE_COLS:
            v = row[col]
            if col in _DATE_COLS and v:
                v = datetime.fromisoformat(v)
            setattr(state, col, v)
    return state


def save_state(archive: Archive, state: SourceState, holder: str | None = None) -> bool:
    """Store a source's state after a poll and end `holder`'s lease on it (see
    leases.py), in one statement: the next due time and the lease's end are seen
    together. Nothing is written (False) if another collector holds the source now:
    ours lapsed, theirs is the newer poll."""
    values = []
    for col in _STATE_COLS:
        v = getattr(state, col)
        values.append(v.isoformat() if isinstance(v, datetime) else v)
    with archive.transaction() as conn:
        cur = conn.execute(
            f"INSERT INTO source_state(name, {', '.join(_STATE_COLS)})"
            f" VALUES(?, {', '.join('?' * len(_STATE_COLS))})"
            f" ON CONFLICT(name) DO UPDATE SET "
            + ", ".join(f"{c}=excluded.{c}" for c in _STATE_COLS)
            + ", holder=NULL, leased_until=NULL"
            " WHERE source_state.holder IS NULL OR source_state.holder = ?",
            (state.name, *values, holder),
        )
        return cur.rowcount > 0


def forget_validators(archive: Archive, name: str) -> None:
    """Make the next poll of a source unconditional, so items whose page failed are
    seen (and retried) even if the feed itself has not changed."""
    with archive.transaction() as conn:
        conn.execute("UPDATE source_state SET etag=NULL, last_modified=NULL WHERE name=?", (name,))


def record_fetch_error(archive: Archive, source: str | None, url: str, reason: str) -> None:
    with archive.transaction() as conn:
        conn.execute(
            "INSERT INTO fetch_errors(source, url, reason, observed) VALUES(?,?,?,?)",
            (source, url, reason, utcnow().isoformat()),
        )


def fetch_errors(
    archive: Archive, source: str | None = None, limit: int = 100
) -> list[dict[str, Any]]:
    sql = "SELECT source, url, reason, observed FROM fetch_errors"
    args: tuple[Any, ...] = ()
    if source:
        sql += " WHERE source=?"
        args = (source,)
    rows = archive.session.execute(sql + " ORDER BY id DESC LIMIT ?", (*args, limit)).fetchall()
    return [row_dict(r) for r in rows]


def url_state(archive: Archive, url: str) -> dict[str, Any] | None:
    row = archive.session.execute(
        "SELECT etag, last_modified, item_fingerprint, last_status, last_fetched"
        " FROM url_state WHERE url=?",
        (url,),
    ).fetchone()
    return row_dict(row) if row else None


def save_url_state(
    archive: Archive,
    url: str,
    *,
    status: int,
    etag: str | None,
    last_modified: str | None,
    fingerprint: str | None,
) -> None:
    with archive.transaction() as conn:
        conn.execute(
            "INSERT INTO url_state(url, etag, last_modified, item_fingerprint, last_status,"
            " last_fetched) VALUES(?,?,?,?,?,?) ON CONFLICT(url) DO UPDATE SET"
            " etag=coalesce(excluded.etag, url_state.etag),"
            " last_modified=coalesce(excluded.last_modified, url_state.last_modified),"
            " item_fingerprint=coalesce(excluded.item_fingerprint, url_state.item_fingerprint),"
            " last_status=excluded.last_status, last_fetched=excluded.last_fetched",
            (url, etag, last_modified, fingerprint, status, utcnow().isoformat()),
        )


def save_feed_response(
    archive: Archive,
    source: str,
    url: str,
    observed: datetime,
    status: int,
    headers: dict[str, str],
    raw: bytes,
) -> bool:
    """Keep a feed/listing body; skipped when identical to the source's previous one."""
    import hashlib

    sha = hashlib.sha256(raw).hexdigest()
    last = archive.session.execute(
        "SELECT raw_sha256 FROM feed_responses WHERE source=? ORDER BY id DESC LIMIT 1",
        (source,),
    ).fetchone()
    if last and last[0] == sha:
        return False
    with archive.transaction() as conn:
        # The archive's content-addressed blob store (zstd, deduplicated).
        archive.put_blob(raw, sha)
        conn.execute(
            "INSERT INTO feed_responses(source, url, observed, http_status, http_headers,"
            " raw_sha256) VALUES(?,?,?,?,?,?)",
            (source, url, observed.isoformat(), status, json.dumps(headers), sha),
        )
    return True
