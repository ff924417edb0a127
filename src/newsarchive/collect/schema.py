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
    # 2: several collectors on one archive (docs/collect.md, "Several collectors").
    # Leases: who works on a source or a page, and until when (epoch seconds on the
    # database's clock, so that collectors on machines with skewed clocks agree). A
    # collector renews its leases while it works; a killed one's lapse and others
    # take the work over.
    """
    ALTER TABLE source_state ADD COLUMN holder TEXT;
    ALTER TABLE source_state ADD COLUMN leased_until REAL;

    -- Article pages waiting to be fetched: queued by whoever read the feed, fetched by
    -- whichever collector claims them; a page's row goes in the transaction that
    -- stores it.
    CREATE TABLE page_queue (
        url TEXT PRIMARY KEY,                -- canonical URL
        source TEXT NOT NULL,
        host TEXT NOT NULL,
        item TEXT NOT NULL,                  -- the feed item, JSON
        queued_at TEXT NOT NULL,
        holder TEXT,
        leased_until REAL
    );
    CREATE INDEX page_queue_host ON page_queue(host, queued_at, url);

    -- Per-host politeness shared by every collector (used on PostgreSQL; collectors
    -- on one SQLite archive are one machine's): a host's request slots, each a lease
    -- held while one request is in flight, and the earliest start of its next request.
    CREATE TABLE host_slots (
        host TEXT NOT NULL,
        slot INTEGER NOT NULL,
        holder TEXT,
        leased_until REAL,
        PRIMARY KEY (host, slot)
    );
    CREATE TABLE host_pace (
        host TEXT PRIMARY KEY,
        next_start REAL NOT NULL
    );
    """,
]


# PostgreSQL's migrations: the same tables and columns (instants as ISO text, JSON as
# text, REAL as DOUBLE PRECISION, BLOB as BYTEA, ids as identities).
POSTGRES_MIGRATIONS: list[str] = [
    # 1: sources and fetch state (SQLite's 1)
    """
    CREATE TABLE sources (
        name TEXT PRIMARY KEY,
        url TEXT NOT NULL,
        kind TEXT NOT NULL DEFAULT 'feed',
        outlet TEXT,
        origin TEXT NOT NULL DEFAULT 'user',
        added_at TEXT NOT NULL,
        removed_at TEXT
    );

    CREATE TABLE source_state (
        name TEXT PRIMARY KEY REFERENCES sources(name),
        etag TEXT,
        last_modified TEXT,
        last_attempt TEXT,
        last_success TEXT,
        last_new_item TEXT,
        next_due TEXT,
        interval DOUBLE PRECISION,
        avg_new_interval DOUBLE PRECISION,
        error_streak INTEGER NOT NULL DEFAULT 0,
        last_error TEXT
    );

    CREATE TABLE url_state (
        url TEXT PRIMARY KEY,
        etag TEXT,
        last_modified TEXT,
        item_fingerprint TEXT,
        last_status INTEGER,
        last_fetched TEXT
    );

    CREATE TABLE fetch_errors (
        id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
        source TEXT,
        url TEXT NOT NULL,
        reason TEXT NOT NULL,
        observed TEXT NOT NULL
    );
    CREATE INDEX fetch_errors_source ON fetch_errors(source, id);

    CREATE TABLE feed_responses (
        id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
        source TEXT NOT NULL,
        url TEXT NOT NULL,
        observed TEXT NOT NULL,
        http_status INTEGER NOT NULL,
        http_headers TEXT NOT NULL,
        raw_sha256 TEXT NOT NULL REFERENCES blobs(sha256)
    );
    CREATE INDEX feed_responses_source ON feed_responses(source, id);
    """,
    # 2: several collectors on one archive (SQLite's 2)
    """
    ALTER TABLE source_state ADD COLUMN holder TEXT;
    ALTER TABLE source_state ADD COLUMN leased_until DOUBLE PRECISION;

    CREATE TABLE page_queue (
        url TEXT PRIMARY KEY,
        source TEXT NOT NULL,
        host TEXT NOT NULL,
        item TEXT NOT NULL,
        queued_at TEXT NOT NULL,
        holder TEXT,
        leased_until DOUBLE PRECISION
    );
    CREATE INDEX page_queue_host ON page_queue(host, queued_at, url);

    CREATE TABLE host_slots (
        host TEXT NOT NULL,
        slot INTEGER NOT NULL,
        holder TEXT,
        leased_until DOUBLE PRECISION,
        PRIMARY KEY (host, slot)
    );
    CREATE TABLE host_pace (
        host TEXT PRIMARY KEY,
        next_start DOUBLE PRECISION NOT NULL
    );
    """,
]

SCHEMA = Schema("collect", MIGRATIONS, POSTGRES_MIGRATIONS)
