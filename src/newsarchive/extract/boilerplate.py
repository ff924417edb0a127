"""Junk inside and around articles on Chinese news sites.

Two passes, both general (no site names):
- `prune_tree` drops whole elements before the container is chosen: scripts and frames,
  navigation and footers, and elements whose class/id says they are comments, share bars,
  "related" lists, ads or sidebars (unless the same attribute also says article/content,
  as in `class="article-related"` vs `class="article-body"`... the positive word wins only
  when the element holds most of the page's prose, which the density pass decides).
- `trim_paragraphs` drops paragraphs of the extracted text that are boilerplate by their
  wording, but only at the head or tail of the article, where editors' lines, copyright
  notices and "recommended" headers sit; the same words in the middle of an article are
  quoted speech or reporting and stay.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import lxml.etree
from lxml.html import HtmlElement

DROP_TAGS = (
    "script",
    "style",
    "noscript",
    "iframe",
    "button",
    "select",
    "textarea",
    "svg",
    "template",
    "object",
    "embed",
)
# Dropped like junk-attribute blocks, i.e. unless they hold most of the page (ASP.NET pages
# wrap everything in one <form>; unclosed tags put articles inside a <nav>).
JUNK_TAGS = ("form", "nav", "aside", "footer")
# Buttons may turn out to be unclosed tags (see prune_tree); a textarea never: its
# content is raw text, not markup (a "republish this story" box holds a copy).
UNWRAP_IF_LONG = frozenset({"button"})

# Attribute words for blocks that are never article text.
_JUNK_ATTR = re.compile(
    r"(?:^|[-_\s])(?:comments?|comment-?list|share|sharing|social|related|recommend\w*|"
    r"sidebar|side-?bar|footer|alert-?box|dialog|overlay|pay|payment|foot|nav|navbar|menu|breadcrumbs?|crumbs?|advert\w*|ads?|"
    r"adsbygoogle|banner|sponsor\w*|promo|popup|modal|cookie|subscribe|newsletter|"
    r"hot-?news|hotlist|rank\w*|pager|pagination|toolbar|login|"
    r"copyright|disclaimer|statement|qrcode|weixin-?code|tooltip|bio|layer)(?:$|[-_\s\d])",
    re.IGNORECASE,
)
_KEEP_ATTR = re.compile(
    r"article|content|main|body|text|post|story|entry|detail|正文", re.IGNORECASE
)

# Paragraph openings that mark editor lines, notices and link lists (Chinese news sites).
_EDGE_JUNK = re.compile(
    r"^[\s(（【\[]*(?:"
    r"责任编辑|責任編輯|编辑|編輯|责编|責編|校对|校對|审核|審核|监制|監製|实习生|實習生|"
    r"本文短网址|本文短網址|短网址|短網址|本文网址|本文網址|原文链接|原文連結|原文網址|"
    r"版权所有|版權所有|版权声明|版權聲明|免责声明|免責聲明|特别声明|特別聲明|Copyright|©|"
    r"转载请注明|轉載請註明|未经授权|未經授權|未经书面授权|本文来源|来源：|來源：|"
    r"相关新闻|相關新聞|相关阅读|相關閱讀|相关文章|相關文章|推荐阅读|推薦閱讀|延伸阅读|延伸閱讀|"
    r"更多新闻|更多新聞|热门新闻|熱門新聞|热点推荐|熱點推薦|猜你喜欢|猜你喜歡|"
    r"微信扫一扫|微信掃一掃|扫一扫|掃一掃|分享到|分享至|分享：|点击分享|點擊分享|关注我们|關注我們|扫码|掃碼|扫描二维码|掃描二維碼|"
    r"返回搜狐|查看更多|点击查看|點擊查看|点击收起|點擊收起|展开全文|展開全文|返回首页|返回首頁|打印本页|列印本頁|关闭窗口|關閉窗口|"
    r"订阅|訂閱|下载APP|下載APP|广告|廣告|点击进入|點擊進入|关键字|關鍵字|关键词|關鍵詞|标签|標籤|"
    r"Notice:|Share this|Related:|Advertisement"
    r")",
    re.IGNORECASE,
)
# Copyright notices that do not open their line ("XX网专稿，未经书面授权请勿转载。").
_EDGE_NOTICE = re.compile(
    r"(?:请勿|禁止|不得|严禁|未经[^，。]{0,6}授权[^，。]{0,4})转载|(?:請勿|禁止|不得|嚴禁|未經[^，。]{0,6}授權[^，。]{0,4})轉載|"
    r"转载请注明|轉載請註明|All rights reserved",
    re.IGNORECASE,
)
_MAX_NOTICE_LEN = 80
_MAX_EDGE_LEN = 120
MAX_JUNK_SHARE = 0.4


def _attr_words(el: HtmlElement) -> str:
    return f"{el.get('class', '')} {el.get('id', '')}".strip()


def is_junk_element(el: HtmlElement) -> bool:
    words = _attr_words(el)
    if not words or el.tag in ("html", "body", "article", "main"):
        return False
    if not _JUNK_ATTR.search(words):
        return False
    # "article-share" is junk, "main-content comment-enabled" may be the article: a
    # positive word saves an element only when it holds a real amount of text.
    return not (_KEEP_ATTR.search(words) and len("".join(el.text_content().split())) > 300)


# Elements no reader sees: `display:none`, or a class that says "hidden" with no
# responsive variant beside it (Tailwind's `hidden lg:block` shows on large screens): a
# collapsed partner list, a tooltip's bio. Not the `hidden` attribute: sections folded
# until found (`hidden="until-found"`) are article text. The 40 % guard below keeps an
# article that a script was to reveal.
_HIDDEN = lxml.etree.XPath(
    "descendant::*[contains(translate(@style, ' ', ''), 'display:none') or "
    "(contains(concat(' ', normalize-space(@class), ' '), ' hidden ') and "
    "not(contains(@class, ':')))]"
)
# Modal dialogs by their ARIA role (a cookie or consent notice, a sign-in box): dropped
# whatever their size, unlike class words, because a consent manager's notice of 8,000
# characters held 80 % of a short story's page and won it. One that holds the page's
# <h1> is kept to the 40 % guard below: that one may be an unclosed tag around the article.
_MODAL = lxml.etree.XPath(
    "descendant::*[(@aria-modal='true' or @role='dialog' or @role='alertdialog')"
    " and not(descendant::h1)]"
)
_ATTR_VALUES = lxml.etree.XPath("descendant-or-self::*/@class | descendant-or-self::*/@id")


def prune_tree(root: HtmlElement, extra: Iterable[HtmlElement] = ()) -> None:
    """Remove elements that never hold article text, keeping their tails (inline text that
    follows them belongs to the parent)."""
    controls = []
    for el in list(root.iter(*DROP_TAGS)):
        if el.getparent() is None:
            continue
        if el.tag in UNWRAP_IF_LONG:
            controls.append(el)
        else:
            el.drop_tree()
    total = _chars(root)
    for el in controls:
        if el.getparent() is None:
            continue
        if _chars(el) > MAX_JUNK_SHARE * total:
            # A button never holds an article; one that holds most of the page was left
            # open in the markup and the parser put the rest of the page inside it (a
            # header's menu button swallowed whole articles on one CMS). Its content
            # stays, the tag goes.
            el.drop_tag()
        else:
            el.drop_tree()
    total = _chars(root)
    doomed = list(root.iter(*JUNK_TAGS))
    # Only an element whose class or id holds a junk word can be junk by its attributes.
    # XPath hands over the class and id values in C (document order, like iter()); the
    # junk words never span the two (they hold no space), so testing each value alone
    # finds the same elements without a Python call per element of the page.
    candidates = dict.fromkeys(v.getparent() for v in _ATTR_VALUES(root) if _JUNK_ATTR.search(v))
    doomed += [el for el in candidates if is_junk_element(el)]
    doomed += _HIDDEN(root)
    doomed += list(extra)
    for el in _MODAL(root):
        if el.getparent() is not None:
            el.drop_tree()
    for el in doomed:
        # Unclosed tags make a "breadcrumb" or "nav" swallow the whole page: never drop
        # an element that holds most of the page's text.
        if el.getparent() is not None and _chars(el) <= MAX_JUNK_SHARE * total:
            el.drop_tree()


def _chars(el: HtmlElement) -> int:
    return len("".join(el.text_content().split()))


def is_edge_junk(paragraph: str) -> bool:
    p = paragraph.strip()
    if len(p) <= _MAX_NOTICE_LEN and _EDGE_NOTICE.search(p):
        return True
    return len(p) <= _MAX_EDGE_LEN and bool(_EDGE_JUNK.match(p))


_LEAF_BLOCKS = (
    "p",
    "li",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "blockquote",
    "div",
    "dd",
    "dt",
    "pre",
    "figcaption",
    "td",
    "section",
)


def _leaf_blocks(root: Any) -> list[Any]:
    leaves = []
    for el in root.iter(*_LEAF_BLOCKS):
        if el is root or any(True for _ in el.iterdescendants(*_LEAF_BLOCKS)):
            continue
        if "".join("".join(el.itertext()).split()):
            leaves.append(el)
    return leaves


# A run of this many short link-only blocks at the end of an article is a link list
# ("more from this section", an archive of issues), not its text.
LINK_LIST_MIN_BLOCKS = 3
LINK_LIST_MAX_CHARS = 40


def _is_link_line(el: Any, text: str) -> bool:
    if not text or len(text) > LINK_LIST_MAX_CHARS:
        return False
    linked = "".join("".join(a.itertext()) for a in el.iter("a"))
    if len("".join(linked.split())) >= len("".join(text.split())):
        return True
    return _item_of_emptied_link(el)


def _item_of_emptied_link(el: Any) -> bool:
    """A list item that was one link around a block (`<li><a href><img><p>2022年第4期</p>
    </a></li>`): trafilatura writes the block after the link, which is left empty, so
    the line's text is no longer inside an `<a>`; the item still holds nothing else."""
    item = el.getparent()
    if item is None or item.tag != "li":
        return False
    blocks = [c for c in item if c.tag != "a" and "".join("".join(c.itertext()).split())]
    return blocks == [el] and any(
        a.get("href") and not "".join("".join(a.itertext()).split()) for a in item.iterchildren("a")
    )


