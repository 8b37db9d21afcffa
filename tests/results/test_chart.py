"""The KPI chart's geometry, from plain values."""

from __future__ import annotations

from matchmaker.projects.models import Kpi, KpiDirection
from matchmaker.results.chart import LABEL_WIDTH, PLOT_WIDTH, kpi_chart, number


def test_number_formatting():
    assert number(None) == ""
    assert number(90.0) == "90"
    assert number(1234567.0) == "1,234,567"
    assert number(12.345) == "12.35"
    assert number(0.5) == "0.5"


def test_no_kpis_no_chart():
    assert kpi_chart([]) is None


def test_rows_are_scaled_to_their_own_largest_value():
    kpis = [
        Kpi(name="Falls detected", unit="%", baseline=40, target=90, actual=99),
        Kpi(name="Response", direction=KpiDirection.DECREASE, baseline=30, target=10, actual=12),
        Kpi(name="Homes", target=50),
    ]
    chart = kpi_chart(kpis)
    first, second, third = chart.rows
    assert first.actual_width == round(PLOT_WIDTH / 1.1, 1)
    assert first.baseline_width == round(PLOT_WIDTH * 40 / (99 * 1.1), 1)
    assert first.target_x == round(LABEL_WIDTH + PLOT_WIDTH * 90 / (99 * 1.1), 1)
    assert second.met is False and first.met is True and third.met is None
    assert second.baseline_width == round(PLOT_WIDTH / 1.1, 1)  # 30 is the largest
    assert third.actual_width is None and third.baseline_width is None
    assert (chart.met, chart.measured) == (1, 2)
    assert [r.y for r in chart.rows] == [10, 66, 122]
    assert chart.height > chart.rows[-1].y + 40


def test_zero_and_negative_values_do_not_break_the_scale():
    chart = kpi_chart([Kpi(name="Zero", target=0, actual=0), Kpi(name="Neg", target=5, actual=-3)])
    zero, negative = chart.rows
    assert zero.actual_width == 0 and zero.target_x == LABEL_WIDTH
    assert zero.met is True
    assert negative.actual_width == 0


def test_long_names_are_shortened_for_the_label_only():
    name = "A very long key performance indicator name indeed"
    row = kpi_chart([Kpi(name=name, target=1)]).rows[0]
    assert row.label.endswith("…") and len(row.label) == 24
    assert row.name == name
