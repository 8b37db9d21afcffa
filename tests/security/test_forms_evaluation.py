"""Hostile values in the evaluation forms: conflicts, scores, decisions, the reviewer panel."""

from __future__ import annotations

from sqlalchemy import delete, select

from matchmaker.accounts.models import Role
from matchmaker.evaluation.models import ConflictOfInterest, Score
from matchmaker.evaluation.scoring import MAX_COMMENT_LENGTH
from matchmaker.evaluation.services import MAX_REASON_LENGTH
from matchmaker.extensions import db
from matchmaker.proposals.models import Proposal, ProposalStatus
from tests.evaluation.conftest import assign, make_call, make_proposal
from tests.factories import make_user
from tests.security.helpers import Field, FormTarget, run_form

CATEGORY = "Forms: evaluation"


def test_conflict_form(client, login_as):
    reviewer = login_as(Role.REVIEWER)
    call = make_call()
    assign(call, reviewer)
    proposal = make_proposal(call)

    def clear():  # one conflict per organization: start each example without one
        db.session.execute(delete(ConflictOfInterest))
        db.session.flush()

    def newest(response):
        stmt = select(ConflictOfInterest).order_by(ConflictOfInterest.id.desc())
        return db.session.scalars(stmt).first()

    run_form(
        FormTarget(
            CATEGORY,
            client,
            url=lambda: f"/reviews/calls/{call.id}/conflicts",
            payload=lambda: {"organization": str(proposal.organization_id), "reason": "Advisor"},
            stored=newest,
            page=lambda c: f"/reviews/calls/{call.id}",
            before_each=clear,
            fields=[
                Field("reason", limit=MAX_REASON_LENGTH, required=True),
                Field(
                    "organization",
                    kind="choice",
                    choices=(proposal.organization_id,),
                    coerce=int,
                    attr="organization_id",
                    required=True,
                ),
            ],
        )
    )


def test_score_form(client, login_as):
    reviewer = login_as(Role.REVIEWER)
    call = make_call()
    assign(call, reviewer)
    proposal = make_proposal(call)
    first, second = call.criteria

    def payload():
        return {
            f"value_{first.id}": "4",
            f"comment_{first.id}": "Clear plan",
            f"value_{second.id}": "3",
            f"comment_{second.id}": "Costly",
        }

    def score(response):
        stmt = select(Score).where(Score.proposal_id == proposal.id, Score.criterion_id == first.id)
        return db.session.scalars(stmt).one()

    run_form(
        FormTarget(
            CATEGORY,
            client,
            url=lambda: f"/reviews/proposals/{proposal.id}",
            payload=payload,
            stored=score,
            page=lambda s: f"/reviews/proposals/{proposal.id}",
            fields=[
                Field(
                    f"comment_{first.id}", limit=MAX_COMMENT_LENGTH, required=True, attr="comment"
                ),
                Field(
                    f"value_{first.id}",
                    kind="choice",
                    choices=(1, 2, 3, 4, 5),
                    coerce=int,
                    attr="value",
                    required=True,
                ),
            ],
        )
    )


def test_decision_form(client, login_as):
    login_as(Role.COORDINATOR)
    call = make_call()
    proposal = make_proposal(call)
    prefix = f"p{proposal.id}-"

    def undecided():
        proposal.status = ProposalStatus.SUBMITTED
        db.session.flush()

    def payload():
        db.session.refresh(proposal)
        return {
            f"{prefix}decision": "waitlisted",
            f"{prefix}reason": "",
            f"{prefix}version": str(proposal.version),
        }

    run_form(
        FormTarget(
            CATEGORY,
            client,
            url=lambda: f"/calls/{call.id}/evaluation/proposals/{proposal.id}/decision",
            payload=payload,
            stored=lambda r: db.session.get(Proposal, proposal.id),
            page=lambda p: f"/calls/{call.id}/evaluation",
            before_each=undecided,
            fields=[
                Field(f"{prefix}reason", limit=5000, attr="decision_reason"),
                Field(
                    f"{prefix}decision",
                    kind="choice",
                    choices=("selected", "waitlisted", "not_selected"),
                    attr="",
                    strict=False,  # "not selected" also needs a reason
                ),
                Field(f"{prefix}version", kind="int", high=2**31, attr="", strict=False),
            ],
        )
    )


def test_assign_reviewers_form(client, login_as):
    login_as(Role.COORDINATOR)
    call = make_call()
    reviewer = make_user(Role.REVIEWER)
    run_form(
        FormTarget(
            CATEGORY,
            client,
            url=lambda: f"/calls/{call.id}/reviewers",
            payload=dict,
            stored=lambda r: None,
            fields=[
                Field(
                    "reviewers",
                    kind="choice",
                    choices=(reviewer.id,),
                    coerce=int,
                    attr="",
                    strict=False,  # a repeat assignment changes nothing
                )
            ],
        )
    )
