"""An archive of the five seed articles (both backends), with every hook."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsarchive.components import open_archive
from newsarchive.readers import ReadError, read_path

SEEDS = Path(__file__).resolve().parent.parent / "data" / "readers" / "seeds"


@pytest.fixture
def seeds_db(db_address: str) -> str:
    with open_archive(db_address) as archive:
        for result in read_path(SEEDS):
            assert not isinstance(result, ReadError)
            archive.ingest(*result)
    return db_address
