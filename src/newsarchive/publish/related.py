"""Stories and duplicates, read from the dedup component (issue 6) when it is installed.

Publishing works without it (no story pages, no duplicate lists); the site says so on
its about page rather than failing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from newsarchive import dedup
from newsarchive.archive import Archive


@dataclass(frozen=True, slots=True)
class StoryInfo:
    id: int
    label: str
    first: datetime
    last: datetime
    outlets: tuple[str, ...]
    articles: tuple[int, ...]

    @property
    def path(self) -> str:
        return f"s/{self.id}.html"


@dataclass(frozen=True, slots=True)
class Duplicate:
    id: int
    url: str
    similarity: float


@dataclass(slots=True)
class Related:
    available: bool = False
    stories: list[StoryInfo] = field(default_factory=list)
    story_of: dict[int, StoryInfo] = field(default_factory=dict)
    duplicates: dict[int, list[Duplicate]] = field(default_factory=dict)


def load_related(archive: Archive, selected: set[int]) -> Related:
    rel = Related(available=True)
    for s in dedup.stories(archive):
        members = tuple(a for a in s.articles if a in selected)
        if len(members) < 2:
            continue  # a story of one published article adds nothing to the site
        info = StoryInfo(
            id=s.id,
            label=s.label,
            first=s.first,
            last=s.last,
            outlets=tuple(s.outlets),
            articles=members,
        )
        rel.stories.append(info)
        for a in members:
            rel.story_of.setdefault(a, info)
    for group in dedup.duplicate_groups(archive):
        ids = [group.representative, *(m.id for m in group.members)]
        sims = {m.id: m.similarity for m in group.members}
        urls = {m.id: m.url for m in group.members}
        for a in ids:
            if a not in selected:
                continue
            rel.duplicates[a] = [
                Duplicate(o, urls.get(o, ""), sims.get(o, 1.0)) for o in ids if o != a
            ]
    rel.stories.sort(key=lambda s: (s.last, s.id), reverse=True)
    return rel
