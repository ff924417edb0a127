"""The archive: articles, their versions and captures, in SQLite or PostgreSQL.

One writer at a time (SQLite's lock, or PostgreSQL's archive-wide advisory lock);
readers never wait. Callers group work in `with archive.transaction():` blocks; a
process killed at any point leaves the last committed transaction intact, and re-running
the same import skips what is stored.

Other components keep derived data (search index, duplicate signatures) in the same
database; the composition root (`newsarchive.components`) hands the archive their
`ArchiveHook`s, which are told about every new version or removal inside the same
transaction, so derived data can never drift from the articles.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from pathlib import Path
from typing import Any, Protocol, TypedDict

import zstandard

from newsarchive.archive import reads
from newsarchive.archive.db import Address, describe, open_session, resolve_address
from newsarchive.archive.session import ArchiveError, Dialect, Schema, Session, row_dict
from newsarchive.model import ArticleRecord, Capture, Draft, Image, utcnow
from newsarchive.urls import canonical_url

# Level 3: 0.04 ms per mirror file against 0.14 ms at level 6, for a ratio of 2.02
# instead of 2.07 (measured by the readers on the Jekyll corpus); imports are CPU-bound.
_ZSTD_LEVEL = 3
_local = threading.local()  # zstd (de)compressor objects are not thread-safe


def pack_blob(raw: bytes) -> tuple[str, bytes]:
    """How raw bytes are stored: (codec, data). Importers call it in their parse workers
    and hand the result over in `Capture.packed`, so the single writer does not spend
    ~0.1 ms a file compressing."""
    compressor = getattr(_local, "compressor", None)
    if compressor is None:
        compressor = _local.compressor = zstandard.ZstdCompressor(level=_ZSTD_LEVEL)
    packed = compressor.compress(raw)
    return ("zstd", packed) if len(packed) < len(raw) else ("raw", raw)


class IngestOutcome(Enum):
    NEW_ARTICLE = "new_article"  # first time we see this article
    NEW_VERSION = "new_version"  # known article, content we had not seen
    NEW_CAPTURE = "new_capture"  # known content, seen in a new place or at a new time
    UNCHANGED = "unchanged"  # these exact bytes from this exact place: nothing added


@dataclass(frozen=True, slots=True)
class IngestResult:
    outcome: IngestOutcome
    article_id: int
    version_id: int


class ArchiveHook(Protocol):
    """Derived data kept in the archive's own transactions."""

    def on_version(self, tx: Session, article_id: int, version_id: int, draft: Draft) -> None:
        """A new latest version of `article_id` was stored, in transaction `tx`."""

    def on_remove(self, tx: Session, article_id: int) -> None:
        """`article_id` is being removed from the archive, in transaction `tx`."""

    # Optional: `before_commit(tx)`, called as the archive's transaction is about to
    # commit (a hook may defer writes to it), and `on_rollback(tx)` when it rolls back.
    # `prepare(draft)` or `prepare_many(drafts)` fill `draft.derived` ahead of storing,
    # in the importer's parse workers (see `prepare_drafts`). `settle(archive)`, called
    # by `Archive.settle` after a run of writes, recomputes what spans many articles.
    # `opened(archive)`, called when an archive is opened with the hook, lets it know
    # the archive (its dialect, say) before it is sent to parse workers.


# Keys of what `prepare_draft` precomputes for `Archive.ingest` itself.
_URL_KEY = "archive.url"
_HASH_KEY = "archive.content_hash"
_FIELDS_KEY = "archive.version_fields"

# A version's columns that are encodings of the draft's fields: published (ISO 8601 and
# epoch seconds), tags, images and timestamps (JSON).
_VersionFields = tuple[str | None, float | None, str, str, str]


