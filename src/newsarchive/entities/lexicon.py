"""Known entities and resolution of any written form to one of them.

Three sources, in order: this package's hand-checked `lexicon.tsv` (the names the
recogniser must know to cut long and Latin-script names whole, and the ids its rules use,
such as us-commerce), enriched with the other forms the shared table knows for the same
name; then the shared alias table (`newsarchive.names`, mined from the archive by the
search vocabulary work: larger and noisier); then the gazetteer `places.tsv` (countries,
subdivisions and cities with their Chinese names, generated from packaged GeoNames, ISO
and CLDR data by `build_places`). A form is looked up
folded: NFKC, simplified script, Latin lower-cased, so 華為, 华为 and Huawei meet.

A name neither source knows is still an entity: its id is derived from its folded form
(`name:<form>`), so the same unknown name in two articles is one entity.
"""

from __future__ import annotations

import importlib
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from functools import cache, lru_cache
from pathlib import Path
from typing import Any, Protocol

from newsarchive.text.script import to_simplified

KINDS = ("person", "org", "place", "other")
_LEXICON = Path(__file__).with_name("lexicon.tsv")
_PLACES = Path(__file__).with_name("places.tsv")
_DICTIONARY = Path(__file__).with_name("dictionary_names.tsv")
_MEMO_SIZE = 200_000  # forms remembered by `Lexicon.resolve` (a vocabulary, ~20 MB)
_IDEOGRAPHS = re.compile(r"[\u3400-\u9fff]+\Z")
# The dots that join a transliterated name's parts, as outlets write them (亚历克斯‧阿扎:
# Taiwan's hyphenation point; 马丁•拉塞尔, マーティン・): one spelling, the middle dot.
_OTHER_DOTS = "•・‧∙⋅"


def middle_dots(text: str) -> str:
    """`text` with every dot of `_OTHER_DOTS` written as the middle dot. By `replace`
    (in C) rather than `str.translate` with a table, which looks each character up in
    Python: ~0.2 ms an article, fold's share ~14 µs a call."""
    for dot in _OTHER_DOTS:
        if dot in text:
            text = text.replace(dot, "·")
    return text


@dataclass(frozen=True)
class Entity:
    """The shape of `newsarchive.names.Entity` (same fields), so either source serves."""

    id: str
    name: str
    kind: str
    en: str | None
    aliases: tuple[str, ...]


class _AliasSource(Protocol):
    def resolve(self, name: str) -> Any: ...

    def entities(self) -> Iterable[Any]: ...


@lru_cache(maxsize=_MEMO_SIZE)
def fold(form: str) -> str:
    """The lookup key of a written form: NFKC, simplified, Latin lower-case, spaces
    collapsed; the middle dot of transliterated names in one spelling.

    Memoised: the recogniser folds each mention's form (one OpenCC call each; 0.1 M
    calls for 1,000 articles) and most forms recur."""
    text = middle_dots(unicodedata.normalize("NFKC", form))
    return " ".join(to_simplified(text).lower().split())


def unknown_id(form: str) -> str:
    return "name:" + fold(form)


def _read_lexicon(path: Path) -> list[Entity]:
    out: list[Entity] = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        cells = line.split("\t")
        if len(cells) < 3 or cells[2] not in KINDS:
            raise ValueError(f"{path.name}:{n}: expected id, name, kind (one of {KINDS})")
        cells += [""] * (5 - len(cells))
        aliases = tuple(a.strip() for a in cells[4].split("|") if a.strip())
        out.append(Entity(cells[0], cells[1], cells[2], cells[3] or None, aliases))
    return out


def _read_places(path: Path) -> list[tuple[Entity, bool]]:
    """The gazetteer's rows (`build_places`): each place, and whether its English name
    is matched in text (countries, subdivisions, large cities) or only shown."""
    out: list[tuple[Entity, bool]] = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        cells = line.split("\t")
        if len(cells) != 7 or cells[2] != "place":
            raise ValueError(
                f"{path.name}:{n}: expected id, name, place, en, aliases, population, latin"
            )
        aliases = tuple(a for a in cells[4].split("|") if a)
        out.append(
            (Entity(cells[0], cells[1], "place", cells[3] or None, aliases), cells[6] == "1")
        )
    return out


