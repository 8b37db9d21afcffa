"""`matchmaker bench --quick` on tiny committed data: every documented key, PASS/FAIL lines."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from matchmaker.console import main
from matchmaker.matching.bench_cache import VectorCache
from matchmaker.matching.bench_report import checks
from tests.matching._encoders import cli_models  # noqa: F401 (session fixture)

FIXTURE = Path(__file__).parent / "data" / "bench"


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory, cli_models):  # noqa: F811
    out = tmp_path_factory.mktemp("bench") / "results.json"
    cache = out.parent / "cache"
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        code = main(
            ["bench", "--quick", "--data", str(FIXTURE), "--out", str(out), "--cache", str(cache)]
        )
    results = json.loads(out.read_text(encoding="utf-8"))
    return SimpleNamespace(code=code, results=results, cache=cache, printed=printed.getvalue())


def test_quick_bench_writes_every_documented_key(quick_run):
    assert quick_run.code == 0
    results = quick_run.results
    sbir = results["quality"]["sbir"]
    for system in ("platform", "tfidf", "primary_encoder"):
        assert {"ndcg@10", "mrr@10", "recall@10"} <= set(sbir[system])
        assert set(sbir[system]["halves"]) == {"even", "odd"}
    assert set(sbir["signals"]) == {"semantic", "multilingual", "lexical"}
    assert [f["train"] for f in sbir["learner"]["folds"]] == ["even", "odd"]
    assert "ndcg@10" in results["quality"]["jsquad"]["platform"]
    assert "ndcg@10" in results["quality"]["jsquad"]["char_tfidf"]
    tatoeba = results["quality"]["tatoeba"]
    assert 0 <= tatoeba["ja_to_en_acc@1"] <= 1 and 0 <= tatoeba["en_to_ja_acc@1"] <= 1
    latency = results["latency_ms"]
    assert latency["n_seeds"] == 2000
    for key in ("platform", "platform_filtered", "faiss_flat"):
        assert latency[key]["p95"] >= latency[key]["p50"] > 0
    assert results["encode_per_s"]["platform"] > 0 and results["encode_per_s"]["raw"] > 0
    memory = results["memory_bytes"]
    assert memory["index"] >= memory["dense"] > 0
    assert memory["dense"] * 2 == memory["raw_float32"]  # float16 storage
    assert all({"name", "value", "target", "passed"} <= set(t) for t in results["targets"])
    assert len(results["targets"]) >= 15


def test_quick_bench_is_right_on_an_easy_set(quick_run):
    results = quick_run.results
    assert results["quality"]["sbir"]["platform"]["ndcg@10"] > 0.9
    assert results["quality"]["tatoeba"]["ja_to_en_acc@1"] >= 5 / 6


def test_quick_bench_prints_the_table(quick_run):
    lines = quick_run.printed.splitlines()
    verdicts = [line for line in lines if line.endswith(("PASS", "FAIL"))]
    assert len(verdicts) == len(quick_run.results["targets"])
    assert any(line.startswith("sbir nDCG@10 vs TF-IDF ") for line in verdicts)
    assert any(line.startswith("latency p95 vs faiss, filters on ") for line in verdicts)
    assert any("targets met" in line for line in lines)


def test_vectors_are_cached_between_runs(quick_run):
    assert quick_run.results["run"]["texts_encoded_this_run"] > 0
    assert any(quick_run.cache.rglob("*.npz"))


def test_missing_data_is_named(tmp_path, capsys):
    (tmp_path / "sbir").mkdir()
    assert (
        main(["bench", "--quick", "--data", str(tmp_path), "--out", str(tmp_path / "r.json")]) == 2
    )
    err = capsys.readouterr().err
    assert "bench data incomplete" in err
    assert str(tmp_path / "sbir" / "seeds-all.jsonl.gz") in err
    assert str(tmp_path / "tatoeba-ja-en" / "qrels.jsonl") in err
    assert not (tmp_path / "r.json").exists()


class CountingEncoder:
    name = "counting"
    dim = 3

    def __init__(self):
        self.seen: list[str] = []

    def encode(self, texts, batch_size=32):
        self.seen += texts
        return np.array([[len(t), 1.0, 0.0] for t in texts], dtype=np.float32)


def test_vector_cache_encodes_each_text_once(tmp_path):
    encoder = CountingEncoder()
    first = VectorCache(tmp_path).vectors(encoder, ["a", "bb", "a"])
    assert encoder.seen == ["a", "bb"]
    assert first[:, 0].tolist() == [1.0, 2.0, 1.0]
    again = VectorCache(tmp_path)  # a later run reads the files
    second = again.vectors(encoder, ["bb", "ccc"])
    assert encoder.seen == ["a", "bb", "ccc"] and again.encoded == 1
    assert second[:, 0].tolist() == [2.0, 3.0]
    assert VectorCache(tmp_path).vectors(encoder, ["x"], model="other")[0, 0] == 1.0
    assert encoder.seen[-1] == "x"  # another model key does not share vectors


def result_with(platform: float, tfidf: float, p95: float, faiss: float) -> dict:
    metrics = {"ndcg@10": 0.0, "halves": {"even": {"ndcg@10": 0.0}, "odd": {"ndcg@10": 0.0}}}
    return {
        "quality": {
            "sbir": {
                "platform": {**metrics, "ndcg@10": platform},
                "tfidf": {**metrics, "ndcg@10": tfidf},
            }
        },
        "latency_ms": {
            "platform": {"p95": p95},
            "platform_filtered": {"p95": p95},
            "faiss_flat": {"p95": faiss},
        },
    }


def test_targets_are_ratios_against_the_same_run():
    passed = {c.name: c.passed for c in checks(result_with(0.9, 0.87, 20.0, 15.0))}
    assert passed["sbir nDCG@10 vs TF-IDF"] is True  # 0.9 / 0.87 = 1.034
    assert passed["latency p95 ms, filters off"] is True
    assert passed["latency p95 vs faiss, filters off"] is True
    failed = {c.name: c.passed for c in checks(result_with(0.89, 0.87, 30.0, 10.0))}
    assert failed["sbir nDCG@10 vs TF-IDF"] is False  # 1.023 < 1.03
    assert failed["latency p95 ms, filters on"] is False
    assert failed["latency p95 vs faiss, filters on"] is False
