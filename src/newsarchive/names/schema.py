"""Tables of the names layer: the ``中文（Latin）`` pairs each article's latest version
writes, and the entities grown from all of them (`names.grown`). Derived data:
`NamesHook` keeps the pairs in step, `Archive.settle` regrows the entities after a
run of writes, `reindex` rebuilds both.

Append new migrations at the end; never edit one that has shipped.
"""

from newsarchive.archive.session import Schema

MIGRATIONS: list[str] = [
    # 1: mined pairs, grown entities, and the generations that tell them apart
    """
    -- Whole-run pairs of an article's latest version: run folded to simplified,
    -- latin as written (spaces collapsed), n occurrences in the article.
    CREATE TABLE name_pairs (
        article_id INTEGER NOT NULL,
        run TEXT NOT NULL,
        latin TEXT NOT NULL,
        n INTEGER NOT NULL,
        PRIMARY KEY (article_id, run, latin)
    );

    -- Entities grown from every article's pairs (rows like the shipped aliases.tsv).
    CREATE TABLE name_grown (
        id TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        name TEXT NOT NULL,
        en TEXT,
        aliases TEXT NOT NULL             -- |-separated
    );

    -- 'pairs': bumped by each commit that changed pairs; 'grown': the 'pairs'
    -- generation name_grown was computed from.
    CREATE TABLE name_state (
        key TEXT PRIMARY KEY,
        value INTEGER NOT NULL
    );
    """,
]

POSTGRES_MIGRATIONS: list[str] = [
    """
    CREATE TABLE name_pairs (
        article_id BIGINT NOT NULL,
        run TEXT NOT NULL,
        latin TEXT NOT NULL,
        n INTEGER NOT NULL,
        PRIMARY KEY (article_id, run, latin)
    );

    CREATE TABLE name_grown (
        id TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        name TEXT NOT NULL,
        en TEXT,
        aliases TEXT NOT NULL
    );

    CREATE TABLE name_state (
        key TEXT PRIMARY KEY,
        value BIGINT NOT NULL
    );
    """,
]

SCHEMA = Schema("names", MIGRATIONS, POSTGRES_MIGRATIONS)
