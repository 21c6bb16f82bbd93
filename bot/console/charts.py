"""Charts as server-side SVG: no script, no CDN, readable without colour (every bar has its
number), scaled by the browser (``viewBox``) to a laptop or a phone."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

PALETTE = ("#2f6f9f", "#5aa469", "#d08c2f", "#b04a4a", "#7d6aa8")


def stacked_days(
    days: Sequence[tuple[str, Sequence[int]]], series: Sequence[str], title: str
) -> str:
    """One column per day, stacked by ``series`` (same order as each day's counts)."""
    width, height, left, bottom, top = 640, 280, 40, 38, 40
    plot_h = height - bottom - top
    top_count = max((sum(c) for _, c in days), default=0) or 1
    tick = -(-top_count // 4)  # whole numbers on the axis: four steps of a whole size
    peak = tick * 4
    step = (width - left - 8) / max(len(days), 1)
    bar = max(min(step * 0.7, 42), 3)
    parts = [_open(width, height, title)]
    for i in range(5):
        y = top + plot_h - plot_h * i / 4
        parts.append(f'<line x1="{left}" x2="{width - 4}" y1="{y:.1f}" y2="{y:.1f}" class="grid"/>')
        parts.append(f'<text x="{left - 4}" y="{y + 4:.1f}" class="axis" text-anchor="end">'
                     f"{tick * i}</text>")
    label_every = max(1, len(days) // 8)
    for n, (day, counts) in enumerate(days):
        x = left + n * step + (step - bar) / 2
        y = top + plot_h
        for k, count in enumerate(counts):
            h = plot_h * count / peak
            y -= h
            if count:
                parts.append(
                    f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{h:.1f}" '
                    f'fill="{PALETTE[k % len(PALETTE)]}"><title>{escape(day)} '
                    f"{escape(series[k])}: {count}</title></rect>"
                )
        if sum(counts):
            parts.append(f'<text x="{x + bar / 2:.1f}" y="{y - 3:.1f}" class="value" '
                         f'text-anchor="middle">{sum(counts)}</text>')
        if n % label_every == 0:
            parts.append(f'<text x="{x + bar / 2:.1f}" y="{height - bottom + 20}" class="axis" '
                         f'text-anchor="middle">{escape(day[5:])}</text>')
    parts.append(_legend(series, width, top - 18))
    return "".join(parts) + "</svg>"


def bars(items: Sequence[tuple[str, float]], title: str, unit: str = "") -> str:
    """Horizontal bars, one per labelled value, the value written at the bar's end."""
    row, label_w, width = 32, 250, 640
    height = max(len(items), 1) * row + 12
    peak = max((v for _, v in items), default=0) or 1
    parts = [_open(width, height, title)]
    for n, (label, value) in enumerate(items):
        y = 6 + n * row
        w = (width - label_w - 70) * value / peak
        shown = f"{value:g}{unit}"
        short = _clip(label, 29)
        parts.append(f'<text x="{label_w - 8}" y="{y + 21}" class="label" text-anchor="end">'
                     f"<title>{escape(label)}</title>{escape(short)}</text>")
        parts.append(f'<rect x="{label_w}" y="{y + 3}" width="{max(w, 1):.1f}" height="{row - 8}" '
                     f'fill="{PALETTE[n % len(PALETTE)]}"/>')
        parts.append(f'<text x="{label_w + w + 6:.1f}" y="{y + 21}" class="value">'
                     f"{escape(shown)}</text>")
    return "".join(parts) + "</svg>"


def _open(width: int, height: int, title: str) -> str:
    return (f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
            f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">'
            f"<title>{escape(title)}</title>")


def _legend(series: Sequence[str], width: int, y: float) -> str:
    parts, x = [], 40.0
    for k, name in enumerate(series):
        parts.append(f'<rect x="{x:.0f}" y="{y - 12:.0f}" width="13" height="13" '
                     f'fill="{PALETTE[k % len(PALETTE)]}"/>')
        parts.append(f'<text x="{x + 17:.0f}" y="{y:.0f}" class="axis">{escape(name)}</text>')
        x += 32 + sum(15 if ord(c) > 0x2E80 else 8.5 for c in name)
        if x > width - 60:
            break
    return "".join(parts)


def _clip(label: str, room: int) -> str:
    """``label`` cut to ``room`` half-widths (a Chinese character takes two)."""
    used = 0
    for n, char in enumerate(label):
        used += 2 if ord(char) > 0x2E80 else 1
        if used > room:
            return label[: max(n - 1, 1)] + "…"
    return label
