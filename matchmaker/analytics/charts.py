"""Geometry of the horizontal bar charts, drawn as SVG by the template (no script, no CDN)."""

from __future__ import annotations

from dataclasses import dataclass

from matchmaker.analytics.services import CallRow, Stage

LABEL_WIDTH, PLOT_WIDTH, VALUE_WIDTH, ROW = 200, 340, 110, 28


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    text: str  # what is written after the bar: the count and, for the funnel, the conversion
    y: int
    width: float


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    label_width: int
    row: int
    bars: list[Bar]


def _label(text: str, max_len: int = 26) -> str:
    return text if len(text) <= max_len else text[: max_len - 1] + "…"


def percent(value: float | None) -> str:
    """A share as "40.0%", or "—" when it is undefined."""
    return "—" if value is None else f"{value * 100:.1f}%"


def _chart(items: list[tuple[str, int, str]]) -> Chart | None:
    if not items:
        return None
    top = max(value for _, value, _ in items)
    bars = [
        Bar(_label(label), value, text, 8 + i * ROW, PLOT_WIDTH * value / top if top else 0.0)
        for i, (label, value, text) in enumerate(items)
    ]
    return Chart(
        LABEL_WIDTH + PLOT_WIDTH + VALUE_WIDTH, 16 + len(bars) * ROW, LABEL_WIDTH, ROW, bars
    )


def funnel_chart(stages: list[Stage]) -> Chart | None:
    """One bar per stage; after the first, the text adds the share of the previous stage."""
    items = []
    for i, stage in enumerate(stages):
        text = str(stage.count)
        if i:
            text += f" ({percent(stage.of_previous)})"
        items.append((stage.label, stage.count, text))
    return _chart(items)


def calls_chart(rows: list[CallRow]) -> Chart | None:
    return _chart([(row.title, row.proposals, str(row.proposals)) for row in rows])
