"""Reading duplicate groups: members, similarities and the representative.

The representative is the earliest published copy among the most complete ones (text at
least 80% as long as the longest member): the original rather than a later reprint, but
never a truncated feed copy when the full text exists. Search and publish collapse a
group to it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from newsarchive.archive.session import Row, Session

if TYPE_CHECKING:
    from newsarchive.archive import Archive

_COMPLETE = 0.8  # a member this long relative to the longest counts as complete


@dataclass(frozen=True, slots=True)
class DuplicateMember:
    id: int
    url: str
    similarity: float

    def to_json(self) -> dict[str, object]:
        return {"id": self.id, "url": self.url, "similarity": self.similarity}


@dataclass(frozen=True, slots=True)
class DuplicateGroup:
    representative: int
    members: list[DuplicateMember]  # every member but the representative

    def to_json(self) -> dict[str, object]:
        return {
            "representative": self.representative,
            "members": [m.to_json() for m in self.members],
        }


def _group_of(conn: Session, article_id: int) -> int | None:
    row = conn.execute(
        "SELECT group_id FROM dedup_members WHERE article_id=?", (article_id,)
    ).fetchone()
    return int(row[0]) if row else None


def _members(conn: Session, group_id: int) -> list[Row]:
    conn_rows = conn.execute(
        "SELECT m.article_id AS id, a.url, s.form_length, s.published_ts"
        " FROM dedup_members m JOIN articles a ON a.id=m.article_id"
        " LEFT JOIN dedup_signatures s ON s.article_id=m.article_id"
        " WHERE m.group_id=? ORDER BY m.article_id",
        (group_id,),
    ).fetchall()
    return list(conn_rows)


def _pick_representative(rows: list[Row]) -> int:
    longest = max((r["form_length"] or 0) for r in rows)
    complete = [r for r in rows if (r["form_length"] or 0) >= _COMPLETE * longest]
    best = min(
        complete,
        key=lambda r: (r["published_ts"] is None, r["published_ts"] or 0.0, r["id"]),
    )
    return int(best["id"])


def _similarity(conn: Session, a: int, b: int, cache: dict[int, object]) -> float:
    """The stored link's similarity, or (members joined through others) measured now."""
    row = conn.execute(
        "SELECT similarity FROM dedup_links WHERE a=? AND b=?", (min(a, b), max(a, b))
    ).fetchone()
    if row:
        return float(row[0])
    # numpy and the MinHash index only now: `show` lists duplicates through their stored
    # links, and importing numpy cost it 0.1 s at every start (issue #20).
    from newsarchive.dedup.fingerprint import fingerprint, overlap
    from newsarchive.dedup.index import matching_text

    fps = []
    for aid in (a, b):
        if aid not in cache:
            r = conn.execute(
                "SELECT v.title, v.text FROM articles x JOIN versions v"
                " ON v.id=x.latest_version_id WHERE x.id=?",
                (aid,),
            ).fetchone()
            cache[aid] = fingerprint(matching_text(r[0], r[1]) if r else "").hashes
        fps.append(cache[aid])
    return overlap(fps[0], fps[1])  # type: ignore[arg-type]


def _build(conn: Session, group_id: int) -> DuplicateGroup | None:
    rows = _members(conn, group_id)
    if len(rows) < 2:
        return None
    rep = _pick_representative(rows)
    cache: dict[int, object] = {}
    members = [
        DuplicateMember(int(r["id"]), r["url"], _similarity(conn, rep, int(r["id"]), cache))
        for r in rows
        if r["id"] != rep
    ]
    return DuplicateGroup(rep, members)


def duplicate_groups(archive: Archive) -> Iterator[DuplicateGroup]:
    """Every group of near-duplicate articles, in order of their smallest id."""
    gids = [
        r[0]
        for r in archive.session.execute(
            "SELECT DISTINCT group_id FROM dedup_members ORDER BY group_id"
        )
    ]
    for gid in gids:
        group = _build(archive.session, gid)
        if group is not None:
            yield group


def duplicates_of(archive: Archive, article_id: int) -> list[DuplicateMember]:
    """The other members of `article_id`'s group, with their similarity to it."""
    gid = _group_of(archive.session, article_id)
    if gid is None:
        return []
    cache: dict[int, object] = {}
    return [
        DuplicateMember(
            int(r["id"]), r["url"], _similarity(archive.session, article_id, int(r["id"]), cache)
        )
        for r in _members(archive.session, gid)
        if r["id"] != article_id
    ]


def representative_of(archive: Archive, article_id: int) -> int:
    """The id search and publish show for `article_id`'s group (itself if none)."""
    gid = _group_of(archive.session, article_id)
    if gid is None:
        return article_id
    rows = _members(archive.session, gid)
    return _pick_representative(rows) if rows else article_id
