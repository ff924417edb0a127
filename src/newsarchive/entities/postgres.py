"""What the entities component does only on PostgreSQL (see `newsarchive.entities.index`)."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from typing import Any

from newsarchive.archive.session import Session

# An article's rows are replaced in two statements whatever their number: the old rows
# of both tables in one, the new ones in the other, sent as two JSON arrays the server
# takes apart. Row by row (an executemany) an article cost ~20 statements (19 mentions
# on average over 2,000 corpus files), each parsed, planned and answered; as arrays
# (unnest) psycopg spent 0.25-0.30 ms an article adapting them in the importer's one
# writing process, as JSON 0.10-0.11 ms.
_FORGET = (
    "WITH m AS (DELETE FROM entity_mentions WHERE article_id = ?)"
    " DELETE FROM entity_figures WHERE article_id = ?"
)
_STORE = (
    "WITH m AS (INSERT INTO entity_mentions(article_id, entity_id, name, kind, mentions, weak)"
    " SELECT ?, e->>0, e->>1, e->>2, CAST(e->>3 AS integer), CAST(e->>4 AS integer)"
    " FROM json_array_elements(CAST(? AS json)) e)"
    " INSERT INTO entity_figures(article_id, seq, text, value, unit, what, sentence)"
    " SELECT ?, CAST(f.n AS integer) - 1, f.e->>0, CAST(f.e->>1 AS double precision),"
    " f.e->>2, f.e->>3, f.e->>4"
    " FROM json_array_elements(CAST(? AS json)) WITH ORDINALITY AS f(e, n)"
)


def forget(tx: Session, article_id: int) -> None:
    tx.execute(_FORGET, (article_id, article_id))


def store_rows(
    tx: Session,
    article_id: int,
    mentions: Sequence[tuple[Any, ...]],
    figures: Sequence[tuple[Any, ...]],
) -> None:
    """Replace the article's mentions and figures (as `index.store_rows`)."""
    forget(tx, article_id)
    if mentions or figures:
        tx.execute(_STORE, (article_id, _json(mentions), article_id, _json(figures)))


def _json(rows: Sequence[tuple[Any, ...]]) -> str:
    """`rows` as a JSON array of arrays. A float is written as its shortest repr, which
    PostgreSQL reads back to the same double (an infinite one as the text PostgreSQL
    reads as such: JSON has no number for it). NUL, which PostgreSQL text cannot hold,
    becomes U+FFFD as everywhere else (`archive.postgres`)."""
    try:
        text = json.dumps(rows, ensure_ascii=False, allow_nan=False)
    except ValueError:
        return json.dumps([[_plain(v) for v in r] for r in rows], ensure_ascii=False)
    if "\\u0000" in text:
        return json.dumps([[_plain(v) for v in r] for r in rows], ensure_ascii=False)
    return text


def _plain(value: Any) -> Any:
    if isinstance(value, str):
        return value.replace("\x00", "\ufffd")
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else "Infinity" if value > 0 else "-Infinity"
    return value
