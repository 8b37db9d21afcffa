"""Seed fixtures: English pages and an owning provider."""

from __future__ import annotations

import pytest

from matchmaker.accounts.models import OrgKind, Role
from tests.factories import make_org, make_user


@pytest.fixture(autouse=True)
def english_pages(client):
    """Assertions use the English msgids, whatever catalogue is compiled later."""
    with client.session_transaction() as sess:
        sess["lang"] = "en"


@pytest.fixture
def owner():
    """An active provider whose organization owns the seeds made with `create_seed`."""
    return make_user(Role.PROVIDER, org=make_org(OrgKind.STARTUP))
