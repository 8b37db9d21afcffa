"""Proposal fixtures: English pages, an open call owned by a department, an applicant."""

from __future__ import annotations

import pytest

from matchmaker.accounts.models import OrgKind, Role
from tests.factories import make_org, make_user
from tests.proposals.helpers import make_call


@pytest.fixture(autouse=True)
def english_pages(client):
    """Assertions use the English msgids, whatever catalogue is compiled later."""
    with client.session_transaction() as sess:
        sess["lang"] = "en"


@pytest.fixture
def department():
    return make_org(OrgKind.DEPARTMENT)


@pytest.fixture
def call(department):
    """Open now, closing in a week."""
    return make_call(department)


@pytest.fixture
def owner():
    """An active provider whose organization writes the proposals in these tests."""
    return make_user(Role.PROVIDER, org=make_org(OrgKind.STARTUP))
