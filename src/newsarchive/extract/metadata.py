"""Title, author and language of a page: cheap lookups in the parsed tree.

Title: `og:title` (what the outlet shares, without the site suffix), else the `<h1>` that
matches `<title>`, else `<title>` with its site suffix (`- 大纪元`, `| BBC News 中文`) cut.
Language: zh-Hans / zh-Hant / ja / ko / en... from the text itself by script counts,
with the page's own `lang` attribute as a tiebreak; a character-class count is fast and
right for the languages this archive holds.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from lxml.html import HtmlElement

from newsarchive.extract.authors import clean_author, ld_json_authors
from newsarchive.text.byline import reporters_from_credit
from newsarchive.text.script import detect_script

_SPACE = re.compile(r"\s+")
_NON_WORD = re.compile(r"\W+")
_TITLE_SEPARATORS = re.compile(
    r"\s*(?:\s[-|–—·]\s|[|｜_]|\s[-–—]{1,2}|——|－|(?<=[\u3400-\u9fff》」”])-(?=[\u3400-\u9fff]))\s*"
)
_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_KANA = re.compile(r"[\u3040-\u30ff]")
_HANGUL = re.compile(r"[\uac00-\ud7af]")
_LATIN = re.compile(r"[A-Za-z]")
_BYLINE = re.compile(
    r"(?:^|[\s　(（【\[])(?:作者|文|記者|记者|撰稿|撰文|By|BY|by)\s*[：:｜|/]?\s*"
    r"([\u3400-\u9fffA-Za-z·•.\- ]{2,30}?)(?=$|[\s　)）】\]，,、|｜/]|报道|報導|报导|綜合|综合)"
)


def _clean(text: str | None) -> str:
    return _SPACE.sub(" ", text or "").strip()


def _meta(root: HtmlElement, *keys: str) -> str | None:
    wanted = set(keys)
    for meta in root.iter("meta"):
        key = (meta.get("property") or meta.get("name") or meta.get("itemprop") or "").lower()
        if key in wanted and (value := _clean(meta.get("content"))):
            return value
    return None


def strip_site_suffix(title: str) -> str:
    """'Headline - Site' -> 'Headline'. The headline comes first on nearly every site; a
    very short first part is a site prefix ('BBC | Headline') and then the longest wins."""
    parts = [p.strip() for p in _TITLE_SEPARATORS.split(title) if p.strip()]
    if len(parts) < 2:
        return title
    return parts[0] if len(parts[0]) >= 6 else max(parts, key=len)


def _names_site(part: str, sites: list[str]) -> bool:
    """Whether a title part is the site's name: og:site_name, or the URL host's name
    (`Bold.org`, `Leadfeeder` on leadfeeder.com), folded; a long part is a headline."""
    key = "".join(_NON_WORD.sub("", part).split()).casefold()
    if not key or len(part) > SITE_PART_MAX_CHARS:
        return False
    return any(site in key or (len(key) >= 3 and key in site) for site in sites)


SITE_PART_MAX_CHARS = 40


def _site_keys(site: str | None, url: str | None) -> list[str]:
    keys = []
    if site and (key := _NON_WORD.sub("", site).casefold()):
        keys.append(key)
    if url:
        host = urlsplit(url).hostname or ""
        labels = [lb for lb in host.split(".") if lb not in ("www", "m", "amp", "blog", "news")]
        # The registrable label: "leadfeeder" of www.leadfeeder.com, "bbc" of bbc.co.uk.
        label = next((lb for lb in labels if len(lb) > 3), labels[0] if labels else "")
        if len(label) >= 4:
            keys.append(label.casefold())
    return keys


def _without_site(title: str, site: str | None, url: str | None = None) -> str:
    """Cut a trailing ' - Site' (or a leading 'Site | ') when that part names the site
    (og:site_name or the URL's host)."""
    parts = [p.strip() for p in _TITLE_SEPARATORS.split(title) if p.strip()]
    sites = _site_keys(site, url)
    if len(parts) < 2 or not sites:
        return title
    if _names_site(parts[-1], sites):
        cut = title.rfind(parts[-1])
        return _TITLE_SEPARATORS.sub("", title[:cut].rstrip()) if cut > 0 else title
    if _names_site(parts[0], sites) and len(parts) == 2:
        return parts[1]
    return title


def find_site_name(root: HtmlElement) -> str | None:
    """The site's own name (og:site_name), which names the outlet when the host is one
    we do not know (a mirror, a new domain)."""
    return _meta(root, "og:site_name", "application-name")


def find_title(root: HtmlElement, url: str | None = None) -> str:
    site = _meta(root, "og:site_name", "application-name")
    og = _meta(root, "og:title", "twitter:title")
    if og and (site or url):
        og = _without_site(og, site, url)
    title_el = root.find(".//title")
    page_title = _clean(title_el.text_content()) if title_el is not None else ""
    h1s = [_clean(h.text_content()) for h in root.iter("h1")]
    h1s = [h for h in h1s if 4 <= len(h) <= 200]
    if og and page_title and og == page_title:
        # og:title is the page title with its site suffix: the h1 names the headline
        # (a four-character Chinese headline is shorter than many site names).
        return next((h for h in h1s if h in og), strip_site_suffix(og))
    if og:
        return og
    for h1 in h1s:
        if page_title and h1 in page_title:
            return h1
    stripped = strip_site_suffix(page_title) if page_title else ""
    if h1s and (not stripped or len(h1s) == 1):
        return h1s[0]
    return stripped


def _match_key(text: str) -> str:
    # Headline and <title> differ in punctuation ("..." vs "…", curly vs straight quotes)
    # and case more often than in words.
    return _NON_WORD.sub("", text).casefold()


def title_element(root: HtmlElement, title: str) -> HtmlElement | None:
    """The page's headline element: an h1/h2 whose text is the title (or contains it)."""
    key = _match_key(title)
    if not key:
        return None
    # Some sites set the headline in an <h3>; it is only tried when no h1/h2 matches.
    for tag in ("h1", "h2", "h3"):
        for el in root.iter(tag):
            text = _match_key(el.text_content())
            if text and (text == key or (len(text) >= 4 and (text in key or key in text))):
                return el
    # og:title and the headline are often worded differently; a page's only <h1> is its
    # headline all the same.
    h1s = list(root.iter("h1"))
    return h1s[0] if len(h1s) == 1 and _match_key(h1s[0].text_content()) else None


# "author", "post-author", "blog__authorname", "byline"; not "authorize".
_AUTHOR_ATTR = re.compile(r"(?:^|[\s_-])(?:author|byline)(?:s|name)?(?:$|[\s_-])")


def find_author(root: HtmlElement, lead_text: str) -> str | None:
    """The first declared author that survives `clean_author`: <meta>, then JSON-LD (names
    inside Person objects and lists too), then a byline element, then the text's byline."""
    meta = _meta(root, "author", "article:author", "byl", "dc.creator", "sailthru.author")
    if author := clean_author(meta):
        return author
    if author := clean_author(ld_json_authors(root)):
        return author
    for el in root.iter():
        cls = f"{el.get('class', '')} {el.get('itemprop', '')} {el.get('rel', '')}".lower()
        # The substring test turns away nearly every element before the regex runs.
        if ("author" in cls or "byline" in cls) and _AUTHOR_ATTR.search(cls):
            text = _clean(el.text_content())
            if 1 < len(text) <= 80 and (author := clean_author(text)):
                return author
    return author_from_text(lead_text)


# "By Jane Q. Doe": Latin names run over spaces, which end a Chinese name.
_LATIN_BYLINE = re.compile(
    r"(?:^|(?<=[\s(\[]))[Bb][Yy]:?\s+([A-Z][\w.'-]*(?:[ \t]+[A-Z][\w.'-]*){0,3})"
)
# A credit for a picture, not the article: "(Photo by Jane Doe / AFP)", "图：新华社".
_PICTURE_CREDIT = re.compile(r"(?:photo|image|illustration|picture|图|圖|照|摄|攝)\W{0,3}$", re.I)


def author_from_text(lead_text: str) -> str | None:
    """A byline at the start of the article text (`作者：张三`, `By Jane Doe`), or the
    reporters of a Chinese outlet's opening credit (`（大纪元记者张北综合报导）`).
    Picture credits are not bylines (on the mirrors, 'Photo by …' was the most common
    false author before this check)."""
    if reporters := reporters_from_credit(lead_text):
        return reporters
    for m in [*_LATIN_BYLINE.finditer(lead_text[:300]), *_BYLINE.finditer(lead_text[:300])]:
        if not _PICTURE_CREDIT.search(lead_text[max(0, m.start() - 14) : m.start()]) and (
            author := clean_author(m[1])
        ):
            return author
    return None


def detect_lang(text: str, declared: str | None = None) -> str | None:
    """zh-Hans / zh-Hant / ja / ko / en (or the declared code for other Latin text)."""
    sample = text[:3000]
    han, kana = len(_HAN.findall(sample)), len(_KANA.findall(sample))
    hangul, latin = len(_HANGUL.findall(sample)), len(_LATIN.findall(sample))
    if kana > 0.1 * max(1, han) and kana >= 20:
        return "ja"
    if hangul > han and hangul >= 20:
        return "ko"
    if han >= 20 and han * 3 >= latin:
        script = detect_script(sample)
        if script == "traditional":
            return "zh-Hant"
        if script == "simplified":
            return "zh-Hans"
        return "zh"
    if latin >= 20:
        code = (declared or "en").split("-")[0].lower()
        return code if code.isalpha() and code != "zh" else "en"
    return declared
