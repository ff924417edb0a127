"""Mined (name, Latin key) counts → entities.

A Chinese form belongs to every Latin name it is written beside in at least
`SHARE` of its pairs (特朗普 beside "Donald Trump" 61 times and "Trump" twice belongs
to the first only), so one stray pair never joins two entities (以及世界贸易组织（WHO）).
Forms and Latin names joined that way are one entity (川普 and 特朗普 both stand
beside "Donald Trump"). Each Chinese form also gets its Taiwan and Hong Kong
writings from OpenCC's phrase tables (英伟达 → 輝達) and its traditional script.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

from newsarchive.names.table import Entity
from newsarchive.text.script import _converter, to_simplified, to_traditional

SHARE = 0.2
# Latin names that are generic words for an organisation, not a name of one.
_ORG_WORDS = frozenset(
    [
        "university",
        "center",
        "centre",
        "institute",
        "company",
        "corp",
        "corporation",
        "inc",
        "ltd",
        "group",
        "bank",
        "association",
        "council",
        "party",
        "agency",
        "organization",
        "organisation",
        "committee",
        "news",
        "network",
        "foundation",
        "fund",
        "ministry",
        "department",
        "office",
        "commission",
        "service",
        "times",
        "post",
        "journal",
        "daily",
        "union",
        "federation",
        "board",
    ]
)
_SLUG = re.compile(r"[^a-z0-9]+")


def regional_forms(name: str) -> list[str]:
    """`name` (zh-Hans) as Taiwan and Hong Kong write it (OpenCC s2twp, s2hk), in
    traditional script and folded back to simplified."""
    tw = str(_converter("s2twp").convert(name))
    hk = str(_converter("s2hk").convert(name))
    forms = [to_traditional(name), tw, to_simplified(tw)]
    if to_simplified(hk) != name:
        forms += [hk, to_simplified(hk)]
    return list(dict.fromkeys(f for f in forms if f != name))


def _kind(latin: str, chinese: str) -> str:
    words = latin.split()
    if latin.isupper() and len(latin) <= 8:
        return "org"
    if any(w.lower() in _ORG_WORDS for w in words):
        return "org"
    if 2 <= len(words) <= 4 and all(w[:1].isupper() for w in words) and len(chinese) <= 8:
        return "person"
    return "other"


def group(counts: Counter[tuple[str, str]], spellings: dict[str, Counter[str]]) -> list[Entity]:
    """Entities from trimmed (name, latin key) counts; `spellings` gives each key's
    spellings as written (the most common one is shown)."""
    per_form: Counter[str] = Counter()
    for (name, _), n in counts.items():
        per_form[name] += n
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    kept = {(n, k): c for (n, k), c in counts.items() if c >= SHARE * per_form[n]}
    for name, key in kept:
        parent[find("zh:" + name)] = find("en:" + key)
    members: dict[str, list[str]] = {}
    for node in list(parent):
        members.setdefault(find(node), []).append(node)
    entities: list[Entity] = []
    used: set[str] = set()
    for nodes in members.values():
        zh = sorted(
            (n[3:] for n in nodes if n.startswith("zh:")),
            key=lambda f: (-sum(c for (a, _), c in kept.items() if a == f), f),
        )
        keys = [n[3:] for n in nodes if n.startswith("en:")]
        latin = [
            spelling
            for key in keys
            for spelling, _ in spellings.get(key, Counter({key: 1})).most_common()
        ]
        if not zh or not latin:
            continue
        en = max(latin, key=lambda s: sum(spellings.get(k, Counter()).get(s, 0) for k in keys))
        forms = [*zh, *(f for name in zh for f in regional_forms(name)), *latin]
        base = _SLUG.sub("-", en.lower()).strip("-") or _SLUG.sub("-", keys[0]).strip("-")
        entity_id, n = base, 2
        while entity_id in used:
            entity_id, n = f"{base}-{n}", n + 1
        used.add(entity_id)
        entities.append(Entity(entity_id, zh[0], _kind(en, zh[0]), en, tuple(dict.fromkeys(forms))))
    return sorted(entities, key=lambda e: e.id)


def surnames(entities: Iterable[Entity]) -> dict[str, str]:
    """A person's last Latin word → the person's id, when no other entity's Latin
    names end with it (Trump, Pompeo; not Johnson, claimed twice)."""
    owners: dict[str, set[str]] = {}
    for entity in entities:
        if entity.kind != "person" or not entity.en:
            continue
        for form in entity.aliases:
            if form.isascii() and " " in form:
                owners.setdefault(form.split()[-1].strip(".,"), set()).add(entity.id)
    return {word: ids.pop() for word, ids in owners.items() if len(ids) == 1 and len(word) > 2}
