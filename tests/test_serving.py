"""`make serve` for real: gunicorn with two workers on a database of the test's own, the
production settings module (JSON logs, preload, post-fork engine reset) and small fake encoders.
Both workers answer the probes, and an edit committed by another process reaches the match
list and the index of every worker; SIGTERM stops the server cleanly."""

from __future__ import annotations

import importlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
import requests

from matchmaker import create_app, serving
from matchmaker.accounts.models import OrgKind, Role
from matchmaker.extensions import db
from matchmaker.matching import runtime
from matchmaker.matching.config import DEFAULT_PATH
from matchmaker.matching.records import NEED, SEED
from matchmaker.matching.store import current_revision, sync
from tests.conftest import build_app
from tests.factories import make_need, make_org, make_seed, make_user
from tests.ops.fakes import fake_encoders
from tests.ops.own_database import committing_session, own_database

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = Path(sys.executable).with_name("gunicorn")
SECRET = "test-secret-key"
DEADLINE_S = 60  # cold imports on a busy CI machine; a quiet one starts in about 10 s

needs_gunicorn = pytest.mark.skipif(not GUNICORN.exists(), reason="gunicorn is not installed")
SETTINGS_ENV = (
    "MATCHMAKER_WORKERS",
    "MATCHMAKER_THREADS",
    "MATCHMAKER_TIMEOUT",
    "MATCHMAKER_MAX_REQUESTS",
    "MATCHMAKER_MAX_REQUESTS_JITTER",
    "MATCHMAKER_PRELOAD",
    "MATCHMAKER_FORWARDED_ALLOW_IPS",
    "MATCHMAKER_LOG_FORMAT",
    "MATCHMAKER_ENV",
)


@pytest.fixture
def reloaded_settings(monkeypatch):
    """matchmaker.serving read again under the test's environment, restored afterwards."""
    for name in SETTINGS_ENV:
        monkeypatch.delenv(name, raising=False)
    yield lambda: importlib.reload(serving)
    monkeypatch.undo()
    importlib.reload(serving)


def test_defaults_suit_a_first_deploy(reloaded_settings):
    settings = reloaded_settings()
    assert settings.workers == 2 * len(os.sched_getaffinity(0))
    assert settings.worker_class == "sync" and settings.threads == 1
    assert settings.timeout == 60 and settings.graceful_timeout == 30
    assert settings.max_requests == 0  # a recycled worker reloads models and index
    assert settings.forwarded_allow_ips == settings.proxy_allow_ips == "127.0.0.1,::1"
    assert settings.preload_app is True and settings.control_socket_disable is True
    assert settings.accesslog == "-" and settings.errorlog == "-"
    assert settings.logger_class is settings.Logger
    assert settings.LOG_FORMAT == "text"  # development, unless MATCHMAKER_ENV=production


def test_settings_follow_the_environment(reloaded_settings, monkeypatch):
    monkeypatch.setenv("MATCHMAKER_WORKERS", "3")
    monkeypatch.setenv("MATCHMAKER_THREADS", "4")
    monkeypatch.setenv("MATCHMAKER_MAX_REQUESTS", "1000")
    monkeypatch.setenv("MATCHMAKER_FORWARDED_ALLOW_IPS", "10.0.0.5")
    monkeypatch.setenv("MATCHMAKER_ENV", "production")
    settings = reloaded_settings()
    assert (settings.workers, settings.threads, settings.worker_class) == (3, 4, "gthread")
    assert (settings.max_requests, settings.max_requests_jitter) == (1000, 100)
    assert settings.forwarded_allow_ips == "10.0.0.5"
    assert settings.LOG_FORMAT == "json"


def test_the_access_line_is_json_with_the_request_id_and_no_query(
    reloaded_settings, monkeypatch, capsys
):
    from gunicorn.config import Config

    monkeypatch.setenv("MATCHMAKER_LOG_FORMAT", "json")
    settings = reloaded_settings()
    config = Config()
    config.set("accesslog", "-")
    logger = settings.Logger(config)
    response = SimpleNamespace(status="503 SERVICE UNAVAILABLE", headers=[("X-Request-Id", "r1")])
    response.sent = 42
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/login",
        "QUERY_STRING": "token=s3cret",
        "REMOTE_ADDR": "127.0.0.1",
    }
    logger.access(response, None, environ, timedelta(milliseconds=12.5))
    (line,) = capsys.readouterr().out.splitlines()
    entry = json.loads(line)
    assert entry["logger"] == "gunicorn.access" and entry["request_id"] == "r1"
    assert (entry["method"], entry["path"], entry["status"]) == ("POST", "/login", 503)
    assert entry["duration_ms"] == 12.5 and entry["bytes"] == 42 and entry["pid"] == os.getpid()
    assert "s3cret" not in line


