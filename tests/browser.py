"""Debian's headless chromium for the browser tests: where it is, how to start it on this
offline machine, and the loopback server and error-recording page every browser test uses."""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest


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


def free_port() -> int:
    """A port on 127.0.0.1 nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextmanager
def serve_app(app: Any) -> Iterator[str]:
    """Serve an ASGI app with uvicorn on a loopback port, in a thread; yields its base URL."""
    import uvicorn

    port = free_port()
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not srv.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        srv.should_exit = True
        thread.join(timeout=10)


@contextmanager
def chromium_browser() -> Iterator[Any]:
    """A headless chromium (playwright's sync API), closed afterwards; skips the test when
    playwright is not installed."""
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def new_page(browser: Any, problems: list[str], **options: Any) -> Any:
    """A page that records script errors and console errors (CSP violations show up
    there) into `problems`. Default: 1200×900."""
    options.setdefault("viewport", {"width": 1200, "height": 900})
    page = browser.new_page(**options)
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    return page
