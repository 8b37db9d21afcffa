"""How this package's notifications read (rendered in the reader's language when shown)."""

from __future__ import annotations

from flask_babel import gettext as _

from matchmaker.notifications.kinds import notice_kind


@notice_kind("seed_fit")
def _seed_fit(params: dict) -> tuple[str, str]:
    subject = _("A new need fits your seed “%(seed)s”", seed=params.get("seed_title", ""))
    body = _(
        "“%(need)s” was just published and fits your seed with a score of %(score)s "
        "(your threshold: %(threshold)s).",
        need=params.get("need_title", ""),
        score=params.get("score", ""),
        threshold=params.get("threshold", ""),
    )
    return subject, body
