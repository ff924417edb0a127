"""Mirror repositories' git history: import every commit (versions, removals, provenance)
and export the archive back into a mirror repository, one commit per run.

- `gitcli`: the `git` command line (log --raw, cat-file --batch), streamed
- `state`: the history tables and the removal/restore rules
- `importer`: `import_repository`, on the tarball import's batches and workers
- `exporting`: `export_to_git` (export --git)
- `reads`: an article's history for the web app, the API and the static site
"""

from newsarchive.history.gitcli import GitError, is_repository
from newsarchive.history.importer import HistorySummary, import_repository

__all__ = ["GitError", "HistorySummary", "import_repository", "is_repository"]
