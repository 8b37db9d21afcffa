"""Proposal services: deadlines to the second, one proposal per organization, lost updates,
field checks and the notices a submission sends."""

from __future__ import annotations

from datetime import timedelta

import pytest

from matchmaker.accounts.models import OrgKind, Role
from matchmaker.common.errors import Conflict, DomainError, IllegalTransition, NotAllowed
from matchmaker.extensions import db
from matchmaker.notifications.models import Notification
from matchmaker.proposals import access, services
from matchmaker.proposals.fields import parse_links
from matchmaker.proposals.models import Proposal, ProposalStatus
from tests.factories import make_org, make_seed, make_user
from tests.proposals.helpers import data, make_call, make_proposal, proposal_count

SECOND = timedelta(seconds=1)


def notifications(kind=None):
    stmt = db.select(Notification).order_by(Notification.id)
    if kind:
        stmt = stmt.where(Notification.kind == kind)
    return list(db.session.scalars(stmt))


# --- deadlines ---------------------------------------------------------------------------------


@pytest.mark.parametrize("offset,accepted", [(-SECOND, True), (0 * SECOND, False), (SECOND, False)])
def test_submission_deadline_to_the_second(call, owner, offset, accepted):
    proposal = make_proposal(call, owner)
    version = proposal.version
    when = call.closes_at + offset
    if accepted:
        services.transition(proposal, "submit", owner, version, now=when)
        assert proposal.status is ProposalStatus.SUBMITTED and proposal.submitted_at == when
    else:
        with pytest.raises(services.DeadlinePassed, match="The call closed at"):
            services.transition(proposal, "submit", owner, version, now=when)
        db.session.expire_all()
        fresh = db.session.get(Proposal, proposal.id)
        assert fresh.status is ProposalStatus.DRAFT and fresh.submitted_at is None
        assert fresh.version == version
        assert notifications() == []


@pytest.mark.parametrize("offset,accepted", [(-SECOND, True), (0 * SECOND, False), (SECOND, False)])
def test_edit_deadline_to_the_second(call, owner, offset, accepted):
    proposal = make_proposal(call, owner, "submitted")
    when = call.closes_at + offset
    if accepted:
        services.update_proposal(proposal, owner, data(title="Late fix"), proposal.version, when)
        assert proposal.title == "Late fix"
    else:
        with pytest.raises(services.DeadlinePassed):
            services.update_proposal(proposal, owner, data(title="Too late"), None, when)
        db.session.expire_all()
        assert db.session.get(Proposal, proposal.id).title != "Too late"


def test_withdraw_and_attachments_also_stop_at_the_deadline(call, owner):
    from matchmaker.proposals.attachments import add_attachments

    proposal = make_proposal(call, owner, "submitted")
    with pytest.raises(services.DeadlinePassed):
        services.transition(proposal, "withdraw", owner, now=call.closes_at)
    with pytest.raises(services.DeadlinePassed):
        add_attachments(proposal, owner, [(None, "a.pdf")], now=call.closes_at)
    assert proposal.status is ProposalStatus.SUBMITTED


def test_no_proposal_before_the_call_opens(department, owner):
    call = make_call(department)
    with pytest.raises(services.DeadlinePassed, match="not open"):
        services.start_proposal(call, owner, data(), now=call.opens_at - SECOND)
    assert proposal_count() == 0
    proposal, created = services.start_proposal(call, owner, data(), now=call.opens_at)
    assert created and proposal.status is ProposalStatus.DRAFT


@pytest.mark.parametrize("status", ["scheduled", "under_evaluation", "decided", "cancelled"])
def test_calls_that_are_not_open_accept_nothing(department, owner, status):
    call = make_call(department, status=status)
    with pytest.raises(services.DeadlinePassed):
        services.start_proposal(call, owner, data())
    assert proposal_count() == 0


# --- one per organization ----------------------------------------------------------------------


def test_second_start_returns_the_existing_proposal(call, owner):
    first, created = services.start_proposal(call, owner, data())
    colleague = make_user(Role.PROVIDER, org=owner.organization)
    again, created_again = services.start_proposal(call, colleague, data(title="Other"))
    assert created and not created_again and again.id == first.id
    assert proposal_count() == 1 and again.title != "Other"


