"""The load database's explanation sentences: the sample's sentences encoded once (cached like
its vectors), then given to every record under its own sentence hash, so nothing is stale."""

from __future__ import annotations

import hashlib
import random
from datetime import UTC, datetime

import numpy as np
import pytest

from matchmaker.loadtest import vectors as sample_vectors
from matchmaker.loadtest.corpus import BaseText, Corpus
from matchmaker.loadtest.rows import Slot, need_row, seed_row
from matchmaker.matching.explain import sentence_hash, sentences_of, unpack_sentences

DIM = 8


class HashEncoder:
    """Deterministic unit vectors per text; remembers every text it was given."""

    def __init__(self, name: str):
        self.name, self.dim = name, DIM
        self.texts: list[str] = []

    def encode(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        self.texts.extend(texts)
        rows = []
        for text in texts:
            seed = int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "little")
            row = np.random.default_rng(seed).normal(size=DIM)
            rows.append(row / np.linalg.norm(row))
        return np.asarray(rows, dtype=np.float32).reshape(len(texts), DIM)


TEXTS = {
    "en": [
        BaseText("en", "Is it raining?", "Rain sensors on roofs.", "They report every minute."),
        BaseText("en", "Bus routes", "Buses on demand.", "Riders book by phone. Routes change."),
    ],
    "ja": [BaseText("ja", "洪水予測", "河川の水位を測ります。", "住民に知らせます。")],
}


@pytest.fixture
def fake_models(monkeypatch):
    models = {"semantic": HashEncoder("fake-semantic"), "multilingual": HashEncoder("fake-use")}
    config = {
        "encoders": {signal: {"kind": "fake", "model": e.name} for signal, e in models.items()}
    }
    monkeypatch.setattr(sample_vectors, "matching_config", lambda _path=None: config)
    monkeypatch.setattr(sample_vectors, "load_encoders", lambda _config: models)
    return models


def sample(tmp_path) -> sample_vectors.SampleVectors:
    corpus = Corpus(needs=TEXTS, seeds=TEXTS)
    sizes = {(kind, lang): len(TEXTS[lang]) for kind in ("need", "seed") for lang in TEXTS}
    return sample_vectors.encode_sample(corpus, sizes, tmp_path / "cache")


def test_the_samples_sentences_are_encoded_once_and_then_cached(tmp_path, fake_models):
    first = sample(tmp_path)
    explainer = fake_models["multilingual"]
    assert first.explainer == "multilingual"
    assert first.sample_sentences > first.sample_texts
    assert "Riders book by phone." in explainer.texts
    encoded = len(explainer.texts) + len(fake_models["semantic"].texts)
    assert first.sentences_encoded_now > 0
    assert first.encoded_now + first.sentences_encoded_now == encoded
    assert "Riders book by phone." not in fake_models["semantic"].texts
    explainer.texts.clear()
    fake_models["semantic"].texts.clear()
    again = sample(tmp_path)
    assert again.encoded_now == again.sentences_encoded_now == 0
    assert explainer.texts == [] and fake_models["semantic"].texts == []
    assert again.sentences == first.sentences


@pytest.mark.parametrize("copy", [0, 1, 11])
def test_every_record_gets_current_sentences_of_its_own_count(tmp_path, fake_models, copy):
    vectors = sample(tmp_path)
    rng = random.Random(1)
    now = datetime.now(UTC)
    for make in (need_row, seed_row):
        kind = "need" if make is need_row else "seed"
        for base, text in enumerate(TEXTS["en"]):
            _row, _areas, doc = make(Slot("en", base, copy), text, 1, rng, now)
            columns = vectors.sentence_columns(kind, "en", "multilingual", base, doc)
            sentences = sentences_of(doc)
            assert columns["sentence_hash"] == sentence_hash(sentences)
            matrix = unpack_sentences(columns["sentence_vectors"], len(sentences), DIM)
            assert matrix is not None and matrix.shape == (len(sentences), DIM)
            if copy == 11 and base == 0:  # "Is it raining? (12)": one sentence more than the sample
                assert len(sentences) == vectors.sentences[(kind, "en")][0][0] + 1
            other = vectors.sentence_columns(kind, "en", "semantic", base, doc)
            assert other == {"sentence_hash": None, "sentence_vectors": None}
