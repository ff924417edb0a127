"""Article extraction from a raw HTML page: the one path that collection, the
`extract` command and re-processing all use.

Pipeline (each step in its own module):
1. charset: bytes -> text (GB18030/Big5-HKSCS widening, mislabelled pages).
2. metadata + dates: title, author, <meta>/JSON-LD date, read from the untouched tree.
3. boilerplate.prune_tree: scripts, navigation, comment/share/related/ad blocks go.
4. profiles: an outlet's declared content/junk selectors, when the URL's outlet has them.
5. density.best_container: the block where paragraphs with punctuation concentrate.
6. trafilatura (fast mode) on that container only: its paragraph-level cleaning without
   the surrounding page to be fooled by; the whole page again when the container yields
   too little (the density pass can pick a fragment of a page built from many blocks),
   and its whole-page article instead of a container that holds a minor share of the
   page when that article is the container's made longer, or lies beside it.
7. boilerplate.trim_paragraphs: editor lines, copyright, share prompts at the ends.
8. images with captions from the container; language from the text.
"""

from __future__ import annotations

import copy
import re
from functools import cache
from typing import Any

import lxml.etree
import lxml.html
import trafilatura
from lxml.html import HtmlComment, HtmlElement, HtmlEntity, HtmlProcessingInstruction
from trafilatura.htmlprocessing import convert_to_html
from trafilatura.settings import Extractor

from newsarchive.extract import boilerplate, dates, density, images, metadata, profiles
from newsarchive.extract.charset import CharsetError
from newsarchive.extract.charset import decode_html as _decode
from newsarchive.extract.sanitize import html_to_text, sanitize_html, unfinished_parse
from newsarchive.model import Draft, Image, Timestamp
from newsarchive.outlets import canonical_outlet

_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>", re.IGNORECASE)
_SPACE = re.compile(r"\s+")
# Below this share of the container's own text, trafilatura's result on the container is
# a fragment (it discarded most blocks) and the whole page is tried instead.
MIN_KEPT_SHARE = 0.2
MIN_TEXT_CHARS = 30
# Below this share, trafilatura's fast path is retried with its full run.
FULL_RUN_SHARE = 0.6


# lxml.html's own parser picks each element's Python class in a Python callback (form
# controls get FormElement, InputElement...), called whenever lxml makes an element object:
# every step of our passes and of trafilatura's walks over its copies. Nothing here uses
# the form classes' extras, so all elements are HtmlElement, chosen in C. Trees built
# for trafilatura use this parser too (an element's class comes from its document's).
# `huge_tree`: nesting up to 2048 levels instead of 256, see `unfinished_parse`.
_PARSER = lxml.html.HTMLParser(huge_tree=True)
_PARSER.set_element_class_lookup(
    lxml.etree.ElementDefaultClassLookup(
        element=HtmlElement, comment=HtmlComment, pi=HtmlProcessingInstruction, entity=HtmlEntity
    )
)


def _element(tag: str) -> HtmlElement:
    return _PARSER.makeelement(tag)


class ExtractionError(Exception):
    """A page holds no article we can extract; the message says why."""


def decode_html(raw: bytes) -> str:
    """Bytes to text, trusting a BOM, then strict UTF-8, then the declaration, then sniffing."""
    try:
        return _decode(raw)
    except CharsetError as exc:
        raise ExtractionError(str(exc)) from exc


def parse_html(html: str) -> HtmlElement:
    # lxml refuses str input that carries an encoding declaration.
    html = _XML_DECL.sub("", html, count=1)
    try:
        root = lxml.html.document_fromstring(html, parser=_PARSER)
    except (lxml.etree.ParserError, ValueError) as exc:
        raise ExtractionError(f"unparseable HTML: {exc}") from exc
    if reason := unfinished_parse(_PARSER):
        raise ExtractionError(reason)
    # React pages put `<!-- -->` between words; trafilatura, given a tree, drops comment
    # nodes together with their tails, i.e. with the words that follow them.
    lxml.etree.strip_elements(
        root, lxml.etree.Comment, lxml.etree.ProcessingInstruction, with_tail=False
    )
    return root