def test_a_concurrent_insert_is_caught_and_the_existing_one_returned(call, owner, monkeypatch):
    """The race: both requests saw no proposal; the unique constraint decides."""
    first, _ = services.start_proposal(call, owner, data())
    looked_up = []

    def stale_lookup(call_id, org_id):
        looked_up.append(call_id)
        return None if len(looked_up) == 1 else original(call_id, org_id)

    original = access.organization_proposal
    monkeypatch.setattr(services, "organization_proposal", stale_lookup)
    again, created = services.start_proposal(call, owner, data(title="Double click"))
    assert not created and again.id == first.id and len(looked_up) == 2
    assert proposal_count() == 1
    db.session.flush()  # the session is still usable after the savepoint rolled back


def test_two_organizations_each_get_their_own(call, owner):
    services.start_proposal(call, owner, data())
    services.start_proposal(call, make_user(Role.PROVIDER), data())
    assert proposal_count() == 2


@pytest.mark.parametrize("role", [Role.DEPARTMENT, Role.COORDINATOR, Role.REVIEWER, Role.ADMIN])
def test_only_providers_start_proposals(call, role):
    with pytest.raises(NotAllowed):
        services.start_proposal(call, make_user(role), data())
    assert proposal_count() == 0


def test_provider_in_a_department_org_cannot_propose(call):
    user = make_user(Role.PROVIDER, org=make_org(OrgKind.DEPARTMENT))
    with pytest.raises(NotAllowed):
        services.start_proposal(call, user, data())


# --- editing -----------------------------------------------------------------------------------


def test_stale_edit_is_refused_and_changes_nothing(call, owner):
    proposal = make_proposal(call, owner)
    opened_at = proposal.version
    colleague = make_user(Role.PROVIDER, org=owner.organization)
    services.update_proposal(proposal, colleague, data(title="Colleague's"), opened_at)
    with pytest.raises(Conflict, match="changed by someone else"):
        services.update_proposal(proposal, owner, data(title="Mine"), opened_at)
    assert proposal.title == "Colleague's"


def test_edits_keep_a_submitted_proposal_submitted(call, owner):
    proposal = make_proposal(call, owner, "submitted")
    services.update_proposal(proposal, owner, data(approach="Better"), proposal.version)
    assert proposal.status is ProposalStatus.SUBMITTED and proposal.approach == "Better"


def test_a_submitted_proposal_must_stay_complete(call, owner):
    proposal = make_proposal(call, owner, "submitted")
    with pytest.raises(DomainError, match="Pilot plan"):
        services.update_proposal(proposal, owner, data(pilot_plan=""), proposal.version)


def test_drafts_may_be_incomplete_but_submission_needs_every_field(call, owner):
    proposal = make_proposal(call, owner, approach="", team="", budget_amount=None)
    with pytest.raises(DomainError, match="Approach, Budget, Team"):
        services.transition(proposal, "submit", owner)
    assert proposal.status is ProposalStatus.DRAFT


def test_budget_above_the_call_maximum_is_refused_at_submission(department, owner):
    call = make_call(department, budget_max=1_000_000, budget_currency="JPY")
    proposal = make_proposal(call, owner, budget_amount=1_000_001)
    with pytest.raises(DomainError, match="maximum"):
        services.transition(proposal, "submit", owner)
    services.update_proposal(proposal, owner, data(budget_amount=1_000_000), proposal.version)
    services.transition(proposal, "submit", owner)
    assert proposal.status is ProposalStatus.SUBMITTED


@pytest.mark.parametrize("status", ["withdrawn", "selected", "waitlisted", "not_selected"])
def test_only_drafts_and_submitted_proposals_are_edited(call, owner, status):
    proposal = make_proposal(call, owner, status)
    with pytest.raises(IllegalTransition):
        services.update_proposal(proposal, owner, data(title="Changed"), None)


