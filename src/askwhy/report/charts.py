"""Charts as inline SVG, drawn in Python: nothing to fetch, so a report works offline and in e-mail.

Every mark carries a ``<title>``, which browsers show as a tooltip.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

WIDTH = 720
NEGATIVE, NEUTRAL, POSITIVE = "#c2410c", "#a8a29e", "#15803d"
LINE, BAND = "#1d4ed8", "#bfdbfe"
LABEL_WIDTH = 230
ROW = 24


@dataclass(frozen=True)
class Point:
    label: str
    value: float
    low: float | None
    high: float | None
    n: int


@dataclass(frozen=True)
class Bar:
    label: str
    negative: float
    neutral: float
    positive: float
    note: str = ""


@dataclass(frozen=True)
class Step:
    label: str
    value: float


def trend(points: Sequence[Point], *, unit: str) -> str:
    """A line of the metric per period with its confidence band, each point labelled with n."""
    if not points:
        return _empty("No dated responses to draw a trend.")
    height, left, right, top, bottom = 260, 56, 16, 16, 48
    lows = [p.low if p.low is not None else p.value for p in points]
    highs = [p.high if p.high is not None else p.value for p in points]
    y0, y1 = _nice_range(min(lows), max(highs))
    span = max(len(points) - 1, 1)

    def x(i: int) -> float:
        return left + (WIDTH - left - right) * (i / span if len(points) > 1 else 0.5)

    def y(v: float) -> float:
        return top + (height - top - bottom) * (1 - (v - y0) / (y1 - y0))

    band = [f"{x(i):.1f},{y(h):.1f}" for i, h in enumerate(highs)]
    band += [f"{x(i):.1f},{y(lo):.1f}" for i, lo in reversed(list(enumerate(lows)))]
    line = " ".join(f"{x(i):.1f},{y(p.value):.1f}" for i, p in enumerate(points))
    parts = [_axis_y(y0, y1, y, left, WIDTH - right)]
    parts.append(f'<polygon class="band" points="{" ".join(band)}" fill="{BAND}" opacity="0.7"/>')
    parts.append(f'<polyline points="{line}" fill="none" stroke="{LINE}" stroke-width="2"/>')
    every = max(1, math.ceil(len(points) / 12))
    for i, p in enumerate(points):
        interval = "" if p.low is None or p.high is None else f" (95% CI {p.low:.1f} to {p.high:.1f})"
        tip = f"{p.label}: {p.value:.1f} {unit}{interval}, n={p.n}"
        parts.append(
            f'<circle cx="{x(i):.1f}" cy="{y(p.value):.1f}" r="4" fill="{LINE}">'
            f"<title>{escape(tip)}</title></circle>"
        )
        if i % every == 0 or i == len(points) - 1:
            # The last label ends at its point, so it is not cut at the right edge.
            anchor = "end" if i == len(points) - 1 and len(points) > 1 else "middle"
            parts.append(_text(x(i), height - bottom + 16, p.label, anchor=anchor, size=11))
            parts.append(
                _text(x(i), height - bottom + 30, f"n={p.n}", anchor=anchor, size=10, fill="#57534e")
            )
    return _svg(height, parts, "trend")


def stacked_bars(bars: Sequence[Bar], *, unit: str) -> str:
    """Horizontal bars split into negative, neutral and positive parts (themes by volume and sentiment)."""
    if not bars:
        return _empty("No themes yet.")
    height = 28 + ROW * len(bars)
    most = max((b.negative + b.neutral + b.positive for b in bars), default=1) or 1
    scale = (WIDTH - LABEL_WIDTH - 70) / most
    parts = []
    for row, bar in enumerate(bars):
        top = 8 + row * ROW
        parts.append(_text(LABEL_WIDTH - 8, top + 15, _short(bar.label), anchor="end", size=12))
        x = float(LABEL_WIDTH)
        for name, value, colour in (
            ("negative", bar.negative, NEGATIVE),
            ("neutral", bar.neutral, NEUTRAL),
            ("positive", bar.positive, POSITIVE),
        ):
            width = value * scale
            tip = f"{bar.label}: {value:g} {name} {unit}"
            parts.append(
                f'<rect x="{x:.1f}" y="{top + 3}" width="{width:.1f}" height="{ROW - 8}" fill="{colour}">'
                f"<title>{escape(tip)}</title></rect>"
            )
            x += width
        total = bar.negative + bar.neutral + bar.positive
        parts.append(_text(x + 6, top + 15, f"{total:g} {bar.note}".strip(), size=11, fill="#44403c"))
    return _svg(height, parts, "themes")


def diverging(steps: Sequence[Step], *, unit: str, notes: Sequence[str] = ()) -> str:
    """Horizontal bars left (costs) or right (gains) of zero: driver impacts."""
    if not steps:
        return _empty("No drivers to show.")
    height = 28 + ROW * len(steps)
    most = max(abs(s.value) for s in steps) or 1.0
    middle = LABEL_WIDTH + (WIDTH - LABEL_WIDTH - 20) / 2
    scale = (WIDTH - LABEL_WIDTH - 90) / 2 / most
    parts = [f'<line x1="{middle}" y1="4" x2="{middle}" y2="{height - 8}" stroke="#78716c"/>']
    for row, step in enumerate(steps):
        top = 8 + row * ROW
        width = abs(step.value) * scale
        x = middle - width if step.value < 0 else middle
        colour = NEGATIVE if step.value < 0 else POSITIVE
        note = notes[row] if row < len(notes) else ""
        tip = f"{step.label}: {step.value:+.2f} {unit}{'; ' + note if note else ''}"
        parts.append(_text(LABEL_WIDTH - 8, top + 15, _short(step.label), anchor="end", size=12))
        parts.append(
            f'<rect x="{x:.1f}" y="{top + 3}" width="{max(width, 1):.1f}" height="{ROW - 8}" fill="{colour}">'
            f"<title>{escape(tip)}</title></rect>"
        )
        label_x = x - 4 if step.value < 0 else x + width + 4
        parts.append(
            _text(
                label_x, top + 15, f"{step.value:+.1f}", anchor="end" if step.value < 0 else "start", size=11
            )
        )
    return _svg(height, parts, "drivers")


def waterfall(start: Step, steps: Sequence[Step], end: Step, *, unit: str) -> str:
    """From the metric before to the metric after, one bar per theme's part of the change."""
    bars = [start, *steps, end]
    height, left, top, bottom = 300, 56, 16, 90
    running, levels = start.value, [(0.0, start.value)]
    for step in steps:
        levels.append((running, running + step.value))
        running += step.value
    levels.append((0.0, end.value))
    values = [v for pair in levels for v in pair]
    y0, y1 = _nice_range(min(values), max(values))
    slot = (WIDTH - left - 16) / len(bars)

    def y(v: float) -> float:
        return top + (height - top - bottom) * (1 - (v - y0) / (y1 - y0))

    parts = [_axis_y(y0, y1, y, left, WIDTH - 16)]
    for i, (bar, (a, b)) in enumerate(zip(bars, levels, strict=True)):
        total = i in (0, len(bars) - 1)
        colour = LINE if total else (NEGATIVE if bar.value < 0 else POSITIVE)
        x = left + i * slot + slot * 0.15
        upper, lower = y(max(a, b)), y(min(a, b))
        tip = f"{bar.label}: {bar.value:.1f} {unit}" if total else f"{bar.label}: {bar.value:+.2f} {unit}"
        parts.append(
            f'<rect x="{x:.1f}" y="{upper:.1f}" width="{slot * 0.7:.1f}" '
            f'height="{max(lower - upper, 1):.1f}" '
            f'fill="{colour}"><title>{escape(tip)}</title></rect>'
        )
        figure = f"{bar.value:.1f}" if total else f"{bar.value:+.1f}"
        parts.append(_text(x + slot * 0.35, upper - 4, figure, anchor="middle", size=10))
        cx, cy = x + slot * 0.35, height - bottom + 10
        parts.append(
            f'<text x="{cx:.1f}" y="{cy}" font-size="10" text-anchor="end" '
            f'transform="rotate(-35 {cx:.1f} {cy})">{escape(_short(bar.label, 26))}</text>'
        )
    return _svg(height, parts, "waterfall")


