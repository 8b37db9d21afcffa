"""The match sections on need and seed pages: ranking, explanations, filters, MMR, access."""

from __future__ import annotations

import json
import logging
import re

import pytest

from matchmaker import create_app
from matchmaker.accounts.models import OrgKind, Role
from matchmaker.extensions import db
from matchmaker.matching.config import DEFAULT_PATH
from matchmaker.seeds.models import Seed, SeedStatus
from tests.conftest import CSRFClient
from tests.factories import make_org, make_user
from tests.matching.conftest import MATCH_LIST, add_need, add_seed, encode, ranked_ids


def need_page(client, need, **params) -> str:
    response = client.get(f"/needs/{need.id}", query_string=params)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def first_item(html: str) -> str:
    return MATCH_LIST.search(html).group(1).split('<li class="card match">')[1]


# --- ranking on the fixed bilingual corpus -------------------------------------------------


def test_a_japanese_need_finds_its_english_seed_first(client, login_as, corpus):
    need = corpus.needs["watch_ja"]
    login_as(Role.DEPARTMENT, org=need.organization)
    html = need_page(client, need)
    assert "Matching seeds" in html
    ids = ranked_ids(html)
    assert ids[0] == corpus.seeds["fall_en"].id
    assert sorted(ids) == sorted(s.id for s in corpus.seeds.values())


def test_an_english_need_finds_its_japanese_seed_first(client, login_as, corpus):
    login_as(Role.COORDINATOR)
    ids = ranked_ids(need_page(client, corpus.needs["flood_en"]))
    assert ids[0] == corpus.seeds["flood_ja"].id


def test_a_clearly_relevant_seed_in_the_same_language_ranks_first(client, login_as, corpus):
    login_as(Role.ADMIN)
    ids = ranked_ids(need_page(client, corpus.needs["bus_en"]))
    assert ids[0] == corpus.seeds["bus_en"].id


def test_the_seed_owner_sees_the_needs_it_fits(client, login_as, corpus):
    seed = corpus.seeds["flood_ja"]
    login_as(Role.PROVIDER, org=seed.organization)
    response = client.get(f"/seeds/{seed.id}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Matching needs" in html
    assert ranked_ids(html, "needs")[0] == corpus.needs["flood_en"].id


def test_each_match_explains_itself(client, login_as, corpus):
    login_as(Role.COORDINATOR)
    item = first_item(need_page(client, corpus.needs["bus_en"]))
    assert "Score " in item
    assert "Shared key terms" in item
    terms = re.findall(r"<li>([^<]+)</li>", item)
    assert any("bus" in term for term in terms)
    assert "Best-matching sentence of this need" in item
    assert re.search(r'<q lang="en">[^<]*bus[^<]*</q>', item)
    meters = re.findall(r'<meter min="0" max="1" value="([0-9.]+)">(\d+)%</meter>', item)
    assert len(meters) >= 2 and abs(sum(float(v) for v, _ in meters) - 1) < 0.01
    assert "Shared words" in item and "style=" not in item


def test_best_sentences_are_shown_across_languages(client, login_as, corpus):
    login_as(Role.COORDINATOR)
    item = first_item(need_page(client, corpus.needs["watch_ja"]))
    need_sentence = re.search(r'<q lang="ja">([^<]+)</q>', item)
    seed_sentence = re.search(r'<q lang="en">([^<]+)</q>', item)
    assert need_sentence and "高齢者" in need_sentence.group(1)
    assert seed_sentence and "fall" in seed_sentence.group(1).lower()
    assert "Meaning across languages" in item


def test_the_section_uses_the_readers_language(client, login_as, corpus):
    login_as(Role.COORDINATOR)
    html = need_page(client, corpus.needs["watch_ja"], lang="ja")
    assert "マッチするシーズ" in html and "Matching seeds" not in html


# --- filters and MMR ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"area": "disaster_prevention"}, {"flood_ja"}),
        ({"min_trl": "8"}, {"bus_en", "school_ja", "pay_en"}),
        ({"org_kind": "university"}, {"flood_ja"}),
        ({"ready": "1"}, {"fall_en", "bus_en"}),
        ({"language": "ja"}, {"flood_ja", "school_ja", "solar_ja"}),
        ({"language": "en", "min_trl": "8"}, {"bus_en", "pay_en"}),
        ({"area": "health"}, set()),
    ],
)
def test_filters_narrow_before_the_cut(client, login_as, corpus, params, expected):
    login_as(Role.COORDINATOR)
    html = need_page(client, corpus.needs["watch_ja"], match="1", **params)
    names = {s.id: k for k, s in corpus.seeds.items()}
    assert {names[i] for i in ranked_ids(html)} == expected
    if not expected:
        assert "Nothing passes these filters." in html


