"""/analytics: the staff-only figures page, its charts and a CSV download of every figure."""

from __future__ import annotations

from flask import Blueprint, Response, abort, render_template, request

from matchmaker.analytics import charts, export, services
from matchmaker.analytics.filters import parse_filters
from matchmaker.common.taxonomy import POLICY_AREAS
from matchmaker.web import guard_page

bp = Blueprint("analytics", __name__, url_prefix="/analytics")


@bp.before_request
def _staff_only():
    """Only approved staff may look; anonymous visitors sign in first."""
    return guard_page(lambda user: user.is_staff and user.is_approved, "analytics")


@bp.get("")
def index():
    filters = parse_filters(request.args)
    report = services.report(filters)
    return render_template(
        "analytics/index.html",
        report=report,
        filters=filters,
        funnel_chart=charts.funnel_chart(report.funnel),
        calls_chart=charts.calls_chart(report.calls),
        percent=charts.percent,
        policy_areas=list(POLICY_AREAS),
        figures=export.FIGURES,
    )


@bp.get("/<figure>.csv")
def download(figure: str):
    if figure not in export.FIGURES:
        abort(404)
    filters = parse_filters(request.args)
    body = export.to_csv(export.rows(services.report(filters), figure))
    return Response(
        body.encode("utf-8"),
        mimetype="text/csv",
        headers={
            "Content-Type": "text/csv; charset=utf-8",
            "Content-Disposition": f'attachment; filename="analytics-{figure}.csv"',
            "Cache-Control": "no-store",
        },
    )