def _chars(el: HtmlElement) -> int:
    return len(_SPACE.sub("", el.text_content()))


@cache
def _options(fast: bool, recall: bool = True) -> Extractor:
    """trafilatura's settings for our runs, built once: building them reads its
    ConfigParser (7 lookups and a date format), ~4% of extract_page's CPU when done for
    every call. Each run gets a copy with its URL, as `bare_extraction` would build it
    (the date parameters fixed at first use are only read with metadata, which is off)."""
    return Extractor(
        output_format="python",
        fast=fast,
        recall=recall,
        comments=False,
        images=True,
        tables=True,
        links=True,
        with_metadata=False,
    )


def _run_trafilatura(
    tree: HtmlElement, url: str | None, *, fast: bool = True, recall: bool = True
) -> Any:
    options = copy.copy(_options(fast, recall))
    options.url = url
    # What Extractor.__init__ derives from the URL (used in its log messages).
    options.source = url and url.encode("utf-8", "replace").decode("utf-8")
    return trafilatura.bare_extraction(tree, url=url, options=options)


def _blocks(doc: Any) -> int:
    return len(doc.body) if doc is not None and doc.body is not None else 0


def _kept(doc: Any) -> int:
    return len(_SPACE.sub("", doc.text or "")) if doc is not None else 0


# Characters of the container that trafilatura's runs must miss before they are retried
# without class and id attributes: a whole section, not a caption or a "Top Video" box
# (on a short aeb story the retry kept those, 1.00 -> 0.80, with 1,036 missing).
UNCLASSED_MIN_MISSING = 2000


def _unclassed(backup: HtmlElement) -> list[HtmlElement]:
    parts = list(copy.deepcopy(backup))
    for part in parts:
        for el in part.iter():
            el.attrib.pop("class", None)
            el.attrib.pop("id", None)
    return parts


def _standalone(parts: list[HtmlElement], *, as_article: bool = True) -> HtmlElement:
    """The article's blocks as a document of their own, for trafilatura.

    Wrapped in an `<article>` so that trafilatura's main pass finds the content area
    (`(.//article)[1]`): without one it falls back to collecting "wild" paragraphs, which
    skips subheadings and collapses identical lines (a price list's repeated
    "成人票原价：60元")."""
    root = _element("html")
    body = _element("body")
    root.append(body)
    if as_article:
        article = _element("article")
        body.append(article)
        body = article
    for part in parts:
        part.tail = None
        # The density pass chose it for its text: a "hidden until scripts run" style
        # (WeChat articles) must not make trafilatura discard it.
        part.attrib.pop("style", None)
        body.append(part)
    return root