def test_a_worker_starts_building_its_index_before_any_request(tmp_path, monkeypatch):
    started = []
    monkeypatch.setattr("matchmaker.matching.warmup.start", started.append)
    app = create_app(
        {
            "ENV": "production",
            "SECRET_KEY": SECRET,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'warm.db'}",
            "INSTANCE_PATH": str(tmp_path),
        }
    )
    serving.post_worker_init(SimpleNamespace(wsgi=app))
    assert started == [app]
    app.testing = True  # tests keep building synchronously, inside the ranking
    serving.post_worker_init(SimpleNamespace(wsgi=app))
    assert started == [app]


def test_a_built_app_is_safe_to_fork_and_workers_drop_inherited_connections(tmp_path):
    config = tmp_path / "matching.json"  # a configuration whose models no test has loaded
    shutil.copy(DEFAULT_PATH, config)
    app = create_app(
        {
            "ENV": "testing",
            "TESTING": True,
            "SECRET_KEY": SECRET,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'fork.db'}",
            "INSTANCE_PATH": str(tmp_path),
            "MATCHMAKER_MATCHING_CONFIG": str(config),
        }
    )
    unsafe = [h for h in serving.fork_hazards(app) if not h.startswith("threads")]
    assert unsafe == []  # (pytest's own threads are not the app's)
    with app.app_context():
        db.engine.connect().close()
        assert db.engine.pool.checkedin() == 1
    assert any("database connection" in h for h in serving.fork_hazards(app))
    server = SimpleNamespace(app=SimpleNamespace(callable=app))
    serving.post_fork(server, None)
    with app.app_context():
        assert db.engine.pool.checkedin() == 0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    process: subprocess.Popen
    base: str
    folder: Path
    cookie: str

    def get(self, path: str, **headers) -> tuple[str, requests.Response]:
        request_id = uuid.uuid4().hex[:16]
        response = requests.get(
            self.base + path,
            headers={"X-Request-Id": request_id, "Cookie": f"session={self.cookie}", **headers},
            timeout=30,
        )
        return request_id, response

    def access_lines(self) -> list[dict]:
        text = (self.folder / "stdout.log").read_text(encoding="utf-8")
        return [json.loads(line) for line in text.splitlines()]

    def pids(self, request_ids: list[str]) -> dict[str, int]:
        """The worker that answered each request, from gunicorn's JSON access log."""
        deadline = time.monotonic() + 10
        while True:
            found = {r["request_id"]: r["pid"] for r in self.access_lines()}
            if all(rid in found for rid in request_ids) or time.monotonic() > deadline:
                return {rid: found[rid] for rid in request_ids}
            time.sleep(0.1)

    def from_every_worker(self, path: str, workers: int = 2) -> list[tuple[int, requests.Response]]:
        """Ask concurrently until each worker has answered at least once."""
        answers: list[tuple[int, requests.Response]] = []
        deadline = time.monotonic() + 20
        with ThreadPoolExecutor(4) as pool:
            while len({pid for pid, _ in answers}) < workers:
                assert time.monotonic() < deadline, f"only {answers} answered {path}"
                batch = list(pool.map(lambda _: self.get(path), range(8)))
                pids = self.pids([rid for rid, _ in batch])
                answers += [(pids[rid], response) for rid, response in batch]
        return answers

    def wait_for_every_index(self, workers: int = 2) -> None:
        """Until each worker reports on /healthz that its background build is done."""
        ready: set[int] = set()
        deadline = time.monotonic() + DEADLINE_S
        while len(ready) < workers:
            assert time.monotonic() < deadline, f"only workers {ready} built their index"
            for _pid, response in self.from_every_worker("/healthz", workers):
                matcher = response.json()["checks"]["matcher"]
                if matcher["index"] == "ready":
                    ready.add(matcher["worker"])
            time.sleep(0.1)


