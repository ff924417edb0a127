"""`publish`: the whole static site, rebuilt incrementally.

Order of work: select articles (catalog) → stories/duplicates (dedup) → article pages →
listings (dates, outlets, stories, front page) → feeds → search index → about page →
static assets → manifest. Every file goes through `SiteWriter`, which skips pages whose
inputs did not change and deletes pages that no longer exist.
"""

from __future__ import annotations

import hashlib
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from newsarchive import __version__, i18n
from newsarchive.archive import Archive
from newsarchive.dedup.coverage import StoryMember, coverage
from newsarchive.history.reads import article_history, history_counts
from newsarchive.model import ArticleRecord
from newsarchive.publish import feeds, scriptmap, searchindex, spellings
from newsarchive.publish.catalog import Entry, Selection, load_entries, outlet_slug
from newsarchive.publish.entitypages import entity_pages
from newsarchive.publish.indexjob import IndexJob
from newsarchive.publish.output import SiteWriter, input_key
from newsarchive.publish.related import Related, StoryInfo, load_related
from newsarchive.publish.render import (
    MediaStore,
    relative_root,
    safe_href,
    sanitize_body,
    version_history,
)
from newsarchive.publish.staging import Staging, StagingError

FEED_ITEMS = 30
FRONT_ARTICLES = 60
FRONT_STORIES = 20
STATIC_FILES = ("site.css", "script.js", "search.js", "qr.js")


@dataclass(slots=True)
class PublishOptions:
    selection: Selection = field(default_factory=Selection)
    base_url: str | None = None  # absolute URL the site will be served from
    images: bool = False
    site_name: str = "newsarchive 新闻存档"
    parallel: bool = True  # build the search index in a second process
    # Told `(step, done, total)` as the build goes: "articles" per article page, then
    # each later step once (the CLI's progress bar).
    on_progress: Callable[[str, int, int], None] | None = field(default=None, compare=False)


