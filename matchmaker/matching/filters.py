"""Filters applied to the candidate set before the ranking is cut to the top k."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from matchmaker.common.taxonomy import POLICY_AREAS

AREA_BITS = {code: 1 << i for i, code in enumerate(POLICY_AREAS)}
# fixed-width strings compare in C: an object array costs milliseconds per 100k rows
KIND_DTYPE = "<U24"
LANGUAGE_DTYPE = "<U8"


def area_mask(codes) -> int:
    mask = 0
    for code in codes or ():
        mask |= AREA_BITS.get(code, 0)
    return mask


@dataclass
class Filters:
    policy_areas: list[str] = field(default_factory=list)  # any of these
    min_trl: int | None = None
    org_kinds: list[str] = field(default_factory=list)
    ready_for_pilot: bool = False
    languages: list[str] = field(default_factory=list)

    def is_empty(self) -> bool:
        return not (
            self.policy_areas
            or self.min_trl
            or self.org_kinds
            or self.ready_for_pilot
            or self.languages
        )


@dataclass
class Metadata:
    """Column arrays describing the corpus rows, so filters are vectorised."""

    areas: np.ndarray  # int64 bit masks
    trl: np.ndarray  # int16, 0 = unknown
    org_kind: np.ndarray  # KIND_DTYPE
    ready: np.ndarray  # bool
    language: np.ndarray  # LANGUAGE_DTYPE
    org_id: np.ndarray  # int64, 0 = unknown

    @classmethod
    def empty(cls) -> Metadata:
        return cls(
            np.zeros(0, np.int64),
            np.zeros(0, np.int16),
            np.zeros(0, KIND_DTYPE),
            np.zeros(0, bool),
            np.zeros(0, LANGUAGE_DTYPE),
            np.zeros(0, np.int64),
        )

    @classmethod
    def from_docs(cls, docs) -> Metadata:
        return cls(
            areas=np.array([area_mask(d.policy_areas) for d in docs], dtype=np.int64),
            trl=np.array([d.trl or 0 for d in docs], dtype=np.int16),
            org_kind=np.array([d.org_kind or "" for d in docs], dtype=KIND_DTYPE),
            ready=np.array([bool(d.ready_for_pilot) for d in docs], dtype=bool),
            language=np.array([d.language or "" for d in docs], dtype=LANGUAGE_DTYPE),
            org_id=np.array([d.org_id or 0 for d in docs], dtype=np.int64),
        )

    def concat(self, other: Metadata) -> Metadata:
        return Metadata(
            *(
                np.concatenate([getattr(self, f), getattr(other, f)])
                for f in ("areas", "trl", "org_kind", "ready", "language", "org_id")
            )
        )

    def set_rows(self, rows: list[int], other: Metadata) -> None:
        for f in ("areas", "trl", "org_kind", "ready", "language", "org_id"):
            getattr(self, f)[rows] = getattr(other, f)


def filter_mask(meta: Metadata, filters: Filters | None) -> np.ndarray | None:
    """Boolean mask of rows that pass, or None when nothing is filtered."""
    if filters is None or filters.is_empty():
        return None
    mask = np.ones(len(meta.trl), dtype=bool)
    if filters.policy_areas:
        mask &= (meta.areas & area_mask(filters.policy_areas)) != 0
    if filters.min_trl:
        mask &= meta.trl >= filters.min_trl
    if filters.org_kinds:
        mask &= np.isin(meta.org_kind, list(filters.org_kinds))
    if filters.ready_for_pilot:
        mask &= meta.ready
    if filters.languages:
        mask &= np.isin(meta.language, list(filters.languages))
    return mask
