"""Gunicorn settings for `make serve`: `gunicorn --config python:matchmaker.serving`.

Every value can be changed without editing this file: MATCHMAKER_* variables (environment or
`.env`) or gunicorn's own command-line options, which win over this module.

The application code is imported once in the master and forked into the workers (preload:
faster start, shared memory), but nothing with state crosses the fork: no database connection
is opened while the app is built (checked in `when_ready`, and each worker drops any inherited
pool in `post_fork`), and no thread is started: each worker, once forked and initialised
(`post_worker_init`), loads the embedding models and builds its match index in a background
thread. Until that is done, match sections say "Matches are being prepared" and refresh, and
/healthz reports the matcher's index as "warming"; no request waits minutes for a build that
the worker timeout would kill.
Workers stay consistent with each other through the index revision stamp in the database:
each ranking first compares its in-memory revision with the stored one and reloads what moved.
"""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path

from dotenv import load_dotenv
from gunicorn import glogging

from matchmaker.common.logs import JsonFormatter, choose_format, redact
from matchmaker.config import ROOT

load_dotenv(ROOT / ".env", override=False)


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    return int(raw) if raw else default


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


LOG_FORMAT = choose_format(
    os.environ.get("MATCHMAKER_LOG_FORMAT"), os.environ.get("MATCHMAKER_ENV", "development")
)

proc_name = "matchmaker"
bind = os.environ.get("MATCHMAKER_BIND", "127.0.0.1:5000")
workers = _int("MATCHMAKER_WORKERS", 2 * _cores())
threads = _int("MATCHMAKER_THREADS", 1)  # more than 1: gthread workers sharing one index
worker_class = "gthread" if threads > 1 else "sync"
# requests never build the match index (a background thread does, see post_worker_init)
timeout = _int("MATCHMAKER_TIMEOUT", 60)
graceful_timeout = _int("MATCHMAKER_GRACEFUL_TIMEOUT", 30)
keepalive = _int("MATCHMAKER_KEEPALIVE", 5)
# off by default: a recycled worker reloads models and index; set it to bound slow leaks
max_requests = _int("MATCHMAKER_MAX_REQUESTS", 0)
max_requests_jitter = _int("MATCHMAKER_MAX_REQUESTS_JITTER", max_requests // 10)
preload_app = os.environ.get("MATCHMAKER_PRELOAD", "1") != "0"
# X-Forwarded-Proto and friends are believed only from these addresses (a local proxy)
forwarded_allow_ips = os.environ.get("MATCHMAKER_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
proxy_allow_ips = forwarded_allow_ips
# several servers on one machine (tests, the load run) must not share gunicorn's control socket
control_socket_disable = True
# heartbeat files in memory, so a slow disk kills no worker (gunicorn creates them with mkstemp)
SHM = "/dev/shm"  # noqa: S108
if Path(SHM).is_dir():
    worker_tmp_dir = SHM
accesslog = "-"  # stdout
errorlog = "-"  # stderr, beside the app's own records
loglevel = os.environ.get("MATCHMAKER_GUNICORN_LOGLEVEL", "info")

ACCESS_TEXT = (
    '%(remote_addr)s "%(method)s %(path)s" %(status)s %(bytes)s %(duration_ms)sms '
    "[%(request_id)s] pid=%(process)d"
)


class Logger(glogging.Logger):
    """Gunicorn's error and access logs in the app's format: one JSON object per line in
    production; the access line carries the request id the app put in X-Request-Id."""

    def setup(self, cfg):
        super().setup(cfg)
        for handler in self.error_log.handlers + self.access_log.handlers:
            if LOG_FORMAT == "json":
                handler.setFormatter(JsonFormatter())
        if LOG_FORMAT != "json":
            for handler in self.access_log.handlers:
                handler.setFormatter(logging.Formatter(ACCESS_TEXT))

    def access(self, resp, req, environ, request_time):
        if not self.access_log_enabled:
            return
        status = resp.status.split(None, 1)[0] if isinstance(resp.status, str) else resp.status
        headers = {name.lower(): value for name, value in (resp.headers or [])}
        method, path = environ.get("REQUEST_METHOD", "-"), redact(environ.get("PATH_INFO", ""))
        self.access_log.info(
            "%s %s %s",
            method,
            path,
            status,
            extra={
                "request_id": headers.get("x-request-id") or "-",
                "method": method,
                "path": path,  # never the query string: it may carry a token
                "status": int(status) if str(status).isdigit() else status,
                "duration_ms": round(request_time.total_seconds() * 1000, 1),
                "bytes": getattr(resp, "sent", None) or 0,
                "remote_addr": environ.get("REMOTE_ADDR", "-"),
            },
        )


logger_class = Logger


def flask_app(server):
    """The preloaded Flask app, or None when each worker loads it itself."""
    app = getattr(server.app, "callable", None)
    return app if hasattr(app, "app_context") else None


def fork_hazards(app) -> list[str]:
    """What would be unsafe to fork: threads, open database connections, loaded models."""
    from matchmaker.extensions import db
    from matchmaker.matching import runtime

    hazards = []
    others = [t.name for t in threading.enumerate() if t is not threading.main_thread()]
    if others:
        hazards.append(f"threads running before fork: {', '.join(others)}")
    with app.app_context():
        for engine in db.engines.values():
            pool = engine.pool
            opened = (
                getattr(pool, "checkedout", lambda: 0)() + getattr(pool, "checkedin", lambda: 0)()
            )
            if opened:
                hazards.append(f"{opened} database connection(s) opened before fork")
        loaded, _problem = runtime.models_state(runtime.config_path(app))
        if loaded:
            hazards.append("matching models loaded before fork")
    return hazards


def when_ready(server):
    app = flask_app(server)
    for hazard in fork_hazards(app) if app is not None else []:
        server.log.error("unsafe to fork: %s", hazard)
    server.log.info(
        "Matchmaker serving with %d %s worker(s), preload=%s",
        server.num_workers,
        worker_class,
        preload_app,
    )


def post_fork(server, worker):
    """A worker never reuses a connection the master may hold (SQLAlchemy's fork recipe)."""
    app = flask_app(server)
    if app is None:
        return
    from matchmaker.extensions import db

    with app.app_context():
        for engine in db.engines.values():
            engine.dispose(close=False)


def post_worker_init(worker):
    """Start building the match index as soon as the worker runs, not on its first request."""
    app = getattr(worker, "wsgi", None)
    if not hasattr(app, "app_context") or app.testing:
        return
    from matchmaker.matching import runtime, warmup

    if runtime.check_configuration(runtime.config_path(app)) is None:
        warmup.start(app)
