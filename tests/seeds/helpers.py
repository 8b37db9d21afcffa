"""Seed test helpers: seeds created through the real services, form payloads, counts."""

from __future__ import annotations

from matchmaker.audit.models import AuditEvent
from matchmaker.extensions import db
from matchmaker.seeds import services
from matchmaker.seeds.models import Seed, SeedStatus


def create_seed(owner, status: SeedStatus | str = SeedStatus.PUBLISHED, **fields) -> Seed:
    """A seed made by the service (so search_text is real), then moved to `status`."""
    values = {
        "title": "AI fall detection sensor",
        "summary": "Detects falls of elderly people living alone.",
        "trl": 6,
        "policy_areas": ("elderly_care",),
        "language": "en",
    }
    values.update(fields)
    values["policy_areas"] = tuple(values["policy_areas"])
    values["keywords"] = tuple(values.get("keywords", ()))
    seed = services.create_seed(owner, services.SeedData(**values))
    status = SeedStatus(status)
    if status is SeedStatus.PUBLISHED:
        services.transition(seed, "publish", owner)
    elif status is SeedStatus.ARCHIVED:
        services.transition(seed, "archive", owner)
    db.session.flush()
    return seed


def form_data(**overrides) -> dict:
    """A valid create/edit payload; pass a key as None to leave it out."""
    data = {
        "title": "防災ドローンによる被災状況の把握",
        "summary": "災害直後に自律飛行ドローンで被災状況を撮影し、地図にまとめます。",
        "description": "A drone flies a fixed route and uploads images.",
        "trl": "7",
        "policy_areas": ["disaster_prevention", "data_platform"],
        "keywords": "ドローン、防災, mapping",
        "track_record": "Pilot with two wards in 2025.",
        "website": "https://drone.example.org/",
        "ready_for_pilot": "y",
        "language": "ja",
        "title_translated": "Disaster drone mapping",
        "summary_translated": "Drones photograph damage right after a disaster.",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def seed_count() -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(Seed))


def audit_events(action: str | None = None) -> list[AuditEvent]:
    stmt = db.select(AuditEvent).order_by(AuditEvent.id)
    if action:
        stmt = stmt.where(AuditEvent.action == action)
    return list(db.session.scalars(stmt))


ACTOR_KINDS = (
    "anonymous",
    "owner",
    "colleague",
    "other_provider",
    "department",
    "reviewer",
    "coordinator",
    "admin",
)
MEMBERS = ("owner", "colleague")


def sign_in(login_as, kind: str, owner):
    """Sign the test client in as one kind of actor relative to `owner`'s organization."""
    from matchmaker.accounts.models import Role

    if kind == "anonymous":
        return None
    if kind == "owner":
        return login_as(user=owner)
    if kind == "colleague":
        return login_as(Role.PROVIDER, org=owner.organization)
    if kind == "other_provider":
        return login_as(Role.PROVIDER)
    return login_as(Role(kind))
