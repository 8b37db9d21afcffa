"""API fixtures: a populated world with one token per role, and a JSON client."""

from __future__ import annotations

import pytest

from tests.api.helpers import bearer, build_world


@pytest.fixture
def world():
    return build_world()


class Api:
    """JSON requests with an optional bearer token; no cookies are needed."""

    def __init__(self, client):
        self.client = client

    def request(self, method: str, url: str, token: str | None = None, **kwargs):
        headers = {**bearer(token), **kwargs.pop("headers", {})}
        return self.client.open(url, method=method, headers=headers, **kwargs)

    def get(self, url, token=None, **kwargs):
        return self.request("GET", url, token, **kwargs)

    def post(self, url, token=None, **kwargs):
        return self.request("POST", url, token, **kwargs)

    def patch(self, url, token=None, **kwargs):
        return self.request("PATCH", url, token, **kwargs)


@pytest.fixture
def api(client):
    return Api(client)
