"""`newsarchive sources list|add|remove`, `fetch` and `watch`: thin wrappers over
`newsarchive.collect`."""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from types import FrameType
from typing import Annotated, Any

import typer
from rich.table import Table

from newsarchive.cli.common import (
    DbOption,
    JsonOption,
    console,
    err_console,
    fail,
    open_archive,
    print_json,
    progress_bar,
)
from newsarchive.collect import (
    FetchSettings,
    FetchSummary,
    SettingsError,
    SourceError,
    SourceTally,
    add_source,
    fetch_once,
    list_sources,
    load_state,
    remove_source,
    watch,
)
from newsarchive.collect import Progress as FetchProgress

UserAgentOption = Annotated[
    str | None,
    typer.Option("--user-agent", help="User-Agent header [env NEWSARCHIVE_USER_AGENT]."),
]
ProxyOption = Annotated[
    str | None,
    typer.Option(
        "--proxy",
        help="HTTP or SOCKS proxy, e.g. socks5h://127.0.0.1:9050 [env NEWSARCHIVE_PROXY].",
    ),
]
WorkersOption = Annotated[
    int | None,
    typer.Option("--workers", help="Requests in flight overall [env NEWSARCHIVE_WORKERS]."),
]
HostConcurrencyOption = Annotated[
    int | None,
    typer.Option(
        "--host-concurrency",
        help="Requests in flight per host [env NEWSARCHIVE_HOST_CONCURRENCY].",
    ),
]
HostRateOption = Annotated[
    float | None,
    typer.Option("--host-rate", help="Requests per second per host [env NEWSARCHIVE_HOST_RATE]."),
]


def _settings(**overrides: Any) -> FetchSettings:
    try:
        return FetchSettings.from_env(**overrides)
    except SettingsError as exc:
        fail(str(exc))


