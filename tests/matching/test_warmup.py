"""A served worker builds its index in a background thread: until it is ready no request
waits, match sections say how far it is and refresh, and /healthz reports "warming"."""

from __future__ import annotations

import logging
import threading
import time

import pytest

from matchmaker.accounts.models import OrgKind, Role
from matchmaker.extensions import db
from matchmaker.matching import runtime, warmup
from matchmaker.matching.index import MatchIndex
from matchmaker.matching.lexical import LexicalScorer
from matchmaker.matching.records import NEED, SEED
from tests.conftest import CSRFClient, build_app
from tests.factories import make_org, make_user
from tests.matching.conftest import add_need, add_seed, encode, ranked_ids

WARMING = "Matches are being prepared"


class Unfinished:
    """Stands for a build thread that has not finished (the page must not wait for it)."""

    def is_alive(self) -> bool:
        return True


@pytest.fixture
def warming(app):
    """This app is served with warm-up on, and its build is under way (started 42 s ago,
    1,234 of 5,678 records loaded)."""
    current = runtime.state(app)
    pending = MatchIndex.__new__(MatchIndex)
    pending.progress = {"done": 1234, "total": 5678}
    current.warmup, current.building, current.pending = True, Unfinished(), pending
    current.started = time.monotonic() - 42
    yield current
    current.warmup, current.building = False, None
    runtime.reset_index(app)


def test_a_need_page_says_its_matches_are_being_prepared(client, login_as, corpus, warming):
    need = corpus.needs["flood_en"]
    login_as(Role.DEPARTMENT, org=need.organization)
    started = time.perf_counter()
    response = client.get(f"/needs/{need.id}")
    assert time.perf_counter() - started < 5  # answered, not waiting for the build
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert WARMING in html and "1,234 of 5,678 records loaded" in html
    assert "started 42 s ago" in html or "started 43 s ago" in html
    assert 'data-refresh-after="15"' in html and "js/refresh.js" in html
    assert ranked_ids(html) == [] and "Matching is unavailable" not in html
    assert need.title in html  # the rest of the page is there
    assert runtime.state().index is None  # the request built nothing


def test_a_seed_page_says_so_too_while_the_models_load(client, login_as, corpus, warming):
    warming.pending = None  # the thread is still loading the models
    seed = corpus.seeds["flood_ja"]
    login_as(Role.PROVIDER, org=seed.organization)
    html = client.get(f"/seeds/{seed.id}").get_data(as_text=True)
    assert WARMING in html and "loading the models" in html


def test_the_refresh_script_is_a_file_the_csp_allows(client, login_as, corpus, warming):
    need = corpus.needs["bus_en"]
    login_as(Role.COORDINATOR)
    response = client.get(f"/needs/{need.id}")
    assert "<script>" not in response.get_data(as_text=True)
    assert (
        "'unsafe-inline'" not in response.headers["Content-Security-Policy"].split("script-src")[1]
    )
    script = client.get("/static/js/refresh.js")
    assert script.status_code == 200 and b"data-refresh-after" in script.data


def test_healthz_reports_a_warming_index_and_stays_ready(client, warming):
    response = client.get("/healthz")
    assert response.status_code == 200  # pages work: a balancer keeps sending traffic
    matcher = response.get_json()["checks"]["matcher"]
    assert matcher["index"] == "warming" and matcher["index_revision"] is None
    assert matcher["index_progress"]["done"] == 1234
    assert matcher["index_progress"]["total"] == 5678
    assert matcher["index_progress"]["seconds"] >= 42
    assert isinstance(matcher["worker"], int)


def test_healthz_says_cold_before_any_build(client, app):
    runtime.reset_index(app)
    assert client.get("/healthz").get_json()["checks"]["matcher"]["index"] == "cold"


def test_models_that_cannot_load_are_reported_not_warming(app, client, login_as, corpus, warming):
    path = runtime.config_path(app)
    warming.building = None
    runtime._failures[path] = "the model directory is missing"
    try:
        need = corpus.needs["bus_en"]
        login_as(Role.COORDINATOR)
        html = client.get(f"/needs/{need.id}").get_data(as_text=True)
    finally:
        runtime._failures.pop(path, None)
    assert "Matching is unavailable: the model directory is missing" in html
    assert WARMING not in html


def test_the_warming_status_is_a_matching_unavailable(app):
    with app.test_request_context("/?lang=en"):
        exc = warmup.IndexWarming(warmup.WarmingStatus(3, 10, 7))
    assert isinstance(exc, runtime.MatchingUnavailable)
    assert exc.reason.startswith(WARMING) and warmup.is_warming(exc.reason)
    assert not warmup.is_warming("the model directory is missing")


# --- a real background build on a database of the test's own --------------------------------


@pytest.fixture
def own_app(tmp_path, monkeypatch, encoders):
    url = f"sqlite:///{tmp_path / 'warm.db'}"
    app = build_app(url, tmp_path / "instance")
    app.test_client_class = CSRFClient
    monkeypatch.setattr(db, "session", db._make_scoped_session({}))
    yield app
    db.session.remove()
    with app.app_context():
        db.engine.dispose()


