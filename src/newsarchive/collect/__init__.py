"""Live collection: sources, polite fetching, feeds, scheduling, address safety.

The only code in newsarchive that touches the network.
"""

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