def _nice_range(low: float, high: float) -> tuple[float, float]:
    if math.isclose(low, high):
        low, high = low - 1, high + 1
    pad = (high - low) * 0.08
    return low - pad, high + pad


def _axis_y(y0: float, y1: float, y: object, x_from: float, x_to: float) -> str:
    assert callable(y)
    step = _tick_step((y1 - y0) / 5)
    tick = math.ceil(y0 / step) * step
    lines = []
    while tick <= y1:
        position = y(tick)
        lines.append(
            f'<line x1="{x_from}" y1="{position:.1f}" x2="{x_to}" y2="{position:.1f}" stroke="#e7e5e4"/>'
        )
        lines.append(_text(x_from - 6, position + 4, f"{tick:g}", anchor="end", size=10, fill="#57534e"))
        tick += step
    return "".join(lines)


def _tick_step(raw: float) -> float:
    magnitude = 10 ** math.floor(math.log10(raw)) if raw > 0 else 1.0
    return next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)


def _text(
    x: float, y: float, text: str, *, anchor: str = "start", size: int = 12, fill: str = "#1c1917"
) -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" fill="{fill}">'
        f"{escape(text)}</text>"
    )


def _short(text: str, limit: int = 34) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _svg(height: int, parts: Sequence[str], name: str) -> str:
    return (
        f'<svg class="chart chart-{name}" role="img" aria-label="{name} chart" viewBox="0 0 {WIDTH} {height}"'
        f' width="100%" font-family="system-ui, sans-serif">{"".join(parts)}</svg>'
    )


