"""Fixtures for the admin tests: an English-speaking signed-in administrator."""

import pytest

from matchmaker.accounts.models import Role


@pytest.fixture
def english(client):
    """Pin the locale so assertions on messages do not depend on the Japanese catalogue."""
    with client.session_transaction() as sess:
        sess["lang"] = "en"


@pytest.fixture
def admin(login_as, english):
    return login_as(Role.ADMIN)
