"""What the feeds carry: open calls and published results, newest first, public facts only."""

from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from matchmaker.calls.models import Call, CallStatus
from matchmaker.common import taxonomy
from matchmaker.common.labels import status_label
from matchmaker.common.timezone import format_tokyo
from matchmaker.db import utcnow
from matchmaker.extensions import db
from matchmaker.feeds.atom import Entry, Feed
from matchmaker.results.services import public_results, with_parties

FEED_SIZE = 50
SUMMARY_LENGTH = 1000


def _shorten(text: str, limit: int = SUMMARY_LENGTH) -> str:
    text = (text or "").strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _areas(codes: list[str], locale: str) -> list[tuple[str, str]]:
    return [(code, taxonomy.label(taxonomy.POLICY_AREAS, code, locale)) for code in codes]


def _feed(endpoint: str, list_endpoint: str, title: str, locale: str, entries: list[Entry]):
    self_url = url_for(endpoint, _external=True)
    return Feed(
        id=self_url,
        title=title,
        self_url=self_url,
        alternate_url=url_for(list_endpoint, _external=True),
        updated=max((e.updated for e in entries), default=utcnow()),
        author=_("Matchmaker"),
        language=locale,
        entries=entries,
    )


def calls_feed(locale: str) -> Feed:
    """Calls open for proposals now; scheduled, closed and draft calls are left out."""
    calls = db.session.scalars(
        select(Call)
        .where(Call.status == CallStatus.OPEN)
        .options(selectinload(Call.need), selectinload(Call.organization))
        .order_by(Call.opens_at.desc(), Call.id.desc())
        .limit(FEED_SIZE)
    )
    entries = []
    for call in calls:
        link = url_for("calls.show_call", call_id=call.id, _external=True)
        deadline = _("Closes %(date)s", date=format_tokyo(call.closes_at))
        entries.append(
            Entry(
                id=link,
                title=call.title,
                link=link,
                updated=call.updated_at,
                published=call.opened_at or call.published_at,
                summary=_shorten(f"{deadline}\n\n{call.description}"),
                authors=[call.organization.display_name(locale)],
                categories=_areas(call.need.policy_areas, locale),
                language=call.language,
            )
        )
    return _feed("feeds.calls", "calls.list_calls", _("Matchmaker: open calls"), locale, entries)


def results_feed(locale: str) -> Feed:
    """Published results of finished demonstration projects."""
    entries = []
    for project in db.session.scalars(with_parties(public_results()).limit(FEED_SIZE)):
        link = url_for("results.show_result", project_id=project.id, _external=True)
        categories = [(project.status.value, status_label(project.status))]
        entries.append(
            Entry(
                id=link,
                title=project.title,
                link=link,
                updated=max(project.updated_at, project.published_at),
                published=project.published_at,
                summary=_shorten(project.outcome or project.summary),
                authors=[
                    project.department.display_name(locale),
                    project.provider.display_name(locale),
                ],
                categories=categories + _areas(project.need.policy_areas, locale),
                language=project.language,
            )
        )
    title = _("Matchmaker: published results")
    return _feed("feeds.results", "results.list_results", title, locale, entries)
