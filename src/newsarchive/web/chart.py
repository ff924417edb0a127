"""The timeline chart: matches per hour, day, week or month (optionally per outlet) as SVG.

Drawn on the server so the page needs no charting script and works without JS. Every
label is XML-escaped; colours are presentation attributes, not inline styles, so the
page's CSP (`style-src 'self'`) applies cleanly.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Protocol
from xml.sax.saxutils import escape

# Colour-blind-safe palette (Okabe–Ito), then grey for everything else.
PALETTE = ("#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#f0e442")
OTHER_COLOUR = "#999999"
MAX_SERIES = len(PALETTE)
# Beyond this many periods gaps are not filled in: the bars would be thinner than a pixel.
MAX_FILLED = 1500


class Bucket(Protocol):
    @property
    def period(self) -> str: ...

    @property
    def outlet(self) -> str | None: ...

    @property
    def count(self) -> int: ...


def _parse(period: str, interval: str) -> date | None:
    try:
        if interval == "hour":  # a story's first days: "2020-07-30T13"
            return datetime.strptime(period, "%Y-%m-%dT%H")
        if interval == "day":
            return date.fromisoformat(period)
        if interval == "month":
            year, month = period.split("-")
            return date(int(year), int(month), 1)
        if interval == "week":
            year, week = period.split("-W")
            return date.fromisocalendar(int(year), int(week), 1)
    except ValueError:
        return None
    return None


def _label(d: date, interval: str) -> str:
    if interval == "hour" and isinstance(d, datetime):
        return d.strftime("%Y-%m-%dT%H")
    if interval == "day":
        return d.isoformat()
    if interval == "month":
        return f"{d.year:04d}-{d.month:02d}"
    year, week, _ = d.isocalendar()
    return f"{year:04d}-W{week:02d}"


def _next(d: date, interval: str) -> date:
    if interval == "hour":
        return d + timedelta(hours=1)
    if interval == "day":
        return d + timedelta(days=1)
    if interval == "week":
        return d + timedelta(weeks=1)
    return date(d.year + (d.month == 12), d.month % 12 + 1, 1)


def periods(present: Iterable[str], interval: str) -> list[str]:
    """The periods to draw: from the first to the last seen, gaps filled with zeros."""
    seen = sorted(set(present))
    dates = [d for d in (_parse(p, interval) for p in seen) if d is not None]
    if len(dates) != len(seen) or not dates:
        return seen  # unknown period spelling: draw what we got, in order
    out: list[str] = []
    d, last = min(dates), max(dates)
    while d <= last and len(out) <= MAX_FILLED:
        out.append(_label(d, interval))
        d = _next(d, interval)
    return out if len(out) <= MAX_FILLED else seen


def timeline_svg(
    buckets: Sequence[Bucket],
    *,
    interval: str = "day",
    title: str = "",
    width: int = 860,
    height: int = 260,
    labels: Mapping[str, str] | None = None,
) -> str:
    """A bar chart (stacked by outlet when buckets carry outlets) as an SVG document.

    `labels` translates the chart's own words (keys: the English texts "Matches over
    time", "No matches to chart", "other", "(unknown outlet)")."""
    words = dict(labels or {})

    def word(text: str) -> str:
        return words.get(text, text)

    cols = periods((b.period for b in buckets), interval)
    totals_by_outlet: dict[str, int] = defaultdict(int)
    for b in buckets:
        totals_by_outlet[b.outlet or ""] += b.count
    ranked = sorted(totals_by_outlet, key=lambda o: (-totals_by_outlet[o], o))
    series = ranked[:MAX_SERIES] if len(ranked) <= MAX_SERIES else ranked[: MAX_SERIES - 1]
    colour = {name: PALETTE[i] for i, name in enumerate(series)}
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for b in buckets:
        key = b.outlet or ""
        counts[b.period][key if key in colour else "\x00other"] += b.count
    has_other = any("\x00other" in c for c in counts.values())
    stacked = any(b.outlet for b in buckets)

    left, right, top = 44, 12, 24
    legend_h = 22 if stacked else 0
    bottom = 26 + legend_h
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = max((sum(counts[p].values()) for p in cols), default=0)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="timeline" role="img" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'font-family="sans-serif" font-size="11">',
        f"<title>{escape(title or word('Matches over time'))}</title>",
    ]
    if not cols or peak == 0:
        parts.append(
            f'<text x="{width / 2:.0f}" y="{height / 2:.0f}" text-anchor="middle" '
            f'fill="#555">{escape(word("No matches to chart"))}</text></svg>'
        )
        return "".join(parts)

    # Axes: a baseline, the peak value, and the first and last period as labels.
    base_y = top + plot_h
    parts.append(
        f'<line x1="{left}" y1="{base_y}" x2="{left + plot_w}" y2="{base_y}" stroke="#333"/>'
        f'<line x1="{left}" y1="{top}" x2="{left}" y2="{base_y}" stroke="#333"/>'
        f'<text x="{left - 4}" y="{top + 4}" text-anchor="end" fill="#333">{peak}</text>'
        f'<text x="{left - 4}" y="{base_y}" text-anchor="end" fill="#333">0</text>'
        f'<text x="{left}" y="{base_y + 16}" fill="#333">{escape(cols[0])}</text>'
        f'<text x="{left + plot_w}" y="{base_y + 16}" text-anchor="end" fill="#333">'
        f"{escape(cols[-1])}</text>"
    )
    slot = plot_w / len(cols)
    bar_w = max(slot * 0.8, 0.5)
    order = [*series, "\x00other"]
    for i, period in enumerate(cols):
        x = left + i * slot + (slot - bar_w) / 2
        y = float(base_y)
        total = sum(counts[period].values())
        if total == 0:
            continue
        parts.append(f'<g class="bar"><title>{escape(period)}: {total}</title>')
        for name in order:
            n = counts[period].get(name, 0)
            if not n:
                continue
            h = plot_h * n / peak
            y -= h
            fill = OTHER_COLOUR if name == "\x00other" else colour[name]
            parts.append(
                f'<rect x="{x:.2f}" y="{y:.2f}" width="{bar_w:.2f}" height="{h:.2f}" '
                f'fill="{fill}"/>'
            )
        parts.append("</g>")
    if stacked:
        lx, ly = left, height - 8
        names = [(n, colour[n]) for n in series] + (
            [(word("other"), OTHER_COLOUR)] if has_other else []
        )
        for name, fill in names:
            label = escape(name or word("(unknown outlet)"))
            parts.append(
                f'<rect x="{lx}" y="{ly - 9}" width="10" height="10" fill="{fill}"/>'
                f'<text x="{lx + 14}" y="{ly}" fill="#333">{label}</text>'
            )
            lx += 24 + 12 * len(name or word("(unknown outlet)"))
    parts.append("</svg>")
    return "".join(parts)
