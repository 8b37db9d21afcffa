"""One pass of the load run on one database: build it, serve it, warm it, measure, count."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import traceback
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

from sqlalchemy.exc import SQLAlchemyError

from matchmaker import create_app
from matchmaker.extensions import db
from matchmaker.loadtest.builder import build
from matchmaker.loadtest.corpus import Corpus
from matchmaker.loadtest.databases import free_port, postgres_target, sqlite_target
from matchmaker.loadtest.proposals import count_in_database, run_proposals
from matchmaker.loadtest.report import DatabaseResult
from matchmaker.loadtest.scenarios import (
    SEARCH_TERMS,
    Context,
    choose_trivial_path,
    phases,
    run_login,
    run_pages,
    warm_up,
)
from matchmaker.loadtest.server import Server
from matchmaker.loadtest.vectors import SampleVectors

STALE_CHECK_SEEDS = 2000


@dataclass
class Options:
    database: str = "both"
    needs: int = 10_000
    seeds: int = 100_000
    users: int = 20
    duration: float = 20.0  # per scenario, capacity phase (no think time)
    think_min: float = 1.0  # each simulated user reads 1-5 s before its next request,
    think_max: float = 5.0  # as locust's `between(1, 5)`; 0 and 0: back to back only
    think_duration: float = 40.0  # per scenario, users phase (the targets apply)
    workers: int = 4
    providers: int = 200
    logins: int = 1000
    output: str = "bench/load.md"
    json: str | None = None
    pg_url: str | None = None
    data: str | None = None
    encode_sample: int = 2400
    cache: str | None = None
    matching_config: str | None = None
    host: str = "127.0.0.1"
    warmup_timeout: float = 3600.0
    warmup_concurrency: int = 2
    worker_timeout: int | None = 1200
    deadline: float = 60.0
    max_requests: int = 100_000
    seed: int = 7
    progress: bool = True


def _build_app(url: str, instance: Path, options: Options):
    settings = {
        "ENV": "development",
        "TESTING": True,  # no background model loading in the builder's process
        "SECRET_KEY": "load-run-builder",
        "DATABASE_URL": url,
        "INSTANCE_PATH": str(instance),
        "UPLOAD_DIR": str(instance / "uploads"),
    }
    if options.matching_config:
        settings["MATCHMAKER_MATCHING_CONFIG"] = options.matching_config
    return create_app(settings)


def _search_hits() -> dict[str, int]:
    from matchmaker.needs.queries import NeedFilters, search_needs

    return {term: search_needs(NeedFilters(q=term), 1, 1).total for term in SEARCH_TERMS}


def _stale(data, vectors: SampleVectors) -> int:
    """Records `flask match reindex` would encode again (must be 0: vectors and sentences are
    current)."""
    from matchmaker.matching.store import plan_sync

    encoders = {
        s: SimpleNamespace(name=vectors.models[s], dim=vectors.dims[s]) for s in vectors.models
    }
    seed_ids = range(1, min(STALE_CHECK_SEEDS, data.counts["seeds"]) + 1)
    needs = plan_sync(db.session, "need", data.need_ids, encoders)
    seeds = plan_sync(db.session, "seed", seed_ids, encoders)
    db.session.rollback()
    # vectors and the explanations' sentence vectors: neither may be encoded at request time
    return sum(len(p.encoded_ids) + len(p.sentences) for p in (needs, seeds))


def _timeout_note(warm_up: dict, options: Options) -> list[str]:
    """Say when the run's --timeout was needed: the serving default would kill the workers."""
    import matchmaker.serving as serving

    slowest = max(warm_up["first_match_ms_per_worker"] or [0]) / 1000
    if not options.worker_timeout or slowest <= serving.timeout:
        return []
    return [
        f"The slowest first match list took {slowest:.0f} s inside its worker: with "
        f"matchmaker.serving's timeout of {serving.timeout} s gunicorn kills a sync worker that "
        "long in one request (WORKER TIMEOUT), before it can answer, and the next worker starts "
        f"over; this run therefore serves with --timeout {options.worker_timeout}."
    ]


