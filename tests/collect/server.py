"""A real HTTP server on 127.0.0.1 for the collection tests: well-behaved feeds and
pages built from real archived articles, recorded feeds from the shared corpus, and
endpoints that misbehave on purpose."""

from __future__ import annotations

import gzip
import html
import json
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parent.parent / "data" / "collect"

Handler = Callable[["Request"], None]


def load_articles() -> list[dict[str, Any]]:
    articles: list[dict[str, Any]] = json.loads((DATA / "articles.json").read_text("utf-8"))
    return articles


def article_page(a: dict[str, Any], *, extra: str = "", charset: str = "utf-8") -> bytes:
    """A plausible outlet page around a real article body."""
    title = html.escape(a["title"])
    doc = (
        f"<!DOCTYPE html><html lang='zh'><head><meta charset='{charset}'><title>{title}</title>"
        f"<meta property='article:published_time' content='{a['date']}'>"
        f"<meta property='og:site_name' content='{html.escape(a['outlet'])}'>"
        f"<meta name='author' content='{html.escape(a['outlet'])}'></head><body>"
        "<header><nav><a href='/'>首页</a> <a href='/news'>新闻</a></nav></header>"
        f"<main><article><h1>{title}</h1>{a['html']}{extra}</article></main>"
        "<footer><p>版权所有 © 2021</p></footer></body></html>"
    )
    return doc.encode(charset)


class Request(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: LocalServer  # type: ignore[assignment]

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0]
        self.server.log.append((path, dict(self.headers.items())))
        handler = self.server.routes.get(path)
        if handler is None:
            for prefix, h in self.server.prefix_routes.items():
                if path.startswith(prefix):
                    handler = h
                    break
        try:
            if handler is None:
                self.send_body(b"not found", status=404, ctype="text/plain")
            else:
                handler(self)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def send_body(
        self,
        body: bytes,
        *,
        status: int = 200,
        ctype: str = "text/html; charset=utf-8",
        headers: dict[str, str] | None = None,
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def send_cached(self, body: bytes, ctype: str, etag: str) -> None:
        """200 with validators, or 304 when the client already has these bytes."""
        lm = "Mon, 16 Mar 2015 08:00:00 GMT"
        if self.headers.get("If-None-Match") == etag:
            self.send_response(304)
            self.send_header("ETag", etag)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_body(body, ctype=ctype, headers={"ETag": etag, "Last-Modified": lm})


class LocalServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256  # the default 5 drops SYNs under a concurrent pass

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), Request)
        self.routes: dict[str, Handler] = {}
        self.prefix_routes: dict[str, Handler] = {}
        self.log: list[tuple[str, dict[str, str]]] = []
        self.state: dict[str, Any] = {}

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # clients hanging up on misbehaving endpoints is the point of the tests

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def requests_to(self, path: str) -> list[dict[str, str]]:
        return [h for p, h in self.log if p == path]


@contextmanager
def running(server: LocalServer) -> Iterator[LocalServer]:
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


# -- feeds built from real articles ----------------------------------------------------


def rss2(base: str, articles: list[dict[str, Any]], *, full: bool, prefix: str) -> bytes:
    items = []
    for i, a in enumerate(articles):
        when = format_datetime(datetime.fromisoformat(a["date"].replace("Z", "+00:00")))
        body = f"<content:encoded><![CDATA[{a['html']}]]></content:encoded>" if full else ""
        items.append(
            f"<item><title>{html.escape(a['title'])}</title>"
            f"<link>{base}{prefix}{i}.html</link><guid>{base}{prefix}{i}.html</guid>"
            f"<pubDate>{when}</pubDate>"
            f"<description>{html.escape(a['title'])}（摘要）</description>{body}</item>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>'
        f"<title>测试</title><link>{base}/</link><description>d</description>"
        + "".join(items)
        + "</channel></rss>"
    ).encode()


def atom(base: str, articles: list[dict[str, Any]], prefix: str) -> bytes:
    entries = "".join(
        f"<entry><id>{base}{prefix}{i}.html</id><title>{html.escape(a['title'])}</title>"
        f"<link rel='alternate' href='{base}{prefix}{i}.html'/><updated>{a['date']}</updated>"
        f"<summary>{html.escape(a['title'])}</summary></entry>"
        for i, a in enumerate(articles)
    )
    return (
        "<?xml version='1.0' encoding='utf-8'?><feed xmlns='http://www.w3.org/2005/Atom'>"
        f"<title>atom</title><id>{base}/atom</id><updated>2021-01-08T00:00:00Z</updated>"
        f"{entries}</feed>"
    ).encode()


def rdf(base: str, articles: list[dict[str, Any]], prefix: str) -> bytes:
    items = "".join(
        f"<item rdf:about='{base}{prefix}{i}.html'><title>{html.escape(a['title'])}</title>"
        f"<link>{base}{prefix}{i}.html</link><dc:date>{a['date']}</dc:date></item>"
        for i, a in enumerate(articles)
    )
    return (
        "<?xml version='1.0' encoding='UTF-8'?>"
        "<rdf:RDF xmlns:rdf='http://www.w3.org/1999/02/22-rdf-syntax-ns#' "
        "xmlns='http://purl.org/rss/1.0/' xmlns:dc='http://purl.org/dc/elements/1.1/'>"
        f"<channel rdf:about='{base}/rdf'><title>rdf</title><link>{base}/</link>"
        f"<description>d</description></channel>{items}</rdf:RDF>"
    ).encode()


