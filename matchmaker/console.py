"""`matchmaker rank` and `matchmaker bench`: matching tools that need no web app or database."""

from __future__ import annotations

import argparse
import json
import os
import sys
import warnings

from matchmaker.matching.datasets import DatasetError, read_docs

EXIT_USAGE = 2


class CommandError(RuntimeError):
    """A problem the user can fix: printed as one line, exit code 2, no traceback."""


def _progress_bar(args, total: int, desc: str):
    """A tqdm bar on stderr when it is a terminal (or --progress), else nothing."""
    from tqdm import tqdm

    shown = args.progress or sys.stderr.isatty()
    return tqdm(total=total, desc=desc, unit="text", file=sys.stderr, disable=not shown)


def _filters(args):
    from matchmaker.common.taxonomy import POLICY_AREAS
    from matchmaker.matching.filters import Filters

    unknown = [code for code in args.filter_policy_area or [] if code not in POLICY_AREAS]
    if unknown:
        raise CommandError(
            f"unknown policy area {', '.join(unknown)} (known: {', '.join(POLICY_AREAS)})"
        )
    if args.filter_min_trl is not None and not 1 <= args.filter_min_trl <= 9:
        raise CommandError("--filter-min-trl: a TRL is between 1 and 9")
    return Filters(
        policy_areas=args.filter_policy_area or [],
        min_trl=args.filter_min_trl,
        org_kinds=args.filter_org_kind or [],
        ready_for_pilot=args.filter_ready_for_pilot,
        languages=args.filter_language or [],
    )


def run_rank(args) -> int:
    """Rank the seeds for each need (or, with --swap, the needs for each seed) as JSON lines."""
    from matchmaker.matching.bench_models import load_encoders, matching_config, new_ranker

    if args.top < 1:
        raise CommandError("--top must be at least 1")
    filters = _filters(args)
    needs = read_docs(args.needs)
    seeds = read_docs(args.seeds)
    if not needs:
        raise CommandError(f"{args.needs}: no needs in the file: nothing to rank")
    if not seeds:
        raise CommandError(f"{args.seeds}: no seeds in the file: nothing to rank against")
    queries, corpus = (seeds, needs) if args.swap else (needs, seeds)
    query_key, match_key = ("seed_id", "need_id") if args.swap else ("need_id", "seed_id")

    config = matching_config(args.config)
    ranker = new_ranker(config, load_encoders(config))
    total = (len(corpus) + len(queries)) * len(ranker.encoders)
    with _progress_bar(args, total, "encoding") as bar:
        # the query side's texts also shape the IDF, as in the web app and the bench
        ranker.build(corpus, progress=bar.update, vocabulary_texts=[q.text for q in queries])
        query_vectors = ranker.encode(queries, progress=bar.update)
    out = sys.stdout
    for i, query in enumerate(queries):
        vectors = {name: matrix[i] for name, matrix in query_vectors.items()}
        matches = ranker.rank(
            query,
            top_k=args.top,
            filters=filters,
            diversity=args.diversity,
            query_vectors=vectors,
            explain=not args.no_explain,
        )
        line = {query_key: query.id, "matches": []}
        for match in matches:
            item = {match_key: match.id, "score": round(match.score, 4)}
            if match.why is not None:
                item["why"] = match.why.as_text()
            item["signals"] = match.signals
            line["matches"].append(item)
        out.write(json.dumps(line, ensure_ascii=False) + "\n")
    out.flush()
    return 0


def run_bench(args) -> int:
    """Measure quality, speed and memory against the baselines; print a table, write JSON."""
    from matchmaker.matching.bench import BenchOptions, run

    data = args.data or os.environ.get("MATCHMAKER_BENCH_DATA") or None
    options = BenchOptions(
        data=data, out=args.out, quick=args.quick, progress=args.progress, cache=args.cache
    )
    return run(options)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="matchmaker", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    rank = commands.add_parser("rank", help="rank seeds for needs (JSONL in, JSONL out)")
    rank.add_argument("--needs", required=True, help="needs JSONL file (id, title, description)")
    rank.add_argument("--seeds", required=True, help="seeds JSONL file (id, title, description)")
    rank.add_argument("--top", type=int, default=10, help="matches per line (default 10)")
    rank.add_argument("--swap", action="store_true", help="rank needs for each seed instead")
    rank.add_argument("--no-explain", action="store_true", help="leave out the 'why' text")
    rank.add_argument("--diversity", type=float, default=0.0, help="MMR diversity 0..1")
    rank.add_argument("--filter-policy-area", action="append", metavar="CODE")
    rank.add_argument("--filter-min-trl", type=int, metavar="N")
    rank.add_argument("--filter-org-kind", action="append", metavar="KIND")
    rank.add_argument("--filter-ready-for-pilot", action="store_true")
    rank.add_argument("--filter-language", action="append", metavar="LANG")
    rank.add_argument("--config", help="matching configuration (default models/matching.json)")
    rank.add_argument("--progress", action="store_true", help="show a progress bar on stderr")
    rank.set_defaults(func=run_rank)

    bench = commands.add_parser("bench", help="measure the matcher against the baselines")
    bench.add_argument(
        "--data", help="data directory (default $MATCHMAKER_BENCH_DATA or ../shared/data)"
    )
    bench.add_argument("--out", default=None, help="results file (default bench/results.json)")
    bench.add_argument("--quick", action="store_true", help="a small smoke run")
    bench.add_argument("--cache", help="vector cache directory (default bench/.cache)")
    bench.add_argument("--progress", action="store_true", help="show progress bars on stderr")
    bench.set_defaults(func=run_bench)
    return parser


def quiet_libraries() -> None:
    """Keep stderr for this tool's own messages: no model-loading bars or rename notices."""
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    warnings.filterwarnings("ignore", category=FutureWarning, module=r"matchmaker\.matching\.")


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `matchmaker` console script; user errors exit with code 2."""
    from matchmaker.matching.bench import BenchDataMissing
    from matchmaker.matching.bench_models import ConfigUnusable
    from matchmaker.matching.encoders import ModelUnavailable
    from matchmaker.matching.ranker import EmptyCorpus

    args = build_parser().parse_args(argv)
    quiet_libraries()
    try:
        return args.func(args)
    except ModelUnavailable as exc:
        message = f"model unavailable: {exc} (see models/README.md)"
    except (DatasetError, CommandError, ConfigUnusable, EmptyCorpus, BenchDataMissing) as exc:
        message = str(exc)
    except BrokenPipeError:
        sys.stderr.close()
        return 0
    print(f"matchmaker: error: {message}", file=sys.stderr)
    return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
