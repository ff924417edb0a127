"""`newsarchive extract`: JSON lines per file, .gz and legacy encodings, errors per file."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

from typer.testing import CliRunner

from newsarchive.cli import app

ARTICLE = (
    "<html><head><meta charset='gb2312'><title>测试标题 - 某网</title></head><body>"
    "<h1>测试标题</h1>"
    + "".join(f"<p>第{i}段：今天上午，市政府召开新闻发布会，介绍了有关情况。</p>" for i in range(5))
    + "<figure><img src='/p.jpg'><figcaption>发布会现场</figcaption></figure></body></html>"
)


def test_extract_json_lines_and_errors_do_not_stop_the_batch(tmp_path: Path) -> None:
    good = tmp_path / "a.html.gz"
    good.write_bytes(gzip.compress(ARTICLE.encode("gb18030")))
    empty = tmp_path / "empty.html"
    empty.write_bytes(b"")
    missing = tmp_path / "missing.html"
    result = CliRunner().invoke(
        app,
        [
            "extract",
            str(empty),
            str(good),
            str(missing),
            "--json",
            "--url",
            "https://example.com/n/1",
        ],
    )
    assert result.exit_code == 1
    lines = [json.loads(x) for x in result.stdout.splitlines() if x.startswith("{")]
    assert len(lines) == 1
    rec = lines[0]
    assert rec["path"] == str(good)
    assert rec["title"] == "测试标题"
    assert "第4段" in rec["text"] and "<p>" in rec["html"]
    assert rec["images"] == [{"url": "https://example.com/p.jpg", "caption": "发布会现场"}]
    assert rec["lang"] == "zh-Hans"
    assert set(rec) >= {"path", "title", "author", "published", "text", "html", "images", "lang"}
    assert "empty page" in result.stderr and "missing.html" in result.stderr
    assert "Traceback" not in result.output
