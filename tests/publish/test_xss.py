"""Hostile article HTML must not reach the published site, whatever the archive holds.

The drafts go into the archive unsanitized on purpose: publishing must sanitize again
at render time, so an archive written by an older or buggy import is still safe."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

from newsarchive.archive import Archive
from newsarchive.model import Capture, Draft, Image
from newsarchive.publish import PublishOptions, publish

HOSTILE = [
    '<p>正文一</p><script>alert("x")</script><p>正文二</p>',
    '<p>图片</p><img src="x.jpg" onerror="alert(1)"><img src=x onerror=alert(2)>',
    '<p><a href="javascript:alert(3)">点我</a> <a href=" JaVaScRiPt:alert(4)">再点</a></p>',
    '<iframe src="https://evil.example/"></iframe><p>框架</p><object data="x.swf"></object>',
    '<svg onload="alert(5)"><circle/></svg><p onclick="alert(6)" style="background:url(https://evil.example/t.png)">样式</p>',
    '<form action="https://evil.example/"><input name=q></form><math><mi>x</mi></math>',
    '<p>编码</p><a href="&#106;avascript:alert(7)">实体</a><img src="data:image/svg+xml,<svg onload=alert(8)>">',
    '<base href="https://evil.example/"><link rel=stylesheet href="https://evil.example/x.css"><meta http-equiv="refresh" content="0;url=https://evil.example/">',
]
# Our own pages load exactly these scripts, all from the site itself.
OWN_SCRIPTS = re.compile(r'<script src="(?:\.\./)*static/(?:script|search|qr)\.js"></script>')
OWN_FORMS = re.compile(r'<form class="search(?:-page)?" action="(?:\.\./)*search\.html"')
HANDLER = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.I)
SCRIPT_URL = re.compile(r"""(?:href|src|action|data)\s*=\s*["']?\s*javascript:""", re.I)


def test_hostile_html_does_not_reach_the_site(archive: Archive, tmp_path: Path) -> None:
    with archive.transaction():
        for i, html in enumerate(HOSTILE):
            draft = Draft(
                title=f'标题{i}<script>alert("t")</script>" onmouseover="alert(1)',
                text=f"正文 {i}",
                html=html,
                url=f"https://news.example.org/{i}.html",
                outlet='<img src=x onerror=alert("o")>媒体',
                published=datetime(2020, 6, 1 + i, tzinfo=UTC),
                author="<script>alert('a')</script>",
                images=[Image("javascript:alert(9)", "<script>alert('c')</script>")],
            )
            archive.ingest(draft, Capture(raw=html.encode(), format="jekyll", location=f"{i}.md"))
        # An article whose URL itself is a script.
        archive.ingest(
            Draft(title="链接", text="x", html="<p>x</p>", url="javascript:alert(10)"),
            Capture(raw=b"j", format="jekyll", location="j.md"),
        )
    site = tmp_path / "site"
    for images in (False, True):
        publish(archive, site, PublishOptions(images=images, base_url="https://m.example.org/"))
        checked = 0
        for f in site.rglob("*"):
            if not f.is_file() or f.suffix not in (".html", ".js", ".xml", ".atom", ".json"):
                continue
            if f.parent == site / "static":
                continue  # our own scripts and styles, not made from archive data
            text = f.read_text("utf-8")
            if f.suffix == ".html":
                text = OWN_FORMS.sub("", OWN_SCRIPTS.sub("", text))
            lowered = text.lower()
            for bad in (
                "<script",
                "<iframe",
                "<object",
                "<svg",
                "<form",
                "<math",
                "<base",
                '<meta http-equiv="refresh',
                "evil.example",
            ):
                assert bad not in lowered, f"{bad!r} reached {f.relative_to(site)}"
            assert not SCRIPT_URL.search(text), f"javascript: URL in {f.relative_to(site)}"
            # Event handlers inside a real tag (escaped text such as &lt;img onerror is inert).
            assert not HANDLER.search(text), f"event handler in {f.relative_to(site)}"
            checked += 1
        assert checked > 20
