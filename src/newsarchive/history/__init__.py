"""Mirror repositories' git history: import every commit (versions, removals, provenance)
and export the archive back into a mirror repository, one commit per run.

- `gitcli`: the `git` command line (log --raw, cat-file --batch), streamed
- `state`: the history tables and the removal/restore rules, `HistoryHook`
- `importer`: `import_repository`, on the tarball import's batches and workers
- `exporting`: `export_to_git` (export --git)
- `reads`: an article's history for the web app, the API and the static site

This package's own import stays light (names are loaded on first use): the archive's
hook lives in `state`, which parse workers and their fork server import, and must not
pull in the importer (and with it `newsarchive.ingest` and its pools).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from newsarchive.lazy import exports

if TYPE_CHECKING:
    from newsarchive.history.gitcli import GitError, is_repository
    from newsarchive.history.importer import HistorySummary, import_repository

__all__ = ["GitError", "HistorySummary", "import_repository", "is_repository"]

__getattr__ = exports(
    __name__,
    {
        "GitError": "newsarchive.history.gitcli",
        "is_repository": "newsarchive.history.gitcli",
        "HistorySummary": "newsarchive.history.importer",
        "import_repository": "newsarchive.history.importer",
    },
)