def test_the_minimum_trl_defaults_to_the_needs_own(client, login_as, corpus):
    need = add_need("watch_ja", min_trl=8)
    encode(corpus.encoders, need)
    login_as(Role.COORDINATOR)
    html = need_page(client, need)
    assert len(ranked_ids(html)) == 3
    assert '<option value="8" selected>' in html
    assert len(ranked_ids(need_page(client, need, match="1", min_trl=""))) == 6


@pytest.mark.parametrize(
    "params",
    [
        {"min_trl": "12"},
        {"min_trl": "abc"},
        {"area": "nowhere"},
        {"org_kind": "department"},
        {"language": "fr"},
    ],
)
def test_bad_filter_values_are_a_400(client, login_as, corpus, params):
    login_as(Role.COORDINATOR)
    response = client.get(f"/needs/{corpus.needs['watch_ja'].id}", query_string=params)
    assert response.status_code == 400


def test_diversify_keeps_near_duplicates_from_filling_the_list(client, login_as, corpus):
    firm = make_org(OrgKind.STARTUP)
    copies = [
        add_seed("fall_en", org=firm, title=f"AI fall detection sensor for seniors, model {m}")
        for m in "ABC"
    ]
    encode(corpus.encoders, *copies)
    login_as(Role.COORDINATOR)
    need = corpus.needs["watch_ja"]
    fall = {corpus.seeds["fall_en"].id, *(c.id for c in copies)}
    plain = ranked_ids(need_page(client, need, match="1"))
    diverse = ranked_ids(need_page(client, need, match="1", diversify="1"))
    assert set(plain[:4]) == fall
    assert diverse != plain
    assert len(set(diverse[:4]) & fall) < 4
    assert diverse[0] in fall


# --- encode on save --------------------------------------------------------------------------


def test_a_seed_published_through_the_page_is_matchable_at_once(client, login_as, corpus):
    need = corpus.needs["watch_ja"]
    owner = make_user(Role.PROVIDER, org=make_org(OrgKind.STARTUP))
    draft = add_seed(
        "fall_en",
        org=owner.organization,
        status=SeedStatus.DRAFT,
        title="Bed sensor that tells carers when a senior living alone has fallen",
    )
    login_as(Role.DEPARTMENT, org=need.organization)
    assert draft.id not in ranked_ids(need_page(client, need))

    login_as(Role.PROVIDER, user=owner)
    published = client.post(f"/seeds/{draft.id}/publish", data={"version": draft.version})
    assert published.status_code == 302
    login_as(Role.DEPARTMENT, org=need.organization)
    ids = ranked_ids(need_page(client, need))
    assert draft.id in ids[:3]

    login_as(Role.PROVIDER, user=owner)
    seed = db.session.get(Seed, draft.id)
    assert client.post(f"/seeds/{seed.id}/unpublish", data={"version": seed.version}).status_code
    assert db.session.get(Seed, draft.id).status is SeedStatus.DRAFT
    login_as(Role.DEPARTMENT, org=need.organization)
    assert draft.id not in ranked_ids(need_page(client, need))


def test_a_seed_created_and_published_through_the_forms_appears(client, login_as, corpus):
    owner = login_as(Role.PROVIDER)
    created = client.post(
        "/seeds/new",
        data={
            "title": "Flood sensors that warn residents along small rivers",
            "summary": "Water-level sensors predict river floods and warn nearby residents.",
            "trl": "7",
            "policy_areas": ["disaster_prevention"],
            "language": "en",
        },
    )
    assert created.status_code == 302, created.get_data(as_text=True)
    seed = db.session.scalar(db.select(Seed).where(Seed.organization_id == owner.organization_id))
    assert client.post(f"/seeds/{seed.id}/publish", data={"version": seed.version}).status_code
    login_as(Role.COORDINATOR)
    html = need_page(client, corpus.needs["flood_en"], match="1", area="disaster_prevention")
    assert set(ranked_ids(html)) == {seed.id, corpus.seeds["flood_ja"].id}


