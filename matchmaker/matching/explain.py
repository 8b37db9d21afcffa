"""Why a pair matches: shared key terms, the best-matching sentences, and each signal's share."""

from __future__ import annotations

import hashlib
import itertools
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from matchmaker.matching.documents import Doc, split_sentences

SIGNAL_GROUPS = {
    "semantic": "semantic",
    "multilingual": "multilingual",
    "lexical_word": "lexical",
    "lexical_char": "lexical",
}
EXPLAIN_WITH = "multilingual"

Sentences = tuple[list[str], np.ndarray]
# (model, {side: ids}) -> {(side, id): (sentence_hash, packed vectors)} of the stored rows; the
# sides are "query" and "match", so a need and a seed with the same id are told apart
StoredSentences = Callable[[str, dict[str, list]], dict[tuple[str, object], tuple]]


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


# --- sentence vectors, stored with the record (store.sync) or encoded on demand -----------
def explainer_signal(encoders: dict, explain_with: str = EXPLAIN_WITH) -> str | None:
    """The encoder whose sentence vectors pick the best-matching sentences."""
    if explain_with in encoders:
        return explain_with
    return next(iter(encoders), None)


def text_sentences(text: str) -> list[str]:
    """The sentences an explanation may quote (a text without any is quoted as one)."""
    return split_sentences(text) or [text[:400]]


def sentences_of(doc: Doc) -> list[str]:
    return text_sentences(doc.text)


def sentence_hash(sentences: list[str]) -> str:
    """What stored sentence vectors were encoded from: a changed text or split makes them stale."""
    return hashlib.sha256("\x1e".join(sentences).encode("utf-8")).hexdigest()


def pack_sentences(vectors: np.ndarray) -> bytes:
    """int8 codes with one float32 scale per sentence: a quarter of float32, the cosine within
    about 1 %; the on-demand path goes through the same rounding, so both explain alike."""
    matrix = np.asarray(vectors, dtype=np.float32)
    scale = np.abs(matrix).max(axis=1) / 127.0 if len(matrix) else np.zeros(0, np.float32)
    scale[scale == 0] = 1.0
    codes = np.clip(np.rint(matrix / scale[:, None]), -127, 127).astype(np.int8)
    return scale.astype("<f4").tobytes() + codes.tobytes()


def unpack_sentences(data: bytes | None, count: int, dim: int) -> np.ndarray | None:
    """The vectors of `count` sentences, or None when the bytes do not have that shape."""
    if not data or count <= 0 or len(data) != count * (4 + dim):
        return None
    scale = np.frombuffer(data, dtype="<f4", count=count)
    codes = np.frombuffer(data, dtype=np.int8, count=count * dim, offset=4 * count)
    return codes.reshape(count, dim).astype(np.float32) * scale[:, None]


def encode_sentences(encoder, sentence_lists: list[list[str]]) -> list[np.ndarray]:
    """One encoder call for the sentences of several documents, split back per document."""
    flat = [s for sentences in sentence_lists for s in sentences]
    vectors = encoder.encode(flat) if flat else np.zeros((0, encoder.dim), np.float32)
    bounds = np.cumsum([0] + [len(s) for s in sentence_lists])
    return [vectors[a:b] for a, b in itertools.pairwise(bounds)]


class SentenceCache:
    """Sentence vectors by text hash: stored rows first, encoding only what has none."""

    def __init__(self, encoder, size: int = 1024):
        self.encoder = encoder
        self.size = size
        self.encoded = 0  # sentences encoded here (none while every shown record has its own)
        self._cache: OrderedDict[str, Sentences] = OrderedDict()

    def get(self, doc: Doc) -> Sentences:
        return self.get_many([("query", doc)])[0]

    def get_many(
        self, docs: list[tuple[str, Doc]], stored: StoredSentences | None = None
    ) -> list[Sentences]:
        """Sentences and vectors of (side, doc) pairs: cached, else stored and current, else
        encoded together in one call."""
        found: dict[str, Sentences] = {}
        for _side, doc in docs:
            key = doc.text_hash
            if key not in found and key in self._cache:
                self._cache.move_to_end(key)
                found[key] = self._cache[key]
        missing = list({d.text_hash: (s, d) for s, d in docs if d.text_hash not in found}.values())
        if missing and stored is not None:
            wanted: dict[str, list] = {}
            for side, doc in missing:
                wanted.setdefault(side, []).append(doc.id)
            rows = stored(self.encoder.name, wanted)
            for side, doc in missing:
                row = rows.get((side, doc.id))
                sentences = sentences_of(doc)
                if row and row[0] == sentence_hash(sentences):
                    vectors = unpack_sentences(row[1], len(sentences), self.encoder.dim)
                    if vectors is not None:
                        found[doc.text_hash] = self._put(doc.text_hash, (sentences, vectors))
        rest = [doc for _side, doc in missing if doc.text_hash not in found]
        if rest:
            lists = [sentences_of(doc) for doc in rest]
            for doc, sentences, vectors in zip(
                rest, lists, encode_sentences(self.encoder, lists), strict=True
            ):
                packed = pack_sentences(vectors)
                self.encoded += len(sentences)
                rounded = unpack_sentences(packed, len(sentences), self.encoder.dim)
                found[doc.text_hash] = self._put(doc.text_hash, (sentences, rounded))
        return [found[doc.text_hash] for _side, doc in docs]

    def _put(self, key: str, value: Sentences) -> Sentences:
        self._cache[key] = value
        if len(self._cache) > self.size:
            self._cache.popitem(last=False)
        return value


# --- explanations ------------------------------------------------------------------------
def _shared_terms(q_terms: dict, m_terms: dict, max_terms: int) -> list[str]:
    shared = sorted(set(q_terms) & set(m_terms), key=lambda t: -(q_terms[t] * m_terms[t]))
    # drop terms contained in a longer shared term ("fall" when "fall detection" is there)
    kept = [t for t in shared if not any(t != o and t in o for o in shared[: max_terms * 3])]
    return kept[:max_terms]


def explain_matches(
    query: Doc,
    matches: list[Doc],
    lexical,
    sentences: SentenceCache | None,
    weighted: list[dict[str, float]],
    stored: StoredSentences | None = None,
    max_terms: int = 5,
) -> list[Explanation]:
    """Explanations of a whole match list: key terms in one pass over all its texts, sentence
    vectors from the database in one query (encoded only for records without them)."""
    if len(weighted) != len(matches):
        raise ValueError("one set of weighted signals per match")
    if not matches:
        return []
    terms = lexical.key_terms_many([query.text] + [m.text for m in matches])
    vectors = (
        sentences.get_many([("query", query)] + [("match", m) for m in matches], stored)
        if sentences is not None
        else None
    )
    out = []
    for n, signals in enumerate(weighted, start=1):
        explanation = Explanation(
            shared_terms=_shared_terms(terms[0], terms[n], max_terms),
            contributions=contributions(signals),
        )
        if vectors is not None:
            (q_sents, q_vecs), (m_sents, m_vecs) = vectors[0], vectors[n]
            if len(q_sents) and len(m_sents):
                sims = q_vecs @ m_vecs.T
                i, j = np.unravel_index(int(np.argmax(sims)), sims.shape)
                explanation.query_sentence, explanation.match_sentence = q_sents[i], m_sents[j]
        out.append(explanation)
    return out


def explain_pair(
    query: Doc,
    match: Doc,
    lexical,
    sentences: SentenceCache | None,
    weighted: dict[str, float],
    max_terms: int = 5,
) -> Explanation:
    return explain_matches(query, [match], lexical, sentences, [weighted], max_terms=max_terms)[0]
