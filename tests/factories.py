"""Factory helpers: build valid objects with as little typing as possible."""

from __future__ import annotations

import functools
import itertools

from matchmaker.accounts.models import AccountStatus, Organization, OrgKind, Role, User
from matchmaker.db import utcnow
from matchmaker.extensions import db
from matchmaker.needs.models import Need, NeedPolicyArea, NeedStatus
from matchmaker.seeds.models import Seed, SeedPolicyArea, SeedStatus

PASSWORD = "correct horse battery staple 42"
_seq = itertools.count(1)


@functools.cache
def _shared_password_hash() -> str:
    from werkzeug.security import generate_password_hash

    return generate_password_hash(PASSWORD, method="scrypt")


def make_org(kind: OrgKind = OrgKind.STARTUP, name: str | None = None) -> Organization:
    org = Organization(name=name or f"{kind.value}-{next(_seq)}", kind=kind)
    db.session.add(org)
    db.session.flush()
    return org


ROLE_ORG_KIND = {
    Role.DEPARTMENT: OrgKind.DEPARTMENT,
    Role.PROVIDER: OrgKind.STARTUP,
    Role.COORDINATOR: OrgKind.DEPARTMENT,
}


def make_user(
    role: Role = Role.PROVIDER,
    org: Organization | None = None,
    status: AccountStatus = AccountStatus.ACTIVE,
    email: str | None = None,
    password: str = PASSWORD,
) -> User:
    if org is None and role in ROLE_ORG_KIND:
        org = make_org(ROLE_ORG_KIND[role])
    n = next(_seq)
    user = User(
        email=email or f"{role.value}{n}@example.org",
        name=f"{role.value} {n}",
        role=role,
        status=status,
        organization=org,
    )
    if password == PASSWORD:  # scrypt is slow on purpose: hash the shared password only once
        user.password_hash = _shared_password_hash()
    else:
        user.set_password(password)
    db.session.add(user)
    db.session.flush()
    return user


def make_need(
    org: Organization | None = None,
    status: NeedStatus = NeedStatus.PUBLISHED,
    title: str = "高齢者の見守り",
    summary: str = "一人暮らしの高齢者を見守る仕組み",
    language: str = "ja",
    policy_areas: tuple[str, ...] = ("elderly_care",),
    **fields,
) -> Need:
    from matchmaker.common.text import search_blob

    org = org or make_org(OrgKind.DEPARTMENT)
    need = Need(
        organization=org, status=status, title=title, summary=summary, language=language, **fields
    )
    need.policy_area_rows = [NeedPolicyArea(code=c) for c in policy_areas]
    need.search_text = search_blob(
        title,
        summary,
        need.problem,
        need.desired_outcome,
        need.title_translated,
        need.summary_translated,
    )
    if status in (NeedStatus.PUBLISHED, NeedStatus.CLOSED):
        need.published_at = utcnow()
    db.session.add(need)
    db.session.flush()
    return need


def make_seed(
    org: Organization | None = None,
    status: SeedStatus = SeedStatus.PUBLISHED,
    title: str = "AI fall detection sensor",
    summary: str = "Detects falls of elderly people living alone",
    trl: int = 6,
    language: str = "en",
    policy_areas: tuple[str, ...] = ("elderly_care",),
    **fields,
) -> Seed:
    from matchmaker.common.text import search_blob

    org = org or make_org(OrgKind.STARTUP)
    seed = Seed(
        organization=org,
        status=status,
        title=title,
        summary=summary,
        trl=trl,
        language=language,
        **fields,
    )
    seed.policy_area_rows = [SeedPolicyArea(code=c) for c in policy_areas]
    seed.search_text = search_blob(
        title,
        summary,
        seed.description,
        seed.title_translated,
        seed.summary_translated,
        " ".join(seed.keywords or []),
    )
    if status is SeedStatus.PUBLISHED:
        seed.published_at = utcnow()
    db.session.add(seed)
    db.session.flush()
    return seed
