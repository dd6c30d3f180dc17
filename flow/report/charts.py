"""Small SVG charts written by hand: the report must be self-contained and open offline."""

from __future__ import annotations

from html import escape


def bar_chart(rows: list[tuple[str, float]], unit: str, width: int = 640,
              colour: str = "#3b6ea5") -> str:
    """Horizontal bars, one per (label, value), labelled with the value."""
    if not rows:
        return "<p>(nothing measured)</p>"
    bar_h, gap, label_w, value_w = 22, 8, 220, 110
    top = max(v for _, v in rows) or 1.0
    plot_w = width - label_w - value_w
    h = len(rows) * (bar_h + gap) + gap
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{h}" '
             f'role="img" class="chart">']
    for i, (label, v) in enumerate(rows):
        y = gap + i * (bar_h + gap)
        w = max(1.0, plot_w * v / top)
        parts += [
            f'<text x="{label_w - 6}" y="{y + bar_h * 0.7}" text-anchor="end" '
            f'font-size="13">{escape(label)}</text>',
            f'<rect x="{label_w}" y="{y}" width="{w:.1f}" height="{bar_h}" fill="{colour}"/>',
            f'<text x="{label_w + w + 6:.1f}" y="{y + bar_h * 0.7}" font-size="13">'
            f'{v:,.4g} {escape(unit)}</text>',
        ]
    parts.append("</svg>")
    return "".join(parts)
