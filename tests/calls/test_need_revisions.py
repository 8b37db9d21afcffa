"""Editing a need with an active call makes a pending revision; need phase notices."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from matchmaker.accounts.models import Role
from matchmaker.calls.models import CallStatus
from matchmaker.common.errors import IllegalTransition, NotAllowed
from matchmaker.extensions import db
from matchmaker.needs import revisions, services
from matchmaker.needs.models import NeedRevision, NeedStatus, RevisionStatus
from matchmaker.proposals.models import Proposal, ProposalStatus
from tests.calls.conftest import follow, make_call, notifications_of
from tests.factories import make_org, make_user
from tests.needs.conftest import new_need, valid_form

S = CallStatus


@pytest.fixture
def published(owner):
    return new_need(owner, NeedStatus.PUBLISHED, title="元のタイトル")


def edit(client, need, **overrides):
    return client.post(
        f"/needs/{need.id}/edit",
        data=valid_form(**{"title": "新しいタイトル", "version": str(need.version), **overrides}),
    )


def revisions_of(need) -> list[NeedRevision]:
    return list(db.session.scalars(select(NeedRevision).where(NeedRevision.need_id == need.id)))


def test_without_an_active_call_an_edit_goes_back_to_review(client, login_as, owner, published):
    make_call(published, S.DECIDED)
    login_as(user=owner)
    assert edit(client, published).status_code == 302
    db.session.refresh(published)
    assert published.status is NeedStatus.IN_REVIEW and published.title == "新しいタイトル"
    assert revisions_of(published) == []


@pytest.mark.parametrize("status", [S.SCHEDULED, S.OPEN, S.UNDER_EVALUATION])
def test_with_an_active_call_the_edit_waits(client, login_as, owner, published, status):
    make_call(published, status)
    login_as(user=owner)
    page = client.get(f"/needs/{published.id}/edit").get_data(as_text=True)
    assert "This need has an active call." in page
    response = edit(client, published)
    assert response.status_code == 302
    db.session.refresh(published)
    assert published.status is NeedStatus.PUBLISHED and published.title == "元のタイトル"
    (revision,) = revisions_of(published)
    assert revision.status is RevisionStatus.PENDING and revision.data["title"] == "新しいタイトル"
    # a second edit replaces the pending text rather than queueing another revision
    edit(client, published, title="三つ目のタイトル")
    (revision,) = revisions_of(published)
    assert revision.data["title"] == "三つ目のタイトル"
    # the public still reads the published text; the owner sees the pending change
    page = client.get(f"/needs/{published.id}").get_data(as_text=True)
    assert "Pending revision" in page and "三つ目のタイトル" in page
    login_as(Role.PROVIDER)
    page = client.get(f"/needs/{published.id}").get_data(as_text=True)
    assert "元のタイトル" in page and "三つ目のタイトル" not in page


def test_coordinator_approves_and_followers_and_applicants_hear(client, login_as, owner, published):
    call = make_call(published, S.OPEN)
    applicant_org = make_org()
    applicant = make_user(Role.PROVIDER, org=applicant_org)
    withdrawn_org = make_org()
    withdrawn = make_user(Role.PROVIDER, org=withdrawn_org)
    db.session.add_all(
        [
            Proposal(call_id=call.id, organization_id=applicant_org.id, title="提案"),
            Proposal(
                call_id=call.id,
                organization_id=withdrawn_org.id,
                title="取下げ",
                status=ProposalStatus.WITHDRAWN,
            ),
        ]
    )
    follower = make_user(Role.PROVIDER)
    follow(follower, "need", published.id)
    follow(applicant, "need", published.id)
    login_as(user=owner)
    edit(client, published)
    (revision,) = revisions_of(published)

    coordinator = login_as(Role.COORDINATOR)
    page = client.get("/needs/review").get_data(as_text=True)
    assert f"/needs/{published.id}#revision" in page
    page = client.get(f"/needs/{published.id}").get_data(as_text=True)
    assert "Approve revision" in page
    url = f"/needs/{published.id}/revisions/{revision.id}/approve"
    assert client.post(url, data={}).status_code == 302
    db.session.refresh(published)
    db.session.refresh(revision)
    assert published.title == "新しいタイトル" and published.status is NeedStatus.PUBLISHED
    assert revision.status is RevisionStatus.APPROVED and revision.decided_by_id == coordinator.id
    assert len(notifications_of(follower, "need_revised")) == 1
    assert len(notifications_of(applicant, "need_revised")) == 1  # follower and applicant: once
    assert notifications_of(withdrawn, "need_revised") == []
    assert client.post(url, data={}).status_code == 409


def test_coordinator_rejects_with_a_reason(client, login_as, owner, published):
    make_call(published, S.OPEN)
    login_as(user=owner)
    edit(client, published)
    (revision,) = revisions_of(published)
    login_as(Role.COORDINATOR)
    url = f"/needs/{published.id}/revisions/{revision.id}/reject"
    assert client.post(url, data={"comment": ""}).status_code == 400
    assert client.post(url, data={"comment": "公募中は予算を変更できません"}).status_code == 302
    db.session.refresh(published)
    db.session.refresh(revision)
    assert published.title == "元のタイトル" and revision.status is RevisionStatus.REJECTED
    (note,) = notifications_of(owner, "need_revision_rejected")
    assert note.params["comment"] == "公募中は予算を変更できません"


@pytest.mark.parametrize("role", [Role.DEPARTMENT, Role.PROVIDER, Role.REVIEWER])
def test_only_staff_decide_revisions(client, login_as, owner, published, role):
    make_call(published, S.OPEN)
    login_as(user=owner)
    edit(client, published)
    (revision,) = revisions_of(published)
    login_as(user=owner if role is Role.DEPARTMENT else make_user(role))
    for action, data in (("approve", {}), ("reject", {"comment": "no"})):
        url = f"/needs/{published.id}/revisions/{revision.id}/{action}"
        assert client.post(url, data=data).status_code == 403
    db.session.refresh(revision)
    assert revision.status is RevisionStatus.PENDING
    with pytest.raises(NotAllowed):
        revisions.approve_revision(owner, revision)


def test_revision_of_another_need_is_404(client, login_as, owner, published):
    other = new_need(owner, NeedStatus.PUBLISHED)
    make_call(other, S.OPEN)
    revision = revisions.propose_revision(
        owner, other, services.NeedData("x", "y", policy_areas=["elderly_care"])
    )
    login_as(Role.COORDINATOR)
    response = client.post(f"/needs/{published.id}/revisions/{revision.id}/approve", data={})
    assert response.status_code == 404


def test_a_closed_need_cannot_take_a_revision(owner, published):
    make_call(published, S.OPEN)
    revision = revisions.propose_revision(
        owner, published, services.NeedData("x", "y", policy_areas=["elderly_care"])
    )
    published.status = NeedStatus.CLOSED
    with pytest.raises(IllegalTransition):
        revisions.approve_revision(make_user(Role.COORDINATOR), revision)


def test_followers_hear_when_a_need_is_published_and_closed(client, login_as, owner):
    need = new_need(owner, NeedStatus.IN_REVIEW)
    follower = make_user(Role.PROVIDER)
    follow(follower, "need", need.id)
    login_as(Role.COORDINATOR)
    assert client.post(f"/needs/{need.id}/approve", data={}).status_code == 302
    (note,) = notifications_of(follower, "need_published")
    assert note.link == f"/needs/{need.id}"
    login_as(user=owner)
    assert client.post(f"/needs/{need.id}/close", data={}).status_code == 302
    assert len(notifications_of(follower, "need_closed")) == 1