def _shared_table() -> _AliasSource | None:
    """The shared alias table, when this build has it (merged from `search-vocab`)."""
    try:
        names = importlib.import_module("newsarchive.names")
    except ImportError:
        return None
    table: _AliasSource = names.alias_table()
    return table


def _as_entity(found: Any) -> Entity:
    return Entity(
        str(found.id),
        str(found.name),
        found.kind if found.kind in KINDS else "other",
        found.en,
        tuple(found.aliases),
    )


class Lexicon:
    """Every known form, folded, to its entity."""

    def __init__(
        self,
        entities: Iterable[Entity],
        shared: _AliasSource | None = None,
        places: Iterable[tuple[Entity, bool]] = (),
        dictionary: Iterable[Entity] = (),
    ) -> None:
        self._shared = shared
        self._augmented: dict[str, Entity] = {}
        self._resolved: dict[str, Entity | None] = {}
        self._entities: dict[tuple[str, str], Entity] = {}
        self._keys: frozenset[str] | None = None
        self._keys_made = False
        self._by_form: dict[str, Entity] = {}
        self._by_id: dict[str, Entity] = {}
        for entity in entities:
            self._by_id[entity.id] = entity
            for form in (entity.name, entity.en, *entity.aliases):
                if form:
                    self._by_form.setdefault(fold(form), entity)
        # The gazetteer, last: its Chinese forms (ideographs: `fold` leaves them as
        # they are) and the English name when it is matched in text.
        self._places: dict[str, Entity] = {}
        self._place_ids: dict[str, Entity] = {}
        self._earlier: dict[str, Entity] = {}
        for entity, latin in places:
            self._place_ids[entity.id] = entity
            for form in (entity.name, *entity.aliases):
                self._places.setdefault(form, entity)
            if latin and entity.en:
                self._places.setdefault(fold(entity.en), entity)
        # The dictionary's names (`build_dictionary`, CC-CEDICT's proper nouns), last
        # (the gazetteer's filters are a place's better judge): media, parties and
        # people the archive seldom writes beside an English name (环球时报, 胡锡进).
        self._dictionary: dict[str, Entity] = {}
        self._dictionary_ids: dict[str, Entity] = {}
        for entity in dictionary:
            self._dictionary_ids.setdefault(entity.id, entity)
            for form in (entity.name, entity.en, *entity.aliases):
                if form:
                    self._dictionary.setdefault(fold(form), entity)

    def resolve(self, form: str) -> Entity | None:
        """The hand-checked lexicon first (its ids are the ones rules rely on, e.g.
        us-commerce), with the shared table's extra forms of the same name; then the
        shared table (mined from the archive: larger, noisier).

        Memoised: the recogniser asks for every noun of every article, and folding
        (OpenCC) twice per lookup was half of its time (profile of 72 articles)."""
        try:
            return self._resolved[form]
        except KeyError:
            pass
        if len(self._resolved) >= _MEMO_SIZE:
            self._resolved.clear()
        found = self._resolved[form] = self._resolve(form)
        return found

    def _resolve(self, form: str) -> Entity | None:
        key = fold(form)
        own = self._by_form.get(key)
        if own is not None:
            return self._with_shared_forms(own)
        if self._shared is not None:
            keys = self._shared_keys()
            # Most words asked about are no name: for one of ideographs alone the
            # shared table's key (`names.form_key`: NFKC, simplified, lower-case)
            # is `fold`'s (NFKC leaves ideographs as they are, they have no case
            # and no spaces), so a key the table lacks needs no second folding.
            if keys is None or key in keys or not _IDEOGRAPHS.match(form):
                found = self._shared.resolve(form)
                if found is not None:
                    return _as_entity(found)
        place = self._places.get(key)
        if place is not None:
            return self._earlier_place(place)
        return self._dictionary.get(key)

    def _earlier_place(self, place: Entity) -> Entity:
        """The place an earlier source knows by another of the gazetteer's forms (台中
        in the shared table: 台中市 is that place, not a second one), else `place`."""
        found = self._earlier.get(place.id)
        if found is None:
            found = place
            for form in (place.name, *place.aliases):
                key = fold(form)
                if self._places.get(key) is not place:
                    continue
                earlier = self._by_form.get(key)
                if earlier is None and self._shared is not None:
                    shared = self._shared.resolve(form)
                    earlier = _as_entity(shared) if shared is not None else None
                if earlier is not None and earlier.kind == "place":
                    found = earlier
                    break
            self._earlier[place.id] = found
        return found

    def _shared_keys(self) -> frozenset[str] | None:
        """Every form's key in the shared table, a superset of the keys it resolves (it
        keys each form of its entities), computed in one batch on first use; None when
        the shared source is not the names package's table (keyed otherwise)."""
        if not self._keys_made:
            self._keys_made = True
            table = importlib.import_module("newsarchive.names.table")
            if isinstance(self._shared, table.AliasTable):
                forms = (
                    f
                    for e in self._shared.entities()
                    for f in (e.name, e.en or "", *e.aliases)
                    if f
                )
                self._keys = frozenset(table.form_keys(forms).values())
        return self._keys

    def _with_shared_forms(self, entity: Entity) -> Entity:
        if self._shared is None:
            return entity
        cached = self._augmented.get(entity.id)
        if cached is None:
            extra: list[str] = []
            for form in (entity.name, entity.en):
                found = self._shared.resolve(form) if form else None
                if found is not None:
                    extra += [found.name, found.en or "", *found.aliases]
            known = {fold(f) for f in (entity.name, entity.en or "", *entity.aliases)}
            more = [f for f in dict.fromkeys(extra) if f and fold(f) not in known]
            cached = self._augmented[entity.id] = replace(entity, aliases=(*entity.aliases, *more))
        return cached

    def by_id(self, entity_id: str) -> Entity | None:
        return (
            self._by_id.get(entity_id)
            or self._place_ids.get(entity_id)
            or self._dictionary_ids.get(entity_id)
        )

    def place_forms(self) -> Iterator[str]:
        """The gazetteer's Chinese forms no earlier source names otherwise: words of
        the recogniser's dictionary, as places."""
        # The gazetteer's Chinese forms are written simplified (their own keys): one
        # set lookup a source, not a folding each (20,000 OpenCC calls a worker).
        table = self._shared
        keys = self._shared_keys() if table is not None else None
        for form in self._places:
            if not _IDEOGRAPHS.match(form.replace("·", "")) or form in self._by_form:
                continue
            shared = table is not None and (keys is None or form in keys)
            if not (shared and table is not None and table.resolve(form) is not None):
                yield form

    def dictionary_forms(self) -> Iterator[tuple[str, Entity]]:
        """The dictionary's Chinese names that no earlier source knows: words of the
        recogniser's dictionary at a name's usual frequency, like the gazetteer's."""
        for form, entity in self._dictionary.items():
            if _IDEOGRAPHS.match(form.replace("·", "")) and self.resolve(form) is entity:
                yield form, entity

    def forms(self) -> Iterator[tuple[str, Entity]]:
        """Every (written form, entity): the recogniser's dictionary of names."""
        for entity in self._by_id.values():
            for form in (entity.name, entity.en, *entity.aliases):
                if form:
                    yield form, entity
        # The shared table's forms are dictionary words of the recogniser too: held-out
        # recall 0.62 -> 0.70 at the same precision (bench/entities.py).
        if self._shared is not None:
            for found in self._shared.entities():
                entity = _as_entity(found)
                for form in (entity.name, entity.en, *entity.aliases):
                    if form:
                        yield form, entity

    def entity(self, form: str, kind: str = "other") -> Entity:
        """The entity `form` names: a known one, else one made from the form itself.

        Memoised like `resolve` (an unknown form's entity costs two foldings; the
        recogniser asks two to three times a mention)."""
        try:
            return self._entities[form, kind]
        except KeyError:
            pass
        if len(self._entities) >= _MEMO_SIZE:
            self._entities.clear()
        found = self._entities[form, kind] = self._entity(form, kind)
        return found

    def _entity(self, form: str, kind: str) -> Entity:
        found = self.resolve(form)
        if found is not None:
            return found
        name = to_simplified(unicodedata.normalize("NFKC", form)).strip()
        return Entity(unknown_id(form), name, kind, None, ())


def new_lexicon() -> Lexicon:
    """A lexicon of the shipped sources: lexicon.tsv, the shared alias table, the
    gazetteer and the dictionary's names (a fresh one: its own memos)."""
    return Lexicon(
        _read_lexicon(_LEXICON),
        _shared_table(),
        _read_places(_PLACES),
        _read_lexicon(_DICTIONARY),
    )


@cache
def lexicon() -> Lexicon:
    """The process's lexicon (`new_lexicon`), loaded once."""
    return new_lexicon()
