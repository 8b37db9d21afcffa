"""Proposal pages: forms with errors, double posts, stale edits, deadlines, attachments."""

from __future__ import annotations

import io
from datetime import timedelta

from matchmaker.accounts.models import Role
from matchmaker.db import utcnow
from matchmaker.extensions import db
from matchmaker.proposals.models import Proposal, ProposalAttachment, ProposalStatus
from matchmaker.uploads.models import Attachment
from matchmaker.uploads.services import file_path
from tests.factories import make_seed, make_user
from tests.proposals.helpers import PDF, make_call, make_proposal, proposal_count, proposal_form


def only_proposal() -> Proposal:
    return db.session.scalars(db.select(Proposal)).one()


def test_provider_writes_a_draft(client, login_as, call, owner):
    login_as(user=owner)
    page = client.get(f"/calls/{call.id}/proposals/new")
    assert page.status_code == 200 and b"Write a proposal" in page.data
    response = client.post(f"/calls/{call.id}/proposals/new", data=proposal_form())
    assert response.status_code == 302
    proposal = only_proposal()
    assert response.location.endswith(f"/proposals/{proposal.id}")
    assert proposal.status is ProposalStatus.DRAFT
    assert proposal.organization_id == owner.organization_id
    assert proposal.links == ["https://example.org/a", "http://example.org/b"]
    assert proposal.budget_amount == 4_000_000 and proposal.seed_id is None


def test_form_errors_rerender_and_save_nothing(client, login_as, call, owner):
    login_as(user=owner)
    bad = {
        "title": "",
        "budget_amount": "lots",
        "links": "javascript:alert(1)",
        "budget_currency": "XXX",
        "seed_id": "abc",
    }
    response = client.post(f"/calls/{call.id}/proposals/new", data=proposal_form(**bad))
    assert response.status_code == 200
    assert b"This field is required" in response.data
    assert b"is not an http:// or https:// address" in response.data
    assert b"Not a valid integer value" in response.data
    assert proposal_count() == 0


def test_seed_choices_are_the_own_organization_only(client, login_as, call, owner):
    own = make_seed(org=owner.organization, title="Our sensor")
    foreign = make_seed(title="Their sensor")
    login_as(user=owner)
    page = client.get(f"/calls/{call.id}/proposals/new")
    assert b"Our sensor" in page.data and b"Their sensor" not in page.data
    response = client.post(
        f"/calls/{call.id}/proposals/new", data=proposal_form(seed_id=str(foreign.id))
    )
    assert response.status_code == 200 and proposal_count() == 0
    client.post(f"/calls/{call.id}/proposals/new", data=proposal_form(seed_id=str(own.id)))
    assert only_proposal().seed_id == own.id


def test_double_post_makes_one_proposal(client, login_as, call, owner):
    login_as(user=owner)
    first = client.post(f"/calls/{call.id}/proposals/new", data=proposal_form())
    second = client.post(f"/calls/{call.id}/proposals/new", data=proposal_form(title="Again"))
    assert first.status_code == second.status_code == 302
    assert first.location == second.location
    assert proposal_count() == 1 and only_proposal().title != "Again"


def test_new_redirects_to_the_existing_proposal(client, login_as, call, owner):
    proposal = make_proposal(call, owner)
    login_as(Role.PROVIDER, org=owner.organization)  # a colleague
    response = client.get(f"/calls/{call.id}/proposals/new")
    assert response.status_code == 302
    assert response.location.endswith(f"/proposals/{proposal.id}")


def test_closed_call_refuses_a_new_proposal(client, login_as, department, owner):
    now = utcnow()
    call = make_call(
        department, opens_at=now - timedelta(days=3), closes_at=now - timedelta(seconds=1)
    )
    login_as(user=owner)
    response = client.post(f"/calls/{call.id}/proposals/new", data=proposal_form())
    assert response.status_code == 409 and b"The call closed at" in response.data
    assert proposal_count() == 0


def test_edit_saves_and_keeps_submitted(client, login_as, call, owner):
    proposal = make_proposal(call, owner, "submitted")
    login_as(user=owner)
    page = client.get(f"/proposals/{proposal.id}/edit")
    assert page.status_code == 200 and f'value="{proposal.version}"'.encode() in page.data
    response = client.post(
        f"/proposals/{proposal.id}/edit",
        data=proposal_form(title="Improved", version=str(proposal.version)),
    )
    assert response.status_code == 302
    proposal = db.session.get(Proposal, proposal.id)
    assert proposal.title == "Improved" and proposal.status is ProposalStatus.SUBMITTED


