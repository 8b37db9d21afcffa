"""Text normalisation shared by search and matching."""

from __future__ import annotations

import unicodedata


def normalize(text: str | None) -> str:
    """NFKC + casefold, so full-width/half-width and case differences do not matter."""
    return unicodedata.normalize("NFKC", text or "").casefold()


def search_blob(*parts: str | None) -> str:
    """Concatenate the searchable fields of a record into one normalised column."""
    return "\n".join(normalize(p) for p in parts if p)
