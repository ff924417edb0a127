"""Core tables: articles, versions, captures, raw blobs and import errors.

Append new migrations at the end; never edit one that has shipped.
"""

MIGRATIONS: list[str] = [
    # 1: the model
    """
    CREATE TABLE articles (
        id INTEGER PRIMARY KEY,
        url TEXT NOT NULL UNIQUE,          -- canonical URL, or urn:sha256:<hash> without one
        outlet TEXT,
        first_seen TEXT NOT NULL,          -- ISO 8601 UTC
        latest_version_id INTEGER,
        gone_at TEXT,                      -- when the source started answering 404/410
        gone_status INTEGER
    );
    CREATE INDEX articles_outlet ON articles(outlet);

    CREATE TABLE versions (
        id INTEGER PRIMARY KEY,
        article_id INTEGER NOT NULL REFERENCES articles(id),
        content_hash TEXT NOT NULL,
        title TEXT NOT NULL,
        author TEXT,
        published TEXT,                    -- ISO 8601 with the source's offset
        published_ts REAL,                 -- the same instant as epoch seconds, for sorting
        lang TEXT,
        tags TEXT NOT NULL DEFAULT '[]',   -- JSON list
        images TEXT NOT NULL DEFAULT '[]', -- JSON list of {url, caption}
        timestamps TEXT NOT NULL DEFAULT '{}', -- JSON {role: {value, source}}
        html TEXT NOT NULL,
        text TEXT NOT NULL,
        first_seen TEXT NOT NULL,
        UNIQUE(article_id, content_hash)
    );
    CREATE INDEX versions_published ON versions(published_ts);

    -- Raw bytes, content-addressed and zstd-compressed: identical bytes seen in many
    -- places are stored once.
    CREATE TABLE blobs (
        sha256 TEXT PRIMARY KEY,
        size INTEGER NOT NULL,
        codec TEXT NOT NULL,               -- 'zstd' or 'raw'
        data BLOB NOT NULL
    );

    CREATE TABLE captures (
        id INTEGER PRIMARY KEY,
        article_id INTEGER NOT NULL REFERENCES articles(id),
        version_id INTEGER NOT NULL REFERENCES versions(id),
        format TEXT NOT NULL,
        location TEXT NOT NULL,
        observed TEXT NOT NULL,
        raw_sha256 TEXT NOT NULL REFERENCES blobs(sha256),
        http_status INTEGER,
        http_headers TEXT,
        UNIQUE(location, raw_sha256)
    );
    CREATE INDEX captures_article ON captures(article_id);

    CREATE TABLE import_errors (
        id INTEGER PRIMARY KEY,
        location TEXT NOT NULL,
        raw_sha256 TEXT,
        reason TEXT NOT NULL,
        observed TEXT NOT NULL,
        UNIQUE(location, raw_sha256)
    );
    """,
]
