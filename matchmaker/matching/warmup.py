"""Building a worker's index in the background: at 100,000 seeds a full load takes minutes,
longer than gunicorn lets a request run, so no request ever waits for one. Until the index is
ready, rankings raise IndexWarming and pages say how far the build is."""

from __future__ import annotations

import logging
import threading
import time

from flask import Flask
from flask_babel import gettext as _

from matchmaker.extensions import db
from matchmaker.matching import runtime

log = logging.getLogger("matchmaker.matching")

RETRY_AFTER_S = 15  # how soon a page or an API client should ask again
RETRY_FAILED_BUILD_S = 30  # a build that failed (database down) is not restarted sooner


class WarmingStatus(str):
    """The reason shown while the index is built, with its numbers for the page."""

    done: int
    total: int
    seconds: int
    retry_after: int

    def __new__(cls, done: int, total: int, seconds: int) -> WarmingStatus:
        if total:
            done_text, total_text = format(done, ","), format(total, ",")
            text = _(
                "Matches are being prepared (%(done)s of %(total)s records loaded, started "
                "%(seconds)s s ago); this page refreshes by itself.",
                done=done_text,
                total=total_text,
                seconds=seconds,
            )
        else:
            text = _(
                "Matches are being prepared (loading the models, started %(seconds)s s ago); "
                "this page refreshes by itself.",
                seconds=seconds,
            )
        status = super().__new__(cls, text)
        status.done, status.total, status.seconds = done, total, seconds
        status.retry_after = RETRY_AFTER_S
        return status


class IndexWarming(runtime.MatchingUnavailable):
    """The index of this process is being built in the background; try again shortly."""

    def __init__(self, status: WarmingStatus):
        super().__init__(status)
        self.status = status


def is_warming(value) -> bool:
    """Jinja test: `result.unavailable is matcher_warming`."""
    return isinstance(value, WarmingStatus)


def start(app: Flask) -> bool:
    """Build this app's index in a thread unless one is ready or being built; from now on
    requests of this app never build it themselves. True when a build was started."""
    current = runtime.state(app)
    with current.lock:
        current.warmup = True
        if current.index is not None or current.building is not None:
            return False
        if current.failed_at and time.monotonic() - current.failed_at < RETRY_FAILED_BUILD_S:
            return False
        current.started = time.monotonic()
        current.building = threading.Thread(
            target=_build, args=(app,), name="matchmaker-index-warmup", daemon=True
        )
        current.building.start()
        return True


def _build(app: Flask) -> None:
    from matchmaker.matching.index import MatchIndex

    current = runtime.state(app)
    started = time.monotonic()
    try:
        with app.app_context():
            try:
                encoders = runtime.get_encoders(current.config_path)
                index = MatchIndex(encoders, runtime.matching_config(current.config_path))
                index.defer_refit = True
                current.pending = index
                index.refresh(db.session)
            finally:
                db.session.remove()
        with current.lock:
            current.index, current.failed_at = index, None
        log.info(
            "match index ready in %.1f s: %d needs, %d seeds",
            time.monotonic() - started,
            index.size("need"),
            index.size("seed"),
        )
    except runtime.MatchingUnavailable:
        pass  # logged once by get_encoders; rankings raise it from the recorded failure
    except Exception:  # never kill the worker: the next ranking after a pause tries again
        current.failed_at = time.monotonic()
        log.exception("building the match index failed; retrying on a later request")
    finally:
        with current.lock:
            current.building, current.pending = None, None


def start_refit(app: Flask, index) -> bool:
    """Refit the shared TF-IDF in a thread: at 100,000 seeds it takes minutes; rankings keep
    the fitted vocabulary meanwhile. True when a refit was started."""
    current = runtime.state(app)
    with current.lock:
        if current.refitting is not None:
            return False
        current.refitting = threading.Thread(
            target=_refit, args=(app, index), name="matchmaker-index-refit", daemon=True
        )
        current.refitting.start()
        return True


def _refit(app: Flask, index) -> None:
    current = runtime.state(app)
    try:
        started = time.monotonic()
        if index.refit_lexical():
            log.info("match index refitted in %.1f s", time.monotonic() - started)
    except Exception:  # never kill the worker: the vocabulary in use stays valid
        log.exception("refitting the match index failed; it stays due")
    finally:
        with current.lock:
            current.refitting = None


def status(app: Flask) -> WarmingStatus:
    current = runtime.state(app)
    progress = getattr(current.pending, "progress", None) or {}
    seconds = int(time.monotonic() - (current.started or time.monotonic()))
    return WarmingStatus(progress.get("done", 0), progress.get("total", 0), seconds)


def ready_index(app: Flask):
    """The index when it is ready (brought up to the database's revision); IndexWarming while
    it is built; MatchingUnavailable when the models cannot be used."""
    current = runtime.state(app)
    problem = runtime._failures.get(current.config_path)  # no lock: a model load holds it
    if problem and current.building is None:
        raise runtime.MatchingUnavailable(problem)
    index = current.index
    if index is not None:
        from matchmaker.matching.store import current_revision

        revision, stamp = current_revision(db.session)
        if not index.needs_full_load(revision, stamp):
            index.refresh(db.session)
            if index.refit_due:
                start_refit(app, index)
            return index
        with current.lock:  # the counter went back (a restore): build again, in the background
            if current.index is index:
                current.index = None
    start(app)
    raise IndexWarming(status(app))
