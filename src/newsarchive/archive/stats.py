"""Counts of what an archive holds (the `stats` command and the web overview)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from newsarchive.archive.store import Archive


def archive_stats(archive: Archive) -> dict[str, Any]:
    q = archive.conn.execute
    by_outlet = q(
        "SELECT coalesce(outlet, '(unknown)') AS k, count(*) FROM articles"
        " GROUP BY k ORDER BY count(*) DESC, k"
    ).fetchall()
    by_format = q(
        "SELECT format, count(*) FROM captures GROUP BY format ORDER BY count(*) DESC"
    ).fetchall()
    # The year of the latest version's publication instant, in its own offset.
    by_year = q(
        "SELECT coalesce(substr(v.published, 1, 4), '(undated)') AS y, count(*)"
        " FROM articles a JOIN versions v ON v.id = a.latest_version_id"
        " GROUP BY y ORDER BY y"
    ).fetchall()
    return {
        "totals": archive.counts(),
        "by_outlet": {r[0]: r[1] for r in by_outlet},
        "by_format": {r[0]: r[1] for r in by_format},
        "by_year": {r[0]: r[1] for r in by_year},
    }
