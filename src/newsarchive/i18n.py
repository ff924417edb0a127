"""Translations of the interface (web app, static site): one place that installs them.

Templates write every reader-visible string as ``{{ _("English text") }}`` (or
``{% trans %}``); the catalogue for the reader's language turns it into Chinese.
Until a catalogue is installed the English message id is shown, so a template never
fails for want of a translation.
"""

from __future__ import annotations

import jinja2


def install(env: jinja2.Environment) -> jinja2.Environment:
    """Give `env` the gettext functions (``_``, ``gettext``, ``ngettext``) that
    templates use; a request or a build may override them per language."""
    env.add_extension("jinja2.ext.i18n")
    env.install_null_translations(newstyle=True)  # type: ignore[attr-defined]
    return env