def _link_list_start(leaves: list[Any], texts: list[str], end: int) -> int:
    """Where a trailing run of link-only lines begins (`end` when there is none)."""
    start = end
    while start > 0 and (
        _is_link_line(leaves[start - 1], texts[start - 1]) or is_edge_junk(texts[start - 1])
    ):
        start -= 1
    links = sum(1 for i in range(start, end) if _is_link_line(leaves[i], texts[i]))
    return start if links >= LINK_LIST_MIN_BLOCKS and start > 0 else end


# A line that is only a "related / recommended" header: what follows it is a list of
# other stories, however it is marked up. A late "参考资料" (references) header starts an
# encyclopedia entry's source list. English "References" / "Sources" were measured and
# left out: on wcxb-dev three pages gained and three lost up to 0.11 (blogs whose truth
# keeps the source list).
_RELATED_HEADER = re.compile(
    r"^[\s【\[]*(?:相关|相關|延伸|推荐|推薦|热门|熱門|更多|猜你喜欢|猜你喜歡)"
    r"(?:新闻|新聞|阅读|閱讀|文章|推荐|推薦|报道|報導|链接|連結|资讯|資訊)?"
    r"(?:阅读|閱讀|推荐|推薦)?[\s】\]：:]*$|^(?:Related|Read more|More stories)\W*$"
    r"|^[\s【\[]*(?:参考资料|參考資料|参考文献|參考文獻)[\s】\]：:]*$",
    re.IGNORECASE,
)
# ...when it comes late: in the last part of the article's text.
RELATED_TAIL_SHARE = 0.6


