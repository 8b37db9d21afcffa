"""Every figure of the analytics page as a CSV table that Excel opens with Japanese intact."""

from __future__ import annotations

import csv
import io

from matchmaker.analytics.services import Report

BOM = "\ufeff"
FIGURES = ("funnel", "time-to-shortlist", "acceptance", "proposals-per-call", "kpis")


def _number(value: float | None, digits: int = 1) -> str:
    return "" if value is None else f"{value:.{digits}f}"


def _share(value: float | None) -> str:
    """A share as a percentage with one decimal, empty when undefined."""
    return "" if value is None else f"{value * 100:.1f}"


def _cell(value) -> str:
    """Neutralise text a spreadsheet would run as a formula (CSV injection)."""
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def rows(report: Report, figure: str) -> list[list[str]]:
    """The header and data rows of one figure; figure is one of FIGURES."""
    if figure == "funnel":
        return [["stage", "count", "percent_of_previous", "percent_of_first"]] + [
            [s.key, str(s.count), _share(s.of_previous), _share(s.of_first)] for s in report.funnel
        ]
    if figure == "time-to-shortlist":
        t = report.time_to_shortlist
        return [
            ["metric", "value"],
            ["needs_published", str(t.needs_published)],
            ["needs_with_shortlisted_pair", str(t.needs_with_shortlist)],
            ["median_days", _number(t.median)],
            ["mean_days", _number(t.mean)],
        ]
    if figure == "acceptance":
        a = report.acceptance
        return [
            ["metric", "value"],
            *([f"pairs_{status}", str(n)] for status, n in a.by_status.items()),
            ["pairs_accepted", str(a.accepted)],
            ["pairs_decided", str(a.decided)],
            ["acceptance_percent", _share(a.rate)],
        ]
    if figure == "proposals-per-call":
        return [["call_id", "call_title", "need_title", "proposals"]] + [
            [str(c.call_id), _cell(c.title), _cell(c.need_title), str(c.proposals)]
            for c in report.calls
        ]
    if figure == "kpis":
        k = report.kpis
        return [
            ["metric", "value"],
            ["kpis_defined", str(k.defined)],
            ["kpis_measured", str(k.measured)],
            ["kpis_met", str(k.met)],
            ["met_percent", _share(k.rate)],
        ]
    raise KeyError(figure)


def to_csv(table: list[list[str]]) -> str:
    out = io.StringIO()
    out.write(BOM)
    csv.writer(out, lineterminator="\r\n").writerows(table)
    return out.getvalue()
