"""Load the bilingual demo data into an empty database, with freshly generated passwords."""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import timedelta
from functools import cache
from pathlib import Path

from sqlalchemy import func, select

from matchmaker.accounts.models import AccountStatus, Organization, OrgKind, Role, User
from matchmaker.accounts.passwords import password_problems
from matchmaker.accounts.services import create_user
from matchmaker.audit.services import record
from matchmaker.db import utcnow
from matchmaker.demo.projects import add_project_steps
from matchmaker.demo.selection import play_selection
from matchmaker.extensions import db
from matchmaker.needs import services as needs_services
from matchmaker.needs.models import Need, NeedPolicyArea, NeedStatus
from matchmaker.seeds import services as seeds_services
from matchmaker.seeds.models import Seed, SeedPolicyArea, SeedStatus

DATA_PATH = Path(__file__).with_name("data.json")
NEED_FIELDS = [
    "language",
    "title",
    "summary",
    "problem",
    "desired_outcome",
    "constraints",
    "title_translated",
    "summary_translated",
    "budget_min",
    "budget_max",
    "demo_site",
    "timeline",
    "contact_name",
    "contact_email",
    "min_trl",
]
SEED_FIELDS = [
    "language",
    "title",
    "summary",
    "description",
    "title_translated",
    "summary_translated",
    "trl",
    "track_record",
    "website",
]


@dataclass(frozen=True)
class DemoAccount:
    """A created demo account; the password exists only in memory, to be printed once."""

    email: str
    name: str
    role: Role
    organization: str | None
    password: str


@cache
def demo_data() -> dict:
    return json.loads(DATA_PATH.read_text(encoding="utf-8"))


def demo_emails() -> list[str]:
    return [u["email"] for u in demo_data()["users"]]


def database_has_content() -> bool:
    """Demo data goes only into a database without users, needs or seeds."""
    return any(
        db.session.scalar(select(func.count()).select_from(model)) for model in (User, Need, Seed)
    )


def generate_password(email: str = "", name: str = "") -> str:
    """A random password that the password rules accept (retry in the unlikely other case)."""
    while True:
        password = secrets.token_urlsafe(15)
        if not password_problems(password, email=email, name=name):
            return password


def load_demo_data() -> list[DemoAccount] | None:
    """Create organizations, accounts, needs, seeds, the selection workflow on them (calls,
    proposals, reviews, notices) and the demonstration projects that followed; None when the
    database has content."""
    if database_has_content():
        return None
    data = demo_data()
    now = utcnow()
    orgs = {o["key"]: _organization(o) for o in data["organizations"]}
    accounts: list[DemoAccount] = []
    users: dict[str, User] = {}
    for spec in data["users"]:
        org = orgs[spec["organization"]] if spec["organization"] else None
        password = generate_password(spec["email"], spec["name"])
        user = create_user(
            spec["email"],
            spec["name"],
            password,
            Role(spec["role"]),
            organization=org,
            status=AccountStatus.ACTIVE,
        )
        user.locale = spec.get("locale")
        users[spec["key"]] = user
        accounts.append(
            DemoAccount(
                user.email, user.name, user.role, org.display_name("en") if org else None, password
            )
        )
    coordinator = users.get("coordinator")
    needs = {spec["key"]: _need(spec, orgs, users, coordinator, now) for spec in data["needs"]}
    seeds = {spec["key"]: _seed(spec, orgs, users, now) for spec in data["seeds"]}
    db.session.flush()
    calls = play_selection(
        data,
        users,
        needs,
        seeds,
        now,
        more_steps=lambda timeline, calls: add_project_steps(timeline, data, users, calls),
    )
    record(
        "demo_data_loaded",
        organizations=len(orgs),
        users=len(users),
        needs=len(data["needs"]),
        seeds=len(data["seeds"]),
        calls=len(calls),
        projects=len(data.get("projects", [])),
    )
    return accounts


def _organization(spec: dict) -> Organization:
    """Reuse an organization an administrator already created under the same name."""
    org = db.session.scalar(select(Organization).where(Organization.name == spec["name"]))
    if org is None:
        org = Organization(
            name=spec["name"],
            name_en=spec.get("name_en"),
            kind=OrgKind(spec["kind"]),
            website=spec.get("website"),
            description=spec.get("description"),
        )
        db.session.add(org)
        db.session.flush()
        record("organization_created", obj=org, kind=org.kind, source="demo")
    return org


def _need(spec: dict, orgs: dict, users: dict, coordinator: User | None, now) -> Need:
    status = NeedStatus(spec["status"])
    created_at = now - timedelta(days=spec["days_ago"] + 7)
    fields = {k: spec.get(k) for k in NEED_FIELDS}
    creator = users.get(spec["created_by"]) if spec.get("created_by") else None
    need = Need(
        organization=orgs[spec["organization"]],
        created_by=creator,
        status=status,
        sdg_goals=list(spec.get("sdg_goals", [])),
        created_at=created_at,
        updated_at=created_at,
        **fields,
    )
    need.policy_area_rows = [NeedPolicyArea(code=c) for c in spec["policy_areas"]]
    need.search_text = needs_services.search_text_for(need, spec["policy_areas"])
    if status is not NeedStatus.DRAFT:
        need.submitted_at = created_at + timedelta(days=5)
    if status is NeedStatus.PUBLISHED:
        need.published_at = now - timedelta(days=spec["days_ago"])
    db.session.add(need)
    db.session.flush()
    steps = [("create", creator, None, NeedStatus.DRAFT)]
    if need.submitted_at:
        steps.append(("submit", creator, NeedStatus.DRAFT, NeedStatus.IN_REVIEW))
    if need.published_at:
        steps.append(("approve", coordinator, NeedStatus.IN_REVIEW, NeedStatus.PUBLISHED))
    for action, actor, source, target in steps:  # the same events the needs workflow records
        record(
            f"need_{action}", actor=actor, obj=need, source="demo", **{"from": source, "to": target}
        )
    return need


def _seed(spec: dict, orgs: dict, users: dict, now) -> Seed:
    status = SeedStatus(spec["status"])
    created_at = now - timedelta(days=spec["days_ago"] + 2)
    fields = {k: spec.get(k) for k in SEED_FIELDS}
    creator = users.get(spec["created_by"]) if spec.get("created_by") else None
    seed = Seed(
        organization=orgs[spec["organization"]],
        created_by=creator,
        status=status,
        keywords=list(spec.get("keywords", [])),
        ready_for_pilot=bool(spec.get("ready_for_pilot")),
        created_at=created_at,
        updated_at=created_at,
        **fields,
    )
    seed.policy_area_rows = [SeedPolicyArea(code=c) for c in spec["policy_areas"]]
    seed.search_text = seeds_services.search_text_for(seed)
    if status is SeedStatus.PUBLISHED:
        seed.published_at = now - timedelta(days=spec["days_ago"])
    db.session.add(seed)
    db.session.flush()
    record(
        "seed_create",
        actor=creator,
        obj=seed,
        source="demo",
        from_status=None,
        to_status=SeedStatus.DRAFT,
    )
    if seed.published_at:
        record(
            "seed_publish",
            actor=creator,
            obj=seed,
            source="demo",
            from_status=SeedStatus.DRAFT,
            to_status=SeedStatus.PUBLISHED,
        )
    return seed
