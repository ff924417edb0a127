"""Reading entities and figures back: an article's, one entity's page, lists, filters.

Rule 4 of `recognize` applies here: a weak mention counts once articles from two outlets
name the same entity (`_ACCEPTED`), so the archive's own statistics decide, and they
stay right as articles come and go.
"""

from __future__ import annotations

from typing import Any

from newsarchive.archive.session import Session, marks
from newsarchive.entities.lexicon import fold, lexicon, unknown_id

# Outlets that must name a weakly recognised entity before it counts.
MIN_OUTLETS = 2

_ACCEPTED = f"""
    (m.weak = 0 OR m.entity_id IN (
        SELECT w.entity_id FROM entity_mentions w JOIN articles wa ON wa.id = w.article_id
        WHERE w.entity_id = m.entity_id
        GROUP BY w.entity_id HAVING count(DISTINCT wa.outlet) >= {MIN_OUTLETS}))
"""


def describe(entity_id: str, name: str, kind: str) -> dict[str, Any]:
    """`{id, name, kind, aliases, en}` with what the lexicon knows of the entity."""
    lex = lexicon()
    known = lex.by_id(entity_id) or (None if entity_id.startswith("name:") else lex.resolve(name))
    if known is None:
        return {"id": entity_id, "name": name, "kind": kind, "aliases": [], "en": None}
    return {
        "id": known.id,
        "name": known.name,
        "kind": known.kind,
        "aliases": list(known.aliases),
        "en": known.en,
    }


def article_entities(session: Session, article_id: int) -> list[dict[str, Any]]:
    rows = session.all(
        "SELECT m.entity_id, m.name, m.kind FROM entity_mentions m"
        f" WHERE m.article_id=? AND {_ACCEPTED} ORDER BY m.mentions DESC, m.entity_id",
        (article_id,),
    )
    return [describe(r[0], r[1], r[2]) for r in rows]


def _figure(row: Any) -> dict[str, Any]:
    return {
        "text": row["text"],
        "value": row["value"],
        "unit": row["unit"],
        "what": row["what"],
        "sentence": row["sentence"],
    }


def article_figures(session: Session, article_id: int) -> list[dict[str, Any]]:
    rows = session.all(
        "SELECT text, value, unit, what, sentence FROM entity_figures"
        " WHERE article_id=? ORDER BY seq",
        (article_id,),
    )
    return [_figure(r) for r in rows]


def entity_id_for(session: Session, name_or_alias: str) -> str | None:
    """The stored entity a name, alias or id stands for (any script, any case)."""
    form = name_or_alias.strip()
    if not form:
        return None
    candidates = []
    known = lexicon().resolve(form)
    if known is not None:
        candidates.append(known.id)
    candidates += [form, unknown_id(form)]
    for candidate in candidates:
        if session.scalar("SELECT 1 FROM entity_mentions WHERE entity_id=? LIMIT 1", (candidate,)):
            return candidate
    return known.id if known is not None else None


def entity_article_ids(session: Session, name_or_alias: str) -> set[int]:
    """Articles naming the entity (for `search --entity`): empty when none does."""
    entity_id = entity_id_for(session, name_or_alias)
    if entity_id is None:
        return set()
    rows = session.all("SELECT article_id FROM entity_mentions WHERE entity_id=?", (entity_id,))
    return {int(r[0]) for r in rows}


def list_entities(
    session: Session, query: str | None = None, limit: int = 100
) -> list[dict[str, Any]]:
    """Entities by the number of articles naming them; `query` keeps those whose name,
    English name or an alias contains it (folded)."""
    rows = session.all(
        "SELECT m.entity_id, min(m.name), min(m.kind), count(*) AS n FROM entity_mentions m"
        f" WHERE {_ACCEPTED} GROUP BY m.entity_id ORDER BY n DESC, m.entity_id",
    )
    needle = fold(query) if query else None
    out = []
    for entity_id, name, kind, n in rows:
        item = describe(entity_id, name, kind)
        if needle is not None:
            forms = [item["name"], item["en"] or "", *item["aliases"]]
            if not any(needle in fold(f) for f in forms):
                continue
        item["article_count"] = int(n)
        out.append(item)
        if len(out) >= limit:
            break
    return out


