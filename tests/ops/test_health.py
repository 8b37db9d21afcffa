"""/livez and /healthz: public, never cached, cheap (no model load, no index build), and
nothing in them that a visitor should not read."""

from __future__ import annotations

import pytest
from sqlalchemy import event

from matchmaker.extensions import db
from matchmaker.matching import runtime
from matchmaker.matching.store import bump_revision
from tests.ops.fakes import fake_encoders


@pytest.fixture
def statements(app):
    """SQL statements sent while the test runs."""
    seen: list[str] = []

    def record(_conn, _cursor, statement, *_args):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    yield seen
    event.remove(db.engine, "before_cursor_execute", record)


@pytest.fixture
def no_index(app):
    runtime.reset_index(app)
    yield
    runtime.reset_index(app)


def test_livez_answers_ok_without_touching_the_database(client, statements):
    response = client.get("/livez", headers={"X-Request-Id": "probe-1"})
    assert response.status_code == 200
    assert response.get_data(as_text=True) == "ok\n"
    assert response.mimetype == "text/plain"
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Request-Id"] == "probe-1"
    assert statements == []


def test_healthz_reports_each_check(app, client, no_index):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.headers["Cache-Control"] == "no-store"
    assert len(response.headers["X-Request-Id"]) == 16
    body = response.get_json()
    assert body["status"] == "ok"
    database, matcher = body["checks"]["database"], body["checks"]["matcher"]
    assert database["status"] == "ok" and database["duration_ms"] >= 0
    assert matcher["status"] == "ok"
    assert matcher["models"] in ("loaded", "loadable", "loading")
    assert isinstance(matcher["revision"], int)
    assert matcher["index_revision"] is None  # no ranking yet in this process
    text = response.get_data(as_text=True)
    assert app.secret_key not in text
    assert app.config["SQLALCHEMY_DATABASE_URI"] not in text


def test_healthz_loads_neither_the_models_nor_the_index(app, client, no_index, monkeypatch):
    def forbidden(*_args, **_kwargs):
        raise AssertionError("a health probe must stay cheap")

    monkeypatch.setattr(runtime, "get_encoders", forbidden)
    monkeypatch.setattr(runtime, "get_index", forbidden)
    assert client.get("/healthz").status_code == 200
    assert runtime.state(app).index is None


def test_healthz_shows_the_revision_this_process_has_loaded(app, client, no_index, monkeypatch):
    path = runtime.config_path(app)
    monkeypatch.setitem(runtime._encoders, path, fake_encoders(path))
    monkeypatch.delitem(runtime._failures, path, raising=False)
    revision = bump_revision(db.session)
    db.session.flush()
    with app.test_request_context():
        runtime.get_index()
    matcher = client.get("/healthz").get_json()["checks"]["matcher"]
    assert matcher["models"] == "loaded"
    assert matcher["revision"] == matcher["index_revision"] == revision


def test_healthz_is_503_when_the_models_cannot_be_loaded(app, client, monkeypatch):
    path = runtime.config_path(app)
    monkeypatch.delitem(runtime._encoders, path, raising=False)
    monkeypatch.setitem(runtime._failures, path, "model directory /srv/secret/model is missing")
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "fail"
    assert body["checks"]["database"]["status"] == "ok"
    assert body["checks"]["matcher"]["status"] == "fail"
    assert body["checks"]["matcher"]["models"] == "unavailable"
    assert "/srv/secret" not in response.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/livez", "/healthz"])
def test_probes_need_no_sign_in_and_accept_head(client, path):
    assert client.head(path).status_code == 200
    assert client.post(path, data={}, csrf=False).status_code == 405
