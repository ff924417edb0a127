"""What changed between two versions of an article, readable by a person.

Diffs are computed per paragraph (line), then per character inside changed paragraphs,
because Chinese has no spaces: a word-level diff would mark whole paragraphs.
"""

from __future__ import annotations

import difflib
import html
from dataclasses import dataclass
from typing import Literal

Op = Literal["equal", "insert", "delete", "replace"]


@dataclass(frozen=True, slots=True)
class Change:
    op: Op
    old: str
    new: str


def diff_texts(old: str, new: str) -> list[Change]:
    """Paragraph-level changes; `replace` pairs an old paragraph with its new form."""
    a, b = old.splitlines(), new.splitlines()
    out: list[Change] = []
    sm = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for op, i1, i2, j1, j2 in sm.get_opcodes():
        if op == "equal":
            out.append(Change("equal", "\n".join(a[i1:i2]), "\n".join(b[j1:j2])))
        elif op == "insert":
            out.append(Change("insert", "", "\n".join(b[j1:j2])))
        elif op == "delete":
            out.append(Change("delete", "\n".join(a[i1:i2]), ""))
        else:
            out.append(Change("replace", "\n".join(a[i1:i2]), "\n".join(b[j1:j2])))
    return out


def _inline(old: str, new: str) -> str:
    sm = difflib.SequenceMatcher(None, old, new, autojunk=False)
    parts: list[str] = []
    for op, i1, i2, j1, j2 in sm.get_opcodes():
        if op == "equal":
            parts.append(html.escape(old[i1:i2]))
            continue
        if i2 > i1:
            parts.append(f"<del>{html.escape(old[i1:i2])}</del>")
        if j2 > j1:
            parts.append(f"<ins>{html.escape(new[j1:j2])}</ins>")
    return "".join(parts)


def diff_html(old: str, new: str, *, context: int = 1) -> str:
    """An HTML fragment (escaped, safe to embed) showing changed paragraphs with
    `context` unchanged paragraphs around each change, `<ins>`/`<del>` inside."""
    changes = diff_texts(old, new)
    blocks: list[str] = []
    for idx, ch in enumerate(changes):
        if ch.op == "equal":
            paras = ch.old.splitlines()
            head = paras[:context] if idx > 0 else []  # after the previous change
            tail = paras[-context:] if context and idx < len(changes) - 1 else []
            if len(paras) <= len(head) + len(tail):
                keep = paras
            else:
                keep = [*head, "…", *tail] if head and tail else [*head, *tail]
            blocks += [f'<p class="ctx">{html.escape(p)}</p>' for p in keep]
        elif ch.op == "insert":
            blocks += [
                f'<p class="ins"><ins>{html.escape(p)}</ins></p>' for p in ch.new.splitlines()
            ]
        elif ch.op == "delete":
            blocks += [
                f'<p class="del"><del>{html.escape(p)}</del></p>' for p in ch.old.splitlines()
            ]
        else:
            olds, news = ch.old.splitlines(), ch.new.splitlines()
            for k in range(max(len(olds), len(news))):
                o = olds[k] if k < len(olds) else ""
                n = news[k] if k < len(news) else ""
                blocks.append(f'<p class="chg">{_inline(o, n)}</p>')
    return "\n".join(blocks)


def diff_stats(old: str, new: str) -> dict[str, int]:
    """Characters added and removed: a one-line summary of a version's change."""
    sm = difflib.SequenceMatcher(None, old, new, autojunk=False)
    added = removed = 0
    for op, i1, i2, j1, j2 in sm.get_opcodes():
        if op in ("replace", "delete"):
            removed += i2 - i1
        if op in ("replace", "insert"):
            added += j2 - j1
    return {"added": added, "removed": removed}