def test_other_organizations_cannot_edit(call, owner):
    proposal = make_proposal(call, owner)
    for user in (make_user(Role.PROVIDER), make_user(Role.COORDINATOR)):
        with pytest.raises(NotAllowed):
            services.update_proposal(proposal, user, data(title="Hijack"), None)
    assert proposal.title != "Hijack"


def test_withdrawn_proposal_can_be_reopened_and_resubmitted(call, owner):
    proposal = make_proposal(call, owner, "withdrawn")
    assert proposal.withdrawn_at is not None
    services.transition(proposal, "reopen", owner)
    services.transition(proposal, "submit", owner)
    assert proposal.status is ProposalStatus.SUBMITTED


# --- fields ------------------------------------------------------------------------------------


def test_seed_must_belong_to_the_proposing_organization(call, owner):
    own = make_seed(org=owner.organization)
    foreign = make_seed()
    with pytest.raises(DomainError, match="seeds"):
        services.start_proposal(call, owner, data(seed_id=foreign.id))
    proposal, _ = services.start_proposal(call, owner, data(seed_id=own.id))
    assert proposal.seed_id == own.id
    with pytest.raises(DomainError):
        services.update_proposal(proposal, owner, data(seed_id=foreign.id), None)


@pytest.mark.parametrize(
    "text",
    ["javascript:alert(1)", "ftp://example.org", "example.org", "https://", "http://a b.org"],
)
def test_links_must_be_web_addresses(text):
    with pytest.raises(DomainError):
        parse_links(f"https://ok.example.org\n{text}")


def test_links_are_trimmed_and_deduplicated():
    assert parse_links(" https://a.org \n\nhttp://b.org\nhttps://a.org\n") == [
        "https://a.org",
        "http://b.org",
    ]
    with pytest.raises(DomainError, match="At most 10"):
        parse_links("\n".join(f"https://{n}.org" for n in range(11)))


def test_service_refuses_bad_links_and_currency(call, owner):
    with pytest.raises(DomainError):
        services.start_proposal(call, owner, data(links=("javascript:x",)))
    with pytest.raises(DomainError):
        services.start_proposal(call, owner, data(budget_currency="XXX"))
    assert proposal_count() == 0


# --- notices -----------------------------------------------------------------------------------


def test_submission_notifies_applicants_and_the_department_once(call, owner):
    colleague = make_user(Role.PROVIDER, org=owner.organization)
    dept_user = make_user(Role.DEPARTMENT, org=call.organization)
    outsider = make_user(Role.DEPARTMENT)
    proposal = make_proposal(call, owner, "submitted")

    receipts = notifications("proposal_submitted")
    received = notifications("proposal_received")
    assert {n.user_id for n in receipts} == {owner.id, colleague.id}
    assert {n.user_id for n in received} == {dept_user.id}
    assert outsider.id not in {n.user_id for n in notifications()}
    assert received[0].link == f"/proposals/{proposal.id}"
    assert received[0].params["title"] == proposal.title

    services.update_proposal(proposal, owner, data(title="Edited"), proposal.version)
    assert len(notifications()) == 3  # edits notify nobody

    services.transition(proposal, "withdraw", owner)
    services.transition(proposal, "reopen", owner)
    services.transition(proposal, "submit", owner)
    assert len(notifications("proposal_received")) == 2  # a real re-submission is news
    keys = {n.dedupe_key for n in notifications("proposal_received")}
    assert keys == {f"proposal:{proposal.id}:received:1", f"proposal:{proposal.id}:received:2"}


def test_notice_kinds_render(app):
    from matchmaker.notifications.kinds import render

    params = {"title": "T", "call_title": "C", "organization": "O", "proposal_id": 1, "call_id": 1}
    with app.test_request_context():
        assert "T" in render("proposal_submitted", params, "en").subject
        assert "O" in render("proposal_received", params, "en").body


def test_proposals_for_call_lists_only_what_managers_see(call, owner):
    submitted = make_proposal(call, owner, "submitted")
    make_proposal(call, make_user(Role.PROVIDER))  # a draft
    make_proposal(call, make_user(Role.PROVIDER), "withdrawn")
    assert services.proposals_for_call(call) == [submitted]
