"""Building the search index in a second process while the pages are rendered.

Both halves of a full build cost about the same CPU (tokenising 50,000 articles vs.
rendering 50,000 pages), so on a machine with two cores the index is built alongside the
pages instead of after them. The job opens its own read-only connection to the archive
and its own `SiteWriter`; the parent adopts the files it wrote into the manifest.
"""

from __future__ import annotations

import multiprocessing
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from newsarchive.archive import Address
from newsarchive.components import open_archive
from newsarchive.publish import searchindex
from newsarchive.publish.output import OutputStats, SiteWriter
from newsarchive.publish.tokens import terms


@dataclass(slots=True)
class IndexResult:
    state: dict[str, Any]
    full_rebuild: bool
    files: dict[str, dict[str, str]]  # manifest records of every search/ file kept or written
    stats: OutputStats


def build_search_files(
    db_path: Address,
    outdir: Path,
    docs: list[searchindex.DocEntry],
    previous: dict[str, Any] | None,
    old_files: dict[str, dict[str, str]],
) -> IndexResult:
    archive = open_archive(db_path, readonly=True, create=False)
    try:
        writer = SiteWriter(outdir, old_files)

        def doc_terms(d: searchindex.DocEntry) -> set[str]:
            rec = archive.article(d.article_id)
            return terms(rec.title + "\n" + rec.text) if rec else set()

        state, full = searchindex.build_index(
            docs,
            doc_terms,
            emit=lambda path, text: writer.write(path, text, "search"),
            keep=writer.keep_prefix,
            previous=searchindex.IndexState.from_json(previous),
        )
        return IndexResult(state.to_json(), full, writer.produced(), writer.stats)
    finally:
        archive.close()


class IndexJob:
    """`build_search_files` in a forked process when the platform can fork, else in
    this process when `result()` is asked for."""

    def __init__(
        self,
        db_path: Address,
        outdir: Path,
        docs: list[searchindex.DocEntry],
        previous: dict[str, Any] | None,
        old_files: dict[str, dict[str, str]],
        parallel: bool = True,
    ) -> None:
        self._args = (db_path, outdir, docs, previous, old_files)
        self._pool: ProcessPoolExecutor | None = None
        self._future: Future[IndexResult] | None = None
        if parallel and "fork" in multiprocessing.get_all_start_methods():
            self._pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork"))
            self._future = self._pool.submit(build_search_files, *self._args)

    def result(self) -> IndexResult:
        if self._future is None or self._pool is None:
            return build_search_files(*self._args)
        try:
            return self._future.result()
        finally:
            self._pool.shutdown()
