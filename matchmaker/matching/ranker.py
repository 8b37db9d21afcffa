"""The hybrid ranker: dense signals from each encoder, lexical signals, filters, fusion, MMR."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from matchmaker.matching import dense
from matchmaker.matching.documents import Doc
from matchmaker.matching.explain import (
    EXPLAIN_WITH,
    Explanation,
    SentenceCache,
    StoredSentences,
    explain_matches,
    explainer_signal,
)
from matchmaker.matching.filters import Filters, Metadata, filter_mask
from matchmaker.matching.fusion import (
    CENTRE_MIN_ROWS,
    CROSS_LANGUAGE_SIGNAL,
    Centring,
    centred_for,
    centred_signals,
    fuse,
    pair_weights,
    weights_for,
    zscore,
)
from matchmaker.matching.lexical import LexicalScorer
from matchmaker.matching.mmr import mmr_select

Progress = Callable[[int], None]


class EmptyCorpus(ValueError):
    """There is nothing to rank against."""


@dataclass
class Match:
    id: int | str
    score: float
    signals: dict[str, float]
    why: Explanation | None = None


class HybridRanker:
    """Keeps the corpus side in memory: one float16 matrix per encoder plus TF-IDF postings."""

    def __init__(
        self,
        encoders: dict,
        weights: dict[str, float],
        lexical: dict | None = None,
        explain_with: str = EXPLAIN_WITH,
        centred: dict | list | None = None,
    ):
        self.encoders = encoders
        self.weights = weights
        self.centred = centred or {}  # per language, the dense signals ranked on centred cosines
        self.centring: dict[str, Centring] = {}
        self.lexical_options = lexical or {}
        self.lexical = LexicalScorer(**self.lexical_options)
        explainer = explainer_signal(encoders, explain_with)
        self.sentences = SentenceCache(encoders[explainer]) if explainer else None
        self.docs: list[Doc] = []
        self.row_of: dict = {}
        self.vectors: dict[str, np.ndarray] = {}
        self.meta = Metadata.empty()
        self.active = np.zeros(0, dtype=bool)
        self._languages: tuple | None = None

    # --- building -------------------------------------------------------------------
    def encode(
        self, docs: list[Doc], batch_size: int = 32, progress: Progress | None = None
    ) -> dict[str, np.ndarray]:
        """One matrix per encoder, in batches so a progress bar can follow."""
        texts = [d.text for d in docs]
        out = {}
        for name, encoder in self.encoders.items():
            parts = []
            for start in range(0, len(texts), batch_size):
                parts.append(encoder.encode(texts[start : start + batch_size], batch_size))
                if progress:
                    progress(len(parts[-1]))
            out[name] = np.vstack(parts) if parts else np.zeros((0, encoder.dim), dtype=np.float32)
        return out

    def build(
        self,
        docs: list[Doc],
        vectors: dict[str, np.ndarray] | None = None,
        progress: Progress | None = None,
        vocabulary_texts: list[str] | None = None,
        lexical: LexicalScorer | None = None,
    ) -> HybridRanker:
        """Index `docs`; `vocabulary_texts` (the other side's texts) also shape the IDF;
        `lexical`, already fitted on these docs (LexicalScorer.fit_sides), is used as it is."""
        self.docs = list(docs)
        self.row_of = {d.id: i for i, d in enumerate(self.docs)}
        vectors = vectors if vectors is not None else self.encode(self.docs, progress=progress)
        self.vectors = {n: dense.stored(v) for n, v in vectors.items()}
        if lexical is not None:
            self.lexical = lexical
        else:
            self.lexical = LexicalScorer(**self.lexical_options)
            if self.docs:
                self.lexical.fit([d.text for d in self.docs], vocabulary_texts)
        self.meta = Metadata.from_docs(self.docs)
        self.active = np.ones(len(self.docs), dtype=bool)
        self.centring = {}
        self._update_centring()
        return self

    def upsert(self, docs: list[Doc], vectors: dict[str, np.ndarray] | None = None) -> None:
        """Add or replace documents without re-encoding anything else."""
        if not self.docs:
            self.build(docs, vectors)
            return
        vectors = vectors if vectors is not None else self.encode(docs)
        existing = [(i, d) for i, d in enumerate(docs) if d.id in self.row_of]
        new = [(i, d) for i, d in enumerate(docs) if d.id not in self.row_of]
        if existing:
            rows = [self.row_of[d.id] for _, d in existing]
            picks = [i for i, _ in existing]
            for name in self.vectors:
                self.vectors[name][rows] = vectors[name][picks]
            for row, (_, d) in zip(rows, existing, strict=True):
                self.docs[row] = d
            self.lexical.replace_rows(rows, [d.text for _, d in existing])
            self.meta.set_rows(rows, Metadata.from_docs([d for _, d in existing]))
            self.active[rows] = True
        if new:
            picks = [i for i, _ in new]
            for name in self.vectors:
                self.vectors[name] = dense.stored(
                    np.vstack([self.vectors[name], dense.stored(vectors[name][picks])])
                )
            for _, d in new:
                self.row_of[d.id] = len(self.docs)
                self.docs.append(d)
            self.lexical.append([d.text for _, d in new])
            self.meta = self.meta.concat(Metadata.from_docs([d for _, d in new]))
            self.active = np.concatenate([self.active, np.ones(len(new), dtype=bool)])
        self._update_centring(rows if existing else [])

    def _update_centring(self, changed_rows=()) -> None:
        """Estimate each centred signal's mean once the corpus has enough rows, again when it
        has doubled since; in between, changed and new rows get their terms for that mean."""
        for name in centred_signals(self.centred) & set(self.vectors):
            matrix, centring = self.vectors[name], self.centring.get(name)
            if centring is None or len(matrix) >= 2 * centring.rows:
                if len(matrix) >= CENTRE_MIN_ROWS:
                    self.centring[name] = Centring(matrix)
                continue
            if len(changed_rows):
                centring.set_rows(changed_rows, matrix[changed_rows])
            if len(matrix) > len(centring.offset):
                centring.append(matrix[len(centring.offset) :])

    def remove(self, ids) -> None:
        for doc_id in ids:
            row = self.row_of.get(doc_id)
            if row is not None:
                self.active[row] = False

    def __len__(self) -> int:
        return int(self.active.sum())

    # --- ranking --------------------------------------------------------------------
    def dense_scores(
        self, query_vectors: dict[str, np.ndarray], names=None
    ) -> dict[str, np.ndarray]:
        names = self.vectors if names is None else [n for n in names if n in self.vectors]
        return {name: dense.matvec(self.vectors[name], query_vectors[name]) for name in names}

    def ranking_scores(
        self, signals: dict[str, np.ndarray], query_vectors: dict, language: str
    ) -> dict[str, np.ndarray]:
        """The scores fused: centred cosines for the signals configured so for this language
        (the raw ones are what a match shows)."""
        centred = centred_for(self.centred, language) & set(self.centring) & set(signals)
        if not centred:
            return signals
        out = dict(signals)
        for name in centred:
            out[name] = self.centring[name].apply(signals[name], query_vectors[name])
        return out

    def needed_signals(self, query_language: str, languages: np.ndarray | None) -> set[str]:
        """The signals that carry weight for these candidates: the others are not computed
        over the corpus (only for the top k, to be shown), so an English query does not pay
        for a Japanese-only signal. `languages` None: all are in the query's language."""
        same = {name for name, w in weights_for(self.weights, query_language).items() if w > 0}
        if (
            query_language
            and languages is not None
            and ((languages != query_language) & (languages != "")).any()
        ):
            same.add(CROSS_LANGUAGE_SIGNAL)
        return same

    def other_languages(self, query_language: str) -> bool:
        """Whether any row is in another language than the query (else no cross-language
        bookkeeping is needed over the candidates)."""
        if self._languages is None or self._languages[0] is not self.meta.language:
            self._languages = (self.meta.language, set(np.unique(self.meta.language).tolist()))
        return bool(self._languages[1] - {query_language, ""}) and bool(query_language)

    def rank(
        self,
        query: Doc,
        top_k: int = 10,
        filters: Filters | None = None,
        diversity: float = 0.0,
        query_vectors: dict[str, np.ndarray] | None = None,
        explain: bool = True,
        exclude: set | None = None,
        stored_sentences: StoredSentences | None = None,
    ) -> list[Match]:
        """The top_k matches; `stored_sentences` reads the shown records' sentence vectors."""
        if not len(self):
            raise EmptyCorpus("the corpus is empty: nothing to rank against")
        mask = self.active.copy()
        passed = filter_mask(self.meta, filters)
        if passed is not None:
            mask &= passed
        for doc_id in exclude or ():
            if doc_id in self.row_of:
                mask[self.row_of[doc_id]] = False
        rows = np.flatnonzero(mask)
        if not len(rows):
            return []
        every_row = len(rows) == len(self.docs)
        languages = self.meta.language if every_row else self.meta.language[rows]
        mixed = languages if self.other_languages(query.language) else None
        if query_vectors is None:
            query_vectors = {n: v[0] for n, v in self.encode([query]).items()}
        weighted = self.needed_signals(query.language, mixed)
        signals = self.dense_scores(query_vectors, weighted)
        lexical = self.lexical.scores([query.text])
        signals["lexical_word"] = lexical["word"][0]
        signals["lexical_char"] = lexical["char"][0]
        ranked_on = [n for n in signals if n in weighted] or list(signals)
        scores = self.ranking_scores(signals, query_vectors, query.language)
        candidate = {n: scores[n] if every_row else scores[n][rows] for n in ranked_on}
        normalised = {name: zscore(values) for name, values in candidate.items()}
        fused = fuse(candidate, self.weights, query.language, mixed, normalised)

        pool = min(len(rows), max(top_k * 5, 50) if diversity > 0 else top_k)
        top = np.argpartition(-fused, pool - 1)[:pool] if pool < len(rows) else np.arange(len(rows))
        top = top[np.argsort(-fused[top], kind="stable")]
        if diversity > 0:
            basis = self.vectors.get("multilingual", next(iter(self.vectors.values())))
            top = mmr_select(top, fused[top], dense.as_float32(basis[rows[top]]), top_k, diversity)
        top = top[:top_k]

        raw = {name: values[rows[top]] for name, values in signals.items()}
        for name in set(self.vectors) - set(raw):  # weightless here: shown, not ranked on
            raw[name] = dense.rows_times(self.vectors[name], rows[top], query_vectors[name])
        matches, shown, weighted = [], [], []
        for position, i in enumerate(top):
            doc = self.docs[rows[i]]
            pair = pair_weights(self.weights, query.language, str(languages[i]))
            weighted.append({n: pair.get(n, 0.0) * float(normalised[n][i]) for n in normalised})
            shown.append(doc)
            matches.append(
                Match(
                    id=doc.id,
                    score=float(fused[i]),
                    signals={n: round(float(raw[n][position]), 4) for n in self.signal_order(raw)},
                )
            )
        if explain:
            whys = explain_matches(
                query, shown, self.lexical, self.sentences, weighted, stored_sentences
            )
            for match, why in zip(matches, whys, strict=True):
                match.why = why
        return matches

    def signal_order(self, raw: dict) -> list[str]:
        """Dense signals in encoder order, then the lexical ones, whatever was computed first."""
        return [n for n in self.vectors if n in raw] + [n for n in raw if n not in self.vectors]