def entity_page(session: Session, name_or_alias: str, limit: int = 200) -> dict[str, Any] | None:
    """`{id, name, kind, aliases, en, article_count, articles, timeline, outlets,
    cooccurring, figures}` for one entity, or None when no article names it."""
    entity_id = entity_id_for(session, name_or_alias)
    if entity_id is None:
        return None
    head = session.one(
        "SELECT min(name), min(kind), count(*) FROM entity_mentions WHERE entity_id=?",
        (entity_id,),
    )
    if head is None or not head[2]:
        return None
    out = describe(entity_id, head[0], head[1])
    out["id"] = entity_id
    out["article_count"] = int(head[2])
    articles = session.all(
        "SELECT a.id, v.title, a.outlet, v.published, m.mentions FROM entity_mentions m"
        " JOIN articles a ON a.id=m.article_id JOIN versions v ON v.id=a.latest_version_id"
        " WHERE m.entity_id=? ORDER BY v.published DESC NULLS LAST, a.id DESC LIMIT ?",
        (entity_id, limit),
    )
    out["articles"] = [
        {"id": r[0], "title": r[1], "outlet": r[2], "published": r[3], "mentions": r[4]}
        for r in articles
    ]
    timeline = session.all(
        "SELECT substr(v.published, 1, 7) AS period, count(*) FROM entity_mentions m"
        " JOIN articles a ON a.id=m.article_id JOIN versions v ON v.id=a.latest_version_id"
        " WHERE m.entity_id=? AND v.published IS NOT NULL GROUP BY period ORDER BY period",
        (entity_id,),
    )
    out["timeline"] = [{"period": r[0], "count": int(r[1])} for r in timeline]
    outlets = session.all(
        "SELECT a.outlet, count(*) AS n FROM entity_mentions m JOIN articles a"
        " ON a.id=m.article_id WHERE m.entity_id=? GROUP BY a.outlet ORDER BY n DESC, a.outlet",
        (entity_id,),
    )
    out["outlets"] = [{"outlet": r[0], "count": int(r[1])} for r in outlets]
    co = session.all(
        "SELECT m.entity_id, min(m.name), min(m.kind), count(*) AS n FROM entity_mentions m"
        " WHERE m.article_id IN (SELECT article_id FROM entity_mentions WHERE entity_id=?)"
        f" AND m.entity_id <> ? AND {_ACCEPTED}"
        " GROUP BY m.entity_id ORDER BY n DESC, m.entity_id LIMIT 20",
        (entity_id, entity_id),
    )
    out["cooccurring"] = [describe(r[0], r[1], r[2]) | {"count": int(r[3])} for r in co]
    out["figures"] = figures(session, entity=entity_id, limit=50)
    return out


def figures(
    session: Session, query: str | None = None, entity: str | None = None, limit: int = 200
) -> list[dict[str, Any]]:
    """Figures side by side with their article, outlet and date: those whose `what` or
    sentence contains `query` (simplified or traditional alike), of articles naming
    `entity`; newest first."""
    where: list[str] = []
    params: list[Any] = []
    if entity:
        ids = entity_article_ids(session, entity)
        if not ids:
            return []
        id_list = sorted(ids)[:5000]
        where.append(f"f.article_id IN ({marks(len(id_list))})")
        params += id_list
    rows = session.all(
        "SELECT f.article_id, f.text, f.value, f.unit, f.what, f.sentence, a.outlet,"
        " v.published, v.title FROM entity_figures f JOIN articles a ON a.id=f.article_id"
        " JOIN versions v ON v.id=a.latest_version_id"
        + (" WHERE " + " AND ".join(where) if where else "")
        + " ORDER BY v.published DESC NULLS LAST, f.article_id DESC, f.seq",
        params,
    )
    needle = fold(query) if query else None
    out = []
    for r in rows:
        if needle is not None and needle not in fold(r["what"] + " " + r["sentence"]):
            continue
        out.append(
            {"article_id": r["article_id"], **_figure(r)}
            | {"outlet": r["outlet"], "published": r["published"], "title": r["title"]}
        )
        if len(out) >= limit:
            break
    return out


def accepted_entity_ids(session: Session) -> dict[int, frozenset[str]]:
    """Every article's accepted entities (ids; a weak mention only once two outlets name
    its entity), in one pass: for the story pass, which reads them with its snapshot.
    Empty when the archive has no entities table."""
    if not session.table_exists("entity_mentions"):
        return {}
    # The two-outlet rule as one uncorrelated subquery: `_ACCEPTED` per row would run
    # its GROUP BY once for each of ~a million mentions.
    rows = session.execute(
        "SELECT m.article_id, m.entity_id FROM entity_mentions m"
        " WHERE m.weak = 0 OR m.entity_id IN ("
        " SELECT w.entity_id FROM entity_mentions w JOIN articles wa ON wa.id = w.article_id"
        f" GROUP BY w.entity_id HAVING count(DISTINCT wa.outlet) >= {MIN_OUTLETS})"
    )
    found: dict[int, set[str]] = {}
    for article_id, entity_id in rows:
        found.setdefault(int(article_id), set()).add(str(entity_id))
    return {aid: frozenset(ids) for aid, ids in found.items()}
