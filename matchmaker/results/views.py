"""Public results pages: what each finished demonstration project achieved."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, request
from flask_babel import get_locale

from matchmaker.common import taxonomy
from matchmaker.common.listing import parse_page
from matchmaker.projects.models import FINISHED_PROJECT_STATUSES
from matchmaker.results import services
from matchmaker.results.chart import kpi_chart, number

bp = Blueprint("results", __name__)


@bp.context_processor
def _result_helpers():
    return {"kpi_number": number}


@bp.get("/results")
def list_results():
    filters = services.parse_filters(request.args)
    page = services.search_results(
        filters,
        parse_page(request.args.get("page")),
        int(current_app.config["MATCHMAKER_PAGE_SIZE"]),
    )
    counts = services.counts_by_area()
    locale = str(get_locale() or "ja")
    areas = [
        (code, label, counts.get(code, 0))
        for code, label in taxonomy.choices(taxonomy.POLICY_AREAS, locale)
    ]
    return render_template(
        "results/list.html",
        page=page,
        filters=filters,
        areas=areas,
        statuses=FINISHED_PROJECT_STATUSES,
    )


@bp.get("/results/<int:project_id>")
def show_result(project_id: int):
    project = services.get_public_result_or_404(project_id)
    return render_template("results/show.html", project=project, chart=kpi_chart(project.kpis))
