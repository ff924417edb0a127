"""Translations of the interface (web app, static site): one place that installs them.

Templates write every reader-visible string as ``{{ _("English text") }}`` (or
``{% trans %}``); the catalogue for the reader's language turns it into Chinese.
Until a catalogue is installed the English message id is shown, so a template never
fails for want of a translation.

Catalogues are gettext ``.po`` files under ``newsarchive/locale/<locale>/LC_MESSAGES/``
(message ids in English). They are compiled in memory when first used (Babel), so no
compiled ``.mo`` file can be out of date with its source. ``scripts/i18n.py`` extracts
the ids from templates and code and updates the catalogues.
"""

from __future__ import annotations

import gettext
import io
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any, Literal

import jinja2
from markupsafe import Markup

Locale = Literal["zh-Hans", "zh-Hant", "en"]
LOCALES: tuple[Locale, ...] = ("zh-Hans", "zh-Hant", "en")
DEFAULT_LOCALE: Locale = "zh-Hans"
# The languages that have a catalogue; English is the message ids themselves.
TRANSLATED: tuple[Locale, ...] = ("zh-Hans", "zh-Hant")
LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "messages"
# The `lang` attribute of <html> per locale (BCP 47).
HTML_LANG: dict[Locale, str] = {"zh-Hans": "zh-Hans", "zh-Hant": "zh-Hant", "en": "en"}
# Each locale's name in its own script: what the language switch shows.
LOCALE_LABELS: dict[Locale, str] = {"zh-Hans": "简体中文", "zh-Hant": "繁體中文", "en": "English"}


def N_(message: str) -> str:
    """Marks a message id in Python code for extraction; it is translated where it is
    shown (a template's ``_(message)``), in the reader's language."""
    return message


def po_path(locale: Locale) -> Path:
    return LOCALE_DIR / locale.replace("-", "_") / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def translations(locale: Locale) -> gettext.NullTranslations:
    """The compiled catalogue of `locale` (cached per process); English and a locale
    without a catalogue get the message ids back."""
    path = po_path(locale)
    if locale not in TRANSLATED or not path.exists():
        return gettext.NullTranslations()
    # Babel is imported only here: the CLI never pays for it.
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with path.open("rb") as f:
        catalog = read_po(f, locale=locale.replace("-", "_"))
    buffer = io.BytesIO()
    # Fuzzy entries are guesses awaiting review: never shown (write_mo's default).
    write_mo(buffer, catalog)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def parse_locale(value: str | None) -> Locale | None:
    """A locale from a `?lang=` value, a cookie or one Accept-Language tag: the three
    names themselves and the usual regional tags (zh-CN, zh-TW, zh-HK, en-US ...)."""
    if not value:
        return None
    tag = value.strip().replace("_", "-").lower()
    if tag in ("zh-hant", "zh-tw", "zh-hk", "zh-mo") or tag.startswith("zh-hant-"):
        return "zh-Hant"
    if tag in ("zh", "zh-hans", "zh-cn", "zh-sg", "zh-my") or tag.startswith("zh-hans-"):
        return "zh-Hans"
    if tag == "en" or tag.startswith("en-"):
        return "en"
    return None


def from_accept_language(header: str | None) -> Locale | None:
    """The reader's most preferred locale we have, from an Accept-Language header."""
    if not header:
        return None
    ranked: list[tuple[float, int, Locale]] = []
    for position, part in enumerate(header.split(",")):
        tag, _, params = part.partition(";")
        quality = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        locale = parse_locale(tag)
        if locale and quality > 0:
            # Higher quality first; among equals, the header's order.
            ranked.append((-quality, position, locale))
    return min(ranked)[2] if ranked else None


def negotiate(query: str | None, cookie: str | None, accept_language: str | None) -> Locale:
    """The page's locale: an explicit `?lang=`, else the remembered choice (cookie),
    else the browser's Accept-Language, else zh-Hans."""
    return (
        parse_locale(query)
        or parse_locale(cookie)
        or from_accept_language(accept_language)
        or DEFAULT_LOCALE
    )


def template_functions(locale: Locale) -> dict[str, Callable[..., Any]]:
    """``_``/``gettext``/``ngettext`` for one render in `locale`, with Jinja's newstyle
    semantics: the translation is escaped (autoescape) and then formatted with the
    keyword arguments, so ``_("%(n)s articles", n=3)`` works in every language.

    Passed in the render context rather than installed on the shared environment: one
    environment serves concurrent requests in different languages."""
    catalogue = translations(locale)

    def _format(text: str, variables: dict[str, Any]) -> Markup:
        # The catalogue is trusted (reviewed like code); the variables are escaped.
        return Markup(text) % variables if variables else Markup(text)

    def gettext_(message: str, **variables: Any) -> Markup:
        return _format(catalogue.gettext(message), variables)

    def ngettext_(singular: str, plural: str, n: int, **variables: Any) -> Markup:
        variables.setdefault("num", n)
        return _format(catalogue.ngettext(singular, plural, n), variables)

    return {"_": gettext_, "gettext": gettext_, "ngettext": ngettext_}


def install(env: jinja2.Environment) -> jinja2.Environment:
    """Give `env` the gettext functions (``_``, ``gettext``, ``ngettext``) that
    templates use; a request or a build may override them per language (see
    `template_functions`)."""
    env.add_extension("jinja2.ext.i18n")
    env.install_null_translations(newstyle=True)  # type: ignore[attr-defined]
    return env
