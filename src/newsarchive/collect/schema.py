"""Collection tables: sources, their fetch state and schedule, per-URL HTTP validators,
fetch errors and raw feed responses.

Append new migrations at the end; never edit one that has shipped.
"""

from newsarchive.archive.session import Schema

MIGRATIONS: list[str] = [
    # 1: sources and fetch state
    """
    CREATE TABLE sources (
        name TEXT PRIMARY KEY,
        url TEXT NOT NULL,
        kind TEXT NOT NULL DEFAULT 'feed',   -- 'feed' or 'listing'
        outlet TEXT,                         -- canonical outlet name, when known
        origin TEXT NOT NULL DEFAULT 'user', -- 'builtin' (profiles/sources.toml) or 'user'
        added_at TEXT NOT NULL,
        removed_at TEXT                      -- kept, so a removed builtin stays removed
    );

    CREATE TABLE source_state (
        name TEXT PRIMARY KEY REFERENCES sources(name),
        etag TEXT,
        last_modified TEXT,
        last_attempt TEXT,
        last_success TEXT,
        last_new_item TEXT,                  -- last time a pass found an item not seen before
        next_due TEXT,                       -- ISO 8601 UTC; NULL = due now
        interval REAL,                       -- seconds until the next poll (adaptive)
        avg_new_interval REAL,               -- moving average of seconds between new items
        error_streak INTEGER NOT NULL DEFAULT 0,
        last_error TEXT
    );

    -- HTTP validators and what we last saw of each article URL, so pages are fetched
    -- again only when the feed item changed, and then conditionally.
    CREATE TABLE url_state (
        url TEXT PRIMARY KEY,
        etag TEXT,
        last_modified TEXT,
        item_fingerprint TEXT,
        last_status INTEGER,
        last_fetched TEXT
    );

    CREATE TABLE fetch_errors (
        id INTEGER PRIMARY KEY,
        source TEXT,
        url TEXT NOT NULL,
        reason TEXT NOT NULL,
        observed TEXT NOT NULL
    );
    CREATE INDEX fetch_errors_source ON fetch_errors(source, id);

    -- Every feed or listing body as served (articles' bodies are captures); a body is
    -- stored once per source until it changes.
    CREATE TABLE feed_responses (
        id INTEGER PRIMARY KEY,
        source TEXT NOT NULL,
        url TEXT NOT NULL,
        observed TEXT NOT NULL,
        http_status INTEGER NOT NULL,
        http_headers TEXT NOT NULL,
        raw_sha256 TEXT NOT NULL REFERENCES blobs(sha256)
    );
    CREATE INDEX feed_responses_source ON feed_responses(source, id);
    """,
]


# PostgreSQL's migrations: the same tables (see the module docstring).
POSTGRES_MIGRATIONS: list[str] = []

SCHEMA = Schema("collect", MIGRATIONS, POSTGRES_MIGRATIONS)
