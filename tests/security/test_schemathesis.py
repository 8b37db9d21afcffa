"""schemathesis over /api/v1/openapi.json, in process: valid and invalid requests from the
document, with the bearer token of the role that may write, checked against the document; a
refused write must leave the database as it was."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import given
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from matchmaker.extensions import db, limiter
from tests.api.helpers import bearer, build_world
from tests.security.helpers import changed_tables, fingerprint, given_settings
from tests.security.report import REPORT

CATEGORY = "schemathesis (OpenAPI)"
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,
]
PROVIDER_PATHS = ("/seeds", "/proposals")


@pytest.fixture(scope="module")
def api_schema(app):
    """Loaded once: the document does not change between tests (the limiter is reset per
    example, so the API's rate limit is never reached here)."""
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)


def operations():
    from tests.api.test_contract import OPERATIONS

    return OPERATIONS


def writable_ids(world) -> dict[str, int]:
    """Rows the chosen token may change, so valid writes reach the services too."""
    return {
        "need_id": world.draft_need.id,
        "call_id": world.call.id,
        "seed_id": world.draft_seed.id,
        "proposal_id": world.proposal.id,
        "project_id": world.result.id,
    }


@pytest.mark.parametrize("method, path", operations(), ids=[f"{m} {p}" for m, p in operations()])
def test_operation(app, api_schema, method, path):
    world = build_world()
    role = "provider" if any(p in path for p in PROVIDER_PATHS) else "department"
    headers = bearer(world.tokens[role])
    operation = api_schema[path][method]
    strategy = operation.as_strategy(GenerationMode.POSITIVE) | operation.as_strategy(
        GenerationMode.NEGATIVE
    )
    ids = writable_ids(world)
    fixed = {name: ids[name] for name in ids if "{" + name + "}" in path}
    if fixed:
        strategy |= operation.as_strategy(GenerationMode.POSITIVE, path_parameters=fixed)
        strategy |= operation.as_strategy(GenerationMode.NEGATIVE, path_parameters=fixed)

    @given(case=strategy)
    @given_settings(cap=4)  # tests/api/test_contract.py runs 15 more per operation
    def check(case):
        REPORT.add(CATEGORY, "examples")
        limiter.reset()
        before = fingerprint() if method != "GET" else None
        db.session.flush()
        with app.app_context():  # the request's own session, as CSRFClient gives every request
            response = case.call(headers=headers)
        db.session.expire_all()
        REPORT.response(CATEGORY, response.status_code)
        if response.status_code < 400:
            REPORT.add(CATEGORY, "accepted")
        else:
            REPORT.add(CATEGORY, "refused")
        case.validate_response(response, checks=CHECKS)
        if before is not None and response.status_code >= 400:
            changed = changed_tables(before, fingerprint())
            if changed:
                REPORT.add(CATEGORY, "stored_after_refusal")
                raise AssertionError(f"refused {method} {path} changed {changed}")

    check()
