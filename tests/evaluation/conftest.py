"""Builders for the evaluation tests: calls and proposals made straight from the models."""

from __future__ import annotations

from datetime import timedelta

import pytest

from matchmaker.accounts.models import OrgKind, Role
from matchmaker.calls.models import Call, CallCriterion, CallStatus
from matchmaker.db import utcnow
from matchmaker.evaluation.models import AssignmentStatus, ReviewerAssignment, Score
from matchmaker.extensions import db
from matchmaker.proposals.models import Proposal, ProposalStatus
from tests.factories import make_need, make_org, make_user

CRITERIA = (("Impact", 3), ("Feasibility", 1))


def make_call(
    status: CallStatus = CallStatus.UNDER_EVALUATION,
    criteria=CRITERIA,
    department=None,
    title: str = "見守りの実証実験",
) -> Call:
    department = department or make_org(OrgKind.DEPARTMENT)
    need = make_need(org=department)
    now = utcnow()
    call = Call(
        need_id=need.id,
        organization_id=department.id,
        status=status,
        title=title,
        opens_at=now - timedelta(days=30),
        closes_at=now - timedelta(days=1),
    )
    call.criteria = [
        CallCriterion(position=i, name=name, weight=weight)
        for i, (name, weight) in enumerate(criteria, start=1)
    ]
    db.session.add(call)
    db.session.flush()
    return call


def make_proposal(
    call: Call, org=None, status: ProposalStatus = ProposalStatus.SUBMITTED, title=None
) -> Proposal:
    org = org or make_org(OrgKind.STARTUP)
    proposal = Proposal(
        call_id=call.id,
        organization_id=org.id,
        status=status,
        title=title or f"Proposal of {org.name}",
        approach="Sensors in every flat",
        submitted_at=utcnow() if status is not ProposalStatus.DRAFT else None,
    )
    db.session.add(proposal)
    db.session.flush()
    return proposal


def make_reviewer(org=None, **kwargs):
    return make_user(Role.REVIEWER, org=org, **kwargs)


def assign(call: Call, reviewer, status: AssignmentStatus = AssignmentStatus.ASSIGNED):
    assignment = ReviewerAssignment(call_id=call.id, reviewer_id=reviewer.id, status=status)
    db.session.add(assignment)
    db.session.flush()
    return assignment


def give_scores(proposal: Proposal, reviewer, values: list[int]) -> None:
    """Scores in the call's criterion order."""
    for criterion, value in zip(proposal.call.criteria, values, strict=True):
        db.session.add(
            Score(
                proposal_id=proposal.id,
                reviewer_id=reviewer.id,
                criterion_id=criterion.id,
                value=value,
                comment=f"because {value}",
            )
        )
    db.session.flush()


def score_form(call: Call, values: list[int], comment: str = "Solid plan") -> dict:
    data = {}
    for criterion, value in zip(call.criteria, values, strict=True):
        data[f"value_{criterion.id}"] = str(value)
        data[f"comment_{criterion.id}"] = comment
    return data


@pytest.fixture
def call():
    return make_call()


@pytest.fixture
def reviewer(call):
    user = make_reviewer()
    assign(call, user)
    return user