@contextmanager
def _stop_on_signals() -> Iterator[threading.Event]:
    """SIGTERM and Ctrl-C set an event instead of killing the process mid-write."""
    stop = threading.Event()

    def handler(signum: int, frame: FrameType | None) -> None:
        if stop.is_set():  # a second Ctrl-C: the user insists
            raise KeyboardInterrupt
        stop.set()
        # After setting the event: the signal may interrupt the main thread halfway
        # through importing a module that rich loads on first use, and printing then
        # fails with an ImportError (seen: a `watch` whose first summary line was
        # being printed ignored its SIGTERM).
        with contextlib.suppress(Exception):
            err_console.print("stopping after the requests in flight…", highlight=False)

    previous = {s: signal.signal(s, handler) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield stop
    finally:
        for s, h in previous.items():
            signal.signal(s, h)


def _summary_line(summary: FetchSummary) -> str:
    s = summary
    text = (
        f"{s.sources} sources, {s.items} items, {s.new_articles} new articles, "
        f"{s.new_versions} new versions, {s.not_modified} not modified, {s.errors} errors"
    )
    if s.gone:
        text += f", {s.gone} gone at source"
    if s.interrupted:
        text += " (interrupted)"
    return text


def _pass_lines(names: list[str], summary: FetchSummary) -> list[str]:
    """What `watch` logs after a pass: one line per source (new articles, changed ones,
    errors, next poll), then the pass's totals."""
    stamp = datetime.now().astimezone().strftime("%Y-%m-%d %H:%M:%S")
    lines = []
    for name in sorted(set(names) | set(summary.per_source)):
        t = summary.per_source.get(name) or SourceTally()
        when = (
            datetime.fromisoformat(t.next_poll).astimezone().strftime("%H:%M:%S")
            if t.next_poll
            else "-"
        )
        state = ", feed failed" if t.failed else ""
        lines.append(
            f"{stamp} {name}: {t.new} new, {t.changed} changed, {t.errors} errors{state},"
            f" next poll {when}"
        )
    lines.append(f"{stamp} pass: {_summary_line(summary)}")
    return lines


def register(app: typer.Typer) -> None:
    sources_app = typer.Typer(help="The feeds and listing pages `fetch` reads.")
    app.add_typer(sources_app, name="sources")

    @sources_app.command("list")
    def sources_list(db: DbOption = None, as_json: JsonOption = False) -> None:
        """List sources with their fetch state."""
        with open_archive(db) as archive:
            rows = [(s, load_state(archive, s.name)) for s in list_sources(archive)]
        if as_json:
            for s, st in rows:
                print_json({**s.to_json(), "state": st.to_json()})
            return
        table = Table("name", "kind", "outlet", "last success", "next due", "errors", "url")
        table.columns[0].no_wrap = True
        table.columns[-1].overflow = "fold"
        for s, st in rows:
            table.add_row(
                s.name,
                s.kind,
                s.outlet or "",
                st.last_success.strftime("%Y-%m-%d %H:%M") if st.last_success else "never",
                st.next_due.strftime("%Y-%m-%d %H:%M") if st.next_due else "now",
                f"{st.error_streak}: {st.last_error}" if st.error_streak else "",
                s.url,
            )
        console.print(table)

    @sources_app.command("add")
    def sources_add(
        name: Annotated[str, typer.Argument(help="Short name, one word.")],
        url: Annotated[str, typer.Argument(help="Feed or listing page URL.")],
        kind: Annotated[
            str, typer.Option("--kind", help="'feed' or 'listing' (follow a page's links).")
        ] = "feed",
        db: DbOption = None,
    ) -> None:
        """Add a source (or change an existing source's URL)."""
        with open_archive(db) as archive:
            try:
                s = add_source(archive, name, url, kind)
            except SourceError as exc:
                fail(str(exc))
        console.print(f"added {s.name}: {s.url} ({s.kind}, outlet {s.outlet or 'unknown'})")

    @sources_app.command("remove")
    def sources_remove(
        name: Annotated[str, typer.Argument(help="Source name.")], db: DbOption = None
    ) -> None:
        """Stop fetching a source; its articles stay in the archive."""
        with open_archive(db) as archive:
            if not remove_source(archive, name):
                fail(f"no source named {name!r} (see `newsarchive sources list`)")
        console.print(f"removed {name}")

    @app.command("fetch")
    def fetch(
        source: Annotated[str | None, typer.Option("--source", help="Only this source.")] = None,
        db: DbOption = None,
        as_json: JsonOption = False,
        user_agent: UserAgentOption = None,
        proxy: ProxyOption = None,
        workers: WorkersOption = None,
        host_concurrency: HostConcurrencyOption = None,
        host_rate: HostRateOption = None,
    ) -> None:
        """Fetch every source once: feeds, then their articles."""
        settings = _settings(
            user_agent=user_agent,
            proxy=proxy,
            workers=workers,
            host_concurrency=host_concurrency,
            host_rate=host_rate,
        )
        with open_archive(db) as archive, _stop_on_signals() as stop:
            progress = progress_bar(json_out=as_json)
            # The sources to read are known now: the bar counts from the first second
            # (pages join the total as feeds list them).
            task = progress.add_task(
                "fetching feeds", total=1 if source else len(list_sources(archive)) or None
            )

            def on_item(p: FetchProgress) -> None:
                progress.update(task, completed=p.done, total=p.queued, description=f"{p.source}")
                if p.outcome.startswith("error") and not as_json:
                    err_console.print(
                        f"[yellow]{p.source}[/]: {p.url}: {p.outcome}", highlight=False
                    )

            try:
                with progress:
                    summary = fetch_once(
                        archive, source=source, on_item=on_item, settings=settings, stop=stop
                    )
            except SourceError as exc:
                fail(str(exc))
        if as_json:
            print_json(summary.to_json())
        else:
            console.print(_summary_line(summary), highlight=False)
        if summary.all_sources_failed:
            # A fetch that read no source failed at its job: say so to scripts and cron.
            err_console.print(
                f"[bold red]error:[/] all {summary.sources} source(s) failed", highlight=False
            )
            raise typer.Exit(1)

    @app.command("watch")
    def watch_cmd(
        db: DbOption = None,
        user_agent: UserAgentOption = None,
        proxy: ProxyOption = None,
        workers: WorkersOption = None,
        host_concurrency: HostConcurrencyOption = None,
        host_rate: HostRateOption = None,
        min_interval: Annotated[
            float | None,
            typer.Option("--min-interval", help="Seconds; poll no source more often."),
        ] = None,
        max_interval: Annotated[
            float | None,
            typer.Option("--max-interval", help="Seconds; poll every source at least this often."),
        ] = None,
    ) -> None:
        """Poll sources forever, each as often as it publishes. Stop with Ctrl-C or SIGTERM."""
        settings = _settings(
            user_agent=user_agent,
            proxy=proxy,
            workers=workers,
            host_concurrency=host_concurrency,
            host_rate=host_rate,
            min_interval=min_interval,
            max_interval=max_interval,
        )
        with open_archive(db) as archive, _stop_on_signals() as stop:

            def on_pass(names: list[str], summary: FetchSummary) -> None:
                for line in _pass_lines(names, summary):
                    err_console.print(line, highlight=False, markup=False, soft_wrap=True)

            def on_error(exc: Exception) -> None:
                err_console.print(
                    f"[bold red]pass failed:[/] {type(exc).__name__}: {exc}; "
                    f"retrying in {settings.min_interval:g}s",
                    highlight=False,
                )

            err_console.print(
                f"watching {len(list_sources(archive))} source(s): polls between"
                f" {settings.min_interval:g}s and {settings.max_interval:g}s apart;"
                " one line per source after each pass (Ctrl-C stops)",
                highlight=False,
            )
            passes = watch(
                archive, stop=stop, settings=settings, on_pass=on_pass, on_error=on_error
            )
        err_console.print(f"stopped after {passes} pass(es)", highlight=False)
