"""`python -m matchmaker.loadtest`: options, data, vectors, one pass per database, the report."""

from __future__ import annotations

import argparse
import json
import os
import shlex
import signal
import sys
import tempfile
import time
from pathlib import Path

from matchmaker.config import ROOT
from matchmaker.loadtest.corpus import DataMissing, data_directory, load_corpus
from matchmaker.loadtest.databases import TargetRefused, is_loopback
from matchmaker.loadtest.report import (
    COLUMNS,
    as_json,
    machine_facts,
    table_rows,
    text_table,
    write_report,
)
from matchmaker.loadtest.rows import NEEDS_JA_SHARE, SEEDS_JA_SHARE
from matchmaker.loadtest.run import Options, run_database
from matchmaker.loadtest.vectors import SENTENCE_TEXTS, encode_sample, sample_sizes

# bounds: the run must stay a measurement, not something that can run away
LIMITS = {
    "needs": (1, 100_000),
    "seeds": (1, 1_000_000),
    "users": (1, 200),
    "duration": (0.5, 600),
    "think_min": (0, 60),
    "think_max": (0, 60),
    "think_duration": (0.5, 600),
    "workers": (1, 16),
    "providers": (1, 2000),
    "logins": (1, 20_000),
    "encode_sample": (4, 20_000),
    "warmup_timeout": (10, 7200),
    "warmup_concurrency": (1, 16),
    "worker_timeout": (0, 7200),
    "deadline": (5, 3600),
    "max_requests": (1, 1_000_000),
}


def parse_args(argv: list[str] | None = None) -> Options:
    defaults = Options()
    p = argparse.ArgumentParser(prog="python -m matchmaker.loadtest", description=__doc__)
    p.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="both")
    p.add_argument("--needs", type=int, default=defaults.needs)
    p.add_argument("--seeds", type=int, default=defaults.seeds)
    p.add_argument("--users", type=int, default=defaults.users, help="concurrent simulated users")
    p.add_argument("--duration", type=float, default=defaults.duration, help="seconds per scenario")
    p.add_argument(
        "--think-min",
        type=float,
        default=defaults.think_min,
        help="least seconds a simulated user waits after an answer (users phase)",
    )
    p.add_argument(
        "--think-max",
        type=float,
        default=defaults.think_max,
        help="most seconds a simulated user waits after an answer; 0: no users phase, only "
        "requests back to back",
    )
    p.add_argument(
        "--think-duration",
        type=float,
        default=defaults.think_duration,
        help="seconds per scenario of the users phase",
    )
    p.add_argument("--workers", type=int, default=defaults.workers, help="gunicorn workers")
    p.add_argument(
        "--providers",
        type=int,
        default=defaults.providers,
        help="providers submitting a proposal before the deadline",
    )
    p.add_argument(
        "--logins",
        type=int,
        default=defaults.logins,
        help="distinct accounts for the login scenario",
    )
    p.add_argument(
        "--deadline",
        type=float,
        default=defaults.deadline,
        help="seconds from the start of the submissions to the call's deadline",
    )
    p.add_argument(
        "--max-requests",
        type=int,
        default=defaults.max_requests,
        help="most iterations per scenario",
    )
    p.add_argument("--output", default=defaults.output)
    p.add_argument("--json", default=None, help="also write the figures as JSON to this file")
    p.add_argument(
        "--pg-url",
        default=None,
        help="PostgreSQL database for the run (default MATCHMAKER_LOAD_PG_URL, then "
        "a server on 127.0.0.1:5432, else a temporary server)",
    )
    p.add_argument(
        "--data",
        default=None,
        help="shared data (default MATCHMAKER_BENCH_DATA, then ../shared/data)",
    )
    p.add_argument(
        "--encode-sample",
        type=int,
        default=defaults.encode_sample,
        help="distinct texts encoded; their vectors are repeated to every record",
    )
    p.add_argument("--cache", default=None, help="vector cache (default bench/.cache)")
    p.add_argument(
        "--matching-config",
        default=None,
        help="matching configuration (default MATCHMAKER_MATCHING_CONFIG, models/)",
    )
    p.add_argument("--host", default=defaults.host, help="loopback address to serve on")
    p.add_argument(
        "--warmup-timeout",
        type=float,
        default=defaults.warmup_timeout,
        help="seconds to wait until every worker has answered a match list",
    )
    p.add_argument(
        "--warmup-concurrency",
        type=int,
        default=defaults.warmup_concurrency,
        help="match lists asked for at once while the workers build their indexes",
    )
    p.add_argument(
        "--worker-timeout",
        type=int,
        default=defaults.worker_timeout,
        help="gunicorn --timeout for the run (0: matchmaker.serving's own); a "
        "worker builds its index inside its first ranking",
    )
    p.add_argument("--seed", type=int, default=defaults.seed)
    p.add_argument("--no-progress", action="store_true")
    args = p.parse_args(argv)
    for name, (low, high) in LIMITS.items():
        value = getattr(args, name)
        if not low <= value <= high:
            p.error(f"--{name.replace('_', '-')} must be between {low} and {high}")
    if args.think_min > args.think_max:
        p.error("--think-min must not be more than --think-max")
    if not is_loopback(args.host):
        p.error(f"--host must be a loopback address (127.0.0.1, ::1, localhost), not {args.host}")
    if args.worker_timeout == 0:
        args.worker_timeout = None
    fields = {k: v for k, v in vars(args).items() if k in Options.__dataclass_fields__}
    return Options(**fields, progress=not args.no_progress)


def _say(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def _progress(total: int | None, desc: str, shown: bool):
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, unit="text", disable=not shown, leave=False)


def _stop(signum, _frame):
    raise SystemExit(128 + signum)  # unwinds: servers stopped, temporary databases removed


