"""/api/v1/proposals: a provider's draft on a call, its edits, submission and withdrawal."""

from __future__ import annotations

from dataclasses import replace

from flask.views import MethodView

from matchmaker.api.core import ApiBlueprint, require_token
from matchmaker.api.inputs import MAX_ID, ProposalIn, ProposalPatchIn, VersionIn
from matchmaker.api.resources.calls import load_visible_call
from matchmaker.api.schemas import ProposalOut
from matchmaker.proposals import access, services
from matchmaker.proposals.fields import ProposalData
from matchmaker.proposals.models import DECISION_STATUSES, Proposal, ProposalStatus

blp = ApiBlueprint("api_proposals", __name__, description="Proposals answering calls.")


class ShownProposal:
    """A proposal as this reader may see it: decisions show once they are announced."""

    def __init__(self, proposal: Proposal, user):
        self._proposal = proposal
        self.status = access.status_shown_to(user, proposal)
        shown = self.status in DECISION_STATUSES
        self.decision_reason = proposal.decision_reason if shown else None

    def __getattr__(self, name):
        return getattr(self._proposal, name)


def _load(proposal_id: int) -> Proposal:
    """404 for unknown ids and proposals the reader may not see (drafts of others)."""
    return access.load_visible_proposal(min(proposal_id, MAX_ID + 1), require_token())


def proposal_data(proposal: Proposal) -> ProposalData:
    return ProposalData(
        title=proposal.title,
        approach=proposal.approach,
        pilot_plan=proposal.pilot_plan,
        schedule=proposal.schedule,
        budget_amount=proposal.budget_amount,
        budget_currency=proposal.budget_currency,
        team=proposal.team,
        links=tuple(proposal.links or ()),
        seed_id=proposal.seed_id,
    )


def _fields(data: dict) -> dict:
    out = dict(data)
    if "links" in out:
        out["links"] = tuple(dict.fromkeys(out["links"]))
    return out


@blp.route("/calls/<int:call_id>/proposals")
class CallProposals(MethodView):
    @blp.arguments(ProposalIn)
    @blp.response(201, ProposalOut)
    @blp.alt_response(200, schema=ProposalOut, description="Your organization's existing proposal")
    @blp.documented(400, 403, 404, 409, 415, 422, anonymous=False)
    def post(self, data, call_id: int):
        """Start your organization's draft on an open call; a repeat returns the same draft."""
        user = require_token()
        call = load_visible_call(call_id)
        proposal, created = services.start_proposal(call, user, ProposalData(**_fields(data)))
        return ShownProposal(proposal, user), 201 if created else 200


@blp.route("/proposals/<int:proposal_id>")
class ProposalItem(MethodView):
    @blp.response(200, ProposalOut)
    @blp.documented(404, anonymous=False)
    def get(self, proposal_id: int):
        """Your organization's proposal, or a submitted one on a call you manage."""
        return ShownProposal(_load(proposal_id), require_token())

    @blp.arguments(ProposalPatchIn(partial=True))
    @blp.response(200, ProposalOut)
    @blp.documented(400, 403, 404, 409, 415, 422, anonymous=False)
    def patch(self, data, proposal_id: int):
        """Edit a draft or submitted proposal before the call closes."""
        user = require_token()
        proposal = _load(proposal_id)
        version = data.pop("version", None)
        merged = replace(proposal_data(proposal), **_fields(data))
        services.update_proposal(proposal, user, merged, version)
        return ShownProposal(proposal, user)


def _transition(proposal_id: int, action: str, data: dict):
    user = require_token()
    proposal = _load(proposal_id)
    target = {"submit": ProposalStatus.SUBMITTED, "withdraw": ProposalStatus.WITHDRAWN}[action]
    repeat = proposal.status is target and services.OWNER in access.actor_kinds(user, proposal)
    if not repeat:  # a retried request finds the first one's result, as on the web page
        services.transition(proposal, action, user, data.get("version"))
    return ShownProposal(proposal, user)


@blp.route("/proposals/<int:proposal_id>/submit")
class SubmitProposal(MethodView):
    @blp.arguments(VersionIn, required=False)
    @blp.response(200, ProposalOut)
    @blp.documented(400, 403, 404, 409, 415, 422, anonymous=False)
    def post(self, data, proposal_id: int):
        """Submit a complete draft before the deadline."""
        return _transition(proposal_id, "submit", data)


@blp.route("/proposals/<int:proposal_id>/withdraw")
class WithdrawProposal(MethodView):
    @blp.arguments(VersionIn, required=False)
    @blp.response(200, ProposalOut)
    @blp.documented(400, 403, 404, 409, 415, 422, anonymous=False)
    def post(self, data, proposal_id: int):
        """Withdraw a submitted proposal before the deadline."""
        return _transition(proposal_id, "withdraw", data)