def _article_tree(
    root: HtmlElement, html: str, url: str | None, title_el: HtmlElement | None
) -> tuple[Any, list[Image] | None]:
    """trafilatura's result, and the images with captions of the blocks it was run on
    (None when it ran on the whole page: which images belong is then unknown)."""
    body = root.body if root.find("body") is not None else root
    profile = profiles.profile_for_url(url)
    boilerplate.prune_tree(root, profile.junk_elements(root) if profile else ())
    chosen = profile.content_element(root) if profile else None
    parts = [chosen] if chosen is not None else []
    if chosen is None:
        found = density.best_container(body, title_el)
        # Only a container next to the headline is trusted: measured on the magic-html
        # pages, a container chosen without that anchor lost more pages than it fixed.
        if found is not None and found.near_title:
            chosen, parts = found.element, found.parts
    if chosen is not None and chosen is not body:
        available = sum(_chars(p) for p in parts)
        page_chars = _chars(body)
        pics = [img for p in parts for img in images.find_images(p, url)]
        doc = _container_doc(parts, url, available)
        if _kept(doc) >= max(MIN_TEXT_CHARS, MIN_KEPT_SHARE * available):
            share = available / max(1, page_chars)
            if (share < WIDER_TRIED_SHARE and not _mostly_han(doc.text or "")) and (
                wider := _wider_article(html, url, profile, doc, share)
            ):
                return wider, None
            return doc, pics
        # The whole page is the fallback: reparse, the parts have left the tree.
        root = parse_html(html)
        boilerplate.prune_tree(root, profile.junk_elements(root) if profile else ())
        chosen = None
    page_pics = images.find_images(body, url) if chosen is body else None
    spare = copy.deepcopy(root) if page_pics is None else None  # trafilatura prunes its input
    doc = _run_trafilatura(root, url, fast=False)
    if spare is not None:
        # Its recall-favouring run sometimes settles on one short block of a page whose
        # article is several times longer; its balanced run, on the same page, does not.
        # The balanced run alone lost elsewhere (articles cut to their first section).
        balanced = _run_trafilatura(spare, url, fast=False, recall=False)
        if _kept(balanced) >= BALANCED_MIN_RATIO * _kept(doc):
            doc = balanced
    return doc, page_pics


def _container_doc(parts: list[HtmlElement], url: str | None, available: int) -> Any:
    """trafilatura's article from the container's blocks (which leave their tree), with
    its retries when it drops much of them; `available` is their character count."""
    backup = _element("div")
    backup.extend(copy.deepcopy(p) for p in parts)  # trafilatura prunes what it is given
    paragraphs = sum(1 for p in backup.iter("p") if _chars(p) >= MIN_TEXT_CHARS)
    doc = _run_trafilatura(_standalone(parts), url)
    if _blocks(doc) < paragraphs:
        # Fewer blocks than the container has paragraphs: its main pass ran them
        # together (often with a pager stuck to them). The wild-paragraph pass keeps
        # them apart; it is taken when it keeps as much of the container's text as
        # the fast path must (below).
        again = _run_trafilatura(_standalone(list(copy.deepcopy(backup)), as_article=False), url)
        if _blocks(again) > _blocks(doc) and _kept(again) >= FULL_RUN_SHARE * available:
            doc = again
    if _kept(doc) < FULL_RUN_SHARE * available:
        # Its fast path drops markup it does not expect (WeChat's nested <section>s);
        # its full run, with its own fallbacks, is slower but recovers them.
        again = _run_trafilatura(_standalone(list(copy.deepcopy(backup))), url, fast=False)
        doc = again if _kept(again) > _kept(doc) else doc
    if _kept(doc) < FULL_RUN_SHARE * available and available - _kept(doc) >= UNCLASSED_MIN_MISSING:
        # Still thousands of the container's characters short: trafilatura's own junk
        # tests match class words as substrings ("widget" in a page builder's
        # `ck-widget` rows, "bar" in `bard`, "expand", "meta", "list"), and drop whole
        # sections of the article. Our pruning has already judged these attributes
        # (as whole words); without them, its other rules still apply.
        again = _run_trafilatura(_standalone(_unclassed(backup)), url)
        doc = again if _kept(again) > _kept(doc) else doc
    return doc


# How many times longer trafilatura's balanced run on the whole page must be than its
# recall run to be taken (measured: 4.5-5x on the two pages it fixed, 0.3 -> 0.9; the
# pages where the balanced run lost had it shorter).
BALANCED_MIN_RATIO = 3.0


