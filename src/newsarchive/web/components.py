"""The other stages the web app serves, imported when first used.

Search, stories, collection and import belong to other components (see the contracts);
the web layer only calls them. An installation may lack one of them (or it may not have
landed yet in a development branch): the pages and endpoints that need it then answer
503 with a message that says which part is missing, and everything else keeps working.
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any

from fastapi import HTTPException

from newsarchive.archive import Archive
from newsarchive.web.cache import ResultCache, shown_of


class ComponentMissing(RuntimeError):
    """A feature's component is not installed; the message is for the user."""


_FEATURES = {
    "search": ("newsarchive.search", "search"),
    "stories": ("newsarchive.dedup", "stories"),
    "collect": ("newsarchive.collect", "collection of sources"),
    "ingest": ("newsarchive.ingest", "import"),
}


def component(feature: str) -> ModuleType:
    module_name, label = _FEATURES[feature]
    try:
        return importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name and (module_name == exc.name or module_name.startswith(exc.name + ".")):
            raise ComponentMissing(
                f"{label} is not available in this installation ({module_name} is missing)"
            ) from exc
        raise


def available(feature: str) -> bool:
    try:
        component(feature)
    except ComponentMissing:
        return False
    return True


# -- calls used by both the API and the pages -------------------------------------------


def run_search(
    archive: Archive,
    query: str,
    *,
    cache: ResultCache | None,
    previous: Any = None,
    **filters: Any,
) -> Any:
    """`newsarchive.search.search`; a malformed query becomes a 400 with its message.
    `previous`: an earlier result of the same search, so that only what was committed
    since is ranked."""
    mod = component("search")
    key = ("search", query, *sorted(filters.items()))

    def compute(state: Any) -> Any:
        if state is None:
            return mod.search(archive, query, **filters)
        return mod.search(archive, query, previous=state, **filters)

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
    except mod.QueryError as exc:
        raise HTTPException(400, f"q: {exc}") from None


def run_timeline(archive: Archive, query: str, *, cache: ResultCache, **options: Any) -> Any:
    mod = component("search")
    key = ("timeline", query, *sorted(options.items()))
    try:
        # Counts show no article text: nothing to check, refreshed like any result.
        return cache.get(
            archive, key, lambda _: list(mod.timeline(archive, query, **options)), lambda _: ()
        )
    except mod.QueryError as exc:
        raise HTTPException(400, f"q: {exc}") from None


def list_stories(archive: Archive, **filters: Any) -> list[Any]:
    # Never recomputed here: the web's readers are read-only (see `refresh_stories`).
    return list(component("stories").stories(archive, refresh=False, **filters))


def find_story(archive: Archive, story_id: int) -> Any:
    # The contract has no lookup by id; stories are few enough (one per event) to scan.
    for story in list_stories(archive):
        if story.id == story_id:
            return story
    raise HTTPException(404, f"no story with id {story_id}")


def story_of(archive: Archive, article_id: int) -> Any:
    """The article's story, or None (also when story detection is not installed)."""
    try:
        mod = component("stories")
    except ComponentMissing:
        return None
    return mod.story_of(archive, article_id)


def refresh_stories(archive: Archive) -> None:
    """Recompute stories after a write, on the writer's connection.

    Story detection recomputes lazily when it is asked with a writable archive; the
    web's readers are read-only and serve the last computed stories, so the writer
    asks once after each import or fetch (and once at start-up).
    """
    try:
        mod = component("stories")
    except ComponentMissing:
        return
    # In a child process where the component offers it: the clustering would hold the
    # GIL for tens of seconds on this server's writer thread (dedup/background.py).
    in_child = getattr(mod, "refresh_stories_in_child", None)
    if in_child is not None:
        in_child(archive)
    else:
        mod.stories(archive)
