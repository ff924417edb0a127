"""Search index tables (SQLite's; PostgreSQL's are described at POSTGRES_MIGRATIONS).

`search_fts` is a contentless FTS5 table (``content=''``): it holds the index only, not
the text, which already lives once in `versions`. Its rows are keyed by article id and
hold the tokens of the article's latest version:

- ``title`` and ``body``: `segment_for_index` tokens joined by spaces (the `unicode61`
  tokenizer then only splits on those spaces; ``.`` and ``%`` are token characters so
  ``15.9`` and ``%`` survive),
- ``chars``: the distinct CJK characters of title + body, so a single-character query
  or a phrase that starts or ends inside a word has something exact to match.

A contentless table can only delete a row when given the same tokens again, so
`search_docs` remembers which version is indexed for each article; the hook re-segments
that version's text to delete it (segmentation is deterministic). `search_meta` records
which segmenter built the index (`segmenter_version()`); after an upgrade the hook
refuses to touch rows it cannot delete exactly, and `newsarchive reindex` rebuilds.

Append new migrations at the end; never edit one that has shipped.
"""

from newsarchive.archive.session import Schema

MIGRATIONS: list[str] = [
    # 1: index
    """
    CREATE VIRTUAL TABLE search_fts USING fts5(
        title, body, chars,
        content='',
        tokenize="unicode61 remove_diacritics 0 tokenchars '.%'"
    );
    CREATE TABLE search_docs (
        article_id INTEGER PRIMARY KEY,
        version_id INTEGER NOT NULL
    );
    CREATE TABLE search_meta (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
    INSERT INTO search_meta(key, value) VALUES('segmenter', '1');
    """,
    # 2: the segmenter is identified by `segmenter_version()` now; '1' was written by
    # the same segmenter, so let the hook claim the index with the full identifier.
    """
    DELETE FROM search_meta WHERE key = 'segmenter' AND value = '1';
    """,
    # 3: the CJK characters of each article in order, as trigrams (`search.sqlite`,
    # "fragments"): narrows the candidates of a phrase that cuts words in half before
    # their text is read and checked. Postings only (detail='none'). An index that
    # already holds articles fills it at the next `reindex` (until then fragments are
    # checked as before); an empty one is complete from the start.
    """
    CREATE VIRTUAL TABLE search_tri USING fts5(
        cjk, content='', detail='none', tokenize='trigram'
    );
    INSERT INTO search_meta(key, value)
        SELECT 'trigrams', 'complete' WHERE NOT EXISTS (SELECT 1 FROM search_docs);
    """,
]


# Not CJK (`text.segment.CJK_CLASS` as this migration shipped): what a document's
# tokens lose to leave its CJK text (`search.trigrams.cjk_text`).
_NOT_CJK = "[^\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]"

POSTGRES_TRIGRAMS = f"""
    ALTER TABLE search_docs ADD COLUMN grams TSVECTOR;
    ALTER TABLE search_docs ALTER COLUMN grams SET STORAGE EXTERNAL;
    UPDATE search_docs d SET grams = (
        SELECT coalesce(array_to_tsvector(array_agg(DISTINCT g)), '')
        FROM (SELECT s.c || lead(s.c, 1) OVER w || lead(s.c, 2) OVER w AS g
              FROM regexp_split_to_table(regexp_replace(
                     CASE WHEN d.lossy THEN d.tokens
                     ELSE (SELECT string_agg(u.lexeme, ' ' ORDER BY p)
                           FROM unnest(d.doc) u, unnest(u.positions) p) END,
                     '{_NOT_CJK}', '', 'g'), '') WITH ORDINALITY s(c, n)
              WINDOW w AS (ORDER BY s.n)) x
        WHERE g IS NOT NULL
    )
    -- A token too long for a lexeme is kept as its prefix and a digest (`lexeme`):
    -- its characters are not all there, so its document stays unknown (NULL).
    WHERE NOT EXISTS (SELECT 1 FROM unnest(d.doc) u WHERE u.lexeme ~ '~[0-9a-f]{{16}}$');
    CREATE INDEX search_docs_grams ON search_docs USING gin (grams);
    CREATE INDEX search_docs_ungrammed ON search_docs (article_id) WHERE grams IS NULL;
    -- The update gave every row a new version: its new entries in the words' index
    -- wait in the pending list, and the planner knows nothing of the new column. (The
    -- old versions stay until autovacuum: searched before it, the 10,000-article
    -- bench archive's p99 was 84 ms, 25 ms after a VACUUM.)
    SELECT gin_clean_pending_list('search_docs_doc');
    ANALYZE search_docs;
    INSERT INTO search_meta(key, value) VALUES('trigrams', 'complete')
        ON CONFLICT(key) DO NOTHING;
"""

# PostgreSQL's migrations (see `search.postgres`): one row per article with its tokens
# as a weighted tsvector (title A, body D, marked distinct characters) under a GIN
# index, stored out of line and uncompressed (STORAGE EXTERNAL).
# ``lossy`` marks a document past a tsvector limit, whose phrases are then looked up
# in ``tokens`` (NULL for every other document).
POSTGRES_MIGRATIONS: list[str] = [
    # 1: index
    """
    CREATE TABLE search_docs (
        article_id BIGINT PRIMARY KEY,
        version_id BIGINT NOT NULL,
        doc TSVECTOR NOT NULL,
        lossy BOOLEAN NOT NULL DEFAULT FALSE,
        tokens TEXT
    );
    ALTER TABLE search_docs ALTER COLUMN doc SET STORAGE EXTERNAL;
    CREATE INDEX search_docs_doc ON search_docs USING gin (doc);
    CREATE TABLE search_meta (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
    """,
    # 2: ``grams``: the trigrams of each article's CJK characters in order, as a
    # tsvector of lexemes without positions under a GIN index (`search.postgres`,
    # "fragments"; SQLite's migration 3). Filled here from what the index already
    # holds: a document's CJK tokens in position order (a lossy one's token text), so
    # an upgraded archive narrows fragments at once, without a reindex.
    POSTGRES_TRIGRAMS,
    # 3: no planner statistics on ``grams``: its one query (`fragment_candidates`) is
    # planned as a bitmap scan of its GIN index whatever they say, and gathering them
    # was ~85% of ANALYZE search_docs (0.32-0.38 against 0.04-0.07 ms of server CPU an
    # article, 3,000 corpus articles): ANALYZE runs after every import and fetch pass
    # (`settle`), and autovacuum's runs during long imports.
    """
    ALTER TABLE search_docs ALTER COLUMN grams SET STATISTICS 0;
    """,
]

SCHEMA = Schema("search", MIGRATIONS, POSTGRES_MIGRATIONS)
