"""The other stages the web app serves (search, stories), called the same way by the
API and the pages: a malformed query becomes a 400, results go through the cache."""

from __future__ import annotations

from typing import Any

from fastapi import HTTPException

from newsarchive import dedup
from newsarchive.archive import Archive
from newsarchive.dedup import Story
from newsarchive.search import QueryError, SearchPage, TimelineBucket, search, timeline
from newsarchive.search.fusion import semantic_ready
from newsarchive.web.cache import ResultCache, shown_of

# -- calls used by both the API and the pages -------------------------------------------


def run_search(
    archive: Archive,
    query: str,
    *,
    cache: ResultCache | None,
    previous: SearchPage | None = None,
    **filters: Any,
) -> SearchPage:
    """`newsarchive.search.search`; a malformed query becomes a 400 with its message.
    `previous`: an earlier result of the same search, so that only what was committed
    since is ranked."""
    # Results made by words only while the embedding model loads are cached apart:
    # once it is loaded the next search fuses meaning (`search.fusion`).
    ready = semantic_ready(filters.get("mode", "lexical"))
    key = ("search", query, ready, *sorted(filters.items()))

    def compute(state: SearchPage | None) -> SearchPage:
        # A server never waits for the embedding model to load (`search.fusion`).
        if state is None:
            return search(archive, query, wait_for_model=False, **filters)
        return search(archive, query, previous=state, wait_for_model=False, **filters)

    try:
        if cache is None:
            return compute(previous)
        return cache.get(
            archive,
            key,
            compute,
            lambda page: shown_of(page.hits),
            lambda page: page,
        )
    except QueryError as exc:
        raise HTTPException(400, f"q: {exc}") from None


def run_timeline(
    archive: Archive, query: str, *, cache: ResultCache, **options: Any
) -> list[TimelineBucket]:
    key = ("timeline", query, *sorted(options.items()))
    try:
        # Counts show no article text: nothing to check, refreshed like any result.
        return cache.get(
            archive, key, lambda _: list(timeline(archive, query, **options)), lambda _: ()
        )
    except QueryError as exc:
        raise HTTPException(400, f"q: {exc}") from None


def list_stories(archive: Archive, **filters: Any) -> list[Story]:
    # Never recomputed here: the web's readers are read-only (see `refresh_stories`).
    return list(dedup.stories(archive, refresh=False, **filters))


def find_story(archive: Archive, story_id: int) -> Story:
    # The contract has no lookup by id; stories are few enough (one per event) to scan.
    for story in list_stories(archive):
        if story.id == story_id:
            return story
    raise HTTPException(404, f"no story with id {story_id}")


def story_of(archive: Archive, article_id: int) -> Story | None:
    """The article's story, or None."""
    return dedup.story_of(archive, article_id)


def refresh_stories(archive: Archive) -> None:
    """Recompute stories after a write, on the writer's connection.

    Story detection recomputes lazily when it is asked with a writable archive; the
    web's readers are read-only and serve the last computed stories, so the writer
    asks once after each import or fetch (and once at start-up).
    """
    # In a child process: the clustering would hold the GIL for tens of seconds on this
    # server's writer thread (dedup/background.py).
    dedup.refresh_stories_in_child(archive)
