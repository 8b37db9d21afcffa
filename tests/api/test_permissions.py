"""The API permission matrix: every endpoint × every role, and refused writes change nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from matchmaker.audit.models import AuditEvent
from matchmaker.extensions import db
from matchmaker.needs.models import Need
from matchmaker.proposals.models import Proposal, ProposalStatus
from matchmaker.seeds.models import Seed
from tests.api.helpers import NEED_BODY, PROPOSAL_BODY, ROLES, SEED_BODY, make_call, make_proposal


def expect(default: int, **overrides: int) -> dict[str, int]:
    table = dict.fromkeys(ROLES, default)
    table.update(overrides)
    return table


PUBLIC = expect(200)
TOKEN = expect(200, anonymous=401)
DEPARTMENT_DRAFT = expect(404, department=200)
PROVIDER_DRAFT = expect(404, provider=200)
DEPARTMENTS_CREATE = expect(403, anonymous=401, department=201, other_department=201)
PROVIDERS_CREATE = expect(403, anonymous=401, provider=201, other_provider=201)

# (method, url, body, expected status per role)
MATRIX = [
    ("GET", "/api/v1/me", None, TOKEN),
    ("GET", "/api/v1/needs", None, PUBLIC),
    ("GET", "/api/v1/needs/{need}", None, PUBLIC),
    ("GET", "/api/v1/needs/{draft_need}", None, DEPARTMENT_DRAFT),
    ("GET", "/api/v1/calls", None, PUBLIC),
    ("GET", "/api/v1/calls/{call}", None, PUBLIC),
    ("GET", "/api/v1/calls/{draft_call}", None, expect(404, department=200, coordinator=200)),
    ("GET", "/api/v1/seeds", None, PUBLIC),
    ("GET", "/api/v1/seeds/{seed}", None, PUBLIC),
    ("GET", "/api/v1/seeds/{draft_seed}", None, PROVIDER_DRAFT),
    ("GET", "/api/v1/results", None, PUBLIC),
    ("GET", "/api/v1/results/{result}", None, PUBLIC),
    ("GET", "/api/v1/results/{hidden_result}", None, expect(404)),
    ("GET", "/api/v1/proposals/{proposal}", None, expect(404, anonymous=401, provider=200)),
    (
        "GET",
        "/api/v1/proposals/{submitted}",
        None,
        expect(404, anonymous=401, provider=200, department=200, coordinator=200),
    ),
    ("POST", "/api/v1/needs", NEED_BODY, DEPARTMENTS_CREATE),
    (
        "PATCH",
        "/api/v1/needs/{need}",
        {"title": "Edited by API"},
        expect(403, anonymous=401, department=200),
    ),
    (
        "PATCH",
        "/api/v1/needs/{draft_need}",
        {"title": "Edited by API"},
        expect(404, anonymous=401, department=200),
    ),
    ("POST", "/api/v1/seeds", SEED_BODY, PROVIDERS_CREATE),
    ("PATCH", "/api/v1/seeds/{seed}", {"trl": 9}, expect(403, anonymous=401, provider=200)),
    ("PATCH", "/api/v1/seeds/{draft_seed}", {"trl": 9}, expect(404, anonymous=401, provider=200)),
    (
        "POST",
        "/api/v1/calls/{call}/proposals",
        PROPOSAL_BODY,
        expect(403, anonymous=401, provider=200, other_provider=201),
    ),
    (
        "POST",
        "/api/v1/calls/{draft_call}/proposals",
        PROPOSAL_BODY,
        expect(404, anonymous=401, department=403, coordinator=403),
    ),
    (
        "PATCH",
        "/api/v1/proposals/{proposal}",
        {"team": "Edited by API"},
        expect(404, anonymous=401, provider=200),
    ),
    (
        "PATCH",
        "/api/v1/proposals/{submitted}",
        {"team": "Edited by API"},
        expect(404, anonymous=401, provider=200, department=403, coordinator=403),
    ),
    ("POST", "/api/v1/proposals/{proposal}/submit", None, expect(404, anonymous=401, provider=200)),
    (
        "POST",
        "/api/v1/proposals/{submitted}/withdraw",
        None,
        expect(404, anonymous=401, provider=200, department=403, coordinator=403),
    ),
    (
        "POST",
        "/api/v1/proposals/{proposal}/withdraw",
        None,
        expect(404, anonymous=401, provider=409),
    ),
]


def snapshot(world, submitted) -> tuple:
    """Everything a refused write could have touched."""

    def total(model):
        return db.session.scalar(select(func.count()).select_from(model))

    def reread(model, obj):
        row = db.session.get(model, obj.id)
        return (row.version, row.status, row.title)

    return (
        total(Need),
        total(Seed),
        total(Proposal),
        total(AuditEvent),
        reread(Need, world.need),
        reread(Need, world.draft_need),
        reread(Seed, world.seed),
        reread(Seed, world.draft_seed),
        reread(Proposal, world.proposal),
        reread(Proposal, submitted),
    )


def row_id(row) -> str:
    return f"{row[0]} {row[1]}"


@pytest.mark.parametrize("method, url, body, table", MATRIX, ids=[row_id(r) for r in MATRIX])
def test_api_permission_matrix(api, world, method, url, body, table):
    """One world per endpoint; roles that may act go last, so a refusal is never caused by an
    earlier role's successful write."""
    second_call = make_call(world.department, title="Second call")
    provider = world.users["provider"]
    submitted = make_proposal(second_call, world.provider_org, provider, ProposalStatus.SUBMITTED)
    ids = {
        "need": world.need.id,
        "draft_need": world.draft_need.id,
        "call": world.call.id,
        "draft_call": world.draft_call.id,
        "seed": world.seed.id,
        "draft_seed": world.draft_seed.id,
        "result": world.result.id,
        "hidden_result": world.hidden_result.id,
        "proposal": world.proposal.id,
        "submitted": submitted.id,
    }
    kwargs = {"json": body} if body is not None else {}
    for role in sorted(ROLES, key=lambda r: table[r] < 400):
        before = snapshot(world, submitted)
        response = api.request(method, url.format(**ids), world.tokens[role], **kwargs)
        expected = table[role]
        assert response.status_code == expected, (role, response.get_data(as_text=True)[:300])
        if expected >= 400:
            assert response.mimetype == "application/problem+json", role
            assert snapshot(world, submitted) == before, f"{role}: a refused write changed data"
        elif method != "GET" and expected == 201:
            assert snapshot(world, submitted) != before, role
