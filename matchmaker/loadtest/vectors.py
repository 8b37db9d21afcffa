"""Vectors for 110,000 records without encoding them all: a sample of distinct texts is encoded
once (kept in the bench's vector cache) and its rows are repeated, per side and language; the
sample's sentences likewise, for the explanations' stored sentence vectors."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from matchmaker.loadtest.corpus import Corpus
from matchmaker.loadtest.rows import doc_text
from matchmaker.matching.bench_cache import VectorCache
from matchmaker.matching.bench_models import load_encoders, matching_config
from matchmaker.matching.documents import Doc
from matchmaker.matching.explain import (
    explainer_signal,
    pack_sentences,
    sentence_hash,
    sentences_of,
    text_sentences,
    unpack_sentences,
)
from matchmaker.matching.store import to_bytes

NEED_SHARE = 0.2  # of the sample: needs are a tenth of the records but longer texts
# texts per (side, language) whose sentences are encoded for the explanations (~8 sentences
# each, ~40 sentences/s on 2 busy cores): enough distinct rows, a few minutes on the first run
SENTENCE_TEXTS = 150


@dataclass
class SampleVectors:
    """Encoded rows per (side, language), already as the bytes the embeddings table stores."""

    models: dict[str, str] = field(default_factory=dict)  # signal -> model name stored
    dims: dict[str, int] = field(default_factory=dict)
    rows: dict[tuple[str, str], dict[str, list[bytes]]] = field(default_factory=dict)
    encoded_now: int = 0  # texts encoded in this run (the rest came from the cache)
    sample_texts: int = 0
    explainer: str | None = None  # the signal whose rows hold sentence vectors
    # per (side, language): (sentence count, packed sentence vectors) of each sample text
    sentences: dict[tuple[str, str], list[tuple[int, bytes]]] = field(default_factory=dict)
    sample_sentences: int = 0
    sentences_encoded_now: int = 0  # of those, encoded in this run (not in encoded_now)

    def vector(self, kind: str, language: str, signal: str, base: int) -> bytes:
        rows = self.rows[(kind, language)][signal]
        return rows[base % len(rows)]

    def sentence_columns(self, kind: str, language: str, signal: str, base: int, doc: Doc):
        """The explainer row's sentence columns: a sample text's sentence vectors, repeated or
        cut to the record's own sentence count, under the hash of the record's sentences."""
        if signal != self.explainer:
            return {"sentence_hash": None, "sentence_vectors": None}
        rows = self.sentences[(kind, language)]
        count, packed = rows[base % len(rows)]
        sentences = sentences_of(doc)
        if len(sentences) != count:
            matrix = unpack_sentences(packed, count, self.dims[signal])
            packed = pack_sentences(matrix[np.arange(len(sentences)) % count])
        return {"sentence_hash": sentence_hash(sentences), "sentence_vectors": packed}


def model_key(name: str, spec: dict) -> str:
    """The cache folder name the bench uses, so both reuse each other's vectors."""
    digest = hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest()[:8]
    return f"{name}-{digest}"


def sample_sizes(corpus: Corpus, total: int, ja_needs: float, ja_seeds: float) -> dict:
    """How many distinct texts of each (side, language) are encoded, at least one each."""
    wanted = {
        ("need", "en"): total * NEED_SHARE * (1 - ja_needs),
        ("need", "ja"): total * NEED_SHARE * ja_needs,
        ("seed", "en"): total * (1 - NEED_SHARE) * (1 - ja_seeds),
        ("seed", "ja"): total * (1 - NEED_SHARE) * ja_seeds,
    }
    texts = {"need": corpus.needs, "seed": corpus.seeds}
    return {
        (kind, language): max(1, min(len(texts[kind][language]), round(n)))
        for (kind, language), n in wanted.items()
    }


def encode_sample(
    corpus: Corpus,
    sizes: dict,
    cache_dir: Path | None,
    config_path: str | None = None,
    progress=None,
) -> SampleVectors:
    """Encode the first texts of each group under every configured model (cache first)."""
    config = matching_config(config_path)
    encoders = load_encoders(config)
    cache = VectorCache(cache_dir)
    out = SampleVectors(
        models={signal: enc.name for signal, enc in encoders.items()},
        dims={signal: enc.dim for signal, enc in encoders.items()},
        explainer=explainer_signal(encoders),
    )
    texts = {"need": corpus.needs, "seed": corpus.seeds}
    for (kind, language), size in sizes.items():
        group = [doc_text(kind, base) for base in texts[kind][language][:size]]
        out.sample_texts += len(group)
        out.rows[(kind, language)] = {}
        for signal, encoder in encoders.items():
            key = model_key(encoder.name, config["encoders"][signal])
            matrix = cache.vectors(encoder, group, progress, model=key)
            out.rows[(kind, language)][signal] = [to_bytes(v) for v in np.asarray(matrix)]
        if out.explainer is not None:
            before = cache.encoded
            out.sentences[(kind, language)] = _sample_sentences(
                cache,
                encoders[out.explainer],
                config["encoders"][out.explainer],
                group[:SENTENCE_TEXTS],
                progress,
            )
            out.sample_sentences += sum(count for count, _packed in out.sentences[(kind, language)])
            out.sentences_encoded_now += cache.encoded - before
    out.encoded_now = cache.encoded - out.sentences_encoded_now
    return out


def _sample_sentences(cache: VectorCache, encoder, spec: dict, texts: list[str], progress):
    """(count, packed vectors) of each text's sentences; a sentence is a text to the cache."""
    lists = [text_sentences(text) for text in texts]
    flat = [sentence for sentences in lists for sentence in sentences]
    matrix = np.asarray(cache.vectors(encoder, flat, progress, model=model_key(encoder.name, spec)))
    out, start = [], 0
    for sentences in lists:
        out.append((len(sentences), pack_sentences(matrix[start : start + len(sentences)])))
        start += len(sentences)
    return out
