"""Tables of the dedup stage: signatures, LSH buckets, verified links, groups, stories.

Append new migrations at the end; never edit one that has shipped.
"""

from newsarchive.archive.session import Schema

MIGRATIONS: list[str] = [
    # 1: near-duplicates and stories
    """
    -- One row per indexed article (its latest version).
    CREATE TABLE dedup_signatures (
        article_id INTEGER PRIMARY KEY REFERENCES articles(id),
        version_id INTEGER NOT NULL,
        shingles INTEGER NOT NULL,        -- size of the shingle set
        form_length INTEGER NOT NULL,     -- characters of the matching form
        published_ts REAL,
        edition_key TEXT                  -- simplified/traditional editions share it
    );
    CREATE INDEX dedup_signatures_edition ON dedup_signatures(edition_key)
        WHERE edition_key IS NOT NULL;

    -- LSH buckets: one row per (band key, article). A new article's candidates are the
    -- articles sharing one of its keys: an index lookup, never a scan of all pairs.
    CREATE TABLE dedup_bands (
        key INTEGER NOT NULL,
        article_id INTEGER NOT NULL,
        PRIMARY KEY (key, article_id)
    ) WITHOUT ROWID;
    CREATE INDEX dedup_bands_article ON dedup_bands(article_id);

    -- Verified near-duplicate pairs (a < b) with their measured similarity.
    CREATE TABLE dedup_links (
        a INTEGER NOT NULL,
        b INTEGER NOT NULL,
        similarity REAL NOT NULL,
        kind TEXT NOT NULL,               -- 'text', 'contained' or 'edition'
        PRIMARY KEY (a, b)
    ) WITHOUT ROWID;
    CREATE INDEX dedup_links_b ON dedup_links(b);

    -- Connected components of the links; group_id is the smallest member id.
    CREATE TABLE dedup_members (
        article_id INTEGER PRIMARY KEY,
        group_id INTEGER NOT NULL
    );
    CREATE INDEX dedup_members_group ON dedup_members(group_id);

    -- Stories (batch-computed by `newsarchive stories --rebuild`, or on demand when
    -- articles changed since the last pass).
    CREATE TABLE stories (
        id INTEGER PRIMARY KEY,
        label TEXT NOT NULL,
        first TEXT NOT NULL,
        last TEXT NOT NULL,
        first_ts REAL NOT NULL,
        last_ts REAL NOT NULL,
        outlets TEXT NOT NULL,            -- JSON list, in order of first report
        first_outlet TEXT
    );
    CREATE INDEX stories_first ON stories(first_ts);
    CREATE TABLE story_articles (
        story_id INTEGER NOT NULL REFERENCES stories(id),
        article_id INTEGER NOT NULL,
        PRIMARY KEY (article_id)
    );
    CREATE INDEX story_articles_story ON story_articles(story_id);

    CREATE TABLE dedup_state (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
    """,
    # 2: the writer's cost. Each article's bucket keys are kept with its signature, so
    # its bucket rows are deleted by key and dedup_bands needs no index by article
    # (26 index inserts per article, ~a third of the hook's SQL time).
    """
    ALTER TABLE dedup_signatures ADD COLUMN band_keys BLOB;  -- the keys as little-endian int64
    DROP INDEX dedup_bands_article;
    """,
]


# PostgreSQL's migrations: the same tables (see the module docstring).
POSTGRES_MIGRATIONS: list[str] = []

SCHEMA = Schema("dedup", MIGRATIONS, POSTGRES_MIGRATIONS)