def _worker_class(server: Server) -> str:
    found = re.search(r"Using worker: ([\w.]+)", server.tail(lines=10**9))
    return found.group(1) if found else "?"


def run_database(
    kind: str, options: Options, corpus: Corpus, vectors: SampleVectors, workdir: Path
) -> DatabaseResult:
    result = DatabaseResult(kind, load_before=os.getloadavg())
    instance = workdir / kind
    instance.mkdir(parents=True, exist_ok=True)
    try:
        target = sqlite_target(instance) if kind == "sqlite" else postgres_target(options.pg_url)
    except (OSError, subprocess.SubprocessError, SQLAlchemyError) as exc:
        # reported as this database's failure: the other database's figures still get written
        result.failure = f"could not set up the {kind} database: {exc}"
        return result
    server = app = ctx = None
    try:
        result.note, result.version = target.note, target.version()
        app = _build_app(target.url, instance, options)
        with app.app_context():
            from flask_migrate import upgrade

            upgrade()
            data = build(
                corpus,
                vectors,
                needs=options.needs,
                seeds=options.seeds,
                department_users=max(options.users, 1),
                providers=options.providers,
                logins=options.logins,
                seed=options.seed,
                progress=options.progress,
            )
            result.search_hits = _search_hits()
            stale = _stale(data, vectors)
        result.build_seconds, result.counts, result.languages = (
            data.seconds,
            data.counts,
            data.languages,
        )
        result.notes.append(
            f"Stored vectors checked against the records' texts: {stale} of "
            f"{len(data.need_ids)} needs and the first {min(STALE_CHECK_SEEDS, options.seeds)} "
            "seeds would be encoded again (vectors or sentences) by `flask match reindex`."
        )
        server = Server(
            target.url,
            instance / "server",
            options.host,
            free_port(),
            options.workers,
            options.matching_config,
            options.worker_timeout,
        )
        server.start()
        _say(f"{kind}: built in {data.seconds:.0f} s; starting gunicorn")
        server.wait_ready("/login")
        ctx = Context(
            server,
            data,
            options.users,
            options.duration,
            options.max_requests,
            phases=phases(
                (options.think_min, options.think_max), options.duration, options.think_duration
            ),
            seed=options.seed,
        )
        choose_trivial_path(ctx)
        _say(f"{kind}: server up ({server.config_used}); warming {options.workers} workers")
        result.warm_up = warm_up(ctx, options.warmup_timeout, options.warmup_concurrency)
        _say(f"{kind}: warm after {result.warm_up['seconds']} s; measuring")
        result.notes += _timeout_note(result.warm_up, options)
        run_pages(ctx)
        _say(f"{kind}: pages measured; proposals at the deadline")
        with app.app_context():  # the deadline is moved and the proposals counted directly
            result.proposals = run_proposals(ctx, options.deadline)
            count_in_database(result.proposals, data.call_id, data.accounts.providers)
        # last: failed sign-ins count towards the per-IP limit, which would lock the providers
        # (every simulated user comes from 127.0.0.1) out of their setup sign-ins
        _say(f"{kind}: login")
        run_login(ctx)
    except Exception as exc:
        traceback.print_exc()
        result.failure = f"{type(exc).__name__}: {exc}"
        if server is not None:
            result.notes.append("Server log, last messages: " + server.last_messages(5))
    finally:
        if ctx is not None:  # what was measured before a failure is reported too
            result.rows, result.notes = ctx.rows + ctx.setup_rows, result.notes + ctx.notes
        if server is not None:
            _say(f"{kind}: stopping gunicorn")
            server.stop()
            result.server = {**server.problems(), "worker class": _worker_class(server)}
            result.server["config"] = server.config_used
        if app is not None:
            with app.app_context():
                db.engine.dispose()
        target.close()
        result.load_after = os.getloadavg()
    return result


def _say(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)
