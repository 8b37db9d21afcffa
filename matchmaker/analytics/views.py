"""/analytics: the staff-only figures page, its charts and a CSV download of every figure."""

from __future__ import annotations

import logging

from flask import Blueprint, Response, abort, current_app, render_template, request
from flask_login import current_user

from matchmaker.analytics import charts, export, services
from matchmaker.analytics.filters import parse_filters
from matchmaker.common.taxonomy import POLICY_AREAS

log = logging.getLogger("matchmaker")

bp = Blueprint("analytics", __name__, url_prefix="/analytics")


@bp.before_request
def _staff_only():
    """Deny by default: anonymous visitors sign in first; only approved staff may look."""
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()
    if not (current_user.is_staff and current_user.is_approved):
        log.warning("analytics refused user_id=%s path=%s", current_user.id, request.path)
        abort(403)
    return None


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
