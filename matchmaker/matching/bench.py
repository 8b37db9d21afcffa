"""`matchmaker bench`: quality, latency, throughput and memory, each beside a baseline measured
in the same run; prints a table and writes bench/results.json."""

from __future__ import annotations

import json
import os
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from matchmaker.config import ROOT
from matchmaker.matching import bench_quality as quality
from matchmaker.matching import bench_scale as scale
from matchmaker.matching.bench_cache import VectorCache, model_key
from matchmaker.matching.bench_models import load_encoders, matching_config, new_ranker
from matchmaker.matching.bench_report import as_json, checks, quality_rows, table
from matchmaker.matching.datasets import read_docs
from matchmaker.matching.filters import filter_mask

REQUIRED = {
    "sbir": ("needs.jsonl", "seeds.jsonl", "qrels.jsonl", "seeds-all.jsonl.gz"),
    "jsquad-ja": ("needs.jsonl", "seeds.jsonl", "qrels.jsonl"),
    "tatoeba-ja-en": ("needs.jsonl", "seeds.jsonl", "qrels.jsonl"),
}


class BenchDataMissing(RuntimeError):
    """The shared data sets the bench measures on are not where it looks."""


@dataclass
class BenchOptions:
    data: str | None = None
    out: str | None = None
    quick: bool = False
    progress: bool = False
    cache: str | None = None


@dataclass
class Plan:
    rows: int  # seeds in the scale index
    queries: int  # latency queries
    throughput_texts: int
    dense_sample: int  # at most this many encoded texts are tiled to `rows`


FULL = Plan(rows=100_000, queries=200, throughput_texts=500, dense_sample=4000)
QUICK = Plan(rows=2_000, queries=20, throughput_texts=8, dense_sample=200)


def data_directory(option: str | None) -> Path:
    return Path(option or os.environ.get("MATCHMAKER_BENCH_DATA") or ROOT.parent / "shared/data")


def check_data(directory: Path) -> None:
    missing = [
        str(directory / name / f)
        for name, files in REQUIRED.items()
        for f in files
        if not (directory / name / f).is_file()
    ]
    if missing:
        raise BenchDataMissing(
            f"bench data incomplete under {directory} (set --data or MATCHMAKER_BENCH_DATA); "
            f"missing: {', '.join(missing)}"
        )


class Context:
    """What every stage shares: models, the vector cache, progress output."""

    def __init__(self, options: BenchOptions):
        self.options = options
        self.started = time.perf_counter()
        self.config = matching_config()
        self.encoders = load_encoders(self.config)
        self.cache = VectorCache(options.cache or ROOT / "bench" / ".cache")
        self.model_keys = {
            name: model_key(enc, self.config["encoders"][name])
            for name, enc in self.encoders.items()
        }

    def say(self, message: str) -> None:
        print(
            f"[{time.perf_counter() - self.started:7.1f}s] {message}", file=sys.stderr, flush=True
        )

    def bar(self, total: int, desc: str):
        from tqdm import tqdm

        shown = self.options.progress or sys.stderr.isatty()
        return tqdm(total=total, desc=desc, unit="text", file=sys.stderr, disable=not shown)

    def encode(self, docs, label: str) -> dict:
        """Vectors of `docs` for every encoder, from the cache where possible."""
        texts = [d.text for d in docs]
        before = self.cache.encoded
        with self.bar(len(texts) * len(self.encoders), f"encoding {label}") as bar:
            out = {
                name: self.cache.vectors(enc, texts, bar.update, model=self.model_keys[name])
                for name, enc in self.encoders.items()
            }
        self.say(f"{label}: {len(texts)} texts, {self.cache.encoded - before} newly encoded")
        return out

    def ranker(self, docs, vectors, other_side=()):
        """The platform's ranker over `docs`; the other side's texts also shape the IDF, as
        in the app (needs when the corpus is seeds)."""
        ranker = new_ranker(self.config, self.encoders)
        return ranker.build(docs, vectors=vectors, vocabulary_texts=[d.text for d in other_side])


def measure_quality(ctx: Context, directory: Path, limit: int | None) -> tuple[dict, tuple]:
    sbir = quality.load_dataset(directory / "sbir", limit)
    sbir_needs = ctx.encode(sbir.needs, "sbir needs")
    sbir_seeds = ctx.encode(sbir.seeds, "sbir seeds")
    ctx.say("ranking sbir (platform, baselines, single signals, learner CV)")
    results = {
        "sbir": quality.sbir_quality(
            sbir, ctx.ranker(sbir.seeds, sbir_seeds, sbir.needs), sbir_needs, ctx.config
        )
    }

    jsquad = quality.load_dataset(directory / "jsquad-ja", limit)
    ranker = ctx.ranker(jsquad.seeds, ctx.encode(jsquad.seeds, "jsquad seeds"), jsquad.needs)
    ctx.say("ranking jsquad")
    results["jsquad"] = quality.jsquad_quality(
        jsquad, ranker, ctx.encode(jsquad.needs, "jsquad needs")
    )

    tatoeba = quality.load_dataset(directory / "tatoeba-ja-en", limit)
    vectors = {
        "needs": ctx.encode(tatoeba.needs, "tatoeba ja"),
        "seeds": ctx.encode(tatoeba.seeds, "tatoeba en"),
    }
    ctx.say("ranking tatoeba both ways")
    results["tatoeba"] = quality.tatoeba_quality(
        tatoeba,
        ctx.ranker(tatoeba.seeds, vectors["seeds"], tatoeba.needs),
        ctx.ranker(tatoeba.needs, vectors["needs"], tatoeba.seeds),
        vectors,
    )
    return results, (sbir, sbir_needs)