@dataclass(slots=True)
class PublishSummary:
    articles: int
    stories: int
    outlets: int
    seconds: float
    written: int
    unchanged: int
    skipped: int
    deleted: int
    bytes_written: int
    search_full_rebuild: bool
    search_segments: int

    def to_json(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


class PublishError(Exception):
    """The output folder cannot be used (the message says why)."""


# The web app's templates this site renders too (as "web/<name>").
SHARED_TEMPLATES = ("_story_coverage.html",)


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(
            [
                jinja2.PackageLoader("newsarchive.publish", "templates"),
                # Blocks shared with the web app's pages (the story page's coverage):
                # one template, so the two sites stay in step.
                jinja2.PrefixLoader({"web": jinja2.PackageLoader("newsarchive.web", "templates")}),
            ]
        ),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    return i18n.install(env)


def _code_stamp() -> str:
    """Hash of templates, scripts and version: a new release re-renders every page."""
    h = hashlib.sha256(__version__.encode())
    pkg = resources.files("newsarchive.publish")
    for sub in ("templates", "static"):
        for f in sorted(pkg.joinpath(sub).iterdir(), key=lambda p: p.name):
            if f.is_file():
                h.update(f.name.encode() + f.read_bytes())
    for name in SHARED_TEMPLATES:
        h.update(
            name.encode()
            + resources.files("newsarchive.web").joinpath("templates", name).read_bytes()
        )
    return h.hexdigest()[:16]


class SiteBuilder:
    def __init__(self, archive: Archive, outdir: Path, options: PublishOptions) -> None:
        if outdir.exists() and not outdir.is_dir():
            raise PublishError(f"{outdir} exists and is not a folder")
        outdir.mkdir(parents=True, exist_ok=True)
        self.archive = archive
        self.options = options
        self.out = SiteWriter(outdir)
        self.env = _environment()
        self.stamp = _code_stamp()
        self.base = (options.base_url.rstrip("/") + "/") if options.base_url else None
        self.media: MediaStore | None = (
            MediaStore(archive, lambda p, d: self.out.write(p, d, "media"), {})
            if options.images
            else None
        )
        self._records: dict[int, ArticleRecord] = {}
        self._job: IndexJob | None = None

    # -- helpers -------------------------------------------------------------------

    def _page(self, path: str, template: str, key: str, **ctx: Any) -> None:
        html = self.env.get_template(template).render(
            root=relative_root(path),
            site_name=self.options.site_name,
            lang=ctx.pop("lang", "zh"),
            **ctx,
        )
        self.out.write(path, html, key)

    def _fresh_page(self, path: str, template: str, key: str, **ctx: Any) -> None:
        if not self.out.fresh(path, key):
            self._page(path, template, key, **ctx)

    def _key(self, *parts: object) -> str:
        return input_key(self.stamp, self.base, self.options.images, *parts)

    def _record(self, article_id: int) -> ArticleRecord:
        rec = self._records.get(article_id)
        if rec is None:
            rec = self.archive.article(article_id)
            if rec is None:
                raise PublishError(f"article {article_id} vanished while publishing")
            if len(self._records) > 2000:  # feeds reuse recent records; bound the cache
                self._records.clear()
            self._records[article_id] = rec
        return rec

    def _absolute(self, path: str) -> str | None:
        return self.base + path if self.base else None

    # -- pages ---------------------------------------------------------------------

    def _progress(self, step: str, done: int, total: int) -> None:
        if self.options.on_progress is not None:
            self.options.on_progress(step, done, total)

    def article_pages(self, entries: list[Entry], rel: Related, by_id: dict[int, Entry]) -> None:
        history_marks = history_counts(self.archive)
        self._progress("articles", 0, len(entries))
        for done, e in enumerate(entries, 1):
            if done % 50 == 0 or done == len(entries):
                self._progress("articles", done, len(entries))
            story = rel.story_of.get(e.id)
            dups = rel.duplicates.get(e.id, [])
            key = self._key(
                "article",
                e.id,
                e.version_id,
                e.version_count,
                e.last_capture,
                (story.id, story.label) if story else None,
                [(d.id, d.similarity, d.id in by_id) for d in dups],
                history_marks.get(e.id),
            )
            if self.out.fresh(e.path, key):
                continue
            self._article_page(e, story, dups, by_id, key)

    def _article_page(
        self, e: Entry, story: StoryInfo | None, dups: list[Any], by_id: dict[int, Entry], key: str
    ) -> None:
        rec = self._record(e.id)
        image_src: Callable[[str], str | None] | None = None
        if self.media is not None:
            media = self.media
            root = relative_root(e.path)

            def image_src(url: str) -> str | None:
                local = media.path_for(url)
                return root + local if local else None

        body, left_out = sanitize_body(rec.html, image_src)
        history = article_history(self.archive, e.id)
        removed = bool(history) and history[-1].kind == "removed"
        share = self._absolute(e.path) or safe_href(rec.url)
        self._page(
            e.path,
            "article.html",
            key,
            lang=scriptmap.page_script(rec.title + rec.text[:400]),
            title=rec.title,
            url=rec.url,
            url_href=safe_href(rec.url),
            outlet=rec.outlet,
            outlet_path=f"o/{outlet_slug(rec.outlet)}.html",
            author=rec.author,
            published=rec.published,
            story=story,
            body=body,
            images_left_out=left_out,
            # Removed from a mirror (its history says so) is not "deleted at the source".
            gone=rec.gone_at.date().isoformat() if rec.gone_at and not removed else None,
            removed=rec.gone_at.date().isoformat() if rec.gone_at and removed else None,
            canonical=self._absolute(e.path) or safe_href(rec.url),
            share_url=share,
            duplicates=[
                {
                    "url": d.url or self._url_of(d.id),
                    "similarity": d.similarity,
                    "path": by_id[d.id].path if d.id in by_id else None,
                }
                for d in dups
            ],
            versions=version_history(self.archive, e.id) if e.version_count > 1 else [],
            history=history,
            captures=self.archive.captures(e.id),
        )

    def _url_of(self, article_id: int) -> str:
        return self.archive.url_of(article_id) or ""

    def _list_page(
        self,
        path: str,
        title: str,
        items: list[Entry],
        *,
        intro: str = "",
        feed: str | None = None,
        links: list[dict[str, str]] | None = None,
        group_by_day: bool = False,
    ) -> None:
        key = self._key("list", title, intro, feed, links, [(e.id, e.version_id) for e in items])
        if self.out.fresh(path, key):
            return
        ordered = sorted(items, key=lambda e: (e.when, e.id), reverse=True)
        groups: list[tuple[str, list[Entry]]]
        if group_by_day:
            days: dict[str, list[Entry]] = defaultdict(list)
            for e in ordered:
                days[e.day].append(e)
            groups = list(days.items())
        else:
            groups = [("", ordered)]
        self._page(
            path,
            "list.html",
            key,
            title=title,
            intro=intro,
            feed=feed,
            links=links or [],
            groups=groups,
        )

    def date_pages(self, entries: list[Entry]) -> None:
        by_day: dict[str, list[Entry]] = defaultdict(list)
        for e in entries:
            by_day[e.day].append(e)
        days = sorted(by_day, reverse=True)
        for day in days:
            self._list_page(f"d/{day}.html", day, by_day[day], intro=f"{len(by_day[day])} 篇")
        links = [{"path": f"d/{d}.html", "label": d, "note": f"{len(by_day[d])} 篇"} for d in days]
        self._list_page("dates.html", "按日期", [], links=links)

    def outlet_pages(self, entries: list[Entry]) -> dict[str, list[Entry]]:
        by_outlet: dict[str, list[Entry]] = defaultdict(list)
        for e in entries:
            by_outlet[e.outlet or "未知"].append(e)
        index_links = []
        for name, items in sorted(by_outlet.items(), key=lambda kv: -len(kv[1])):
            slug = outlet_slug(None if name == "未知" else name)
            months: dict[str, list[Entry]] = defaultdict(list)
            for e in items:
                months[e.day[:7]].append(e)
            for month, m_items in months.items():
                self._list_page(
                    f"o/{slug}/{month}.html",
                    f"{name} · {month}",
                    m_items,
                    intro=f"{len(m_items)} 篇",
                    feed=f"feeds/o/{slug}",
                    group_by_day=True,
                )
            links = [
                {"path": f"o/{slug}/{m}.html", "label": m, "note": f"{len(months[m])} 篇"}
                for m in sorted(months, reverse=True)
            ]
            recent = sorted(items, key=lambda e: (e.when, e.id))[-FRONT_ARTICLES:]
            self._list_page(
                f"o/{slug}.html",
                name,
                recent,
                intro=f"共 {len(items)} 篇",
                feed=f"feeds/o/{slug}",
                links=links,
            )
            index_links.append(
                {"path": f"o/{slug}.html", "label": name, "note": f"{len(items)} 篇"}
            )
        self._list_page("outlets.html", "按媒体", [], links=index_links)
        return by_outlet

    def story_pages(self, rel: Related, by_id: dict[int, Entry]) -> None:
        for s in rel.stories:
            items = [by_id[a] for a in s.articles if a in by_id]
            intro = f"{len(items)} 篇 · {'、'.join(s.outlets)} · {s.first.date()} — {s.last.date()}"
            self._story_page(s, items, intro)
        links = [
            {"path": s.path, "label": s.label, "note": f"{len(s.articles)} 篇 · {s.last.date()}"}
            for s in rel.stories
        ]
        note = "" if rel.available else "（未安装去重与专题组件，暂无专题。）"
        self._list_page("stories.html", "专题", [], intro=note, links=links)

    def _story_page(self, s: StoryInfo, items: list[Entry], intro: str) -> None:
        """A story: its first report, a timeline chart, which outlets covered it when
        (the web app's story page, from the same `dedup.coverage`), then its articles."""
        key = self._key("story", s.id, s.label, intro, [(e.id, e.version_id) for e in items])
        if self.out.fresh(s.path, key):
            return
        # The web app's chart: server-drawn SVG, no script (imported here: only story
        # pages need it).
        from newsarchive.web.chart import timeline_svg

        covered = coverage(StoryMember(e.id, e.path, e.outlet, e.title, e.when) for e in items)
        chart = timeline_svg(covered.timeline, interval=covered.interval, title=s.label, height=220)
        self._page(
            s.path,
            "story.html",
            key,
            title=s.label,
            intro=intro,
            feed=f"feeds/s/{s.id}",
            coverage=covered,
            chart=Markup(chart),
            paths={e.id: e.path for e in items},
            items=sorted(items, key=lambda e: (e.when, e.id), reverse=True),
        )

    def front_page(self, entries: list[Entry], rel: Related, outlets: int) -> None:
        recent = list(reversed(entries[-FRONT_ARTICLES:]))
        stories = [
            {
                "path": s.path,
                "label": s.label,
                "count": len(s.articles),
                "outlets": s.outlets,
                "last": s.last.date().isoformat(),
            }
            for s in rel.stories[:FRONT_STORIES]
        ]
        first_day = entries[0].day if entries else None
        last_day = entries[-1].day if entries else None
        key = self._key("front", [(e.id, e.version_id) for e in recent], stories, len(entries))
        if self.out.fresh("index.html", key):
            return
        self._page(
            "index.html",
            "index.html",
            key,
            title=self.options.site_name,
            recent=recent,
            stories=stories,
            total=len(entries),
            outlets=outlets,
            first_day=first_day,
            last_day=last_day,
        )

    def about_page(self, entries: list[Entry], by_outlet: dict[str, list[Entry]]) -> None:
        formats = list(self.archive.format_counts().items())
        sel = self.options.selection
        selection = "，".join(
            f"{k}={v}"
            for k, v in (
                ("query", sel.query),
                ("outlet", sel.outlet),
                ("since", sel.since),
                ("until", sel.until),
            )
            if v
        )
        outlets = [
            {
                "name": n,
                "count": len(v),
                "path": f"o/{outlet_slug(None if n == '未知' else n)}.html",
            }
            for n, v in sorted(by_outlet.items(), key=lambda kv: -len(kv[1]))
        ]
        self._page(
            "about.html",
            "about.html",
            "",
            title="关于本存档",
            version=__version__,
            counts=self.archive.counts(),
            published_articles=len(entries),
            first_day=entries[0].day if entries else None,
            last_day=entries[-1].day if entries else None,
            formats=[(f, n) for f, n in formats],
            outlets=outlets,
            selection=selection,
            generated=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        )

    # -- feeds ---------------------------------------------------------------------

    def feed_set(self, stem: str, title: str, page: str, items: list[Entry]) -> None:
        latest = sorted(items, key=lambda e: (e.when, e.id))[-FEED_ITEMS:][::-1]
        key = self._key("feed", stem, title, [(e.id, e.version_id) for e in latest])
        if all(self.out.fresh(f"{stem}.{ext}", key) for ext in ("xml", "atom", "json")):
            return
        fitems = []
        for e in latest:
            rec = self._record(e.id)
            body, _ = sanitize_body(rec.html, None)
            fitems.append(
                feeds.FeedItem(
                    id=rec.url,
                    title=rec.title,
                    link=self._absolute(e.path) or safe_href(rec.url) or "",
                    html=body,
                    published=e.when,
                    updated=e.when,
                    author=rec.outlet,
                )
            )
        info = feeds.FeedInfo(
            title=f"{title} · {self.options.site_name}",
            link=self._absolute(page) or page,
            self_link=self._absolute(stem) or stem,
            description=title,
        )
        self.out.write(f"{stem}.xml", feeds.rss(info, fitems), key)
        self.out.write(f"{stem}.atom", feeds.atom(info, fitems), key)
        self.out.write(f"{stem}.json", feeds.json_feed(info, fitems), key)

    def all_feeds(
        self,
        entries: list[Entry],
        by_outlet: dict[str, list[Entry]],
        rel: Related,
        by_id: dict[int, Entry],
    ) -> None:
        self.feed_set("feeds/all", "全部文章", "index.html", entries)
        for name, items in by_outlet.items():
            slug = outlet_slug(None if name == "未知" else name)
            self.feed_set(f"feeds/o/{slug}", name, f"o/{slug}.html", items)
        for s in rel.stories:
            self.feed_set(f"feeds/s/{s.id}", s.label, s.path, [by_id[a] for a in s.articles])

    # -- search and assets -----------------------------------------------------------

    def start_search_index(self, entries: list[Entry]) -> IndexJob:
        docs = [
            searchindex.DocEntry(e.id, e.version_id, e.path, e.title, e.day, e.outlet or "")
            for e in entries
        ]
        previous = self.out.extra.get("search")
        self._job = IndexJob(
            self.archive.address,
            self.out.root,
            docs,
            previous,
            self.out.previous("search/"),
            self.options.parallel,
        )
        return self._job

    def close(self) -> None:
        """End the search index process if the run stopped before waiting for it."""
        if self._job is not None:
            self._job.close()

    def finish_search_index(self, job: IndexJob) -> tuple[searchindex.IndexState, bool]:
        result = job.result()
        self.out.adopt(result.files, result.stats)
        state = searchindex.IndexState.from_json(result.state)
        assert state is not None
        meta = searchindex.meta_json(state)
        meta["trad"] = scriptmap.traditional_bitmap()
        meta["vchars"] = spellings.variant_chars()
        self.out.write("search/meta.js", searchindex.js_call("meta", meta), "search")
        self._page("search.html", "search.html", "", title="搜索", docs=len(state.docs))
        return state, result.full_rebuild

    def static_assets(self) -> None:
        pkg = resources.files("newsarchive.publish").joinpath("static")
        for name in STATIC_FILES:
            self.out.write(f"static/{name}", pkg.joinpath(name).read_bytes(), self.stamp)
        for name, mapping in (("s2t", scriptmap.s2t_map()), ("t2s", scriptmap.t2s_map())):
            text = searchindex.js_call(name, scriptmap.pairs_string(mapping))
            self.out.write(f"static/{name}.js", text, self.stamp)
        variants = searchindex.js_call("variants", spellings.groups())
        self.out.write("static/variants.js", variants, self.stamp)
        # GitHub/GitLab pages: serve the folder as is (no Jekyll processing).
        self.out.write(".nojekyll", b"", self.stamp)

    # -- the whole run -----------------------------------------------------------------

    def run(self) -> PublishSummary:
        start = time.perf_counter()
        entries = load_entries(self.archive, self.options.selection)
        by_id = {e.id: e for e in entries}
        rel = load_related(self.archive, set(by_id))
        # Committed state only: the job reads the archive through its own connection.
        job = self.start_search_index(entries)
        self.article_pages(entries, rel, by_id)
        self._progress("date and outlet pages", 0, 1)
        self.date_pages(entries)
        by_outlet = self.outlet_pages(entries)
        self._progress("story pages", 0, 1)
        self.story_pages(rel, by_id)
        entity_pages(self.archive, by_id, self._fresh_page, self._key)
        self.front_page(entries, rel, len(by_outlet))
        self._progress("feeds", 0, 1)
        self.all_feeds(entries, by_outlet, rel, by_id)
        self._progress("search index", 0, 1)
        state, full = self.finish_search_index(job)
        self.about_page(entries, by_outlet)
        self.static_assets()
        self._progress("search index", 1, 1)
        stats = self.out.finish({"search": state.to_json()})
        return PublishSummary(
            articles=len(entries),
            stories=len(rel.stories),
            outlets=len(by_outlet),
            seconds=round(time.perf_counter() - start, 2),
            written=stats.written,
            unchanged=stats.unchanged,
            skipped=stats.skipped,
            deleted=stats.deleted,
            bytes_written=stats.bytes_written,
            search_full_rebuild=full,
            search_segments=len(state.segments),
        )


def publish(
    archive: Archive, outdir: Path, options: PublishOptions | None = None
) -> PublishSummary:
    """Publish (or update) the static site for `archive` in `outdir`: built in a sibling
    folder and swapped in at the end (staging.py), so `outdir` is always a whole site."""
    try:
        with Staging(outdir) as build_dir:
            builder = SiteBuilder(archive, build_dir, options or PublishOptions())
            try:
                return builder.run()
            finally:
                builder.close()
    except StagingError as exc:
        raise PublishError(str(exc)) from None
