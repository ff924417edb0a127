"""Debian's headless chromium for the browser tests: where it is and how to start it
on this offline machine."""

from __future__ import annotations

import os
import shutil
from pathlib import Path


def find_chromium() -> Path | None:
    """$NEWSARCHIVE_CHROMIUM, else /usr/bin/chromium, else chromium on PATH."""
    configured = os.environ.get("NEWSARCHIVE_CHROMIUM")
    for candidate in (configured, "/usr/bin/chromium", shutil.which("chromium")):
        if candidate and Path(candidate).exists():
            return Path(candidate)
    return None


CHROMIUM = find_chromium()

# Without the background-networking flags chromium keeps dialling Google's hosts,
# which this machine's closed network refuses; as root it needs --no-sandbox.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
