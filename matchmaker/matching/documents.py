"""What the matcher sees of a need or a seed: text plus the facts filters need."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

from matchmaker.matching.lexical import CJK_RUN


@dataclass
class Doc:
    id: int | str
    title: str
    body: str
    language: str = ""
    policy_areas: list[str] = field(default_factory=list)
    trl: int | None = None
    org_kind: str = ""
    ready_for_pilot: bool = False
    org_id: int | None = None

    @property
    def text(self) -> str:
        return f"{self.title}. {self.body}".strip(". ") if self.title else self.body

    @property
    def text_hash(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()


def guess_language(text: str) -> str:
    """ja when a noticeable share of the characters are kana or kanji, else en."""
    cjk = sum(len(run) for run in CJK_RUN.findall(text[:2000]))
    return "ja" if cjk >= max(3, 0.2 * len(text[:2000].replace(" ", ""))) else "en"


def doc_from_record(record: dict) -> Doc:
    """A line of the shared JSONL format: id, title, description and optional extras."""
    title = str(record.get("title") or "")
    body = str(record.get("description") or "")
    return Doc(
        id=record["id"],
        title=title,
        body=body,
        language=str(record.get("language") or guess_language(title + " " + body)),
        policy_areas=list(record.get("policy_areas") or []),
        trl=record.get("trl"),
        org_kind=str(record.get("org_kind") or ""),
        ready_for_pilot=bool(record.get("ready_for_pilot")),
    )


SENTENCE_END = re.compile(r"(?<=[。．！？!?])\s*|(?<=\.)\s+|\n+")


def split_sentences(text: str, max_sentences: int = 24) -> list[str]:
    """Sentences for explanations; very long texts keep their first sentences."""
    parts = [s.strip() for s in SENTENCE_END.split(text or "") if s and s.strip()]
    return [p[:400] for p in parts if len(p) > 3][:max_sentences]
