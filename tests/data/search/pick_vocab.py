"""Pick real jekyll-waimei articles for tests/data/search/vocab.json:

    PYTHONPATH=src python tests/data/search/pick_vocab.py ARCHIVE tests/data/search/vocab.json

For each form of each group, one article holding it and no other form of the group (in
traditional script when the form is), cut to its title and 240 characters around the
form; then one article for each look-alike word.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from newsarchive.archive import Archive
from newsarchive.components import open_archive
from newsarchive.search import search
from newsarchive.text.script import detect_script, to_simplified

GROUPS = {
    "chip": ["芯片", "晶片"],
    "software": ["软件", "軟體"],
    "network": ["网络", "網路"],
    "information": ["信息", "資訊"],
    "server": ["服务器", "伺服器"],
    "laser": ["激光", "雷射"],
    "printer": ["打印机", "印表機"],
    "sydney": ["悉尼", "雪梨"],
    "nz": ["新西兰", "紐西蘭"],
    "italy": ["意大利", "義大利"],
    "trump": ["特朗普", "川普", "Trump"],
    "pompeo": ["蓬佩奥", "庞皮欧", "Pompeo"],
    "putin": ["普京", "蒲亭", "Putin"],
    "huawei": ["华为", "Huawei"],
    "smic": ["中芯国际", "SMIC"],
    "tsmc": ["台积电", "TSMC"],
    "nvidia": ["英伟达", "輝達", "Nvidia"],
    "who": ["世卫组织", "世衛", "WHO"],
}
# Look-alikes that must not be found (precision).
DISTRACTORS = [
    "薯片",
    "消息",
    "程式",
    "软体动物",
    "大利",
    "中兴",
    "拜登",
    "世界贸易组织",
    "雪梨汁",
    "网红",
]


def pick(
    archive: Archive, seen: set[int], form: str, avoid: list[str], script: str | None
) -> dict[str, Any] | None:
    page = search(archive, form, limit=200, expand=False, budget_seconds=5)
    for hit in page.hits:
        art = archive.article(hit.id)
        if hit.id in seen or art is None:
            continue
        doc = art.title + "\n" + art.text
        low = to_simplified(doc.lower())
        at = low.find(to_simplified(form.lower()))
        if at < 0 or any(x in low for x in avoid):
            continue
        if script and detect_script(art.text) != script:
            continue
        seen.add(hit.id)
        excerpt = doc[max(0, at - 120) : at + 120].replace("\n", " ")
        published = art.published.isoformat() if art.published else None
        return {"form": form, "title": art.title, "text": excerpt, "outlet": art.outlet,
                "url": art.url, "published": published}  # fmt: skip
    return None


def main(db: str, out: str) -> None:
    records: list[dict[str, Any]] = []
    seen: set[int] = set()
    with open_archive(db, readonly=True) as archive:
        for group, forms in GROUPS.items():
            for form in forms:
                others = [to_simplified(f).lower() for f in forms if f != form]
                script = "traditional" if form != to_simplified(form) else None
                rec = pick(archive, seen, form, others, script)
                rec = rec or pick(archive, seen, form, others, None)
                if rec is not None:
                    records.append({**rec, "group": group})
        for word in DISTRACTORS:
            rec = pick(archive, seen, word, [], None)
            if rec is not None:
                records.append({**rec, "group": "distractor"})
    Path(out).write_text(json.dumps(records, ensure_ascii=False, indent=1), "utf-8")
    print(len(records))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