# A container holding less than this share of the (pruned) page's text may be a box
# beside the article (a summary, a caption, the first of many blocks): the whole page is
# read too, and its article taken when it holds the container's lines and is several
# times longer. Two tiers, measured on all four sets (docs/extract.md):
# - a small container (< 15 % of the page): 3-25x, in paragraphs of article length;
# - a larger one (< 35 %): 4-15x, whatever the paragraphs (a guide or a service page
#   whose sections are short: 7 pages 0.2-0.5 -> 0.55-0.97 on wcxb and magic-html
#   "other", one 0.69 -> 0.53; the paragraph test blocked them).
WIDER_TRIED_SHARE = 0.35
SMALL_WINNER_SHARE = 0.15
WIDER_MIN_RATIO = 3.0
# ...and at most this many times: measured on the triggering pages of all four sets, a
# result 10-22x the container was the article's rest (4 wcxb pages 0.1-0.2 -> 0.9-1.0),
# one 30-35x was a listing or a forum around a short item (a wcxb and a magic-html page
# lost 0.1 and 0.8; one magic-html page gained 0.45).
WIDER_MAX_RATIO = 25.0
# ...unless its paragraphs average this long (long-form prose, not a listing's entries):
# a how-to guide whose first step won the container was 35x it, in paragraphs of 450
# characters on average (magic-html "other", 0.00 -> 0.45); no other page of the four
# sets changed at 300 or 400.
LONG_FORM_PARAGRAPH = 300
# Mean length of the whole-page result's paragraphs: article prose, where a teaser
# stream or a comment thread (what a short Chinese story stands beside) is short lines.
WIDER_MEAN_PARAGRAPH = 150
# The larger-container tier: beyond 15x a container of a third of the page, the whole
# page was a listing around it (a magic-html page lost 0.8 at 30x).
MODERATE_MIN_RATIO = 4.0
MODERATE_MAX_RATIO = 15.0
WIDER_LINE_CHARS = 20
WIDER_CONTAINS_SHARE = 0.8
# A box beside the article (small container): the balanced whole-page article is taken
# when it is this many times longer and holds less than this share of the box's lines.
# Measured on the 71 pages of all four sets with a container < 35 % of the page: 4 pages
# 0.01-0.22 -> 0.62-0.96, none lost; among the rest, whole-page results that held the
# box were listings around a short item as often as the article.
BESIDE_MIN_RATIO = 5.0
BESIDE_MAX_CONTAINED = 0.5


_HAN = re.compile(r"[\u3400-\u9fff]")


def _mostly_han(text: str) -> bool:
    """Chinese text: there the short container is right far more often than not. On the
    magic-html Chinese pages the whole-page pass added comment threads and other stories
    of long lines around a short story (F1 1.00 -> 0.10 on four pages), the precision
    failure this package's container choice exists to avoid."""
    sample = _SPACE.sub("", text[:2000])
    return bool(sample) and len(_HAN.findall(sample)) > 0.3 * len(sample)


def _contained(found: Any, doc: Any) -> float:
    """The share of the container's lines (of some length) that `doc`'s text holds."""
    wide = _SPACE.sub("", doc.text or "")
    lines = [_SPACE.sub("", line) for line in (found.text or "").splitlines()]
    lines = [line for line in lines if len(line) >= WIDER_LINE_CHARS]
    return sum(line in wide for line in lines) / len(lines) if lines else 0.0


