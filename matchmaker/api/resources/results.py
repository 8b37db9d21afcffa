"""/api/v1/results: published results of finished demonstration projects."""

from __future__ import annotations

from flask import abort
from flask.views import MethodView

from matchmaker.api.core import ApiBlueprint
from matchmaker.api.inputs import MAX_ID, ResultListArgs
from matchmaker.api.paging import page_body
from matchmaker.api.schemas import ResultOut, page_of
from matchmaker.common.listing import paginate
from matchmaker.projects.models import ProjectStatus
from matchmaker.results.services import get_public_result_or_404, public_results, with_parties

blp = ApiBlueprint("api_results", __name__, description="Results of demonstration projects.")


@blp.route("/results")
class Results(MethodView):
    @blp.arguments(ResultListArgs, location="query", error_status_code=400)
    @blp.response(200, page_of(ResultOut))
    @blp.documented(400)
    def get(self, args):
        """Published results, newest first; filter by policy area or adoption."""
        status = args.get("status")
        stmt = public_results(
            args["q"].strip(), args.get("policy_area"), ProjectStatus(status) if status else None
        )
        return page_body(paginate(with_parties(stmt), args["page"], args["per_page"]))


@blp.route("/results/<int:project_id>")
class ResultItem(MethodView):
    @blp.response(200, ResultOut)
    @blp.documented(404)
    def get(self, project_id: int):
        """One published result: problem, solution, KPIs against targets, decision, contacts."""
        if project_id > MAX_ID:
            abort(404)
        return get_public_result_or_404(project_id)