def json_feed(base: str, articles: list[dict[str, Any]], prefix: str) -> bytes:
    return json.dumps(
        {
            "version": "https://jsonfeed.org/version/1.1",
            "title": "json",
            "items": [
                {
                    "id": str(i),
                    "url": f"{base}{prefix}{i}.html",
                    "title": a["title"],
                    "content_html": a["html"],
                    "date_published": a["date"],
                }
                for i, a in enumerate(articles)
            ],
        },
        ensure_ascii=False,
    ).encode()


# -- misbehaviour ------------------------------------------------------------------------


def always(status: int, headers: dict[str, str] | None = None) -> Handler:
    def h(req: Request) -> None:
        req.send_body(f"status {status}".encode(), status=status, headers=headers)

    return h


def redirect(to: str) -> Handler:
    def h(req: Request) -> None:
        req.send_body(b"", status=302, headers={"Location": to})

    return h


def endless(chunk: bytes = b"<p>" + b"x" * 65536 + b"</p>") -> Handler:
    """A chunked body that never ends (until the client leaves)."""

    def h(req: Request) -> None:
        req.send_response(200)
        req.send_header("Content-Type", "application/rss+xml")
        req.send_header("Transfer-Encoding", "chunked")
        req.end_headers()
        while True:
            req.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))

    return h


def trickle(interval: float) -> Handler:
    """One byte every `interval` seconds, forever: no read timeout ever fires."""

    def h(req: Request) -> None:
        req.send_response(200)
        req.send_header("Content-Type", "application/rss+xml")
        req.send_header("Transfer-Encoding", "chunked")
        req.end_headers()
        for _ in range(10_000):
            req.wfile.write(b"1\r\n<\r\n")
            req.wfile.flush()
            time.sleep(interval)

    return h


def slow_headers(interval: float) -> Handler:
    """A status line, then header bytes one at a time, forever."""

    def h(req: Request) -> None:
        req.wfile.write(b"HTTP/1.1 200 OK\r\nX-Slow: ")
        for _ in range(10_000):
            req.wfile.write(b"a")
            req.wfile.flush()
            time.sleep(interval)

    return h


def stall(after: bytes, seconds: float) -> Handler:
    """Headers and the start of a body, then silence."""

    def h(req: Request) -> None:
        req.send_response(200)
        req.send_header("Content-Type", "application/rss+xml")
        req.send_header("Content-Length", str(len(after) * 10))
        req.end_headers()
        req.wfile.write(after)
        req.wfile.flush()
        time.sleep(seconds)

    return h


def gzip_bomb(decompressed: int) -> Handler:
    z = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = b"\0" * (1 << 20)
    parts = [z.compress(block) for _ in range(decompressed >> 20)]
    payload = b"".join(parts) + z.flush()

    def h(req: Request) -> None:
        req.send_body(payload, ctype="application/rss+xml", headers={"Content-Encoding": "gzip"})

    return h


def huge(size: int, *, declare_length: bool) -> Handler:
    """A `size`-byte page streamed from one small buffer (never allocated whole)."""
    block = (b"<p>" + "很长的页面".encode() * 4000 + b"</p>")[: 1 << 16]

    def h(req: Request) -> None:
        req.send_response(200)
        req.send_header("Content-Type", "text/html; charset=utf-8")
        if declare_length:
            req.send_header("Content-Length", str(size))
            req.end_headers()
            sent = 0
            while sent < size:
                req.wfile.write(block)
                sent += len(block)
        else:
            req.send_header("Transfer-Encoding", "chunked")
            req.end_headers()
            sent = 0
            while sent < size:
                req.wfile.write(b"%x\r\n%s\r\n" % (len(block), block))
                sent += len(block)
            req.wfile.write(b"0\r\n\r\n")

    return h


class static:
    """Always the same response; `body` stays readable for the test's expectations."""

    def __init__(self, body: bytes, ctype: str = "application/xml", status: int = 200) -> None:
        self.body, self.ctype, self.status = body, ctype, status

    def __call__(self, req: Request) -> None:
        req.send_body(self.body, ctype=self.ctype, status=self.status)


def gzipped(body: bytes, ctype: str) -> Handler:
    packed = gzip.compress(body)

    def h(req: Request) -> None:
        req.send_body(packed, ctype=ctype, headers={"Content-Encoding": "gzip"})

    return h


ENTITY_BOMB = (
    b'<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n'
    + b"".join(
        b' <!ENTITY lol%d "%s">\n' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
        for i in range(1, 10)
    )
    + b']>\n<rss version="2.0"><channel><title>&lol9;</title>'
    b"<item><title>&lol9;</title><link>http://127.0.0.1/x</link></item></channel></rss>"
)

MALFORMED = b'<?xml version="1.0"?><rss version="2.0"><chan<<nel><ti&tle>x</ti'
