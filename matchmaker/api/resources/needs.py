"""/api/v1/needs: published needs for everyone; drafts and edits for their department."""

from __future__ import annotations

from dataclasses import replace

from flask import abort
from flask.views import MethodView

from matchmaker.api.core import ApiBlueprint, current_api_user
from matchmaker.api.inputs import MAX_ID, NeedIn, NeedListArgs, NeedPatchIn
from matchmaker.api.paging import page_body
from matchmaker.api.schemas import NeedOut, page_of
from matchmaker.extensions import db
from matchmaker.needs import queries, services
from matchmaker.needs.models import Need, NeedStatus
from matchmaker.needs.services import NeedData

blp = ApiBlueprint("api_needs", __name__, description="Needs: challenges posted by departments.")


def load_visible_need(need_id: int) -> Need:
    """404 for unknown ids and for needs this reader may not see, as on the web page."""
    need = db.session.get(Need, need_id) if need_id <= MAX_ID else None
    if need is None or not services.can_view(current_api_user(), need):
        abort(404)
    return need


def need_data(need: Need) -> NeedData:
    """The need's current writable fields, so a PATCH changes only what it names."""
    return NeedData(
        title=need.title,
        summary=need.summary,
        problem=need.problem,
        desired_outcome=need.desired_outcome,
        constraints=need.constraints,
        policy_areas=need.policy_areas,
        sdg_goals=list(need.sdg_goals or []),
        budget_min=need.budget_min,
        budget_max=need.budget_max,
        demo_site=need.demo_site,
        timeline=need.timeline,
        contact_name=need.contact_name,
        contact_email=need.contact_email,
        language=need.language,
        title_translated=need.title_translated,
        summary_translated=need.summary_translated,
        min_trl=need.min_trl,
    )


@blp.route("/needs")
class Needs(MethodView):
    @blp.arguments(NeedListArgs, location="query", error_status_code=400)
    @blp.response(200, page_of(NeedOut))
    @blp.documented(400)
    def get(self, args):
        """Published and closed needs, newest first."""
        status = args.get("status")
        filters = queries.NeedFilters(
            q=args["q"].strip(),
            area=args.get("policy_area"),
            status=NeedStatus(status) if status else None,
            language=args.get("language"),
        )
        return page_body(queries.search_needs(filters, args["page"], args["per_page"]))

    @blp.arguments(NeedIn)
    @blp.response(201, NeedOut)
    @blp.documented(400, 403, 409, 415, 422, anonymous=False)
    def post(self, data):
        """Start a draft need for your department (department members)."""
        return services.create_need(current_api_user(), NeedData(**data))


@blp.route("/needs/<int:need_id>")
class NeedItem(MethodView):
    @blp.response(200, NeedOut)
    @blp.documented(404)
    def get(self, need_id: int):
        """One need: public ones for everyone, drafts for their department."""
        return load_visible_need(need_id)

    @blp.arguments(NeedPatchIn(partial=True))
    @blp.response(200, NeedOut)
    @blp.documented(400, 403, 404, 409, 415, 422, anonymous=False)
    def patch(self, data, need_id: int):
        """Edit your department's need; a published one goes back to review (or waits as a
        revision while it has an open call), as on the web page."""
        need = load_visible_need(need_id)
        version = data.pop("version", None)
        return services.update_need(
            current_api_user(), need, replace(need_data(need), **data), version
        )