def _version_fields(draft: Draft) -> _VersionFields:
    """Encoded where the draft is prepared (an importer's parse workers): three
    json.dumps and ~5 isoformat calls cost the single writer 0.014 ms a version (session
    5, 2,000 corpus drafts), ~2% of its CPU a file, work a parse worker can do instead."""
    published = draft.published
    return (
        published.isoformat() if published else None,
        published.timestamp() if published else None,
        json.dumps(draft.tags, ensure_ascii=False),
        json.dumps(
            [{"url": i.url, "caption": i.caption} for i in draft.images], ensure_ascii=False
        ),
        json.dumps({k: t.to_json() for k, t in draft.timestamps.items()}, ensure_ascii=False),
    )


def _version_values(draft: Draft, fields: _VersionFields) -> tuple[Any, ...]:
    """A version's columns from title to text, in the order both backends' INSERTs
    (and `archive_ingest`'s parameters) list them."""
    published, published_ts, tags, images, timestamps = fields
    return (
        draft.title,
        draft.author,
        published,
        published_ts,
        draft.lang,
        tags,
        images,
        timestamps,
        draft.html,
        draft.text,
    )


def prepare_draft(draft: Draft, hooks: Sequence[ArchiveHook] = ()) -> Draft:
    """Precompute everything `Archive.ingest` needs that does not touch the database:
    the article's identity (canonical URL, content hash), the version's encoded fields
    and each hook's derived data (its optional `prepare(draft)` method fills
    `draft.derived`). Importers run it in their parse workers, which took the search
    segmentation (~80% of the writer's CPU) and the URL and hash work (~0.3 ms an
    article) off the single writing process."""
    prepare_drafts([draft], hooks)
    return draft


def prepare_drafts(drafts: Sequence[Draft], hooks: Sequence[ArchiveHook] = ()) -> None:
    """`prepare_draft` for many drafts, one step at a time: every draft's identity, then
    each hook's preparation of every draft. The same values as draft by draft, for less
    CPU: each step's code and tables (jieba's dictionary, OpenCC's, the dedup fold
    table) stay in the CPU caches across drafts instead of being evicted by the next
    step's. A parse worker doing 125 files a step spent 1.8 ms a file against 2.3-2.5
    ms file by file (1,500 corpus files, best of 3; see docs/readers.md)."""
    for draft in drafts:
        chash = draft.derived[_HASH_KEY] = draft.content_hash()
        draft.derived[_URL_KEY] = _identity(draft, chash)
        draft.derived[_FIELDS_KEY] = _version_fields(draft)
    for hook in hooks:
        # A hook may prepare a whole step at once (`prepare_many(drafts)`): the
        # embedding model runs a batch of titles at half the CPU a title of one by one.
        prepare_many = getattr(hook, "prepare_many", None)
        if prepare_many is not None:
            prepare_many(drafts)
            continue
        prepare = getattr(hook, "prepare", None)
        if prepare is not None:
            for draft in drafts:
                prepare(draft)


def _identity(draft: Draft, chash: str) -> str:
    """Identity is the canonical URL, so every mirror's spelling of it merges; a draft
    without one is identified by its content hash `chash`."""
    return canonical_url(draft.url) if draft.url else f"urn:sha256:{chash}"


class VersionRow(TypedDict):
    """One stored version of an article (`Archive.versions`)."""

    id: int
    content_hash: str
    title: str
    author: str | None
    published: str | None  # ISO 8601 with the source's offset
    text: str
    html: str
    first_seen: str


class CaptureRow(TypedDict):
    """One observation of an article (`Archive.captures`)."""

    id: int
    version_id: int
    format: str
    location: str
    observed: str
    raw_sha256: str
    http_status: int | None
    http_headers: str | None  # JSON object


