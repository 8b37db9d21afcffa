"""Write endpoints call the same services as the web pages: needs, seeds, proposals."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from matchmaker.audit.models import AuditEvent
from matchmaker.db import utcnow
from matchmaker.extensions import db
from matchmaker.needs.models import Need, NeedStatus
from matchmaker.proposals.models import Proposal, ProposalStatus
from matchmaker.seeds.models import Seed, SeedStatus
from tests.api.helpers import NEED_BODY, PROPOSAL_BODY, SEED_BODY, make_call

PROBLEM = "application/problem+json"


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_department_creates_and_edits_a_need(api, world):
    token = world.tokens["department"]
    response = api.post("/api/v1/needs", token, json=NEED_BODY)
    assert response.status_code == 201
    body = response.get_json()
    need = db.session.get(Need, body["id"])
    assert need.status is NeedStatus.DRAFT and need.organization_id == world.department.id
    assert need.search_text and need.policy_areas == ["disaster_prevention"]
    assert db.session.scalar(
        select(AuditEvent).where(
            AuditEvent.action == "need_create", AuditEvent.object_id == need.id
        )
    )
    patch = {"summary": "Changed summary", "version": body["version"]}
    response = api.patch(f"/api/v1/needs/{need.id}", token, json=patch)
    assert response.status_code == 200
    need = db.session.get(Need, need.id)
    assert need.summary == "Changed summary" and need.title == NEED_BODY["title"]
    assert need.budget_max == 5_000_000  # untouched fields keep their values


def test_stale_version_is_409_and_changes_nothing(api, world):
    url = f"/api/v1/needs/{world.draft_need.id}"
    token = world.tokens["department"]
    old = world.draft_need.version
    response = api.patch(url, token, json={"title": "New", "version": old + 5})
    assert response.status_code == 409 and response.mimetype == PROBLEM
    assert db.session.get(Need, world.draft_need.id).title == "Draft need"


def test_editing_a_published_need_sends_it_back_to_review(api, world):
    need = world.need
    world.call.status = world.call.status.CANCELLED  # no active call: no pending revision
    db.session.flush()
    response = api.patch(
        f"/api/v1/needs/{need.id}", world.tokens["department"], json={"title": "T"}
    )
    assert response.status_code == 200 and response.get_json()["status"] == "in_review"


def test_provider_creates_and_edits_a_seed(api, world):
    token = world.tokens["provider"]
    response = api.post("/api/v1/seeds", token, json={**SEED_BODY, "keywords": ["a", "A", "b"]})
    assert response.status_code == 201
    seed = db.session.get(Seed, response.get_json()["id"])
    assert seed.status is SeedStatus.DRAFT and seed.organization_id == world.provider_org.id
    assert seed.keywords == ["a", "b"]
    response = api.patch(f"/api/v1/seeds/{seed.id}", token, json={"trl": 8})
    assert response.status_code == 200
    assert db.session.get(Seed, seed.id).trl == 8


def test_provider_proposal_lifecycle(api, world):
    token = world.tokens["other_provider"]
    url = f"/api/v1/calls/{world.call.id}/proposals"
    response = api.post(url, token, json=PROPOSAL_BODY)
    assert response.status_code == 201
    body = response.get_json()
    assert body["status"] == "draft" and body["links"] == PROPOSAL_BODY["links"]
    again = api.post(url, token, json=PROPOSAL_BODY)
    assert again.status_code == 200 and again.get_json()["id"] == body["id"]
    pid = body["id"]
    response = api.patch(f"/api/v1/proposals/{pid}", token, json={"team": "Three people."})
    assert response.status_code == 200 and response.get_json()["team"] == "Three people."
    response = api.post(f"/api/v1/proposals/{pid}/submit", token)
    assert response.status_code == 200 and response.get_json()["status"] == "submitted"
    repeat = api.post(f"/api/v1/proposals/{pid}/submit", token, json={})
    assert repeat.status_code == 200
    response = api.post(f"/api/v1/proposals/{pid}/withdraw", token)
    assert response.status_code == 200
    assert db.session.get(Proposal, pid).status is ProposalStatus.WITHDRAWN


def test_incomplete_proposal_cannot_be_submitted(api, world):
    token = world.tokens["provider"]
    pid = world.proposal.id
    api.patch(f"/api/v1/proposals/{pid}", token, json={"team": ""})
    response = api.post(f"/api/v1/proposals/{pid}/submit", token)
    assert response.status_code == 422 and "Team" in response.get_json()["detail"]
    assert db.session.get(Proposal, pid).status is ProposalStatus.DRAFT


def test_closed_call_refuses_proposals_with_409(api, world):
    call = make_call(world.department)
    call.closes_at = utcnow() - timedelta(minutes=1)
    call.opens_at = utcnow() - timedelta(days=2)
    db.session.flush()
    before = count(Proposal)
    response = api.post(
        f"/api/v1/calls/{call.id}/proposals", world.tokens["provider"], json=PROPOSAL_BODY
    )
    assert response.status_code == 409 and count(Proposal) == before


@pytest.mark.parametrize(
    "content_type, data",
    [
        ("text/plain", "title=x"),
        ("application/x-www-form-urlencoded", "title=x&summary=y"),
        ("multipart/form-data; boundary=x", "--x--"),
        ("application/xml", "<need/>"),
    ],
)
def test_non_json_body_is_415(api, world, content_type, data):
    before = count(Need)
    response = api.post(
        "/api/v1/needs", world.tokens["department"], data=data, content_type=content_type
    )
    assert response.status_code == 415 and response.mimetype == PROBLEM
    assert response.get_json()["status"] == 415 and count(Need) == before


def test_invalid_json_is_400(api, world):
    response = api.post(
        "/api/v1/needs", world.tokens["department"], data="{", content_type="application/json"
    )
    assert response.status_code == 400 and response.mimetype == PROBLEM


@pytest.mark.parametrize(
    "body, fields",
    [
        ({}, {"title", "summary", "policy_areas"}),
        ({**NEED_BODY, "title": ""}, {"title"}),
        ({**NEED_BODY, "policy_areas": ["mars"]}, {"policy_areas.0"}),
        ({**NEED_BODY, "sdg_goals": [18]}, {"sdg_goals.0"}),
        ({**NEED_BODY, "budget_min": 9_000_000}, {"budget_min"}),
        ({**NEED_BODY, "min_trl": 12}, {"min_trl"}),
        ({**NEED_BODY, "status": "published"}, {"status"}),
        ({**NEED_BODY, "organization_id": 1}, {"organization_id"}),
        ({**NEED_BODY, "title": "a\x00b"}, {"title"}),
        ([1, 2], {"_schema"}),
    ],
)
def test_invalid_need_body_is_422_with_field_errors(api, world, body, fields):
    before = count(Need)
    response = api.post("/api/v1/needs", world.tokens["department"], json=body)
    assert response.status_code == 422 and response.mimetype == PROBLEM
    problem = response.get_json()
    assert fields <= set(problem["errors"]), problem
    assert all(isinstance(m, list) for m in problem["errors"].values())
    assert count(Need) == before


def test_invalid_seed_and_proposal_bodies_are_422(api, world):
    seed = api.post("/api/v1/seeds", world.tokens["provider"], json={**SEED_BODY, "trl": 0})
    assert seed.status_code == 422 and "trl" in seed.get_json()["errors"]
    bad_link = {**PROPOSAL_BODY, "links": ["javascript:alert(1)"]}
    url = f"/api/v1/calls/{world.call.id}/proposals"
    response = api.post(url, world.tokens["other_provider"], json=bad_link)
    assert response.status_code == 422 and "links.0" in response.get_json()["errors"]


def test_foreign_seed_on_a_proposal_is_refused(api, world):
    other_seed = api.post("/api/v1/seeds", world.tokens["other_provider"], json=SEED_BODY)
    seed_id = other_seed.get_json()["id"]
    response = api.patch(
        f"/api/v1/proposals/{world.proposal.id}",
        world.tokens["provider"],
        json={"seed_id": seed_id},
    )
    assert response.status_code == 422
    assert db.session.get(Proposal, world.proposal.id).seed_id is None
