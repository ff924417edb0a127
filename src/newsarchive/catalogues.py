"""Keeping the translation catalogues in step with the code (``scripts/i18n.py``).

- `extract()`: every message id the web app uses: ``_("...")`` / ``{% trans %}`` in the
  web templates, ``N_("...")`` / ``gettext("...")`` in its Python code.
- `update()`: adds new ids to each catalogue (empty, for a translator, unless a
  translation of it waits as an obsolete ``#~`` entry: see `_revive`), keeps the
  translations of ids no longer used as such entries, and fills zh-Hant from zh-Hans with OpenCC where zh-Hant has no
  translation of its own (those entries carry the comment ``opencc``, and follow later
  zh-Hans edits; delete the comment to keep a hand-written zh-Hant text).
- `check()`: what is missing or broken, per catalogue: an id without a translation,
  a fuzzy entry, or a translation whose ``%(name)s`` placeholders differ from its id's.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

from newsarchive.i18n import TRANSLATED, Locale, po_path

PACKAGE = Path(__file__).parent
# Where the web app's reader-visible strings live (relative to the package).
METHOD_MAP = [
    ("web/templates/**.html", "jinja2.ext:babel_extract"),
    ("web/**.py", "python"),
    ("i18n.py", "python"),
]
OPTIONS_MAP = {"web/templates/**.html": {"extensions": "jinja2.ext.i18n"}}
OPENCC_COMMENT = "opencc"
_PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def extract() -> Catalog:
    """A template catalogue (POT) of every message id in use."""
    template = Catalog(project="newsarchive", fuzzy=False)
    for filename, lineno, message, comments, context in extract_from_dir(
        PACKAGE, METHOD_MAP, OPTIONS_MAP
    ):
        # A call with a variable (`_(message)` on the error page) extracts nothing.
        if not message or (isinstance(message, tuple) and not message[0]):
            continue
        template.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return template


def load(locale: Locale) -> Catalog:
    path = po_path(locale)
    if not path.exists():
        return Catalog(locale=locale.replace("-", "_"), project="newsarchive", fuzzy=False)
    with path.open("rb") as f:
        return read_po(f, locale=locale.replace("-", "_"))


def save(locale: Locale, catalog: Catalog) -> None:
    path = po_path(locale)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as f:
        write_po(f, catalog, width=0, omit_header=False, sort_output=True, include_lineno=False)


def _plain(msgstr: object) -> str:
    return msgstr if isinstance(msgstr, str) else ""


def update() -> dict[Locale, int]:
    """Brings every catalogue up to the ids in use; returns the ids still untranslated
    per locale."""
    from newsarchive.text.script import to_traditional

    template = extract()
    catalogs: dict[Locale, Catalog] = {}
    for locale in TRANSLATED:
        catalog = load(locale)
        catalog.update(template, no_fuzzy_matching=True)
        _revive(catalog)
        catalogs[locale] = catalog
    simplified, traditional = catalogs["zh-Hans"], catalogs["zh-Hant"]
    for message in traditional:
        if not message.id:
            continue
        source = simplified.get(message.id)
        derived = OPENCC_COMMENT in message.user_comments
        if source is not None and _plain(source.string) and (derived or not message.string):
            message.string = to_traditional(_plain(source.string))
            message.flags.discard("fuzzy")
            if not derived:
                message.user_comments.append(OPENCC_COMMENT)
    for locale, catalog in catalogs.items():
        save(locale, catalog)
    return {locale: len(problems) for locale, problems in check().items()}


def _revive(catalog: Catalog) -> None:
    """Ids no longer (or not yet) used keep their translation as an obsolete entry
    (``#~``); an id that comes (back) into use takes it again. This is how translations
    written ahead for a branch not merged yet wait for their templates. Obsolete entries
    without a translation are dropped."""
    for message in catalog:
        if not isinstance(message.id, str) or not message.id or _plain(message.string):
            continue  # (plural entries: none in use)
        waiting = catalog.obsolete.pop(message.id, None)
        if waiting is not None and _plain(waiting.string):
            message.string = waiting.string
            message.user_comments = list(waiting.user_comments)
    for key in [k for k, m in catalog.obsolete.items() if not _plain(m.string)]:
        del catalog.obsolete[key]


@dataclass(frozen=True)
class Problem:
    message_id: str
    reason: str

    def __str__(self) -> str:
        return f"{self.message_id!r}: {self.reason}"


def _placeholders(text: str) -> set[str]:
    return set(_PLACEHOLDER.findall(text))


def check(ids: Iterable[str] | None = None) -> dict[Locale, list[Problem]]:
    """For each translated locale, the ids in use (or `ids`) it does not translate
    properly. Empty lists: the catalogues are complete."""
    wanted = sorted(ids) if ids is not None else sorted(str(m.id) for m in extract() if m.id)
    found: dict[Locale, list[Problem]] = {}
    for locale in TRANSLATED:
        catalog = load(locale)
        problems: list[Problem] = []
        for message_id in wanted:
            message = catalog.get(message_id)
            text = _plain(message.string) if message is not None else ""
            if message is None:
                problems.append(Problem(message_id, "not in the catalogue"))
            elif not text:
                problems.append(Problem(message_id, "no translation"))
            elif message.fuzzy:
                problems.append(Problem(message_id, "fuzzy (needs review)"))
            elif _placeholders(text) != _placeholders(message_id):
                problems.append(Problem(message_id, "placeholders differ from the id's"))
        found[locale] = problems
    return found