def _empty(message: str) -> str:
    return f'<p class="empty">{escape(message)}</p>'


VOLUME, SEVERITY = "#6d28d9", "#0e7490"


@dataclass(frozen=True)
class Effect:
    """One theme's part in a change, split into volume (how many raise it) and severity (how much)."""

    label: str
    volume: float
    severity: float


def effect_split(effects: Sequence[Effect], *, unit: str) -> str:
    """Two bars per theme left or right of zero: its volume effect and its severity effect."""
    if not effects:
        return _empty("No theme took part in the change.")
    pair = ROW + 8
    height = 40 + pair * len(effects)
    most = max(max(abs(e.volume), abs(e.severity)) for e in effects) or 1.0
    middle = LABEL_WIDTH + (WIDTH - LABEL_WIDTH - 20) / 2
    scale = (WIDTH - LABEL_WIDTH - 90) / 2 / most
    parts = [f'<line x1="{middle}" y1="4" x2="{middle}" y2="{height - 30}" stroke="#78716c"/>']
    for row, effect in enumerate(effects):
        top = 8 + row * pair
        parts.append(_text(LABEL_WIDTH - 8, top + 17, _short(effect.label), anchor="end", size=12))
        for offset, (name, value, colour) in enumerate(
            (("volume", effect.volume, VOLUME), ("severity", effect.severity, SEVERITY))
        ):
            parts.append(
                _half_bar(
                    effect.label,
                    name,
                    value,
                    colour=colour,
                    middle=middle,
                    top=top + offset * 12,
                    scale=scale,
                    unit=unit,
                )
            )
    legend_y = height - 12
    for i, (name, colour) in enumerate((("volume", VOLUME), ("severity", SEVERITY))):
        x = LABEL_WIDTH + i * 110
        parts.append(f'<rect x="{x}" y="{legend_y - 9}" width="10" height="10" fill="{colour}"/>')
        parts.append(_text(x + 14, legend_y, f"{name} effect", size=11))
    return _svg(height, parts, "effects")


def _half_bar(
    label: str, name: str, value: float, *, colour: str, middle: float, top: float, scale: float, unit: str
) -> str:
    width = abs(value) * scale
    x = middle - width if value < 0 else middle
    tip = f"{label}, {name}: {value:+.2f} {unit}"
    figure_x = x - 4 if value < 0 else x + width + 4
    return (
        f'<rect x="{x:.1f}" y="{top + 3:.1f}" width="{max(width, 1):.1f}" height="10" fill="{colour}">'
        f"<title>{escape(tip)}</title></rect>"
        + _text(figure_x, top + 12, f"{value:+.1f}", anchor="end" if value < 0 else "start", size=10)
    )


def funnel(stages: Sequence[Step], *, unit: str) -> str:
    """One bar per stage (invited, started, completed), each with its count and its share of the first."""
    first = stages[0].value if stages else 0
    if first <= 0:
        return _empty(f"No {unit} yet.")
    label_width, height = 120, 16 + ROW * len(stages)
    scale = (WIDTH - label_width - 170) / first
    parts = []
    for row, stage in enumerate(stages):
        top = 8 + row * ROW
        width = max(stage.value * scale, 1)
        share = f"{100 * stage.value / first:.0f}% of {stages[0].label.lower()}"
        tip = f"{stage.label}: {stage.value:g} {unit} ({share})"
        parts.append(_text(label_width - 8, top + 15, stage.label, anchor="end", size=12))
        parts.append(
            f'<rect x="{label_width}" y="{top + 3}" width="{width:.1f}" height="{ROW - 8}" fill="{LINE}">'
            f"<title>{escape(tip)}</title></rect>"
        )
        parts.append(_text(label_width + width + 6, top + 15, f"{stage.value:g} ({share})", size=11))
    return _svg(height, parts, "funnel")


def mix_bar(negative: int, neutral: int, positive: int, *, width: int = 120) -> str:
    """A small inline bar of one theme's sentiment mix (sentences), for a table cell."""
    total = negative + neutral + positive
    if not total:
        return '<span class="muted">—</span>'
    parts, x = [], 0.0
    for name, value, colour in (
        ("negative", negative, NEGATIVE),
        ("neutral", neutral, NEUTRAL),
        ("positive", positive, POSITIVE),
    ):
        part = width * value / total
        tip = f"{value} {name} ({100 * value / total:.0f}%)"
        parts.append(
            f'<rect x="{x:.1f}" y="0" width="{part:.1f}" height="12" fill="{colour}">'
            f"<title>{escape(tip)}</title></rect>"
        )
        x += part
    label = f"{negative} negative, {neutral} neutral, {positive} positive"
    return (
        f'<svg class="chart chart-mix" role="img" aria-label="{escape(label)}" viewBox="0 0 {width} 12" '
        f'width="{width}" height="12">{"".join(parts)}</svg>'
    )