def main(argv: list[str] | None = None) -> int:
    options = parse_args(argv)
    signal.signal(signal.SIGTERM, _stop)
    started, load_start = time.perf_counter(), os.getloadavg()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    if options.matching_config:
        os.environ["MATCHMAKER_MATCHING_CONFIG"] = options.matching_config
    directory = data_directory(options.data)
    try:
        corpus = load_corpus(directory)
    except DataMissing as exc:
        _say(f"error: {exc}")
        return 2
    sizes = sample_sizes(corpus, options.encode_sample, NEEDS_JA_SHARE, SEEDS_JA_SHARE)
    _say(f"encoding {sum(sizes.values())} distinct texts (cached in bench/.cache when seen)")
    with _progress(None, "encoding", options.progress) as bar:
        vectors = encode_sample(
            corpus,
            sizes,
            Path(options.cache) if options.cache else ROOT / "bench" / ".cache",
            options.matching_config,
            bar.update,
        )
    kinds = ("sqlite", "postgresql") if options.database == "both" else (options.database,)
    results = []
    with tempfile.TemporaryDirectory(prefix="matchmaker-load.") as workdir:
        for kind in kinds:
            _say(f"{kind}: building {options.needs:,} needs and {options.seeds:,} seeds")
            try:
                results.append(run_database(kind, options, corpus, vectors, Path(workdir)))
            except TargetRefused as exc:
                _say(f"error: {exc}")
                return 2
    load_end = os.getloadavg()
    header = _header(options, corpus, vectors, results, directory, load_start, load_end, started)
    text = write_report(Path(options.output), header, results)
    if options.json:
        Path(options.json).write_text(json.dumps(as_json(header, results), indent=1, default=str))
    for result in results:
        print(
            f"\n{result.version or result.kind}"
            + (f"  FAILED: {result.failure}" if result.failure else "")
        )
        if result.rows:
            print(text_table(COLUMNS, table_rows(result.rows)))
        if result.proposals is not None:
            p = result.proposals
            print(f"proposals: {'PASS' if p.passed else 'FAIL'} {p.check}")
    print(f"\nreport: {options.output} ({len(text.splitlines())} lines)")
    return 1 if any(r.failure for r in results) else 0


def _load_text(options) -> str:
    think = options.think_max > 0
    capacity = (
        f"each scenario twice: first at capacity, {options.users} users sending requests back "
        f"to back (closed loop, no think time) for {options.duration:g} s, the rows marked "
        f"'capacity' with no target; then as {options.users} concurrent users who each wait "
        f"{options.think_min:g}–{options.think_max:g} s (uniform) after an answer before their "
        f"next request, as locust's `between({options.think_min:g}, {options.think_max:g})`, "
        f"each user's first request after a wait of its own, "
        f"for {options.think_duration:g} s, the rows the targets apply to"
        if think
        else f"{options.users} concurrent users, closed loop, no think time, "
        f"{options.duration:g} s per scenario"
    )
    deadline = (
        f"{options.providers} providers arriving at random during the first half of the "
        f"{options.deadline:g} s before the deadline, each reading {options.think_min:g}–"
        f"{options.think_max:g} s before opening its proposal and before submitting"
        if think
        else f"{options.providers} providers at the deadline, {options.users} at a time"
    )
    return (
        f"{capacity} (at most {options.max_requests:,} iterations per phase); {deadline}; "
        f"{options.logins:,} login accounts"
    )


def _header(options, corpus, vectors, results, directory, load_start, load_end, started) -> dict:
    cores = os.cpu_count() or 1
    busy = max(load_start[0], load_end[0]) > cores
    first = next((r for r in results if r.counts), None)
    counts = first.counts if first else {}
    langs = first.languages if first else {}

    def split(side: str) -> str:
        return ", ".join(f"{lang} {n:,}" for lang, n in sorted(langs.get(side, {}).items()))

    server = next((r.server for r in results if r.server), {})
    config = options.matching_config or "models/matching.json"
    return {
        "argv": shlex.join(sys.argv[1:]),
        "machine": machine_facts(),
        "server": f"gunicorn, {options.workers} workers ({server.get('worker class', '?')}), "
        f"{server.get('config', '')}; MATCHMAKER_ENV=production, generated SECRET_KEY, "
        f"HF_HUB_OFFLINE=1, matching configuration {config}, "
        "default rate limits (memory storage, per worker)",
        "load": _load_text(options),
        "data": f"{counts.get('needs', 0):,} published needs ({split('needs')}), "
        f"{counts.get('seeds', 0):,} published seeds ({split('seeds')}), "
        f"{counts.get('embeddings', 0):,} stored vectors, {counts.get('users', 0):,} users, "
        f"{counts.get('organizations', 0):,} organizations; texts from {directory}: "
        + "; ".join(corpus.sources)
        + "; repeated texts get a numbered title",
        "vectors": f"{vectors.sample_texts:,} distinct texts encoded under "
        f"{', '.join(vectors.models.values())} ({vectors.encoded_now:,} in this run, the rest "
        "from the cache); each record stores the vector of a sample text of its side and "
        "language with its own text's hash, so the matcher takes the vectors as current; "
        f"{vectors.sample_sentences:,} sentences of the first {SENTENCE_TEXTS} texts of each "
        f"side and language encoded for the explanations ({vectors.sentences_encoded_now:,} in "
        "this run) and repeated the same way, each record storing them under its own sentence "
        "hash",
        "loadavg": f"start {load_start[0]:.2f}, end {load_end[0]:.2f} on {cores} cores"
        + (
            " — the machine was busy (other work shares these cores): figures are noisy"
            if busy
            else ""
        )
        + f"; whole run {time.perf_counter() - started:.0f} s",
    }


if __name__ == "__main__":
    sys.exit(main())
