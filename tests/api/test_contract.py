"""Contract tests generated from the OpenAPI document: no 5xx, every response as documented.

Authenticated as a department member, so the need writes are exercised too. Positive and
negative examples are bounded (MATCHMAKER_API_EXAMPLES, default 15 per operation and mode) to
keep tests/api short. One test per operation; a completeness test keeps the list in step with
the document.
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from tests.api.helpers import bearer

MAX_EXAMPLES = int(os.environ.get("MATCHMAKER_API_EXAMPLES", "15"))
CHECKS = [not_a_server_error, response_schema_conformance]

OPERATIONS = [
    ("GET", "/api/v1/me"),
    ("GET", "/api/v1/needs"),
    ("POST", "/api/v1/needs"),
    ("GET", "/api/v1/needs/{need_id}"),
    ("PATCH", "/api/v1/needs/{need_id}"),
    ("GET", "/api/v1/calls"),
    ("GET", "/api/v1/calls/{call_id}"),
    ("GET", "/api/v1/seeds"),
    ("POST", "/api/v1/seeds"),
    ("GET", "/api/v1/seeds/{seed_id}"),
    ("PATCH", "/api/v1/seeds/{seed_id}"),
    ("POST", "/api/v1/calls/{call_id}/proposals"),
    ("GET", "/api/v1/proposals/{proposal_id}"),
    ("PATCH", "/api/v1/proposals/{proposal_id}"),
    ("POST", "/api/v1/proposals/{proposal_id}/submit"),
    ("POST", "/api/v1/proposals/{proposal_id}/withdraw"),
    ("GET", "/api/v1/results"),
    ("GET", "/api/v1/results/{project_id}"),
]


def known_ids(world) -> dict[str, int]:
    """Rows the department token may read or write (its draft need) or is refused on."""
    return {
        "need_id": world.draft_need.id,
        "call_id": world.call.id,
        "seed_id": world.seed.id,
        "proposal_id": world.proposal.id,
        "project_id": world.result.id,
    }


@pytest.fixture
def api_schema(app, monkeypatch):
    monkeypatch.setitem(app.config, "MATCHMAKER_API_RATE_LIMIT", "100000 per minute")
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)


def test_every_operation_is_checked(api_schema):
    documented = {
        (result.ok().method.upper(), result.ok().path) for result in api_schema.get_all_operations()
    }
    assert documented == set(OPERATIONS)


@pytest.mark.parametrize("method, path", OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_operation_conforms_to_the_document(api_schema, world, method, path):
    operation = api_schema[path][method]
    headers = bearer(world.tokens["department"])
    strategy = operation.as_strategy(GenerationMode.POSITIVE) | operation.as_strategy(
        GenerationMode.NEGATIVE
    )
    existing = known_ids(world)
    fixed = {name: existing[name] for name in existing if "{" + name + "}" in path}
    if fixed:  # also hit rows that exist, not only random ids that 404
        strategy |= operation.as_strategy(GenerationMode.POSITIVE, path_parameters=fixed)

    @given(case=strategy)
    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
        database=None,
    )
    def check(case):
        case.call_and_validate(headers=headers, checks=CHECKS)

    check()
