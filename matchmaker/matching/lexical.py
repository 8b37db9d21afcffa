"""Lexical signals: English word n-grams and Japanese character n-grams (TF-IDF, scikit-learn)."""

from __future__ import annotations

import copy
import itertools
import re

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer

from matchmaker.common.text import normalize

CJK_RUN = re.compile(
    r"[\u3005\u3006\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f]+"
)

HIRAGANA_ONLY = re.compile(r"[\u3040-\u309f]+")


def without_cjk(text: str) -> str:
    """Word n-grams are for space-separated languages: Japanese runs go to the char signal."""
    return CJK_RUN.sub(" ", normalize(text))


def cjk_char_ngrams(text: str, low: int = 1, high: int = 3) -> list[str]:
    """Character n-grams inside runs of kana and kanji: Japanese has no spaces to split on."""
    grams = []
    for run in CJK_RUN.findall(text):
        for n in range(low, high + 1):
            grams.extend(run[i : i + n] for i in range(len(run) - n + 1))
    return grams


class LexicalScorer:
    """Two TF-IDF spaces fitted on the corpus; cosine similarity in each is one signal.

    Each space is kept once, term-major (one row of postings per term), so a query touches
    only the postings of its own terms; the document-major view is its free transpose.
    """

    def __init__(
        self,
        word_ngram=(1, 2),
        char_ngram=(1, 3),
        min_df: int = 1,
        min_df_from: int = 1000,
        max_features: int | None = None,
    ):
        # dropping one-off terms helps large corpora; a small one would lose its key terms
        self.min_df, self.min_df_from = min_df, min_df_from
        self.word = TfidfVectorizer(
            ngram_range=tuple(word_ngram),
            sublinear_tf=True,
            stop_words="english",
            min_df=min_df,
            max_features=max_features,  # bounds the vocabulary's memory on large corpora
            preprocessor=without_cjk,
            dtype=np.float32,
        )
        low, high = char_ngram
        self.char = TfidfVectorizer(
            analyzer=lambda text: cjk_char_ngrams(normalize(text), low, high),
            sublinear_tf=True,
            min_df=min_df,
            dtype=np.float32,
        )
        self.postings: dict[str, sparse.csr_matrix] = {}
        self._names: dict[str, np.ndarray] = {}

    def fit(self, texts: list[str], extra_texts: list[str] | None = None) -> LexicalScorer:
        """Learn vocabulary and IDF from the corpus plus `extra_texts` (the other side of the
        platform: needs when the corpus is seeds), then index the corpus alone."""
        extra = list(extra_texts or [])
        min_df = self.min_df if len(texts) + len(extra) >= self.min_df_from else 1
        self.word.set_params(min_df=min_df)
        self.char.set_params(min_df=min_df)
        self.postings = {
            "word": self._fit_one(self.word, texts, extra).T.tocsr(),
            "char": self._fit_one(self.char, texts, extra).T.tocsr(),
        }
        self._names = {}
        return self

    def fit_sides(self, sides: list[list[str]]) -> list[LexicalScorer]:
        """Learn vocabulary and IDF once over the union of the sides (needs and seeds), each
        text analysed once; one scorer per side indexes its own rows and shares the fitted
        vectorizers, so a term weighs the same on both sides (as `fit` with extra_texts)."""
        texts = [text for side in sides for text in side]
        min_df = self.min_df if len(texts) >= self.min_df_from else 1
        self.word.set_params(min_df=min_df)
        self.char.set_params(min_df=min_df)
        union = {
            "word": self._fit_transform(self.word, texts),
            "char": self._fit_transform(self.char, texts),
        }
        bounds = np.cumsum([0] + [len(side) for side in sides])
        scorers = []
        for start, stop in itertools.pairwise(bounds):
            scorer = copy.copy(self)  # shallow: the same fitted vectorizers
            scorer.postings = {name: m[start:stop].T.tocsr() for name, m in union.items()}
            scorer._names = {}
            scorers.append(scorer)
        return scorers

    def spread(self, columns: np.ndarray, n_docs: int) -> LexicalScorer:
        """Put the indexed documents at these positions of a corpus of n_docs (the others,
        removed rows, get no postings until an upsert gives them a text again)."""
        columns = np.asarray(columns, dtype=np.int64)
        for name, postings in self.postings.items():
            coo = postings.tocoo()
            self.postings[name] = sparse.csr_matrix(
                (coo.data, (coo.row, columns[coo.col])),
                shape=(postings.shape[0], n_docs),
                dtype=np.float32,
            )
        return self

    @property
    def word_matrix(self) -> sparse.csc_matrix:
        return self.postings["word"].T

    @property
    def char_matrix(self) -> sparse.csc_matrix:
        return self.postings["char"].T

    @property
    def n_docs(self) -> int:
        return self.postings["word"].shape[1] if self.postings else 0

    @staticmethod
    def _fit_one(
        vectorizer: TfidfVectorizer, texts: list[str], extra: list[str]
    ) -> sparse.csr_matrix:
        try:
            vectorizer.fit(list(texts) + extra)
            vectorizer.stop_words_ = None  # the pruned terms: only kept for introspection
        except ValueError:  # empty vocabulary (no English words, or no Japanese at all)
            vectorizer.vocabulary_ = {}
            return sparse.csr_matrix((len(texts), 0), dtype=np.float32)
        return vectorizer.transform(texts).tocsr()

    @staticmethod
    def _fit_transform(vectorizer: TfidfVectorizer, texts: list[str]) -> sparse.csr_matrix:
        try:
            matrix = vectorizer.fit_transform(texts)
            vectorizer.stop_words_ = None  # the pruned terms: only kept for introspection
        except ValueError:  # empty vocabulary (no English words, or no Japanese at all)
            vectorizer.vocabulary_ = {}
            return sparse.csr_matrix((len(texts), 0), dtype=np.float32)
        return matrix.tocsr()

    @staticmethod
    def _transform(vectorizer: TfidfVectorizer, texts: list[str]) -> sparse.csr_matrix:
        if not getattr(vectorizer, "vocabulary_", None):
            return sparse.csr_matrix((len(texts), 0), dtype=np.float32)
        return vectorizer.transform(texts).tocsr()

    def transform(self, texts: list[str]) -> dict[str, sparse.csr_matrix]:
        return {
            "word": self._transform(self.word, texts),
            "char": self._transform(self.char, texts),
        }

    def append(self, texts: list[str]) -> None:
        """Add documents in the fitted vocabulary (a later full refit picks up new terms)."""
        for name, added in self.transform(texts).items():
            self.postings[name] = sparse.hstack([self.postings[name], added.T]).tocsr()

    def replace_rows(self, rows: list[int], texts: list[str]) -> None:
        """New text for existing documents: their columns of postings are swapped."""
        rows_array = np.asarray(rows)
        for name, added in self.transform(texts).items():
            postings = self.postings[name].tocoo()
            kept = ~np.isin(postings.col, rows_array)
            new = added.tocoo()
            self.postings[name] = sparse.csr_matrix(
                (
                    np.concatenate([postings.data[kept], new.data]),
                    (
                        np.concatenate([postings.row[kept], new.col]),
                        np.concatenate([postings.col[kept], rows_array[new.row]]),
                    ),
                ),
                shape=postings.shape,
                dtype=np.float32,
            )

    def scores(self, query_texts: list[str]) -> dict[str, np.ndarray]:
        """Cosine similarity of each query against every corpus document."""
        out = {}
        for name, queries in self.transform(query_texts).items():
            if queries.shape[1] == 0 or not self.postings:
                out[name] = np.zeros((len(query_texts), self.n_docs), dtype=np.float32)
            elif len(query_texts) == 1:
                out[name] = self._one_query(self.postings[name], queries)[None, :]
            else:
                out[name] = np.asarray((queries @ self.postings[name]).toarray(), np.float32)
        return out

    @staticmethod
    def _one_query(postings: sparse.csr_matrix, query: sparse.csr_matrix) -> np.ndarray:
        """Only the query's own rows of postings, summed with its weights into a dense vector."""
        if not query.nnz:
            return np.zeros(postings.shape[1], dtype=np.float32)
        return np.asarray(postings[query.indices].T @ query.data, dtype=np.float32)

    def feature_names(self, name: str) -> np.ndarray:
        """Terms by column, built once per fit (explanations ask for them per match)."""
        if name not in self._names:
            vectorizer = self.word if name == "word" else self.char
            self._names[name] = vectorizer.get_feature_names_out()
        return self._names[name]

    def key_terms(self, text: str, top: int = 12) -> dict[str, float]:
        """The text's most distinctive terms with their weights, for explanations."""
        return self.key_terms_many([text], top)[0]

    def key_terms_many(self, texts: list[str], top: int = 12) -> list[dict[str, float]]:
        """key_terms of several texts (a query and its shown matches): one transform per space,
        so scikit-learn validates its input once per match list, not once per text."""
        terms: list[dict[str, float]] = [{} for _ in texts]
        for name, matrix in self.transform(list(texts)).items():
            if not matrix.shape[1]:
                continue
            names = self.feature_names(name)
            for i in range(len(texts)):
                found = terms[i]
                cols = matrix.indices[matrix.indptr[i] : matrix.indptr[i + 1]]
                weights = matrix.data[matrix.indptr[i] : matrix.indptr[i + 1]]
                for col, weight in zip(cols.tolist(), weights.tolist(), strict=True):
                    term = names[col]
                    if name == "char" and (len(term) < 2 or HIRAGANA_ONLY.fullmatch(term)):
                        continue  # particles and inflections (「ない」「して」) explain nothing
                    found[term] = max(found.get(term, 0.0), weight)
        return [dict(sorted(t.items(), key=lambda kv: -kv[1])[: top * 4]) for t in terms]
