"""The bench's targets (ratios against baselines measured in the same run) and its table."""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass
class Check:
    name: str
    value: float
    baseline: float | None  # None when the target is an absolute number
    ratio: float | None
    target: str
    passed: bool


def _ratio(value: float, baseline: float) -> float:
    return value / baseline if baseline else float("inf") if value else 1.0


def at_least(name, value, baseline, factor) -> Check:
    ratio = _ratio(value, baseline)
    return Check(name, value, baseline, ratio, f">= {factor:g} x", ratio >= factor)


def above(name, value, baseline) -> Check:
    return Check(name, value, baseline, _ratio(value, baseline), "> 1 x", value > baseline)


def at_most(name, value, baseline, factor) -> Check:
    ratio = _ratio(value, baseline)
    return Check(name, value, baseline, ratio, f"<= {factor:g} x", ratio <= factor)


def absolute(name, value, op: str, bound: float) -> Check:
    passed = value >= bound if op == ">=" else value <= bound
    return Check(name, value, None, None, f"{op} {bound:g}", passed)


def checks(results: dict) -> list[Check]:
    """Every target of the issue and of DECISIONS.md, as PASS/FAIL lines."""
    q = results["quality"]
    out: list[Check] = []
    sbir = q.get("sbir")
    if sbir:
        ndcg = sbir["platform"]["ndcg@10"]
        out.append(at_least("sbir nDCG@10 vs TF-IDF", ndcg, sbir["tfidf"]["ndcg@10"], 1.03))
        for half in ("even", "odd"):
            out.append(
                at_least(
                    f"sbir nDCG@10 vs TF-IDF, {half} needs",
                    sbir["platform"]["halves"][half]["ndcg@10"],
                    sbir["tfidf"]["halves"][half]["ndcg@10"],
                    1.03,
                )
            )
        if "primary_encoder" in sbir:
            base = sbir["primary_encoder"]["ndcg@10"]
            out.append(above("sbir nDCG@10 vs primary encoder", ndcg, base))
        for name, metrics in sbir.get("signals", {}).items():
            out.append(above(f"sbir nDCG@10 vs {name} alone", ndcg, metrics["ndcg@10"]))
    jsquad = q.get("jsquad")
    if jsquad:
        base = jsquad["char_tfidf"]["ndcg@10"]
        out.append(
            at_least("jsquad nDCG@10 vs char TF-IDF", jsquad["platform"]["ndcg@10"], base, 1)
        )
    tatoeba = q.get("tatoeba")
    if tatoeba:
        out.append(absolute("tatoeba acc@1 ja->en", tatoeba["ja_to_en_acc@1"], ">=", 0.90))
        out.append(absolute("tatoeba acc@1 en->ja", tatoeba["en_to_ja_acc@1"], ">=", 0.90))
    latency = results.get("latency_ms")
    if latency:
        faiss = latency["faiss_flat"]["p95"]
        for key, label in (("platform", "filters off"), ("platform_filtered", "filters on")):
            p95 = latency[key]["p95"]
            out.append(absolute(f"latency p95 ms, {label}", p95, "<=", 25))
            out.append(at_most(f"latency p95 vs faiss, {label}", p95, faiss, 1.5))
    encode = results.get("encode_per_s")
    if encode:
        out.append(at_least("encode texts/s vs raw model", encode["platform"], encode["raw"], 0.9))
    mem = results.get("memory_bytes")
    if mem:
        raw = mem["raw_float32"] / 2**20
        index, dense = mem["index"] / 2**20, mem["dense"] / 2**20
        out.append(at_most("memory MiB, whole index vs raw float32", index, raw, 1.2))
        out.append(at_most("memory MiB, dense part vs raw float32", dense, raw, 1.2))
    return out


def _fmt(value) -> str:
    if value is None:
        return "-"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def quality_rows(results: dict) -> list[str]:
    lines = []
    for set_name, systems in results["quality"].items():
        if set_name == "tatoeba":
            continue
        flat = {k: v for k, v in systems.items() if k not in ("signals", "learner")}
        flat.update({f"{k} alone": v for k, v in systems.get("signals", {}).items()})
        for system, m in flat.items():
            halves = m.get("halves", {})
            lines.append(
                f"  {set_name:7} {system:20} nDCG@10 {m['ndcg@10']:.4f}  MRR@10 {m['mrr@10']:.4f}"
                f"  R@10 {m['recall@10']:.4f}  (even {halves.get('even', {}).get('ndcg@10', 0):.4f}"
                f" / odd {halves.get('odd', {}).get('ndcg@10', 0):.4f})"
            )
        learner = systems.get("learner")
        for fold in (learner or {}).get("folds", []):
            lines.append(
                f"  {set_name:7} learner CV train {fold['train']:4} -> eval {fold['evaluate']:4}"
                f"  fusion nDCG@10 {fold['fusion_ndcg@10']:.4f}"
                f"  learner {fold['learner_ndcg@10']:.4f}"
                f"{'' if fold['learner_ready'] else '  (too few labels: fusion kept)'}"
            )
    return lines


def table(results: dict, found: list[Check]) -> str:
    head = f"{'check':44} {'value':>10} {'baseline':>10} {'ratio':>7} {'target':>9}  result"
    lines = [head, "-" * len(head)]
    for c in found:
        lines.append(
            f"{c.name:44} {_fmt(c.value):>10} {_fmt(c.baseline):>10} {_fmt(c.ratio):>7}"
            f" {c.target:>9}  {'PASS' if c.passed else 'FAIL'}"
        )
    passed = sum(c.passed for c in found)
    lines.append(f"{passed} of {len(found)} targets met")
    return "\n".join(lines)


def as_json(found: list[Check]) -> list[dict]:
    return [asdict(c) for c in found]