def _related_list_start(texts: list[str]) -> int:
    total = sum(len(t) for t in texts)
    seen = 0
    for i, text in enumerate(texts):
        if seen >= RELATED_TAIL_SHARE * total and i > 0 and _RELATED_HEADER.match(text):
            return i
        seen += len(text)
    return len(texts)


def trim_html(root: Any) -> None:
    """Drop boilerplate blocks at the head and tail of an extracted article, in place."""
    leaves = _leaf_blocks(root)
    texts = [" ".join("".join(el.itertext()).split()) for el in leaves]
    cut = _related_list_start(texts)
    cut = _link_list_start(leaves, texts, cut)
    leaves, texts, dropped = leaves[:cut], texts[:cut], leaves[cut:]
    kept = trim_paragraphs(texts)
    start = next((i for i in range(len(texts)) if not is_edge_junk(texts[i])), len(texts))
    end = start + len(kept)
    for el in leaves[:start] + leaves[end:] + dropped:
        parent = el.getparent()
        if parent is not None:
            parent.remove(el)  # trafilatura's output keeps no text in tails of blocks


def trim_paragraphs(paragraphs: list[str]) -> list[str]:
    """Drop boilerplate paragraphs from both ends; stop at the first real one."""
    start, end = 0, len(paragraphs)
    while start < end and is_edge_junk(paragraphs[start]):
        start += 1
    while end > start and (is_edge_junk(paragraphs[end - 1]) or not paragraphs[end - 1].strip()):
        end -= 1
    return paragraphs[start:end]


def _folded(text: str) -> str:
    return "".join(ch for ch in text.casefold() if ch.isalnum())


def drop_leading_title(root: Any, title: str) -> None:
    """The headline repeated as the article's first block goes: the title is its own
    field, and benchmark truths (aeb, wcxb-dev, magic-html) leave it out of the text.
    Compared on letters and digits only (`Budget Report, published!`)."""
    leaves = _leaf_blocks(root)
    # A page whose only block is its headline keeps it: some text beats none.
    if len(leaves) > 1 and _folded("".join(leaves[0].itertext())) == _folded(title):
        parent = leaves[0].getparent()
        if parent is not None:
            parent.remove(leaves[0])
