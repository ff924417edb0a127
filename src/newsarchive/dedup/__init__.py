"""Same article, same story: near-duplicate groups and cross-outlet stories.

Identity of one article is its canonical URL (`newsarchive.urls`); this stage relates
*different* articles: near-duplicates (same text under different URLs, found
incrementally with MinHash/LSH by `DedupHook`) and stories (different outlets' articles
about one event, computed in a batch pass). See docs/dedup.md.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from newsarchive.lazy import exports

if TYPE_CHECKING:
    from newsarchive.dedup.background import refresh_stories_in_child
    from newsarchive.dedup.coverage import Coverage
    from newsarchive.dedup.groups import (
        DuplicateGroup,
        DuplicateMember,
        duplicate_groups,
        duplicates_of,
        representative_of,
    )
    from newsarchive.dedup.index import DedupHook, rebuild_index
    from newsarchive.dedup.story_pass import (
        Story,
        rebuild_stories,
        stories,
        story_by_id,
        story_of,
    )

# Imported on first use (PEP 562): `import newsarchive.<pkg>.schema` (the composition
# root, every command) must not load the whole stage and its libraries.
_WHERE: dict[str, str] = {
    "refresh_stories_in_child": "newsarchive.dedup.background",
    "Coverage": "newsarchive.dedup.coverage",
    "DuplicateGroup": "newsarchive.dedup.groups",
    "DuplicateMember": "newsarchive.dedup.groups",
    "duplicate_groups": "newsarchive.dedup.groups",
    "duplicates_of": "newsarchive.dedup.groups",
    "representative_of": "newsarchive.dedup.groups",
    "DedupHook": "newsarchive.dedup.index",
    "rebuild_index": "newsarchive.dedup.index",
    "Story": "newsarchive.dedup.story_pass",
    "rebuild_stories": "newsarchive.dedup.story_pass",
    "stories": "newsarchive.dedup.story_pass",
    "story_by_id": "newsarchive.dedup.story_pass",
    "story_of": "newsarchive.dedup.story_pass",
}


__getattr__ = exports(__name__, _WHERE)


__all__ = [
    "Coverage",
    "DedupHook",
    "DuplicateGroup",
    "DuplicateMember",
    "Story",
    "duplicate_groups",
    "duplicates_of",
    "rebuild_index",
    "rebuild_stories",
    "refresh_stories_in_child",
    "representative_of",
    "stories",
    "story_by_id",
    "story_of",
]