def _wider_article(
    html: str, url: str | None, profile: profiles.Profile | None, found: Any, share: float
) -> Any | None:
    """trafilatura's article on the whole (pruned) page when it is the container's article
    made longer, not another text; `share` is the container's share of the page's text."""
    root = parse_html(html)
    boilerplate.prune_tree(root, profile.junk_elements(root) if profile else ())
    small = share < SMALL_WINNER_SHARE
    spare = copy.deepcopy(root) if small else None  # trafilatura prunes its input
    doc = _run_trafilatura(root, url)
    if doc is not None and doc.body is not None:
        ratio = _kept(doc) / max(1, _kept(found))
        moderate = MODERATE_MIN_RATIO <= ratio <= MODERATE_MAX_RATIO
        # Wider around the same article: it holds what the container gave (a whole-page
        # pass that settled elsewhere, on another story or a comment thread, does not).
        mean_paragraph = _mean_paragraph(doc)
        # Beyond the 25x cap only a page of long-form prose: a listing or forum around a
        # short item reads as short entries.
        capped = ratio <= WIDER_MAX_RATIO or mean_paragraph >= LONG_FORM_PARAGRAPH
        if (
            (moderate or (small and ratio >= WIDER_MIN_RATIO and capped))
            and _contained(found, doc) >= WIDER_CONTAINS_SHARE
            and (moderate or mean_paragraph >= WIDER_MEAN_PARAGRAPH)
        ):
            return doc
    if spare is None:
        return None
    # A box beside the article: a small container whose lines trafilatura's balanced run
    # on the whole page leaves out (a citation, a caption, a teaser under the headline),
    # while it finds an article many times longer elsewhere on the page.
    other = _run_trafilatura(spare, url, fast=False, recall=False)
    if (
        other is not None
        and other.body is not None
        and _kept(other) >= BESIDE_MIN_RATIO * _kept(found)
        and _contained(found, other) < BESIDE_MAX_CONTAINED
    ):
        return other
    return None


def _mean_paragraph(doc: Any) -> float:
    sizes = [len(_SPACE.sub("", "".join(el.itertext()))) for el in doc.body]
    sizes = [n for n in sizes if n]
    return sum(sizes) / len(sizes) if sizes else 0.0


def extract_page(raw: bytes, url: str | None = None) -> Draft:
    """Extract the article of one HTML page; raises ExtractionError saying why not."""
    if not raw.strip():
        raise ExtractionError("empty page")
    html = decode_html(raw)
    root = parse_html(html)
    title = metadata.find_title(root, url)
    declared_lang = root.get("lang") or None
    meta_date = dates.published_from_metadata(root, declared_lang)
    raw_author = metadata.find_author(root, "")
    title_el = metadata.title_element(root, title)
    # Read before pruning: the date line may sit in a header box the pruning drops.
    header_date = (
        None if meta_date is not None else dates.date_under_headline(title_el, declared_lang)
    )
    doc, pics = _article_tree(root, html, url, title_el)
    if doc is None or doc.body is None or not _SPACE.sub("", doc.text or ""):
        raise ExtractionError("no article text found")
    article = convert_to_html(doc.body)
    boilerplate.trim_html(article)
    if title:
        boilerplate.drop_leading_title(article, title)
    for cell in article.iter("td", "th"):
        # trafilatura writes a row's cells back to back: without a space between them a
        # standings table reads "1Kyle Busch5040". The space is put in the HTML so that
        # the text stays what html_to_text gives for the stored HTML.
        cell.tail = " " + (cell.tail or "")
    # Captions are read from the original markup when we know where the article is; from
    # the whole-page fallback only trafilatura's own images (no captions) are reliable.
    if pics is None:
        pics = images.find_images(article, url)
    clean = sanitize_html(lxml.html.tostring(article, encoding="unicode"))
    text = html_to_text(clean)
    if len(_SPACE.sub("", text)) < 1:
        raise ExtractionError("no article text found")
    lang = metadata.detect_lang(text, declared_lang)
    stamps: dict[str, Timestamp] = {}
    published = None
    if meta_date is not None:
        published = meta_date
        stamps["published"] = Timestamp(meta_date, "html:metadata")
    if published is None and (
        found := dates.published_from_content(text, url, html, lang, header_date)
    ):
        published = found[0]
        stamps["published"] = Timestamp(found[0], found[1])
    return Draft(
        title=title,
        text=text,
        html=clean,
        url=url,
        outlet=canonical_outlet(metadata.find_site_name(root), url),
        published=published,
        # The markup was searched above, on the unpruned page: only the text is new here.
        author=raw_author or metadata.author_from_text(text),
        images=pics,
        lang=lang,
        timestamps=stamps,
    )
