"""Tables of the entities layer: who and what each article's latest version names, and
the figures it cites. Derived data: `EntitiesHook` keeps them in step, `reindex`
rebuilds them.

Append new migrations at the end; never edit one that has shipped.
"""

from newsarchive.archive.session import Schema

MIGRATIONS: list[str] = [
    # 1: mentions and figures
    """
    -- One row per (article, entity) of the article's latest version.
    CREATE TABLE entity_mentions (
        article_id INTEGER NOT NULL,
        entity_id TEXT NOT NULL,          -- lexicon / alias-table id, or name:<folded form>
        name TEXT NOT NULL,               -- display name (zh-Hans)
        kind TEXT NOT NULL,               -- person | org | place | other
        mentions INTEGER NOT NULL,
        weak INTEGER NOT NULL,            -- 1: counts only once two outlets name it
        PRIMARY KEY (article_id, entity_id)
    );
    CREATE INDEX entity_mentions_entity ON entity_mentions(entity_id);

    -- Figures in text order (seq) of the article's latest version.
    CREATE TABLE entity_figures (
        article_id INTEGER NOT NULL,
        seq INTEGER NOT NULL,
        text TEXT NOT NULL,               -- as written: 1,434亿美元
        value REAL NOT NULL,              -- normalised: 1.434e11
        unit TEXT NOT NULL,               -- USD, CNY, ... ratio, pp, nm, times
        what TEXT NOT NULL,
        sentence TEXT NOT NULL,
        PRIMARY KEY (article_id, seq)
    );
    """,
]

POSTGRES_MIGRATIONS: list[str] = [
    """
    CREATE TABLE entity_mentions (
        article_id BIGINT NOT NULL,
        entity_id TEXT NOT NULL,
        name TEXT NOT NULL,
        kind TEXT NOT NULL,
        mentions INTEGER NOT NULL,
        weak INTEGER NOT NULL,
        PRIMARY KEY (article_id, entity_id)
    );
    CREATE INDEX entity_mentions_entity ON entity_mentions(entity_id);

    CREATE TABLE entity_figures (
        article_id BIGINT NOT NULL,
        seq INTEGER NOT NULL,
        text TEXT NOT NULL,
        value DOUBLE PRECISION NOT NULL,
        unit TEXT NOT NULL,
        what TEXT NOT NULL,
        sentence TEXT NOT NULL,
        PRIMARY KEY (article_id, seq)
    );
    """,
]

SCHEMA = Schema("entities", MIGRATIONS, POSTGRES_MIGRATIONS)
