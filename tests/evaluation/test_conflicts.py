"""Conflicts of interest and membership hide a proposal from a reviewer everywhere."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from matchmaker.accounts.models import OrgKind, Role
from matchmaker.calls.models import CallStatus
from matchmaker.common.errors import Conflict, DomainError, NotAllowed
from matchmaker.evaluation import conflicts, services
from matchmaker.evaluation.models import AssignmentStatus, ConflictOfInterest, Score
from matchmaker.extensions import db
from matchmaker.proposals.models import ProposalAttachment, ProposalStatus
from matchmaker.uploads.services import store_pdf
from tests.evaluation.conftest import assign, make_proposal, make_reviewer, score_form
from tests.factories import make_org

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def _attach(proposal):
    attachment = store_pdf(io.BytesIO(PDF), "plan.pdf", None, proposal.organization_id)
    item = ProposalAttachment(proposal_id=proposal.id, attachment_id=attachment.id)
    db.session.add(item)
    db.session.flush()
    return item


def _score_count(proposal):
    return db.session.scalar(
        select(func.count()).select_from(Score).where(Score.proposal_id == proposal.id)
    )


@pytest.fixture
def setup(call, login_as):
    reviewer = login_as(Role.REVIEWER)
    assign(call, reviewer)
    hidden = make_proposal(call, title="Hidden proposal")
    shown = make_proposal(call, title="Shown proposal")
    return reviewer, hidden, shown


def _assert_hidden(client, call, hidden, shown):
    listing = client.get("/reviews").get_data(as_text=True)
    assert "Shown proposal" in listing and "Hidden proposal" not in listing
    call_page = client.get(f"/reviews/calls/{call.id}").get_data(as_text=True)
    assert "Shown proposal" in call_page and "Hidden proposal" not in call_page
    assert client.get(f"/reviews/proposals/{hidden.id}").status_code == 404
    response = client.post(f"/reviews/proposals/{hidden.id}", data=score_form(call, [5, 5]))
    assert response.status_code == 404
    assert _score_count(hidden) == 0
    assert client.get(f"/reviews/proposals/{shown.id}").status_code == 200


def test_declared_conflict_hides_the_proposal(client, call, setup):
    reviewer, hidden, shown = setup
    item = _attach(hidden)
    download = f"/proposals/{hidden.id}/attachments/{item.id}"
    assert client.get(f"/reviews/proposals/{hidden.id}").status_code == 200
    assert client.get(download).status_code == 200
    response = client.post(
        f"/reviews/calls/{call.id}/conflicts",
        data={"organization": hidden.organization_id, "reason": "I advise this startup."},
    )
    assert response.status_code == 302
    conflict = db.session.scalar(select(ConflictOfInterest))
    assert (conflict.reviewer_id, conflict.organization_id) == (reviewer.id, hidden.organization_id)
    assert conflict.reason == "I advise this startup."
    _assert_hidden(client, call, hidden, shown)
    assert client.get(download).status_code == 404
    assert not services.can_review(reviewer, hidden)
    assert services.can_review(reviewer, shown)
    assert services.visible_proposals_for_reviewer(reviewer, call) == [shown]


def test_member_of_the_proposing_organization_cannot_see_it(client, login_as, call):
    startup = make_org(OrgKind.UNIVERSITY)
    reviewer = login_as(Role.REVIEWER, org=startup)
    assign(call, reviewer)
    hidden = make_proposal(call, org=startup, title="Hidden proposal")
    shown = make_proposal(call, title="Shown proposal")
    _assert_hidden(client, call, hidden, shown)
    assert not services.can_review(reviewer, hidden)
    page = client.get(f"/reviews/calls/{call.id}").get_data(as_text=True)
    assert f'<option value="{startup.id}"' not in page  # nothing to declare about oneself


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (AssignmentStatus.ASSIGNED, True),
        (AssignmentStatus.COMPLETED, True),
        (AssignmentStatus.REMOVED, False),
    ],
)
def test_only_an_active_assignment_gives_access(call, status, expected):
    reviewer = make_reviewer()
    assign(call, reviewer, status)
    proposal = make_proposal(call)
    assert services.can_review(reviewer, proposal) is expected
    assert bool(services.visible_proposals_for_reviewer(reviewer, call)) is expected


@pytest.mark.parametrize("status", list(ProposalStatus))
def test_only_submitted_or_decided_proposals_are_reviewable(call, reviewer, status):
    proposal = make_proposal(call, status=status)
    expected = status not in (ProposalStatus.DRAFT, ProposalStatus.WITHDRAWN)
    assert services.can_review(reviewer, proposal) is expected


def test_unassigned_reviewer_and_other_calls(call):
    outsider = make_reviewer()
    proposal = make_proposal(call)
    assert not services.can_review(outsider, proposal)
    assert services.visible_proposals_for_reviewer(outsider, call) == []


def test_declaring_checks_its_input(call, reviewer):
    proposal = make_proposal(call)
    stranger = make_org()
    with pytest.raises(DomainError):
        conflicts.declare_conflict(reviewer, call, proposal.organization_id, "   ")
    with pytest.raises(DomainError):
        conflicts.declare_conflict(reviewer, call, stranger.id, "Not an applicant")
    conflicts.declare_conflict(reviewer, call, proposal.organization_id, "Former employer")
    with pytest.raises(Conflict):
        conflicts.declare_conflict(reviewer, call, proposal.organization_id, "Again")
    with pytest.raises(NotAllowed):
        conflicts.declare_conflict(make_reviewer(), call, proposal.organization_id, "Not assigned")


def test_conflict_form_errors_change_nothing(client, login_as, call):
    reviewer = login_as(Role.REVIEWER)
    assign(call, reviewer)
    proposal = make_proposal(call)
    response = client.post(
        f"/reviews/calls/{call.id}/conflicts",
        data={"organization": proposal.organization_id, "reason": ""},
    )
    assert response.status_code == 422
    response = client.post(
        f"/reviews/calls/{call.id}/conflicts", data={"organization": "x", "reason": "r"}
    )
    assert response.status_code == 422
    assert db.session.scalar(select(func.count()).select_from(ConflictOfInterest)) == 0


def test_conflict_scores_do_not_count_in_the_ranking(call, reviewer):
    from matchmaker.evaluation.ranking import rank_call
    from tests.evaluation.conftest import give_scores

    proposal = make_proposal(call)
    give_scores(proposal, reviewer, [5, 5])
    assert rank_call(call)[0].summary.reviews == 1
    conflicts.declare_conflict(reviewer, call, proposal.organization_id, "Found out late")
    assert rank_call(call)[0].summary.reviews == 0


def test_reviewer_of_a_decided_call_still_sees_but_cannot_score(client, login_as):
    from tests.evaluation.conftest import make_call

    call = make_call(CallStatus.DECIDED)
    reviewer = login_as(Role.REVIEWER)
    assign(call, reviewer)
    proposal = make_proposal(call, status=ProposalStatus.SELECTED)
    page = client.get(f"/reviews/proposals/{proposal.id}").get_data(as_text=True)
    assert "the results were announced" in page
