"""The canonical article model shared by every stage.

A *Draft* is what a reader or the collector produced from one observation: clean fields
ready to store. A *Capture* is the observation itself (raw bytes, where and when).
The archive turns the pair into an article (identity = canonical URL), a version
(identity = content hash) and a capture row.
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

# Formats of an observation. Mirror formats are the ones readers produce; "http" is a
# fetched article page and "feed" a feed item kept as its own capture.
CaptureFormat = Literal["jekyll", "feedx", "gfw-breaker", "http", "feed", "import"]
MIRROR_FORMATS: tuple[str, ...] = ("jekyll", "feedx", "gfw-breaker")


@dataclass(frozen=True, slots=True)
class Image:
    url: str
    caption: str | None = None


@dataclass(frozen=True, slots=True)
class Timestamp:
    """One instant we know about an article, and where it came from.

    `source` names the place precisely, e.g. ``"jekyll:front-matter.date"``,
    ``"feedx:comment-epoch"``, ``"body:dateline"`` or ``"http:last-modified"``, because the
    mirrors' dates mean different things (feed time vs page time) and must not be mixed up.
    """

    value: datetime
    source: str

    def to_json(self) -> dict[str, str]:
        return {"value": self.value.isoformat(), "source": self.source}


@dataclass(slots=True)
class Draft:
    """Clean article fields extracted from one observation."""

    title: str
    text: str
    html: str
    url: str | None = None
    outlet: str | None = None
    published: datetime | None = None
    author: str | None = None
    tags: list[str] = field(default_factory=list)
    images: list[Image] = field(default_factory=list)
    lang: str | None = None
    # Every timestamp seen, by role ("published", "feed", "body", "modified", ...).
    timestamps: dict[str, Timestamp] = field(default_factory=dict)
    # Values archive hooks computed ahead of storing (`prepare_draft`), keyed by hook,
    # e.g. the search tokens: computed in the import's parse workers so the single
    # writer only stores them. Never part of the content.
    derived: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.published is not None and self.published.tzinfo is None:
            raise ValueError("Draft.published must be timezone-aware")

    def content_hash(self) -> str:
        """Identity of a version: what a reader sees, normalised so that whitespace and
        Unicode composition differences do not create spurious versions."""
        payload = json.dumps(
            {"title": _norm(self.title), "text": _norm(self.text)},
            ensure_ascii=False,
            sort_keys=True,
        )
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()


@dataclass(slots=True)
class Capture:
    """One observation of an article: the raw bytes, where and when we saw them."""

    raw: bytes
    format: str
    location: str  # file path (archive name + "/" + member for tarballs) or URL
    observed: datetime = field(default_factory=lambda: datetime.now(UTC))
    http_status: int | None = None
    http_headers: dict[str, str] | None = None
    # The raw bytes' sha256 when the caller has already computed it (the importer hashes
    # every file to skip known ones); otherwise computed on first use.
    digest: str | None = field(default=None, repr=False, compare=False)
    # (codec, data) as the archive stores the raw bytes, when computed ahead
    # (`newsarchive.archive.store.pack_blob`, in the importer's workers).
    packed: tuple[str, bytes] | None = field(default=None, repr=False, compare=False)

    @property
    def sha256(self) -> str:
        if self.digest is None:
            self.digest = hashlib.sha256(self.raw).hexdigest()
        return self.digest


@dataclass(slots=True)
class ArticleRecord:
    """An article as stored: its identity plus the latest version's fields."""

    id: int
    url: str
    outlet: str | None
    title: str
    text: str
    html: str
    published: datetime | None
    author: str | None
    tags: list[str]
    images: list[Image]
    lang: str | None
    version_id: int
    version_count: int
    first_seen: datetime
    gone_at: datetime | None = None
    gone_status: int | None = None
    timestamps: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        d["published"] = self.published.isoformat() if self.published else None
        d["first_seen"] = self.first_seen.isoformat()
        d["gone_at"] = self.gone_at.isoformat() if self.gone_at else None
        return d


def _norm(s: str) -> str:
    return " ".join(unicodedata.normalize("NFC", s).split())


def utcnow() -> datetime:
    return datetime.now(UTC)
