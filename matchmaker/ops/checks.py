"""Readiness checks behind /healthz: cheap enough to run every few seconds, so they reuse the
admin panel's database probe and the matcher's loaded-or-loadable state, never load a model
or the index, and report no exception text (the server log has the details).

A worker whose index is still being built in the background ("index": "warming") is ready:
200. Every page works meanwhile and match sections say they are being prepared, so a load
balancer that took a warming server out of rotation would turn a restart of the only server
into minutes of outage. Tooling that needs the matches themselves (the load test) waits until
each worker (the "worker" pid) reports "index": "ready"."""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass, field

from sqlalchemy.exc import SQLAlchemyError

from matchmaker.extensions import db
from matchmaker.main.health import database_reachable
from matchmaker.matching import runtime
from matchmaker.matching.store import current_revision

log = logging.getLogger("matchmaker.ops")


@dataclass
class Check:
    ok: bool
    details: dict = field(default_factory=dict)

    def as_json(self, started: float) -> dict:
        elapsed = round((time.perf_counter() - started) * 1000, 1)
        return {"status": "ok" if self.ok else "fail", **self.details, "duration_ms": elapsed}


def database_check() -> Check:
    return Check(database_reachable())


def index_state() -> dict:
    """This worker's index: "ready", "warming" (built in the background: the ranking pages say
    so and refresh) or "cold" (not built yet: no ranking asked for it, or a CLI process)."""
    current = runtime.state()
    index = current.index
    out: dict = {"worker": os.getpid(), "index_revision": getattr(index, "revision", None)}
    if index is not None:
        out["index"] = "ready"
    elif current.building is not None:
        progress = getattr(current.pending, "progress", None) or {}
        out["index"] = "warming"
        out["index_progress"] = {
            "done": progress.get("done", 0),
            "total": progress.get("total", 0),
            "seconds": round(time.monotonic() - (current.started or time.monotonic())),
        }
    else:
        out["index"] = "cold"
    return out


def matcher_check(database_ok: bool) -> Check:
    """Models loaded in this process, or loadable from local files; the revision stamp read;
    and the revision this process's index holds (null until its first ranking)."""
    path = runtime.config_path()
    loaded, problem = runtime.models_state(path)
    if problem is None and not loaded:
        problem = runtime.check_configuration(path)
    if loaded:
        models = "loaded"
    elif problem:
        models = "unavailable"
    else:
        models = "loading" if runtime._lock.locked() else "loadable"
    details: dict = {"models": models}
    if problem:
        log.warning("healthz: matching models unavailable: %s", problem)
    details.update(index_state())
    revision_ok = False
    if database_ok:
        try:
            details["revision"] = current_revision(db.session)[0]
            revision_ok = True
        except SQLAlchemyError:
            db.session.rollback()
            log.warning("healthz: the index revision cannot be read", exc_info=True)
    if not revision_ok:
        details["revision"] = None
    return Check(problem is None and revision_ok, details)


def readiness() -> tuple[bool, dict]:
    """(ready, the JSON body's checks)."""
    started = time.perf_counter()
    database = database_check()
    checks = {"database": database.as_json(started)}
    started = time.perf_counter()
    matcher = matcher_check(database.ok)
    checks["matcher"] = matcher.as_json(started)
    return database.ok and matcher.ok, checks
