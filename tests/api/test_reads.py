"""Read endpoints: lists with filters and page pagination, details, what stays hidden."""

from __future__ import annotations

import pytest

from matchmaker.needs.models import NeedStatus
from tests.factories import make_need, make_org, make_seed

PROBLEM = "application/problem+json"


def ids(response) -> list[int]:
    return [item["id"] for item in response.get_json()["items"]]


def test_needs_list_shows_published_only(api, world):
    response = api.get("/api/v1/needs")
    assert response.status_code == 200 and response.mimetype == "application/json"
    found = ids(response)
    assert world.need.id in found and world.draft_need.id not in found


def test_needs_filters(api, world):
    make_need(title="防災の見える化", policy_areas=("disaster_prevention",))
    found = ids(api.get("/api/v1/needs?q=防災&policy_area=disaster_prevention"))
    assert len(found) == 1 and world.need.id not in found
    assert ids(api.get("/api/v1/needs?status=closed")) == []


def test_pagination_envelope_and_links(api):
    org = make_org()
    for n in range(5):
        make_need(org=org, title=f"Paged need {n}")
    first = api.get("/api/v1/needs?q=Paged&per_page=2").get_json()
    assert (first["page"], first["per_page"], first["total"], first["pages"]) == (1, 2, 5, 3)
    assert len(first["items"]) == 2 and first["prev"] is None
    assert "page=2" in first["next"] and "q=Paged" in first["next"]
    last = api.get("/api/v1/needs?q=Paged&per_page=2&page=3").get_json()
    assert len(last["items"]) == 1 and last["next"] is None and "page=2" in last["prev"]
    seen = {i["id"] for i in first["items"]} | {i["id"] for i in last["items"]}
    assert len(seen) == 3
    beyond = api.get("/api/v1/needs?q=Paged&per_page=2&page=9").get_json()
    assert beyond["items"] == [] and beyond["total"] == 5


@pytest.mark.parametrize(
    "query",
    [
        "page=0",
        "page=abc",
        "per_page=101",
        "policy_area=nowhere",
        "status=draft",
        "q=" + "x" * 201,
        "q=%00",
    ],
)
def test_bad_query_is_400_problem(api, query):
    response = api.get(f"/api/v1/needs?{query}")
    assert response.status_code == 400 and response.mimetype == PROBLEM
    body = response.get_json()
    assert body["status"] == 400 and body["errors"]


def test_seed_list_and_filters(api, world):
    make_seed(trl=3, title="Early lab idea")
    found = ids(api.get("/api/v1/seeds"))
    assert world.seed.id in found and world.draft_seed.id not in found
    high = ids(api.get("/api/v1/seeds?trl_min=5"))
    assert world.seed.id in high and all(
        s["trl"] >= 5 for s in api.get("/api/v1/seeds?trl_min=5").get_json()["items"]
    )
    assert api.get("/api/v1/seeds?trl_min=7&trl_max=2").status_code == 400


def test_calls_list_and_detail(api, world):
    found = ids(api.get("/api/v1/calls"))
    assert world.call.id in found and world.draft_call.id not in found
    body = api.get(f"/api/v1/calls/{world.call.id}").get_json()
    assert body["accepting_proposals"] is True and body["criteria"][0]["name"] == "Impact"
    assert api.get(f"/api/v1/calls/{world.draft_call.id}").status_code == 404


def test_results_list_and_detail(api, world):
    found = ids(api.get("/api/v1/results"))
    assert found == [world.result.id]
    body = api.get(f"/api/v1/results/{world.result.id}").get_json()
    assert body["status"] == "adopted" and body["kpis"][0]["met"] is True
    assert body["need"]["id"] == world.result.need_id
    assert body["milestones"][0]["title"] == "Install"
    assert api.get(f"/api/v1/results/{world.hidden_result.id}").status_code == 404
    assert ids(api.get("/api/v1/results?status=not_adopted")) == []
    assert ids(api.get("/api/v1/results?q=elderly")) == [world.result.id]


def test_details_and_unknown_ids(api, world):
    body = api.get(f"/api/v1/needs/{world.need.id}").get_json()
    assert body["title"] == world.need.title and body["policy_areas"] == ["elderly_care"]
    assert body["published_at"].endswith("+00:00")
    assert api.get(f"/api/v1/seeds/{world.seed.id}").get_json()["trl"] == world.seed.trl
    for url in ("/api/v1/needs/999999", "/api/v1/seeds/2147483648", "/api/v1/results/0"):
        response = api.get(url)
        assert response.status_code == 404 and response.mimetype == PROBLEM


def test_own_draft_is_visible_to_its_organization_only(api, world):
    url = f"/api/v1/needs/{world.draft_need.id}"
    assert api.get(url, world.tokens["department"]).status_code == 200
    assert api.get(url, world.tokens["other_department"]).status_code == 404
    assert api.get(url).status_code == 404


def test_unknown_api_path_and_method_are_problems(api, world):
    response = api.get("/api/v1/nothing-here")
    assert response.status_code == 404 and response.mimetype == PROBLEM
    response = api.request("DELETE", f"/api/v1/needs/{world.need.id}", world.tokens["department"])
    assert response.status_code == 405 and response.mimetype == PROBLEM


def test_html_error_pages_are_unchanged(client):
    """flask-smorest's app-wide handler must not turn site pages into JSON."""
    response = client.get("/no-such-page")
    assert response.status_code == 404 and response.mimetype == "text/html"
    assert b"<html" in response.data
    response = client.get("/needs/999999")
    assert response.status_code == 404 and response.mimetype == "text/html"
    response = client.post("/needs/new", data={}, csrf=False)
    assert response.mimetype == "text/html"


def test_rate_limit_is_429_problem(app, api, monkeypatch):
    monkeypatch.setitem(app.config, "MATCHMAKER_API_RATE_LIMIT", "3 per minute")
    statuses = [api.get("/api/v1/needs").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    response = api.get("/api/v1/needs")
    assert response.mimetype == PROBLEM and response.headers["Retry-After"]


def test_openapi_document(api):
    spec = api.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"] == "3.0.3"
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    post = spec["paths"]["/api/v1/needs"]["post"]
    assert post["security"] == [{"bearerAuth": []}]
    for code in ("401", "403", "415", "422", "429"):
        assert code in post["responses"]
    problem = spec["components"]["responses"]["UNPROCESSABLE_ENTITY"]["content"]
    assert "application/problem+json" in problem


def test_closed_needs_are_listed(api):
    closed = make_need(status=NeedStatus.CLOSED, title="Closed need")
    assert closed.id in ids(api.get("/api/v1/needs?status=closed"))