def test_stale_edit_is_a_409_form_error(client, login_as, call, owner):
    proposal = make_proposal(call, owner)
    stale = str(proposal.version)
    proposal.title = "Changed meanwhile"
    db.session.flush()
    login_as(user=owner)
    response = client.post(
        f"/proposals/{proposal.id}/edit", data=proposal_form(title="Mine", version=stale)
    )
    assert response.status_code == 409 and b"changed by someone else" in response.data
    assert db.session.get(Proposal, proposal.id).title == "Changed meanwhile"


def test_edit_without_version_is_a_form_error(client, login_as, call, owner):
    proposal = make_proposal(call, owner)
    login_as(user=owner)
    response = client.post(f"/proposals/{proposal.id}/edit", data=proposal_form(title="X"))
    assert response.status_code == 200 and b"The form is incomplete" in response.data
    assert db.session.get(Proposal, proposal.id).title != "X"


def test_submit_and_double_click(client, login_as, call, owner):
    proposal = make_proposal(call, owner)
    login_as(user=owner)
    version = str(proposal.version)
    first = client.post(f"/proposals/{proposal.id}/submit", data={"version": version})
    second = client.post(f"/proposals/{proposal.id}/submit", data={"version": version})
    assert first.status_code == second.status_code == 302
    assert db.session.get(Proposal, proposal.id).status is ProposalStatus.SUBMITTED
    page = client.get(f"/proposals/{proposal.id}")
    assert b"The proposal is already" in page.data


def test_submit_one_second_after_closing_changes_nothing(client, login_as, call, owner):
    proposal = make_proposal(call, owner)
    call.closes_at = utcnow() - timedelta(seconds=1)
    db.session.flush()
    login_as(user=owner)
    response = client.post(
        f"/proposals/{proposal.id}/submit", data={"version": str(proposal.version)}
    )
    assert response.status_code == 409 and b"The call closed at" in response.data
    assert db.session.get(Proposal, proposal.id).status is ProposalStatus.DRAFT
    assert client.get(f"/proposals/{proposal.id}/edit").status_code == 409


def test_withdraw_then_reopen(client, login_as, call, owner):
    proposal = make_proposal(call, owner, "submitted")
    login_as(user=owner)
    assert client.post(f"/proposals/{proposal.id}/withdraw", data={}).status_code == 302
    assert db.session.get(Proposal, proposal.id).status is ProposalStatus.WITHDRAWN
    assert client.post(f"/proposals/{proposal.id}/reopen", data={}).status_code == 302
    assert db.session.get(Proposal, proposal.id).status is ProposalStatus.DRAFT


def test_bad_version_field_is_400(client, login_as, call, owner):
    proposal = make_proposal(call, owner)
    login_as(user=owner)
    response = client.post(f"/proposals/{proposal.id}/submit", data={"version": "x1"})
    assert response.status_code == 400


def test_actions_need_csrf(client, login_as, call, owner):
    proposal = make_proposal(call, owner)
    login_as(user=owner)
    response = client.post(f"/proposals/{proposal.id}/submit", data={}, csrf=False)
    assert response.status_code == 400
    assert db.session.get(Proposal, proposal.id).status is ProposalStatus.DRAFT


# --- attachments -------------------------------------------------------------------------------


def upload(client, proposal, *files):
    payload = {"files": [(io.BytesIO(body), name) for name, body in files]}
    return client.post(
        f"/proposals/{proposal.id}/attachments", data=payload, content_type="multipart/form-data"
    )


def test_upload_download_and_delete_a_pdf(client, login_as, call, owner):
    proposal = make_proposal(call, owner)
    login_as(user=owner)
    response = upload(client, proposal, ("plan.pdf", PDF), ("budget.pdf", PDF + b"2"))
    assert response.status_code == 302
    items = db.session.scalars(db.select(ProposalAttachment)).all()
    assert len(items) == 2
    item = items[0]
    item_id, path = item.id, file_path(item.attachment)
    assert path.read_bytes() == PDF and item.attachment.organization_id == owner.organization_id

    page = client.get(f"/proposals/{proposal.id}")
    assert b"plan.pdf" in page.data and b"budget.pdf" in page.data
    assert f"({len(PDF)} Bytes)".encode() in page.data  # small files are not "0.0 KB"
    download = client.get(f"/proposals/{proposal.id}/attachments/{item.id}")
    assert download.status_code == 200 and download.data == PDF
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert download.headers["X-Content-Type-Options"] == "nosniff"

    deleted = client.post(f"/proposals/{proposal.id}/attachments/{item_id}/delete", data={})
    assert deleted.status_code == 302
    assert db.session.get(ProposalAttachment, item_id) is None
    assert db.session.scalar(db.select(db.func.count()).select_from(Attachment)) == 1
    assert not path.exists()  # the bytes go once the deletion is committed


