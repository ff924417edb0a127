"""The dates mirror files carry, each parsed to a timezone-aware instant.

Which date means what (feed time, page time, the outlet's own dateline) is decided by
the format readers; this module only parses the spellings seen in the corpus.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from zoneinfo import ZoneInfo

BEIJING = timezone(timedelta(hours=8), "CST")
_PARIS = ZoneInfo("Europe/Paris")

# 【看中国2023年2月2日讯】, 【大纪元2020年09月22日讯】, 【新唐人北京时间2019年10月02日讯】,
# optionally with a time: 【新唐人2020年1月3日 12:30讯】.
DATELINE = re.compile(
    r"【[^【】\d]{1,12}?(\d{4})年(\d{1,2})月(\d{1,2})日"
    r"(?:\s*(\d{1,2})[:：时](\d{2})分?)?\s*讯】"
)
_RFI = re.compile(r"^(\d{2})/(\d{2})/(\d{4}) - (\d{2}):(\d{2})$")
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")
# BBC 中文's feed items show the day as "2020年 6月 28日" (sometimes with a time).
_CHINESE_DAY = re.compile(
    r"^(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日(?:\s*(\d{1,2})[:：](\d{2}))?$"
)


def is_day_only(value: str) -> bool:
    """A date without a time of day: less precise than a feed's timestamp."""
    m = _CHINESE_DAY.match(value.strip())
    return m is not None and m[4] is None


def from_epoch_ms(ms: str | int) -> datetime | None:
    try:
        value = int(ms) / 1000
        return datetime.fromtimestamp(value, UTC)
    except (ValueError, OverflowError, OSError):
        return None


def parse_date(value: str) -> datetime | None:
    """ISO 8601 (``Z`` or offset; no zone means UTC, as the mirror generators write UTC),
    RFC 2822 (``Fri, 04 Feb 2022 23:45:54 GMT``), and RFI's ``29/06/2020 - 05:50``
    (Paris local time)."""
    s = value.strip()
    if not s:
        return None
    if _ISO.match(s):
        try:
            d = datetime.fromisoformat(s.replace("Z", "+00:00"))
        except ValueError:
            return None
        return d if d.tzinfo else d.replace(tzinfo=UTC)
    m = _CHINESE_DAY.match(s)
    if m:
        hour, minute = (int(m[4]), int(m[5])) if m[4] else (0, 0)
        try:
            # No zone is written; the generators and BBC's own pages use UTC.
            return datetime(int(m[1]), int(m[2]), int(m[3]), hour, minute, tzinfo=UTC)
        except ValueError:
            return None
    m = _RFI.match(s)
    if m:
        day, month, year, hour, minute = (int(g) for g in m.groups())
        try:
            local = datetime(year, month, day, hour, minute, tzinfo=_PARIS)
        except ValueError:
            return None
        # Kept as the fixed offset the clock showed, not as a zone: an hour that occurs
        # twice (the autumn change, 02:00-03:00) never equals itself read back from
        # "+02:00" (Python compares such times across zones as unequal), so a zone would
        # make an exported date differ from the stored one. The first of the two hours
        # is taken (fold=0), as the page does not say which it meant.
        offset = local.utcoffset()
        return local.replace(tzinfo=timezone(offset)) if offset is not None else local
    try:
        d = parsedate_to_datetime(s)
    except (TypeError, ValueError, IndexError):
        return None
    return d if d.tzinfo else d.replace(tzinfo=UTC)


def find_dateline(text: str) -> datetime | None:
    """The outlet's dateline in the first lines of the body, in Beijing time (these
    outlets date their Chinese stories in Beijing time and never print a zone)."""
    m = DATELINE.search(text[:600])
    if not m:
        return None
    year, month, day = int(m[1]), int(m[2]), int(m[3])
    hour, minute = (int(m[4]), int(m[5])) if m[4] else (0, 0)
    try:
        return datetime(year, month, day, hour, minute, tzinfo=BEIJING)
    except ValueError:
        return None


# Dates that outlets put in article URLs: /2020/07/22/ (看中国, 新唐人), /gb/20/8/31/n…
# (大纪元), -01032020175326.html (自由亚洲电台: MMDDYYYY + time), /20200629- (法广),
# story20200726- (联合早报).
_URL_DATES = (
    (re.compile(r"/(20\d\d|19\d\d)/(\d{1,2})/(\d{1,2})/"), (1, 2, 3)),
    (re.compile(r"/gb/(\d{2})/(\d{1,2})/(\d{1,2})/n\d+"), (1, 2, 3)),
    (re.compile(r"-(\d{2})(\d{2})(20\d\d)\d{6}\.html"), (3, 1, 2)),
    (re.compile(r"(?:/|story)(20\d\d)(\d{2})(\d{2})-"), (1, 2, 3)),
)


def date_from_url(url: str | None) -> datetime | None:
    """The publication day an article URL spells out (midnight, Beijing time): the
    last resort for mirror pages whose body has no dateline."""
    if not url:
        return None
    for pattern, (yi, mi, di) in _URL_DATES:
        m = pattern.search(url)
        if not m:
            continue
        year, month, day = int(m[yi]), int(m[mi]), int(m[di])
        if year < 100:
            year += 2000
        try:
            return datetime(year, month, day, tzinfo=BEIJING)
        except ValueError:
            continue
    return None
