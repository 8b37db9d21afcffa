"""Import a Challenge.gov feed as needs: all entries in one transaction, updated by id."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import select

from matchmaker.accounts.models import Organization, OrgKind, User
from matchmaker.accounts.permissions import require_admin
from matchmaker.audit.services import record
from matchmaker.common.persistence import flush_or_conflict
from matchmaker.db import utcnow
from matchmaker.extensions import db
from matchmaker.matching.pending import mark_changed
from matchmaker.needs.models import Need, NeedPolicyArea, NeedStatus
from matchmaker.needs.services import search_text_for
from matchmaker.opendata.challenge_gov import SOURCE, Challenge, ParsedFeed, parse_feed

COPIED_FIELDS = (
    "title",
    "summary",
    "problem",
    "desired_outcome",
    "constraints",
    "timeline",
    "contact_name",
    "contact_email",
    "source_url",
    "budget_min",
    "budget_max",
    "budget_currency",
    "language",
)


@dataclass
class ImportSummary:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged + len(self.skipped)

    def line(self) -> str:
        return _(
            "%(created)d created, %(updated)d updated, %(unchanged)d unchanged, "
            "%(skipped)d skipped.",
            created=self.created,
            updated=self.updated,
            unchanged=self.unchanged,
            skipped=len(self.skipped),
        )


def _department(name: str, cache: dict[str, Organization], actor) -> Organization:
    """The agency's organization: reused by name, created as a department the first time."""
    if name in cache:
        return cache[name]
    org = db.session.scalar(select(Organization).where(Organization.name == name))
    if org is None:
        org = Organization(name=name, name_en=name, kind=OrgKind.DEPARTMENT)
        db.session.add(org)
        db.session.flush()
        record("organization_import", actor=actor, obj=org, source=SOURCE)
    cache[name] = org
    return org


def _target_status(need: Need, challenge: Challenge) -> NeedStatus:
    if need.status is NeedStatus.ARCHIVED:  # archived here stays archived
        return NeedStatus.ARCHIVED
    return NeedStatus.PUBLISHED if challenge.is_open else NeedStatus.CLOSED


def _apply(need: Need, challenge: Challenge) -> bool:
    """Copy the entry onto the need; whether anything changed."""
    status = _target_status(need, challenge)
    changed = need.status is not status or need.policy_areas != challenge.policy_areas
    for name in COPIED_FIELDS:
        value = getattr(challenge, name)
        if getattr(need, name) != value:
            setattr(need, name, value)
            changed = True
    if not changed:
        return False
    now = utcnow()
    need.status = status
    need.published_at = need.published_at or challenge.published_at or now
    if status is NeedStatus.CLOSED:
        need.closed_at = need.closed_at or challenge.closed_at or now
    else:
        need.closed_at = None
    keep = [row for row in need.policy_area_rows if row.code in challenge.policy_areas]
    have = {row.code for row in keep}
    need.policy_area_rows = keep + [
        NeedPolicyArea(code=c) for c in challenge.policy_areas if c not in have
    ]
    need.search_text = search_text_for(need, challenge.policy_areas)
    need.updated_at = now
    return True


def import_feed(
    raw: bytes, actor: User | None = None, progress: Callable[[int], None] | None = None
) -> ImportSummary:
    """Parse first (a bad file raises FeedError and writes nothing), then import every entry."""
    if actor is not None:  # the command line runs without a signed-in user
        require_admin(actor, _("Only administrators can import needs."))
    return import_parsed(parse_feed(raw), actor, progress)


def import_parsed(
    parsed: ParsedFeed, actor: User | None = None, progress: Callable[[int], None] | None = None
) -> ImportSummary:
    """Create or update each need by (source, challenge-id); the caller commits, and the
    committed needs are then encoded for matching (request teardown or the command)."""
    summary = ImportSummary(skipped=list(parsed.skipped))
    if progress and parsed.skipped:
        progress(len(parsed.skipped))
    existing = {
        need.external_id: need
        for need in db.session.scalars(select(Need).where(Need.source == SOURCE))
    }
    departments: dict[str, Organization] = {}
    for challenge in parsed.challenges:
        org = _department(challenge.agency, departments, actor)
        if not org.is_department:
            summary.skipped.append(
                (challenge.external_id, _("%(name)s is not a department", name=org.name))
            )
        else:
            _save(challenge, org, existing.get(challenge.external_id), actor, summary)
        if progress:
            progress(1)
    flush_or_conflict(_("Another import changed these needs at the same moment. Try again."))
    return summary


def _save(challenge: Challenge, org, need: Need | None, actor, summary: ImportSummary) -> None:
    created = need is None
    if need is None:
        need = Need(
            organization_id=org.id, source=SOURCE, external_id=challenge.external_id, status=None
        )
        db.session.add(need)
    source = need.status
    moved = not created and need.organization_id != org.id  # the agency's name changed
    need.organization_id = org.id
    if not _apply(need, challenge) and not moved and not created:
        summary.unchanged += 1
        return
    flush_or_conflict(_("Another import changed these needs at the same moment. Try again."))
    mark_changed(db.session, "need", need.id)
    record(
        "need_import",
        actor=actor,
        obj=need,
        source=SOURCE,
        external_id=challenge.external_id,
        **{"from": source, "to": need.status},
    )
    if created:
        summary.created += 1
    else:
        summary.updated += 1
