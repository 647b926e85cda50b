"""Server-side SVG charts: readable without JavaScript, allowed by the CSP (no style attributes,
no script), and announced to screen readers by a <title> and <desc> that carry the numbers.

Each function returns a Chart: the SVG markup and the rows it was drawn from, so the page shows
the same numbers in a table beside the picture.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from markupsafe import Markup, escape

BAR = "#1f4e8c"
LINES = ("#1f4e8c", "#9e1b1b", "#1d6b3a", "#8a5a00")
INK, MUTED, GRID = "#1d2430", "#4f5b6b", "#d5dbe3"
# Drawn 400 units wide at 17 units a letter: on a 390px phone the chart is about 330px wide, so a
# label is still about 14px; on a wide screen style.css stops it at 480px.
WIDTH, FONT = 400, 17

Number = int | float | Decimal


@dataclass(frozen=True)
class Chart:
    svg: Markup
    rows: Sequence[tuple[str, object]]


def _num(value) -> str:
    if isinstance(value, Decimal):
        return f"{value:,.2f}"
    if isinstance(value, float):
        return f"{value:,.1f}"
    return f"{value:,}"


def _svg(chart_id: str, title: str, desc: str, width: int, height: int, body: list[str]) -> Markup:
    head = (f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="{chart_id}-t {chart_id}-d" '
            f'viewBox="0 0 {width} {height}" width="100%" preserveAspectRatio="xMinYMin meet" '
            f'font-family="sans-serif" font-size="{FONT}" id="{chart_id}">'
            f'<title id="{chart_id}-t">{escape(title)}</title><desc id="{chart_id}-d">{escape(desc)}</desc>')
    return Markup(head + "".join(body) + "</svg>")  # noqa: S704 - texts escaped here, body built from escaped labels and numbers


def bar_chart(chart_id: str, title: str, rows: Sequence[tuple[str, Number]], width: int = WIDTH) -> Chart:
    """Horizontal bars, one per (label, value); labels may be long (Chinese category names)."""
    label_w, value_w, bar_h, gap, top = 150, 100, 26, 10, 8
    height = top + len(rows) * (bar_h + gap) + 4
    peak = max([float(v) for _l, v in rows] + [0]) or 1.0
    span = width - label_w - value_w
    body = [f'<line x1="{label_w}" y1="0" x2="{label_w}" y2="{height}" stroke="{GRID}"/>']
    for i, (label, value) in enumerate(rows):
        y = top + i * (bar_h + gap)
        w = max(0.0, float(value) / peak * span)
        body.append(f'<text x="{label_w - 8}" y="{y + bar_h * 0.72:.1f}" text-anchor="end" fill="{INK}">'
                    f'{escape(_clip(str(label), label_w - 12))}</text>')
        body.append(f'<rect x="{label_w}" y="{y}" width="{w:.1f}" height="{bar_h}" fill="{BAR}" rx="2"/>')
        body.append(f'<text x="{label_w + w + 6:.1f}" y="{y + bar_h * 0.72:.1f}" fill="{INK}">{_num(value)}</text>')
    desc = "; ".join(f"{label}: {_num(value)}" for label, value in rows)
    return Chart(_svg(chart_id, title, desc, width, height, body), list(rows))


def line_chart(chart_id: str, title: str, x_labels: list[str], series: list[tuple[str, list]],
               width: int = WIDTH, height: int = 240) -> Chart:
    """One polyline per (name, values) over the x labels (e.g. months), with a legend."""
    left, right, top, bottom = 56, 14, 30, 30
    peak = max([float(v) for _n, vals in series for v in vals] + [0]) or 1.0
    plot_w, plot_h = width - left - right, height - top - bottom
    step = plot_w / max(1, len(x_labels) - 1)
    body = []
    for frac in (0, 0.5, 1):
        y = top + plot_h * (1 - frac)
        body.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" stroke="{GRID}"/>')
        body.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" fill="{MUTED}">'
                    f'{_num(round(peak * frac, 1) if peak * frac % 1 else int(peak * frac))}</text>')
    for i, label in enumerate(x_labels):
        body.append(f'<text x="{left + i * step:.1f}" y="{height - 8}" text-anchor="middle" fill="{MUTED}">'
                    f'{escape(label)}</text>')
    for s, (name, values) in enumerate(series):
        colour = LINES[s % len(LINES)]
        points = " ".join(f"{left + i * step:.1f},{top + plot_h * (1 - float(v) / peak):.1f}"
                          for i, v in enumerate(values))
        body.append(f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="2.5"/>')
        for i, v in enumerate(values):
            body.append(f'<circle cx="{left + i * step:.1f}" cy="{top + plot_h * (1 - float(v) / peak):.1f}" '
                        f'r="3" fill="{colour}"/>')
        lx = left + s * 160
        body.append(f'<rect x="{lx}" y="8" width="14" height="4" fill="{colour}"/>'
                    f'<text x="{lx + 20}" y="15" fill="{INK}">{escape(name)}</text>')
    desc = " | ".join(f"{name}: " + ", ".join(f"{x} {_num(v)}" for x, v in zip(x_labels, values, strict=True))
                      for name, values in series)
    rows = [(x, tuple(values[i] for _n, values in series)) for i, x in enumerate(x_labels)]
    return Chart(_svg(chart_id, title, desc, width, height, body), rows)


def _clip(label: str, room: float) -> str:
    """The label cut to fit `room` units: a Chinese character is about one letter height wide, a
    Latin letter or digit about 0.6."""
    def width(text: str) -> float:
        return sum(FONT if ord(ch) > 0x2E7F else FONT * 0.6 for ch in text)
    if width(label) <= room:
        return label
    while label and width(label + "…") > room:
        label = label[:-1]
    return label + "…"