def test_upload_refuses_a_fake_pdf_and_stores_nothing(client, login_as, call, owner):
    proposal = make_proposal(call, owner)
    login_as(user=owner)
    response = upload(client, proposal, ("good.pdf", PDF), ("evil.pdf", b"<html>x</html>"))
    assert response.status_code == 422
    assert b"this file is not a PDF" in response.data and b"evil.pdf" in response.data
    assert db.session.scalar(db.select(db.func.count()).select_from(Attachment)) == 0


def test_upload_without_a_file_is_an_error(client, login_as, call, owner):
    proposal = make_proposal(call, owner)
    login_as(user=owner)
    response = client.post(
        f"/proposals/{proposal.id}/attachments", data={}, content_type="multipart/form-data"
    )
    assert response.status_code == 400 and b"Choose at least one PDF file" in response.data


def test_attachments_frozen_after_the_deadline(client, login_as, call, owner):
    proposal = make_proposal(call, owner, "submitted")
    login_as(user=owner)
    upload(client, proposal, ("plan.pdf", PDF))
    item = db.session.scalars(db.select(ProposalAttachment)).one()
    call.closes_at = utcnow() - timedelta(seconds=1)
    db.session.flush()
    assert upload(client, proposal, ("more.pdf", PDF)).status_code == 409
    response = client.post(f"/proposals/{proposal.id}/attachments/{item.id}/delete", data={})
    assert response.status_code == 409
    assert db.session.get(ProposalAttachment, item.id) is not None
    assert client.get(f"/proposals/{proposal.id}/attachments/{item.id}").status_code == 200


def test_attachment_of_another_proposal_is_404(client, login_as, call, owner):
    mine = make_proposal(call, owner)
    other_owner = make_user(Role.PROVIDER)
    theirs = make_proposal(call, other_owner)
    login_as(user=other_owner)
    upload(client, theirs, ("theirs.pdf", PDF))
    item = db.session.scalars(db.select(ProposalAttachment)).one()
    login_as(user=owner)
    assert client.get(f"/proposals/{mine.id}/attachments/{item.id}").status_code == 404
    assert client.get(f"/proposals/{theirs.id}/attachments/{item.id}").status_code == 404


# --- lists -------------------------------------------------------------------------------------


def test_my_proposals_lists_the_organization_only(client, login_as, call, owner):
    make_proposal(call, owner, title="Ours")
    make_proposal(call, make_user(Role.PROVIDER), title="Theirs")
    login_as(Role.PROVIDER, org=owner.organization)
    page = client.get("/proposals/mine")
    assert page.status_code == 200
    assert b"Ours" in page.data and b"Theirs" not in page.data and b"Draft" in page.data


def test_managers_list_shows_submitted_only(client, login_as, call, owner):
    make_proposal(call, owner, "submitted", title="Submitted one")
    make_proposal(call, make_user(Role.PROVIDER), title="Secret draft")
    login_as(Role.DEPARTMENT, org=call.organization)
    page = client.get(f"/calls/{call.id}/proposals")
    assert page.status_code == 200
    assert b"Submitted one" in page.data and b"Secret draft" not in page.data


def test_applicants_learn_the_decision_only_when_announced(client, login_as, call, owner):
    proposal = make_proposal(call, owner, "not_selected")
    call.status = proposal.call.status.UNDER_EVALUATION
    db.session.flush()
    login_as(user=owner)
    page = client.get(f"/proposals/{proposal.id}")
    assert b"Not selected" not in page.data and b"Budget too high" not in page.data
    call.status = call.status.DECIDED
    db.session.flush()
    page = client.get(f"/proposals/{proposal.id}")
    assert b"Not selected" in page.data and b"Budget too high" in page.data
