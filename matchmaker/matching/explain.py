"""Why a pair matches: shared key terms, the best-matching sentences, and each signal's share."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field

import numpy as np

from matchmaker.matching.documents import Doc, split_sentences

SIGNAL_GROUPS = {
    "semantic": "semantic",
    "multilingual": "multilingual",
    "lexical_word": "lexical",
    "lexical_char": "lexical",
}


@dataclass
class Explanation:
    shared_terms: list[str] = field(default_factory=list)
    query_sentence: str = ""
    match_sentence: str = ""
    contributions: dict[str, float] = field(default_factory=dict)  # group -> share 0..1

    def as_text(self) -> str:
        parts = []
        if self.shared_terms:
            parts.append("shared terms: " + ", ".join(self.shared_terms))
        if self.query_sentence and self.match_sentence:
            parts.append(f"best match: “{self.query_sentence}” ↔ “{self.match_sentence}”")
        if self.contributions:
            parts.append(
                "signals: "
                + ", ".join(f"{k} {round(v * 100)}%" for k, v in self.contributions.items())
            )
        return "; ".join(parts)

    def as_dict(self) -> dict:
        return {
            "shared_terms": self.shared_terms,
            "query_sentence": self.query_sentence,
            "match_sentence": self.match_sentence,
            "contributions": self.contributions,
        }


def contributions(weighted: dict[str, float]) -> dict[str, float]:
    """Each signal group's share of the positive evidence for this pair."""
    grouped: dict[str, float] = {}
    for name, value in weighted.items():
        group = SIGNAL_GROUPS.get(name, name)
        grouped[group] = grouped.get(group, 0.0) + max(value, 0.0)
    total = sum(grouped.values())
    if total <= 0:
        return {}
    return {
        k: round(v / total, 3) for k, v in sorted(grouped.items(), key=lambda kv: -kv[1]) if v > 0
    }


class SentenceCache:
    """Sentence vectors by text hash, so a seed shown for many needs is encoded once."""

    def __init__(self, encoder, size: int = 4096):
        self.encoder = encoder
        self.size = size
        self._cache: OrderedDict[str, tuple[list[str], np.ndarray]] = OrderedDict()

    def get(self, doc: Doc) -> tuple[list[str], np.ndarray]:
        key = doc.text_hash
        if key in self._cache:
            self._cache.move_to_end(key)
            return self._cache[key]
        sentences = split_sentences(doc.text) or [doc.text[:400]]
        vectors = self.encoder.encode(sentences)
        self._cache[key] = (sentences, vectors)
        if len(self._cache) > self.size:
            self._cache.popitem(last=False)
        return sentences, vectors


def explain_pair(
    query: Doc,
    match: Doc,
    lexical,
    sentences: SentenceCache | None,
    weighted: dict[str, float],
    max_terms: int = 5,
) -> Explanation:
    q_terms = lexical.key_terms(query.text)
    m_terms = lexical.key_terms(match.text)
    shared = sorted(set(q_terms) & set(m_terms), key=lambda t: -(q_terms[t] * m_terms[t]))
    # drop terms contained in a longer shared term ("fall" when "fall detection" is there)
    kept = [t for t in shared if not any(t != o and t in o for o in shared[: max_terms * 3])]
    explanation = Explanation(shared_terms=kept[:max_terms], contributions=contributions(weighted))
    if sentences is not None:
        q_sents, q_vecs = sentences.get(query)
        m_sents, m_vecs = sentences.get(match)
        if len(q_sents) and len(m_sents):
            sims = q_vecs @ m_vecs.T
            i, j = np.unravel_index(int(np.argmax(sims)), sims.shape)
            explanation.query_sentence, explanation.match_sentence = q_sents[i], m_sents[j]
    return explanation
