"""Same article, same story: near-duplicate groups and cross-outlet stories.

Identity of one article is its canonical URL (`newsarchive.urls`); this stage relates
*different* articles: near-duplicates (same text under different URLs, found
incrementally with MinHash/LSH by `DedupHook`) and stories (different outlets' articles
about one event, computed in a batch pass). See docs/dedup.md.
"""

from newsarchive.dedup.background import refresh_stories_in_child
from newsarchive.dedup.coverage import Coverage, coverage
from newsarchive.dedup.groups import (
    DuplicateGroup,
    DuplicateMember,
    duplicate_groups,
    duplicates_of,
    representative_of,
)
from newsarchive.dedup.index import DedupHook, rebuild_index
from newsarchive.dedup.story_pass import Story, rebuild_stories, stories, story_by_id, story_of

__all__ = [
    "Coverage",
    "DedupHook",
    "DuplicateGroup",
    "DuplicateMember",
    "Story",
    "coverage",
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
