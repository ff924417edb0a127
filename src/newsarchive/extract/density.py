"""Choosing the article's container by text and punctuation density.

trafilatura keeps nearly all of a Chinese article (recall ≈ 0.99 on the magic-html pages)
but also whatever prose-like junk surrounds it: comment threads, "related" teasers with a
sentence each, sidebars of other stories. Those blocks are scattered over many small
containers, while an article's paragraphs share one parent. So, as readability does, each
paragraph-like block scores by its length and punctuation (Chinese and Western), the score
flows to its parent (full), grandparent (half) and great-grandparent (a third), and the
container with the best score discounted by its link density wins. Punctuation matters
more for Chinese than length: headline lists and menus are long runs of characters
without a single 。or ，.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import lxml.etree
from lxml.html import HtmlElement

# Blocks whose own text we score. Inline tags never start a block.
BLOCK_TAGS = frozenset(
    {
        "p",
        "div",
        "td",
        "section",
        "article",
        "li",
        "pre",
        "blockquote",
        "dd",
        "main",
        "font",
        "span",
    }
)
CONTAINER_TAGS = frozenset(
    {
        "div",
        "td",
        "section",
        "article",
        "main",
        "body",
        "dd",
        "tbody",
        "table",
        "ul",
        "ol",
        "blockquote",
        "center",
    }
)
# Chinese and Western punctuation, and the stops and commas of Arabic-script (Urdu,
# Persian, Arabic) and Devanagari pages, whose prose otherwise scored like a menu.
_PUNCT = re.compile(r"[，。！？；：、,.!?;:「」“”（）،؛؟۔।॥]")
_SPACE = re.compile(r"\s+")
_SENTENCE_END = re.compile(r"[。！？.!?؟۔।॥][」”\"')）]?$")
_SENTENCE_STOP = re.compile(r"[。！？؟۔।॥]|[.!?](?:\s|$)")
MIN_BLOCK_CHARS = 20
# A block long enough to be the article's first paragraph (not a dateline or byline).
LEAD_MIN_CHARS = 25


@dataclass
class Candidate:
    element: HtmlElement
    score: float
    text_chars: int
    link_density: float
    near_title: bool = False
    # The container plus the siblings that belong to the article, in document order.
    parts: list[HtmlElement] = field(default_factory=list)


def _text_len(el: HtmlElement) -> int:
    return len(_SPACE.sub("", el.text_content()))


def _link_chars(el: HtmlElement) -> int:
    return sum(len(_SPACE.sub("", a.text_content())) for a in el.iter("a"))


INLINE_TAGS = frozenset(
    {
        "a",
        "span",
        "font",
        "b",
        "strong",
        "em",
        "i",
        "u",
        "s",
        "sub",
        "sup",
        "br",
        "small",
        "big",
        "code",
        "mark",
        "q",
        "cite",
        "abbr",
        "time",
        "label",
        "img",
        "del",
        "ins",
        "var",
        "kbd",
        "wbr",
    }
)


def _own_text(el: HtmlElement) -> str:
    """Text of a block without its nested blocks: only inline children count (a `<ul>`
    or `<table>` inside a div is its own block, not the div's prose)."""
    parts = [el.text or ""]
    for child in el:
        if isinstance(child.tag, str) and child.tag in INLINE_TAGS:
            parts.append(child.text_content())
        parts.append(child.tail or "")
    return "".join(parts)


def _inside_link(el: HtmlElement, cache: dict[HtmlElement, bool]) -> bool:
    """Whether an <a> encloses `el`. `cache` holds, for each element climbed through
    already, whether it is or is inside an <a>: each ancestor is looked at once per
    page, not once per block below it (markup may nest 2048 deep)."""
    path = []
    node = el.getparent()
    found = False
    while node is not None:
        if node in cache:
            found = cache[node]
            break
        path.append(node)
        node = node.getparent()
    for node in reversed(path):
        found = found or node.tag == "a"
        cache[node] = found
    return found


AMID_PROSE_PARAGRAPHS = 1


def _is_prose(own: str, el: HtmlElement) -> bool:
    """Ends like a sentence, or holds several (a paragraph whose last words are a link
    or a signature has no final full stop)."""
    if _SENTENCE_END.search(own):
        return True
    return len(_SENTENCE_STOP.findall(_own_text(el))) >= 2


def _amid_prose(lst: HtmlElement, cache: dict[HtmlElement, bool]) -> bool:
    """Whether the list's parent has prose paragraphs of its own beside the list."""
    parent = lst.getparent()
    if parent is None:
        return False
    if parent not in cache:
        prose = 0
        for p in parent.iterchildren("p"):
            own = _SPACE.sub("", p.text_content())
            if len(own) >= LEAD_MIN_CHARS and _SENTENCE_END.search(own):
                prose += 1
        cache[parent] = prose >= AMID_PROSE_PARAGRAPHS
    return cache[parent]


def score_containers(
    body: HtmlElement, blocks: list[HtmlElement] | None = None
) -> dict[HtmlElement, float]:
    """Readability-style accumulation of paragraph scores into their ancestors; the prose
    blocks that scored are appended to `blocks` in document order."""
    scores: dict[HtmlElement, float] = {}
    prose_cache: dict[HtmlElement, bool] = {}
    link_cache: dict[HtmlElement, bool] = {}
    # Code is not prose: its punctuation is syntax, and one listing of a few hundred lines
    # (hundreds of `.` `,` `:`) outscored a whole article's paragraphs. The listing still
    # belongs to the article when its paragraphs' container holds it.
    code = {el for pre in body.iter("pre") for el in pre.iter()}
    for el in body.iter(*BLOCK_TAGS):
        if el in code:
            continue
        own = _SPACE.sub("", _own_text(el))
        if len(own) < MIN_BLOCK_CHARS or _inside_link(el, link_cache):
            continue
        links = sum(len(_SPACE.sub("", a.text_content())) for a in el.iterchildren("a"))
        if links > 0.5 * len(own):
            continue
        punct = len(_PUNCT.findall(own))
        if punct == 0 and len(own) < 80:
            continue  # a headline, a date line, a label: no prose without punctuation
        score = 1.0 + punct + min(len(own) / 100.0, 3.0)
        if blocks is not None and len(own) >= LEAD_MIN_CHARS and _is_prose(own, el):
            # Prose, not a "时间：2024-05-20 来源：新华网" or "By X | Nov 18, 2019" line.
            blocks.append(el)
        parent = el if el.tag in CONTAINER_TAGS else el.getparent()
        for share in (1.0, 0.5, 1 / 3):
            if parent is None:
                break
            scores[parent] = scores.get(parent, 0.0) + score * share
            if parent.tag in ("ul", "ol") and not _amid_prose(parent, prose_cache):
                # A list's prose stops at the list: teaser streams are lists, and must not
                # lift the page region around them (a listicle's list still scores). A
                # list between an article's own paragraphs is part of its text.
                break
            parent = parent.getparent()
    return scores


_GOOD_ATTR = re.compile(r"article|content|body|text|post|entry|story|detail|main|正文|artic", re.I)
_BAD_ATTR = re.compile(
    r"stream|list|feed|related|recommend|comment|side|more|hot|rank|teaser|card|promo|foot|"
    r"widget|banner|nav|menu|share",
    re.I,
)
TITLE_BOOST = 2.0


def _attr_weight(el: HtmlElement) -> float:
    words = f"{el.get('class', '')} {el.get('id', '')}"
    weight = 1.0
    if _GOOD_ATTR.search(words):
        weight *= 1.25
    if _BAD_ATTR.search(words):
        weight *= 0.5
    return weight


def _text_offsets(body: HtmlElement) -> dict[HtmlElement, int]:
    """For every element, how many non-space characters of text come before it."""
    offsets: dict[HtmlElement, int] = {}
    count = 0
    for event, el in lxml.etree.iterwalk(body, events=("start", "end")):
        # Most texts and tails are None: the regex only runs on real text.
        if event == "start":
            offsets[el] = count
            if text := el.text:
                count += len(_SPACE.sub("", text))
        elif tail := el.tail:
            count += len(_SPACE.sub("", tail))
    return offsets


def _text_counts(body: HtmlElement) -> tuple[dict[HtmlElement, int], dict[HtmlElement, int]]:
    """For every element, `_text_len` and `_link_chars`, from one walk: asked element by
    element, nested containers read the same text again at every level (quadratic in
    the depth: 2,000 nested <div>s took seconds)."""
    chars: dict[HtmlElement, int] = {}
    links: dict[HtmlElement, int] = {}
    open_: list[list[int]] = []  # per open element: the count at its start, its links
    count = 0
    for event, el in lxml.etree.iterwalk(body, events=("start", "end", "comment", "pi")):
        if event == "start":
            open_.append([count, 0])
            if text := el.text:
                count += len(_SPACE.sub("", text))
            continue
        if event == "end":
            start, inner_links = open_.pop()
            n = count - start
            chars[el] = n
            links[el] = inner_links + n if el.tag == "a" else inner_links
            if open_:
                open_[-1][1] += links[el]
        # A comment's or processing instruction's own text is not text; its tail is.
        if tail := el.tail:
            count += len(_SPACE.sub("", tail))
    return chars, links


def _first_block_after(
    title_el: HtmlElement | None, blocks: list[HtmlElement], offsets: dict[HtmlElement, int]
) -> HtmlElement | None:
    """The first prose block after the headline: where the article starts."""
    if title_el is None or title_el not in offsets:
        return None
    title_end = offsets[title_el] + len(_SPACE.sub("", title_el.text_content()))
    first = next((b for b in blocks if offsets.get(b, -1) >= title_end), None)
    if first is None or offsets[first] - title_end > MAX_TITLE_GAP:
        # Far below the headline, the first prose is a dialog or a footer notice: the
        # article itself had no sentence to anchor on.
        return None
    return first


# Non-space characters between the headline and its article's first paragraph: bylines,
# dates, share bars, a picture caption, a summary box all fit.
MAX_TITLE_GAP = 1500


def _holds(el: HtmlElement, block: HtmlElement | None) -> bool:
    return block is not None and (block is el or any(a is el for a in block.iterancestors()))


def _continues(el: HtmlElement, anchor: HtmlElement | None, blocks: list[HtmlElement]) -> bool:
    """Whether the prose block right after the anchor (the first prose after the headline)
    lies inside `el`."""
    if anchor is None:
        return False
    for i, block in enumerate(blocks):
        if block is anchor:
            return i + 1 < len(blocks) and _holds(el, blocks[i + 1])
    return False


def _is_standfirst(near: HtmlElement, anchor: HtmlElement | None, blocks: list) -> bool:
    """A one-sentence summary alone in its box under the headline (a "hero" header), as
    opposed to a short article of one paragraph, which says more than one thing."""
    if anchor is None or sum(1 for b in blocks if _holds(near, b)) != 1:
        return False
    return len(_SENTENCE_STOP.findall(anchor.text_content().strip())) <= 1


NEAR_TITLE_SHARE = 0.25
# ...and if it holds a few sentences itself, not just a promo line under the headline.
NEAR_TITLE_MIN_SCORE = 15.0


def best_container(body: HtmlElement, title_el: HtmlElement | None = None) -> Candidate | None:
    """The element that most likely holds the whole article, or None on a page with no
    prose at all (a list page, an error page).

    A candidate that holds the first paragraph after the headline is "near the title" and
    scores double. When the overall winner is not near the title (a long teaser stream
    beside a short story), the best near-title candidate still wins if it reaches a
    quarter of the winner's score: a short article is still the article."""
    blocks: list[HtmlElement] = []
    scores = score_containers(body, blocks)
    if not scores:
        return None
    offsets = _text_offsets(body) if title_el is not None else {}
    first = _first_block_after(title_el, blocks, offsets)
    best: Candidate | None = None
    best_near: Candidate | None = None
    # How far up the winner's chunks are looked for (further when a box under the
    # headline beat a body of its own class: both are pieces of one article).
    levels = CHUNK_LEVELS
    text_chars, link_chars = _text_counts(body)
    # The candidates that hold the first block: it and its ancestors.
    holding_first = {first, *first.iterancestors()} if first is not None else set()
    for el, raw_score in scores.items():
        chars = text_chars.get(el)
        if chars is None:  # not under `body`
            chars, links = _text_len(el), _link_chars(el)
        else:
            links = link_chars[el]
        if not chars:
            continue
        density = min(1.0, links / chars)
        final = raw_score * (1.0 - density) * _attr_weight(el)
        near = el in holding_first
        if near:
            final *= TITLE_BOOST
        candidate = Candidate(el, final, chars, density, near)
        if best is None or final > best.score:
            best = candidate
        if near and (best_near is None or final > best_near.score):
            best_near = candidate
    if best is not None and not best.near_title and best_near is not None:
        if _is_standfirst(best_near.element, first, blocks) and _continues(
            best.element, first, blocks
        ):
            # The first prose after the headline is a standfirst in a header box, and the
            # winner's prose starts right after it: the body follows its summary.
            best.near_title = True
        elif any(a is best_near.element for a in best.element.iterancestors()):
            # The winner sits inside the region that starts after the headline (a body
            # div next to a summary box): it is the article, the region is wider.
            best.near_title = True
        elif _dwarfs(best, best_near, blocks):
            # The first prose under the headline sits in a small box (an author's bio, a
            # summary, a product blurb) while a body of long paragraphs many times its
            # size lies elsewhere: that body is the article.
            best.near_title = True
        elif best_near.score >= max(NEAR_TITLE_SHARE * best.score, NEAR_TITLE_MIN_SCORE):
            if _same_class(best.element, best_near.element):
                levels = _levels_to_common(best_near.element, best.element)
            best = best_near
    if best is not None:
        best.parts = _with_siblings(best, scores)
        best.parts = _with_chunks(best, scores, levels)
    return best


def _same_class(a: HtmlElement, b: HtmlElement) -> bool:
    return a.tag == b.tag and bool(a.get("class")) and a.get("class") == b.get("class")


def _levels_to_common(el: HtmlElement, other: HtmlElement) -> int:
    above = {id(a) for a in other.iterancestors()}
    for n, a in enumerate(el.iterancestors(), 1):
        if id(a) in above:
            return max(n, CHUNK_LEVELS)
    return CHUNK_LEVELS


# A body dwarfs the near-title box when it holds this many times its text in paragraphs
# this long on average: article prose, where teaser streams and comment threads (the
# long neighbours a short article must still beat) are runs of one-line entries.
DWARF_RATIO = 8
DWARF_MEAN_PARAGRAPH = 150


# ...and holds most of the page's prose: one chunk of an article cut into many is not
# trusted alone (the whole-page pass reads such pages better).
DWARF_PROSE_SHARE = 0.8


def _dwarfs(best: Candidate, near: Candidate, blocks: list[HtmlElement]) -> bool:
    if best.text_chars < DWARF_RATIO * near.text_chars:
        return False
    sizes = {b: len(_SPACE.sub("", b.text_content())) for b in blocks}
    inside = [n for b, n in sizes.items() if _holds(best.element, b)]
    if not inside or sum(inside) < DWARF_PROSE_SHARE * sum(sizes.values()):
        return False
    return sum(inside) / len(inside) >= DWARF_MEAN_PARAGRAPH


CHUNK_LEVELS = 6


def _with_chunks(
    best: Candidate, scores: dict[HtmlElement, float], levels: int = CHUNK_LEVELS
) -> list[HtmlElement]:
    """An article cut into chunks by ad rails (`article__chunks > grid > article__body`,
    repeated) or built from a page builder's text modules (one `et_pb_text_inner` or
    `sqs-html-content` per section): the other blocks with the winner's exact class,
    under the nearest ancestor that has any (at most six levels up), are the rest of the
    article when they score like article text. The winner's own score is taken without
    the headline bonus: chunks further down never get it."""
    cls = best.element.get("class")
    if not cls:
        return best.parts
    own = scores.get(best.element, 0.0) * (1 - best.link_density)
    top = best.element
    for _ in range(levels):
        top = top.getparent() if top is not None else None
        if top is None:
            return best.parts
        same = [
            el
            for el in top.iter(best.element.tag)
            if el.get("class") == cls
            and not any(_holds(p, el) or _holds(el, p) for p in best.parts)
        ]
        if same:
            break
    chunks = []
    for el in same:
        chars = _text_len(el)
        if not chars:
            continue
        score = scores.get(el, 0.0) * (1 - min(1.0, _link_chars(el) / chars))
        if score >= SIBLING_SHARE * own:
            chunks.append(el)
    if not chunks:
        return best.parts
    # What lies between the chunks (subheadings, tables, figures in elements of other
    # classes) is the article too: the span of `top`'s children from the first chunk's
    # branch to the last one's.
    children = [c for c in top if isinstance(c.tag, str)]
    branch = {}
    for i, child in enumerate(children):
        for el in best.parts + chunks:
            if _holds(child, el):
                branch[el] = i
    if len(branch) < len(best.parts) + len(chunks):
        order = {el: i for i, el in enumerate(top.iter())}
        return sorted(best.parts + chunks, key=lambda el: order.get(el, -1))
    first, last = min(branch.values()), max(branch.values())
    # A branch that holds chunks gives the chunks themselves (an ad rail beside one in
    # its wrapper stays out); a branch between them is kept whole.
    spans: list[HtmlElement] = []
    for i in range(first, last + 1):
        held = [el for el, b in branch.items() if b == i]
        spans.extend(sorted(held, key=lambda el: order_in(children[i], el)) or [children[i]])
    return spans


def order_in(root: HtmlElement, el: HtmlElement) -> int:
    return next((n for n, node in enumerate(root.iter()) if node is el), -1)


SIBLING_SHARE = 0.2


def _is_summary(el: HtmlElement) -> bool:
    """One short prose paragraph with hardly a link: a summary box or standfirst."""
    text = _SPACE.sub("", el.text_content())
    if not (LEAD_MIN_CHARS <= len(text) <= SUMMARY_MAX_CHARS) or not _SENTENCE_END.search(text):
        return False
    if _link_chars(el) > 0.1 * len(text):
        return False
    return not any(True for _ in el.iter("ul", "ol", "table", "img", "h1", "h2", "h3"))


SUMMARY_MAX_CHARS = 300


def _with_siblings(best: Candidate, scores: dict[HtmlElement, float]) -> list[HtmlElement]:
    """Readability's sibling rule: an article split over several sibling blocks (a lead
    paragraph before the body div, a body cut by an ad slot into columns) is kept whole.
    A sibling joins when it scores a fifth of the winner, or is a prose paragraph."""
    parent = best.element.getparent()
    if parent is None:
        return [best.element]
    parts = []
    siblings = [s for s in parent if isinstance(s.tag, str)]
    for n, sib in enumerate(siblings):
        if sib is best.element:
            parts.append(sib)
            continue
        if n + 1 < len(siblings) and siblings[n + 1] is best.element and _is_summary(sib):
            parts.append(sib)  # the standfirst right above the body ("核心提示：…")
            continue
        if not isinstance(sib.tag, str):
            continue
        chars = _text_len(sib)
        if not chars:
            continue
        links = _link_chars(sib) / chars
        score = scores.get(sib, 0.0) * (1 - links) * _attr_weight(sib)
        own = _SPACE.sub("", sib.text_content())
        prose = (
            sib.tag == "p"
            and links < 0.25
            and (len(own) >= 80 or (len(own) > 20 and own[-1] in '。.!?！？」”"'))
        )
        if score >= SIBLING_SHARE * best.score or prose:
            parts.append(sib)
    return parts
