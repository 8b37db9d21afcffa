"""Geometry of the KPI chart (baseline and actual against the target) drawn as SVG on the server.

Each KPI has its own unit, so each row has its own scale: 0 to 110 % of the largest of its
baseline, target and actual. The template draws the bars; the page has the same data as a table.
"""

from __future__ import annotations

from dataclasses import dataclass

from matchmaker.projects.models import Kpi

LABEL_WIDTH, PLOT_WIDTH, VALUE_WIDTH, ROW = 200, 340, 130, 56


def number(value: float | None) -> str:
    """90.0 -> "90", 12.345 -> "12.35"; None -> "" (shown as a dash by the template)."""
    if value is None:
        return ""
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.2f}".rstrip("0").rstrip(".")


@dataclass(frozen=True)
class KpiRow:
    label: str
    name: str
    unit: str
    y: int
    baseline: str
    target: str
    actual: str
    baseline_width: float | None
    actual_width: float | None
    target_x: float
    met: bool | None


@dataclass(frozen=True)
class KpiChart:
    width: int
    height: int
    label_width: int
    plot_width: int
    row: int
    rows: list[KpiRow]
    met: int
    measured: int


def _width(value: float | None, scale: float) -> float | None:
    if value is None:
        return None
    return round(PLOT_WIDTH * max(value, 0.0) / scale, 1)


def kpi_chart(kpis: list[Kpi], max_label: int = 24) -> KpiChart | None:
    """None when the project has no KPIs."""
    if not kpis:
        return None
    rows = []
    for i, kpi in enumerate(kpis):
        values = [v for v in (kpi.baseline, kpi.target, kpi.actual) if v is not None]
        scale = max([*values, 0.0]) * 1.1 or 1.0
        label = kpi.name if len(kpi.name) <= max_label else kpi.name[: max_label - 1] + "…"
        rows.append(
            KpiRow(
                label=label,
                name=kpi.name,
                unit=kpi.unit,
                y=10 + i * ROW,
                baseline=number(kpi.baseline),
                target=number(kpi.target),
                actual=number(kpi.actual),
                baseline_width=_width(kpi.baseline, scale),
                actual_width=_width(kpi.actual, scale),
                target_x=round(LABEL_WIDTH + (_width(kpi.target, scale) or 0.0), 1),
                met=kpi.is_met,
            )
        )
    measured = sum(1 for r in rows if r.met is not None)
    met = sum(1 for r in rows if r.met)
    width = LABEL_WIDTH + PLOT_WIDTH + VALUE_WIDTH
    return KpiChart(
        width, 10 + len(rows) * ROW + 24, LABEL_WIDTH, PLOT_WIDTH, ROW, rows, met, measured
    )