def seed_and_encode(encoders, title: str) -> int:
    seed = make_seed(title=title, language="en", policy_areas=("disaster_prevention",))
    sync(db.session, SEED, [seed.id], encoders)
    db.session.commit()
    return seed.id


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """A need, a first seed, a coordinator, all committed with stored (fake) vectors."""
    folder = tmp_path_factory.mktemp("serving")
    with own_database(folder, "serving") as url:
        app = build_app(url, folder / "instance", SECRET_KEY=SECRET)
        with committing_session(), app.app_context():
            encoders = fake_encoders(runtime.config_path(app))
            department = make_org(OrgKind.DEPARTMENT)
            need = make_need(
                org=department,
                title="Flood warnings for small rivers",
                summary="Sensors and forecasts that warn residents before small rivers flood.",
                language="en",
                policy_areas=("disaster_prevention",),
            )
            coordinator = make_user(Role.COORDINATOR)
            sync(db.session, NEED, [need.id], encoders)
            db.session.commit()
            first = seed_and_encode(encoders, "River level radar network")
            with app.test_request_context():
                cookie = app.session_interface.get_signing_serializer(app).dumps(
                    {"_user_id": coordinator.get_id(), "_fresh": True, "lang": "en"}
                )
            facts = {"need": need.id, "first": first, "cookie": cookie, "user": coordinator.id}
        yield app, url, folder, encoders, facts
        with app.app_context():
            db.engine.dispose()


@pytest.fixture(scope="module")
def server(world):
    app, url, folder, _encoders, facts = world
    env = {
        **os.environ,
        "MATCHMAKER_ENV": "production",
        "MATCHMAKER_SECRET_KEY": SECRET,
        "MATCHMAKER_DATABASE_URL": url,
        "MATCHMAKER_INSTANCE_PATH": str(folder / "instance"),
        "MATCHMAKER_UPLOAD_DIR": app.config["UPLOAD_DIR"],
        "MATCHMAKER_LOG_FORMAT": "json",
        "HF_HUB_OFFLINE": "1",
    }
    port = free_port()
    command = [
        str(GUNICORN),
        "--config",
        "python:tests.ops.gunicorn_fakes",
        "--workers",
        "2",
        "--bind",
        f"127.0.0.1:{port}",
        "matchmaker:create_app()",
    ]
    with open(folder / "stdout.log", "wb") as out, open(folder / "stderr.log", "wb") as err:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=err)  # noqa: S603
    served = Server(process, f"http://127.0.0.1:{port}", folder, facts["cookie"])
    try:
        deadline = time.monotonic() + DEADLINE_S
        while True:
            assert process.poll() is None, (folder / "stderr.log").read_text()[-3000:]
            assert time.monotonic() < deadline, "gunicorn did not answer /livez in time"
            try:
                if requests.get(served.base + "/livez", timeout=2).status_code == 200:
                    break
            except requests.ConnectionError:
                time.sleep(0.2)
        yield served
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


@needs_gunicorn
def test_two_workers_serve_probes_and_see_each_others_edits(world, server):
    app, _url, folder, encoders, facts = world
    health = server.from_every_worker("/healthz")
    for _pid, response in health:
        assert response.status_code == 200 and response.headers["X-Request-Id"]
        body = response.json()
        assert body["status"] == "ok" and body["checks"]["matcher"]["models"] == "loaded"
        # post_worker_init started each worker's build: no request ever asked for it
        assert body["checks"]["matcher"]["index"] in ("warming", "ready")
    server.wait_for_every_index()

    need_page = f"/needs/{facts['need']}"
    for _pid, response in server.from_every_worker(need_page):
        assert response.status_code == 200
        assert f'href="/seeds/{facts["first"]}"' in response.text  # the match list is there

    with committing_session(), app.app_context():  # another process publishes a seed
        second = seed_and_encode(encoders, "Rain gauge alerts by SMS")
        revision = current_revision(db.session)[0]

    for _pid, response in server.from_every_worker(need_page):
        assert f'href="/seeds/{second}"' in response.text
    for _pid, response in server.from_every_worker("/healthz"):
        matcher = response.json()["checks"]["matcher"]
        assert matcher["revision"] == matcher["index_revision"] == revision

    server.process.send_signal(signal.SIGTERM)
    assert server.process.wait(timeout=30) == 0

    errors = (folder / "stderr.log").read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in errors]  # every line is one JSON object
    assert "Traceback" not in "\n".join(errors) and "unsafe to fork" not in "\n".join(errors)
    app_access = [r for r in records if r["logger"] == "matchmaker.access"]
    assert {r["path"] for r in app_access} >= {"/livez", "/healthz", need_page}
    assert all(r["user_id"] == facts["user"] for r in app_access if r["path"] == need_page)
    access = server.access_lines()
    assert access and all(r["logger"] == "gunicorn.access" and r["request_id"] for r in access)
    assert len({r["pid"] for r in access}) == 2
    assert facts["cookie"] not in "\n".join(errors) + json.dumps(access)