class Archive:
    """An open archive: one session to its database, plus the hooks that keep derived
    data in step. Open one with `newsarchive.components.open_archive`, which knows
    every component's schema and hooks."""

    def __init__(
        self, session: Session, address: Address, hooks: Sequence[ArchiveHook] = ()
    ) -> None:
        # For the components' storage adapters only (their own tables and the joins
        # they need); everything else reads through the typed methods below.
        self.session = session
        self.address = address
        self.hooks: list[ArchiveHook] = list(hooks)
        self._decompressor = zstandard.ZstdDecompressor()
        self._depth = 0
        for hook in self.hooks:
            opened = getattr(hook, "opened", None)
            if opened is not None:
                opened(self)

    # -- opening -------------------------------------------------------------------

    @classmethod
    def open(
        cls,
        address: str | Path | None = None,
        *,
        schemas: Sequence[Schema],
        hooks: Sequence[ArchiveHook] = (),
        readonly: bool = False,
        create: bool = True,
    ) -> Archive:
        where = resolve_address(address)
        return cls(open_session(where, schemas, readonly=readonly, create=create), where, hooks)

    @property
    def dialect(self) -> Dialect:
        return self.session.dialect

    @property
    def name(self) -> str:
        """The archive as named to people (a path, or a URL without its password)."""
        return describe(self.address)

    @property
    def readonly(self) -> bool:
        return self.session.readonly

    def close(self) -> None:
        self.session.close()

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self, *, exclusive: bool = True) -> Iterator[Session]:
        """A write transaction; nested calls join the outer one. `exclusive` (the
        default) holds the archive's single-writer lock; only bookkeeping that must not
        wait for a long import (collection leases) asks for less."""
        if self._depth:
            self._depth += 1
            try:
                yield self.session
            finally:
                self._depth -= 1
            return
        self.session.begin(exclusive=exclusive)
        self._depth = 1
        try:
            yield self.session
            self._call_hooks("before_commit")
        except BaseException:
            self._depth = 0
            self._call_hooks("on_rollback")
            self.session.rollback()
            raise
        self._depth = 0
        self.session.commit()

    def _call_hooks(self, name: str) -> None:
        """Each hook's optional transaction method `name` (see `ArchiveHook`)."""
        for hook in self.hooks:
            method = getattr(hook, name, None)
            if method is not None:
                method(self.session)

    def settle(self) -> None:
        """A run of writes ended (an import, a fetch pass, a history import): each hook
        that keeps data spanning many articles recomputes it now (optional hook method
        `settle(archive)`), once per run rather than once per transaction. Then the
        database's planner statistics are brought up to date on the tables that
        changed much (`Session.refresh_statistics`), what the hooks wrote included."""
        if self.readonly:
            return
        for hook in self.hooks:
            method = getattr(hook, "settle", None)
            if method is not None:
                method(self)
        self.session.refresh_statistics()

    def generation(self) -> Any:
        """Changes whenever anyone has committed to the archive since the last call on
        this connection (the web's result cache compares it)."""
        return self.session.generation()

    # -- writing -------------------------------------------------------------------

    def ingest(self, draft: Draft, capture: Capture) -> IngestResult:
        """Store one observation of an article. Idempotent for the same bytes and place."""
        if self.dialect == "postgres":
            return self._ingest_in_one_call(draft, capture)
        with self.transaction() as tx:
            sha = capture.sha256
            row = tx.one(
                "SELECT article_id, version_id FROM captures WHERE location=? AND raw_sha256=?",
                (capture.location, sha),
            )
            if row:
                return IngestResult(IngestOutcome.UNCHANGED, row[0], row[1])

            now = utcnow().isoformat()
            chash = draft.derived.get(_HASH_KEY) or draft.content_hash()
            url = draft.derived.get(_URL_KEY) or _identity(draft, chash)
            art = tx.one("SELECT id, latest_version_id FROM articles WHERE url=?", (url,))
            if art is None:
                article_id = tx.insert(
                    "INSERT INTO articles(url, outlet, first_seen) VALUES(?,?,?) RETURNING id",
                    (url, draft.outlet, now),
                )
                outcome = IngestOutcome.NEW_ARTICLE
            else:
                article_id = art[0]
                outcome = IngestOutcome.NEW_CAPTURE
                if draft.outlet:
                    tx.execute(
                        "UPDATE articles SET outlet=coalesce(outlet, ?) WHERE id=?",
                        (draft.outlet, article_id),
                    )

            ver = tx.one(
                "SELECT id FROM versions WHERE article_id=? AND content_hash=?",
                (article_id, chash),
            )
            if ver is None:
                version_id = self._insert_version(tx, article_id, chash, draft, now)
                if outcome is not IngestOutcome.NEW_ARTICLE:
                    outcome = IngestOutcome.NEW_VERSION
                tx.execute(
                    "UPDATE articles SET latest_version_id=? WHERE id=?", (version_id, article_id)
                )
                for hook in self.hooks:
                    hook.on_version(tx, article_id, version_id, draft)
            else:
                version_id = ver[0]

            self._put_blob(tx, sha, capture.raw, capture.packed)
            tx.execute(
                "INSERT INTO captures(article_id, version_id, format, location, observed,"
                " raw_sha256, http_status, http_headers) VALUES(?,?,?,?,?,?,?,?)",
                (
                    article_id,
                    version_id,
                    capture.format,
                    capture.location,
                    capture.observed.isoformat(),
                    sha,
                    capture.http_status,
                    json.dumps(capture.http_headers, ensure_ascii=False)
                    if capture.http_headers is not None
                    else None,
                ),
            )
            return IngestResult(outcome, article_id, version_id)

    def _ingest_in_one_call(self, draft: Draft, capture: Capture) -> IngestResult:
        """`ingest` on PostgreSQL: the same statements as above, run by the server
        function `archive_ingest` (archive/schema.py) in one round trip; then the hooks,
        in the same transaction, when a version is new."""
        chash = draft.derived.get(_HASH_KEY) or draft.content_hash()
        url = draft.derived.get(_URL_KEY) or _identity(draft, chash)
        fields = draft.derived.get(_FIELDS_KEY) or _version_fields(draft)
        codec, data = capture.packed or pack_blob(capture.raw)
        with self.transaction() as tx:
            row = tx.one(
                "SELECT r_outcome, r_article, r_version FROM archive_ingest("
                + ",".join("?" * 23)
                + ")",
                (
                    capture.location,
                    capture.sha256,
                    url,
                    draft.outlet,
                    utcnow().isoformat(),
                    chash,
                    *_version_values(draft, fields),
                    len(capture.raw),
                    codec,
                    data,
                    capture.format,
                    capture.observed.isoformat(),
                    capture.http_status,
                    json.dumps(capture.http_headers, ensure_ascii=False)
                    if capture.http_headers is not None
                    else None,
                ),
            )
            outcome = IngestOutcome(row[0])
            article_id, version_id = int(row[1]), int(row[2])
            if outcome in (IngestOutcome.NEW_ARTICLE, IngestOutcome.NEW_VERSION):
                for hook in self.hooks:
                    hook.on_version(tx, article_id, version_id, draft)
            return IngestResult(outcome, article_id, version_id)

    def _insert_version(
        self, tx: Session, article_id: int, chash: str, draft: Draft, now: str
    ) -> int:
        fields = draft.derived.get(_FIELDS_KEY) or _version_fields(draft)
        return tx.insert(
            "INSERT INTO versions(article_id, content_hash, title, author, published,"
            " published_ts, lang, tags, images, timestamps, html, text, first_seen)"
            " VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?) RETURNING id",
            (article_id, chash, *_version_values(draft, fields), now),
        )

    def put_blob(self, raw: bytes, sha: str | None = None) -> str:
        """Keep raw bytes that belong to no article capture (a feed document, say) in
        the content-addressed blob store; returns their sha256. Stored once however
        often they are put."""
        sha = sha or hashlib.sha256(raw).hexdigest()
        with self.transaction() as tx:
            self._put_blob(tx, sha, raw)
        return sha

    def _put_blob(
        self, tx: Session, sha: str, raw: bytes, packed: tuple[str, bytes] | None = None
    ) -> None:
        if tx.one("SELECT 1 FROM blobs WHERE sha256=?", (sha,)):
            return
        codec, data = packed or pack_blob(raw)
        tx.execute(
            "INSERT INTO blobs(sha256, size, codec, data) VALUES(?,?,?,?)",
            (sha, len(raw), codec, data),
        )

    def record_error(self, location: str, reason: str, raw: bytes | None = None) -> bool:
        """Remember an input we could not read. Returns False if already recorded."""
        sha = hashlib.sha256(raw).hexdigest() if raw is not None else ""
        with self.transaction() as tx:
            cur = tx.execute(
                "INSERT INTO import_errors(location, raw_sha256, reason, observed)"
                " VALUES(?,?,?,?) ON CONFLICT DO NOTHING",
                (location, sha, reason, utcnow().isoformat()),
            )
            return cur.rowcount > 0

    def mark_gone(self, article_id: int, status: int, when: datetime | None = None) -> None:
        """The source answers 404/410 now: note it, keep everything we have."""
        with self.transaction() as tx:
            tx.execute(
                "UPDATE articles SET gone_at=coalesce(gone_at, ?), gone_status=? WHERE id=?",
                ((when or utcnow()).isoformat(), status, article_id),
            )

    def remove_article(self, article_id: int) -> None:
        """Delete an article and everything about it (an operator's decision, never
        automatic). Blobs shared with other captures stay."""
        with self.transaction() as tx:
            for hook in self.hooks:
                hook.on_remove(tx, article_id)
            tx.execute("UPDATE articles SET latest_version_id=NULL WHERE id=?", (article_id,))
            tx.execute("DELETE FROM captures WHERE article_id=?", (article_id,))
            tx.execute("DELETE FROM versions WHERE article_id=?", (article_id,))
            tx.execute("DELETE FROM articles WHERE id=?", (article_id,))

    # -- reading -------------------------------------------------------------------

    _ARTICLE_SQL = (
        "SELECT a.id, a.url, a.outlet, a.first_seen, a.gone_at, a.gone_status,"
        " v.id AS version_id, v.title, v.text, v.html, v.published, v.author, v.tags,"
        " v.images, v.lang, v.timestamps,"
        " (SELECT count(*) FROM versions v2 WHERE v2.article_id=a.id) AS version_count"
        " FROM articles a JOIN versions v ON v.id=a.latest_version_id"
    )

    def article(self, article_id: int) -> ArticleRecord | None:
        if not reads.valid_id(article_id):
            return None
        row = self.session.one(self._ARTICLE_SQL + " WHERE a.id=?", (article_id,))
        return _record(row) if row else None

    def find(self, id_or_url: str) -> ArticleRecord | None:
        """By numeric id, exact stored URL, or the URL after canonicalisation."""
        if id_or_url.isdigit():
            return self.article(int(id_or_url))
        for candidate in dict.fromkeys([id_or_url, canonical_url(id_or_url)]):
            row = self.session.one(self._ARTICLE_SQL + " WHERE a.url=?", (candidate,))
            if row:
                return _record(row)
        return None

    def iter_articles(self, *, batch: int = 500) -> Iterator[ArticleRecord]:
        """Every article's latest version, by id, streaming in batches."""
        last = 0
        while True:
            rows = self.session.all(
                self._ARTICLE_SQL + " WHERE a.id>? ORDER BY a.id LIMIT ?", (last, batch)
            )
            if not rows:
                return
            for row in rows:
                yield _record(row)
            last = rows[-1]["id"]

    def versions(self, article_id: int) -> list[VersionRow]:
        rows = self.session.all(
            "SELECT id, content_hash, title, author, published, text, html, first_seen"
            " FROM versions WHERE article_id=? ORDER BY id",
            (article_id,),
        )
        return [VersionRow(**row_dict(r)) for r in rows]  # type: ignore[typeddict-item]

    def captures(self, article_id: int) -> list[CaptureRow]:
        rows = self.session.all(
            "SELECT id, version_id, format, location, observed, raw_sha256, http_status,"
            " http_headers FROM captures WHERE article_id=? ORDER BY id",
            (article_id,),
        )
        return [CaptureRow(**row_dict(r)) for r in rows]  # type: ignore[typeddict-item]

    def latest_capture_at(self, location: str) -> tuple[str, str | None] | None:
        """(raw sha256, HTTP headers JSON) of the newest capture made at `location`."""
        row = self.session.one(
            "SELECT raw_sha256, http_headers FROM captures WHERE location=? ORDER BY id DESC",
            (location,),
        )
        return (row[0], row[1]) if row else None

    def has_capture(self, location: str, raw_sha256: str) -> bool:
        """Whether these exact bytes from this exact place are stored."""
        return bool(
            self.session.one(
                "SELECT 1 FROM captures WHERE location=? AND raw_sha256=?",
                (location, raw_sha256),
            )
        )

    def has_error(self, location: str, raw_sha256: str) -> bool:
        """Whether these exact bytes from this exact place were recorded as unreadable."""
        return bool(
            self.session.one(
                "SELECT 1 FROM import_errors WHERE location=? AND raw_sha256=?",
                (location, raw_sha256),
            )
        )

    def raw(self, sha256: str) -> bytes:
        row = self.session.one("SELECT codec, data FROM blobs WHERE sha256=?", (sha256,))
        if row is None:
            raise ArchiveError(f"no raw capture with sha256 {sha256}")
        data = bytes(row["data"])
        return self._decompressor.decompress(data) if row["codec"] == "zstd" else data

    def errors(self) -> list[dict[str, Any]]:
        rows = self.session.all("SELECT location, reason, observed FROM import_errors ORDER BY id")
        return [row_dict(r) for r in rows]

    def counts(self) -> dict[str, int]:
        q = self.session.scalar
        return {
            "articles": int(q("SELECT count(*) FROM articles")),
            "versions": int(q("SELECT count(*) FROM versions")),
            "captures": int(q("SELECT count(*) FROM captures")),
            "errors": int(q("SELECT count(*) FROM import_errors")),
        }

    # Listings for the web app, publish and stats (`archive.reads`).
    def recent_articles(
        self, *, outlet: str | None = None, limit: int = 20, offset: int = 0
    ) -> list[reads.ArticleSummary]:
        return reads.recent_articles(self.session, outlet=outlet, limit=limit, offset=offset)

    def summaries(self, ids: Sequence[int]) -> list[reads.ArticleSummary]:
        return reads.articles_by_id(self.session, list(ids))

    def outlets(self, name: str | None = None) -> list[reads.OutletSummary]:
        return reads.outlets(self.session, name)

    def latest_versions(self, ids: Sequence[int]) -> dict[int, int]:
        """{article id: its latest version id} for the stored articles among `ids`."""
        return reads.latest_versions(self.session, list(ids))

    def catalog(self) -> Iterator[reads.CatalogRow]:
        return reads.catalog(self.session)

    def format_counts(self) -> dict[str, int]:
        return reads.format_counts(self.session)

    def url_of(self, article_id: int) -> str | None:
        return reads.url_of(self.session, article_id)

    def stats(self) -> dict[str, Any]:
        return {"totals": self.counts(), **reads.breakdowns(self.session)}


def _record(row: Any) -> ArticleRecord:
    return ArticleRecord(
        id=row["id"],
        url=row["url"],
        outlet=row["outlet"],
        title=row["title"],
        text=row["text"],
        html=row["html"],
        published=datetime.fromisoformat(row["published"]) if row["published"] else None,
        author=row["author"],
        tags=json.loads(row["tags"]),
        images=[Image(i["url"], i.get("caption")) for i in json.loads(row["images"])],
        lang=row["lang"],
        version_id=row["version_id"],
        version_count=row["version_count"],
        first_seen=datetime.fromisoformat(row["first_seen"]),
        gone_at=datetime.fromisoformat(row["gone_at"]) if row["gone_at"] else None,
        gone_status=row["gone_status"],
        timestamps=json.loads(row["timestamps"]),
    )
