"""/api/v1/calls: published calls for proposals, read-only."""

from __future__ import annotations

from flask import abort
from flask.views import MethodView

from matchmaker.api.core import ApiBlueprint, current_api_user
from matchmaker.api.inputs import MAX_ID, CallListArgs
from matchmaker.api.paging import page_body
from matchmaker.api.schemas import CallOut, page_of
from matchmaker.calls import queries
from matchmaker.calls.models import Call, CallStatus
from matchmaker.calls.services import can_view_call
from matchmaker.extensions import db

blp = ApiBlueprint("api_calls", __name__, description="Calls for proposals on needs.")


def load_visible_call(call_id: int) -> Call:
    call = db.session.get(Call, call_id) if call_id <= MAX_ID else None
    if call is None or not can_view_call(current_api_user(), call):
        abort(404)
    return call


@blp.route("/calls")
class Calls(MethodView):
    @blp.arguments(CallListArgs, location="query", error_status_code=400)
    @blp.response(200, page_of(CallOut))
    @blp.documented(400)
    def get(self, args):
        """Public calls: open ones first, then scheduled, then closed and decided."""
        status = args.get("status")
        filters = queries.CallFilters(
            q=args["q"].strip(),
            status=CallStatus(status) if status else None,
            area=args.get("policy_area"),
        )
        return page_body(queries.search_calls(filters, args["page"], args["per_page"]))


@blp.route("/calls/<int:call_id>")
class CallItem(MethodView):
    @blp.response(200, CallOut)
    @blp.documented(404)
    def get(self, call_id: int):
        """One call: published ones for everyone, drafts for their managers."""
        return load_visible_call(call_id)
