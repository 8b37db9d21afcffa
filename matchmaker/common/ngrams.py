"""Character n-grams of normalised search text: what the search index holds and looks up."""

from __future__ import annotations

import re

# Han, kana, Hangul, CJK symbols and half-width kana: Japanese puts no spaces between words, so
# a two-character word (防災, 介護) is found through the bigrams of two such characters. No
# character here changes case, so SQLite's case folding leaves their bigrams as they are.
CJK_RANGES = (
    (0x2E80, 0x2FDF),
    (0x3001, 0x9FFF),
    (0xAC00, 0xD7AF),
    (0xF900, 0xFAFF),
    (0xFF61, 0xFFDC),
    (0x20000, 0x3FFFF),
)
MAX_TERM_GRAMS = 8  # more would only make the index lookup slower; the LIKE decides anyway
_RUN = re.compile(r"[^ \t\n\r\f\v]+")  # PostgreSQL splits on these too; see the migration


def is_cjk(char: str) -> bool:
    code = ord(char)
    return any(low <= code <= high for low, high in CJK_RANGES)


def _bigrams(run: str) -> list[str]:
    return [run[i : i + 2] for i in range(len(run) - 1) if is_cjk(run[i]) and is_cjk(run[i + 1])]


def text_grams(text: str) -> set[str]:
    """What the index holds for a text: the trigrams of each run between white space, and the
    bigrams of two CJK characters (PostgreSQL's search_grams() computes the same in SQL)."""
    grams: set[str] = set()
    for run in _RUN.findall(text):
        grams.update(run[i : i + 3] for i in range(len(run) - 2))
        grams.update(_bigrams(run))
    return grams


def term_grams(term: str) -> list[str]:
    """Grams that every text containing `term` holds: its trigrams, or the bigram of a
    two-character CJK term; none for shorter terms (their search reads every row)."""
    grams: list[str] = []
    for run in _RUN.findall(term):
        if len(run) >= 3:
            grams.extend(run[i : i + 3] for i in range(len(run) - 2))
        elif len(run) == 2:
            grams.extend(_bigrams(run))
    return _spread(list(dict.fromkeys(grams)), MAX_TERM_GRAMS)


def _spread(items: list[str], limit: int) -> list[str]:
    """At most `limit` items, the first and the last included, evenly spaced in between."""
    if len(items) <= limit:
        return items
    step = (len(items) - 1) / (limit - 1)
    return list(dict.fromkeys(items[round(i * step)] for i in range(limit)))