def measure_scale(ctx: Context, directory: Path, plan: Plan, sbir, sbir_needs) -> dict:
    everything = read_docs(directory / "sbir" / "seeds-all.jsonl.gz")
    dev_texts = {d.text for d in sbir.seeds}
    # the dense sample reuses texts already encoded for quality (the dev seeds are in seeds-all)
    sample = [d for d in everything if d.text in dev_texts][: plan.dense_sample]
    sample = sample or everything[: min(plan.dense_sample, 500)]
    dense = ctx.encode(sample, "scale sample")
    docs = scale.tiled_docs(everything, plan.rows)
    ctx.say(f"building the index: {plan.rows} rows from {len(everything)} texts")
    ranker = ctx.ranker(docs, scale.tiled_vectors(dense, plan.rows), sbir.needs)
    queries = scale.query_plan(sbir.needs, sbir_needs, plan.queries)
    ctx.say(f"latency: {plan.queries} queries, filters off / on, faiss")
    off = scale.platform_latency(ranker, queries)
    on = scale.platform_latency(ranker, queries, scale.FILTERS_ON)
    faiss = scale.faiss_latency(ranker, queries)
    passing = filter_mask(ranker.meta, scale.FILTERS_ON)
    memory = scale.memory(ranker)
    step = max(1, len(everything) // plan.throughput_texts)
    texts = everything[::step][: plan.throughput_texts]
    ctx.say(f"encoding throughput on {len(texts)} texts (platform vs raw model, interleaved)")
    with ctx.bar(len(texts), "throughput") as bar:
        speed = scale.throughput(ranker, texts, progress=bar.update)
    return {
        "latency_ms": {
            "n_seeds": plan.rows,
            "platform": off,
            "platform_filtered": on,
            "faiss_flat": faiss,
            "filters_on": {
                "policy_areas": scale.FILTERS_ON.policy_areas,
                "min_trl": scale.FILTERS_ON.min_trl,
                "rows_passing": int(passing.sum()) if passing is not None else plan.rows,
            },
        },
        "encode_per_s": speed,
        "memory_bytes": memory,
        "scale": {
            "rows": plan.rows,
            "unique_texts": len(everything),
            "dense_sample_texts": len(sample),
            "note": "dense vectors: the sample's encoded rows repeated; lexical matrices: "
            "fitted on the real texts repeated to the row count; filter facts synthetic",
        },
    }


def run(options: BenchOptions) -> int:
    directory = data_directory(options.data)
    check_data(directory)
    plan = QUICK if options.quick else FULL
    ctx = Context(options)
    ctx.say(f"data {directory}; weights {ctx.config.get('fusion', {}).get('weights')}")
    measured, (sbir, sbir_needs) = measure_quality(ctx, directory, 12 if options.quick else None)
    results = {"quality": measured}
    results.update(measure_scale(ctx, directory, plan, sbir, sbir_needs))
    found = checks(results)
    results["targets"] = as_json(found)
    results["run"] = {
        "quick": options.quick,
        "data": str(directory),
        "seconds": round(time.perf_counter() - ctx.started, 1),
        "texts_encoded_this_run": ctx.cache.encoded,
        "cpus": os.cpu_count(),
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "fusion": ctx.config.get("fusion"),
        "encoders": {name: enc.name for name, enc in ctx.encoders.items()},
    }
    out = Path(options.out) if options.out else ROOT / "bench" / "results.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print("\n".join(quality_rows(results)))
    print()
    print(summary_lines(results))
    print()
    print(table(results, found))
    print(f"\nwritten to {out} in {results['run']['seconds']} s")
    return 0


def summary_lines(results: dict) -> str:
    lat, enc, mem, sc = (
        results[k] for k in ("latency_ms", "encode_per_s", "memory_bytes", "scale")
    )
    t = results["quality"]["tatoeba"]

    def pair(key: str) -> str:
        return f"p50 {lat[key]['p50']:.1f} / p95 {lat[key]['p95']:.1f} ms"

    def mib(key: str) -> str:
        return f"{mem[key] / 2**20:.1f}"

    return "\n".join(
        [
            f"  tatoeba  acc@1 ja->en {t['ja_to_en_acc@1']:.3f}  en->ja {t['en_to_ja_acc@1']:.3f}",
            f"  scale    {lat['n_seeds']} seeds: {sc['dense_sample_texts']} encoded texts tiled for"
            f" the dense part, {sc['unique_texts']} real texts tiled for the lexical part",
            f"  latency  {lat['platform']['queries']} queries: platform {pair('platform')};"
            f" filtered {pair('platform_filtered')}; faiss {pair('faiss_flat')}",
            f"  encode   {enc['texts']} texts: platform {enc['platform']:.2f}/s,"
            f" raw {enc['raw']:.2f}/s",
            f"  memory   index {mib('index')} MiB = dense {mib('dense')} + lexical"
            f" {mib('lexical_matrices')} + vocabulary {mib('lexical_vocabulary')} + metadata"
            f" {mib('metadata')}; raw float32 {mib('raw_float32')} MiB",
        ]
    )
