"""Live collection: sources, polite fetching, feeds, scheduling, address safety.

The only code in newsarchive that touches the network.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from newsarchive.lazy import exports

if TYPE_CHECKING:
    from newsarchive.collect.feeds import FeedError, FeedItem, listing_links, parse_feed
    from newsarchive.collect.http import Fetcher, FetchError, Response
    from newsarchive.collect.outcomes import SourceTally
    from newsarchive.collect.run import FetchSummary, Progress, fetch_once
    from newsarchive.collect.settings import FetchSettings, SettingsError
    from newsarchive.collect.sources import (
        Source,
        SourceError,
        add_source,
        fetch_errors,
        get_source,
        list_sources,
        load_state,
        remove_source,
    )
    from newsarchive.collect.watch import watch

# Imported on first use (PEP 562): `import newsarchive.<pkg>.schema` (the composition
# root, every command) must not load the whole stage and its libraries.
_WHERE: dict[str, str] = {
    "FeedError": "newsarchive.collect.feeds",
    "FeedItem": "newsarchive.collect.feeds",
    "listing_links": "newsarchive.collect.feeds",
    "parse_feed": "newsarchive.collect.feeds",
    "Fetcher": "newsarchive.collect.http",
    "FetchError": "newsarchive.collect.http",
    "Response": "newsarchive.collect.http",
    "SourceTally": "newsarchive.collect.outcomes",
    "FetchSummary": "newsarchive.collect.run",
    "Progress": "newsarchive.collect.run",
    "fetch_once": "newsarchive.collect.run",
    "FetchSettings": "newsarchive.collect.settings",
    "SettingsError": "newsarchive.collect.settings",
    "Source": "newsarchive.collect.sources",
    "SourceError": "newsarchive.collect.sources",
    "add_source": "newsarchive.collect.sources",
    "fetch_errors": "newsarchive.collect.sources",
    "get_source": "newsarchive.collect.sources",
    "list_sources": "newsarchive.collect.sources",
    "load_state": "newsarchive.collect.sources",
    "remove_source": "newsarchive.collect.sources",
    "watch": "newsarchive.collect.watch",
}


__getattr__ = exports(__name__, _WHERE)


__all__ = [
    "FeedError",
    "FeedItem",
    "FetchError",
    "FetchSettings",
    "FetchSummary",
    "Fetcher",
    "Progress",
    "Response",
    "SettingsError",
    "Source",
    "SourceError",
    "SourceTally",
    "add_source",
    "fetch_errors",
    "fetch_once",
    "get_source",
    "list_sources",
    "listing_links",
    "load_state",
    "parse_feed",
    "remove_source",
    "watch",
]
