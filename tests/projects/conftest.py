"""Project fixtures: English pages, a planned project and members of both parties."""

from __future__ import annotations

import pytest

from tests.projects.helpers import make_member, make_project


@pytest.fixture(autouse=True)
def english_pages(client):
    """Assertions use the English msgids, whatever catalogue is compiled later."""
    with client.session_transaction() as sess:
        sess["lang"] = "en"


@pytest.fixture
def project():
    return make_project()


@pytest.fixture
def dept_user(project):
    return make_member(project, "department")


@pytest.fixture
def provider_user(project):
    return make_member(project, "provider")