def test_the_background_build_serves_the_list_once_ready(own_app, encoders, monkeypatch):
    with own_app.app_context():
        department = make_org(OrgKind.DEPARTMENT)
        staff = make_user(Role.DEPARTMENT, org=department)
        need = add_need("bus_en", org=department)
        bus = add_seed("bus_en")
        encode(encoders, need, bus)
        db.session.commit()
        need_id, bus_id, staff_id = need.id, bus.id, staff.get_id()
        db.session.remove()

    release = threading.Event()
    original = MatchIndex.load_all
    in_requests = []

    def slow_load_all(self, session):
        in_requests.append(threading.current_thread() is threading.main_thread())
        assert release.wait(30)
        original(self, session)

    monkeypatch.setattr(MatchIndex, "load_all", slow_load_all)
    client = own_app.test_client()
    with client.session_transaction() as sess:
        sess["_user_id"], sess["_fresh"], sess["lang"] = staff_id, True, "en"

    assert warmup.start(own_app)
    assert not warmup.start(own_app)  # one build at a time
    first = client.get(f"/needs/{need_id}").get_data(as_text=True)
    assert WARMING in first and ranked_ids(first) == []
    assert client.get("/healthz").get_json()["checks"]["matcher"]["index"] == "warming"

    release.set()
    runtime.state(own_app).building.join(30)
    assert in_requests == [False]  # built in the thread, never in a request
    html = client.get(f"/needs/{need_id}").get_data(as_text=True)
    assert ranked_ids(html) == [bus_id] and WARMING not in html
    index = runtime.state(own_app).index
    assert index.size(NEED) == 1 and index.size(SEED) == 1
    health = client.get("/healthz").get_json()["checks"]["matcher"]
    assert health["index"] == "ready" and health["index_revision"] == index.revision


def test_a_failed_build_is_retried_after_a_pause(own_app, monkeypatch, caplog):
    def broken(self, session):
        raise RuntimeError("database went away")

    original = MatchIndex.load_all
    monkeypatch.setattr(MatchIndex, "load_all", broken)
    # another app's logging set-up may have disabled the logger (as in test_web.py)
    monkeypatch.setattr(logging.getLogger("matchmaker.matching"), "disabled", False)
    caplog.set_level(logging.ERROR, logger="matchmaker.matching")
    assert warmup.start(own_app)
    runtime.state(own_app).building.join(30)
    current = runtime.state(own_app)
    assert current.index is None and current.failed_at is not None
    assert not warmup.start(own_app)  # not again at once
    assert "building the match index failed" in caplog.text
    current.failed_at -= warmup.RETRY_FAILED_BUILD_S
    monkeypatch.setattr(MatchIndex, "load_all", original)
    assert warmup.start(own_app)
    current.building.join(30)
    assert current.index is not None and current.failed_at is None


# --- refits of a served worker ----------------------------------------------------------------


@pytest.fixture
def served(app):
    """The index of this app as a served worker holds it: built, warm-up on, refits deferred."""
    index = runtime.get_index()
    index.defer_refit = True
    current = runtime.state(app)
    current.warmup = True
    yield index
    if current.refitting is not None:
        current.refitting.join(30)
    current.warmup = False
    runtime.reset_index(app)


def test_a_served_worker_refits_in_a_thread_not_in_the_request(app, corpus, served, monkeypatch):
    threads = []
    original = served.refit_lexical

    def recorded():
        threads.append(threading.current_thread())
        return original()

    monkeypatch.setattr(served, "refit_lexical", recorded)
    seed = add_seed("pay_en", title="Zorbulator for snow removal", summary="Zorbulator ploughs.")
    encode(corpus.encoders, seed)
    with app.test_request_context():
        assert warmup.ready_index(app) is served
    refitting = runtime.state(app).refitting
    assert refitting is not None
    refitting.join(30)
    assert threads == [refitting]  # not the request's thread
    seeds = served.rankers[SEED]
    assert seeds.lexical.scores(["zorbulator"])["word"][0][seeds.row_of[seed.id]] > 0
    assert not served.refit_due and seeds.lexical.word is served.rankers[NEED].lexical.word


def test_a_refit_overtaken_by_a_change_is_dropped_and_stays_due(app, corpus, served, monkeypatch):
    original = LexicalScorer.fit_sides

    def fit_while_a_change_lands(self, sides):
        served.generation += 1  # a request loaded a change while the fit ran
        return original(self, sides)

    monkeypatch.setattr(LexicalScorer, "fit_sides", fit_while_a_change_lands)
    before = served.rankers[SEED].lexical
    served.refit_due = True
    assert served.refit_lexical() is False
    assert served.rankers[SEED].lexical is before and served.refit_due


def test_the_review_queue_says_so_too(client, login_as, corpus, warming):
    login_as(Role.COORDINATOR)
    response = client.get(f"/needs/{corpus.needs['bus_en'].id}/review-queue")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert WARMING in html and "data-refresh-after" in html and "js/refresh.js" in html
    assert "Matching is unavailable" not in html