# --- who sees the sections -------------------------------------------------------------------

NEED_VIEWERS = {"department_owner", "coordinator", "admin"}
SEED_VIEWERS = {"provider_owner"}
ACTORS = (
    "anonymous",
    "provider_owner",
    "other_provider",
    "department_owner",
    "other_department",
    "reviewer",
    "coordinator",
    "admin",
)


def sign_in_as(login_as, actor: str, need, seed) -> None:
    orgs = {"provider_owner": seed.organization, "department_owner": need.organization}
    roles = {"provider": Role.PROVIDER, "department": Role.DEPARTMENT}
    if actor == "anonymous":
        return
    if actor in orgs:
        login_as(roles[actor.split("_")[0]], org=orgs[actor])
    else:
        login_as(roles.get(actor.removeprefix("other_")) or Role(actor))


@pytest.fixture
def pair(encoders):
    need, seed = add_need("watch_ja"), add_seed("fall_en")
    encode(encoders, need, seed)
    return need, seed


@pytest.mark.parametrize("actor", ACTORS)
def test_only_the_owners_and_staff_see_match_sections(client, login_as, pair, actor):
    need, seed = pair
    sign_in_as(login_as, actor, need, seed)
    need_html = client.get(f"/needs/{need.id}").get_data(as_text=True)
    seed_html = client.get(f"/seeds/{seed.id}").get_data(as_text=True)
    assert ('id="matches"' in need_html) is (actor in NEED_VIEWERS)
    assert ('id="matches"' in seed_html) is (actor in SEED_VIEWERS)
    if actor in NEED_VIEWERS:
        assert ranked_ids(need_html) == [seed.id]
    if actor in SEED_VIEWERS:
        assert ranked_ids(seed_html, "needs") == [need.id]


def test_an_empty_corpus_says_so(client, login_as, encoders):
    need = add_need("watch_ja")
    login_as(Role.COORDINATOR)
    assert "No published seeds to compare yet." in need_page(client, need)


# --- a missing model -------------------------------------------------------------------------


def sign_in(client, user) -> None:
    with client.session_transaction() as sess:
        sess["_user_id"] = user.get_id()
        sess["_fresh"] = True


def test_a_missing_model_gives_one_clear_message_not_a_500(
    app, pair, tmp_path, monkeypatch, caplog
):
    config = json.loads(DEFAULT_PATH.read_text(encoding="utf-8"))
    config["encoders"]["semantic"]["source"] = str(tmp_path / "no-such-model")
    path = tmp_path / "matching.json"
    path.write_text(json.dumps(config), encoding="utf-8")
    monkeypatch.setenv("MATCHMAKER_MATCHING_CONFIG", str(path))
    # Alembic's fileConfig (run by the session's migrations) disables loggers that existed then
    monkeypatch.setattr(logging.getLogger("matchmaker.matching"), "disabled", False)
    settings = {
        "ENV": "testing",
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "INSTANCE_PATH": str(tmp_path),
    }
    with caplog.at_level(logging.ERROR, logger="matchmaker.matching"):
        broken = create_app(settings)
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1 and "no-such-model" in errors[0], errors

    broken.test_client_class = CSRFClient
    client = broken.test_client()
    need, seed = pair
    caplog.clear()
    sign_in(client, make_user(Role.COORDINATOR))
    for _ in range(2):
        response = client.get(f"/needs/{need.id}")
        html = response.get_data(as_text=True)
        assert response.status_code == 200
        assert "Matching is unavailable: model directory" in html
        assert "no-such-model does not exist" in html

    owner = make_user(Role.PROVIDER, org=seed.organization)
    sign_in(client, owner)
    draft = add_seed("bus_en", org=seed.organization, status=SeedStatus.DRAFT)
    saved = client.post(f"/seeds/{draft.id}/publish", data={"version": draft.version})
    assert saved.status_code == 302
    assert db.session.get(Seed, draft.id).status is SeedStatus.PUBLISHED
    assert "Matching is unavailable" in client.get(f"/seeds/{seed.id}").get_data(as_text=True)
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []
    with broken.app_context():
        db.engine.dispose()
