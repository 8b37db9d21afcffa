"""Organizations and accounts of the load run, inserted in bulk with one real scrypt hash that
every load account shares (they share the password, so one hash is as valid as many)."""

from __future__ import annotations

import math
import secrets
from dataclasses import dataclass, field

from sqlalchemy import insert
from werkzeug.security import generate_password_hash

from matchmaker.accounts.models import AccountStatus, Organization, OrgKind, Role, User
from matchmaker.db import utcnow
from matchmaker.loadtest.rows import ORG_KINDS

DEPARTMENTS = 20
SEEDS_PER_ORG = 20
EMAIL_DOMAIN = "load.matchmaker.test"


@dataclass
class Accounts:
    password: str
    department_ids: list[int] = field(default_factory=list)
    provider_org_ids: list[int] = field(default_factory=list)  # owners of the seeds
    department_users: list[tuple[str, int]] = field(default_factory=list)  # (e-mail, org id)
    providers: list[tuple[str, int]] = field(default_factory=list)  # proposal writers
    login_emails: list[str] = field(default_factory=list)  # only for the login scenario

    @property
    def users(self) -> int:
        return len(self.department_users) + len(self.providers) + len(self.login_emails)


def _insert(conn, table, rows: list[dict]) -> list[int]:
    """Many rows per statement; ids back in the order given."""
    if not rows:
        return []
    stmt = insert(table).returning(table.c.id, sort_by_parameter_order=True)
    return [row[0] for row in conn.execute(stmt, rows)]


def _user(email: str, name: str, role: Role, org_id: int, password_hash: str, now) -> dict:
    return {
        "email": email,
        "name": name,
        "password_hash": password_hash,
        "role": role,
        "status": AccountStatus.ACTIVE,
        "organization_id": org_id,
        "session_token": secrets.token_hex(16),
        "created_at": now,
        "approved_at": now,
    }


def create_accounts(
    conn, *, departments: int, department_users: int, providers: int, logins: int, seeds: int
) -> Accounts:
    """Departments, provider organizations (enough to own the seeds) and their accounts."""
    now = utcnow()
    accounts = Accounts(password=secrets.token_urlsafe(18))
    password_hash = generate_password_hash(accounts.password, method="scrypt")
    orgs = Organization.__table__
    accounts.department_ids = _insert(
        conn,
        orgs,
        [
            {
                "name": f"負荷試験局 第{n + 1:02d}部",
                "name_en": f"Load test bureau, division {n + 1:02d}",
                "kind": OrgKind.DEPARTMENT,
                "created_at": now,
            }
            for n in range(departments)
        ],
    )
    provider_orgs = max(providers + logins, math.ceil(seeds / SEEDS_PER_ORG), 1)
    accounts.provider_org_ids = _insert(
        conn,
        orgs,
        [
            {
                "name": f"負荷試験事業者 {n + 1:05d}",
                "name_en": f"Load test provider {n + 1:05d}",
                "kind": ORG_KINDS[n % len(ORG_KINDS)],
                "created_at": now,
            }
            for n in range(provider_orgs)
        ],
    )
    rows = []
    for n in range(department_users):
        org_id = accounts.department_ids[n % departments]
        email = f"department-{n + 1:04d}@{EMAIL_DOMAIN}"
        rows.append(
            _user(email, f"Department {n + 1}", Role.DEPARTMENT, org_id, password_hash, now)
        )
        accounts.department_users.append((email, org_id))
    for n in range(providers + logins):
        org_id = accounts.provider_org_ids[n]
        kind = "provider" if n < providers else "login"
        email = f"{kind}-{n + 1:05d}@{EMAIL_DOMAIN}"
        rows.append(_user(email, f"Provider {n + 1}", Role.PROVIDER, org_id, password_hash, now))
        if n < providers:
            accounts.providers.append((email, org_id))
        else:
            accounts.login_emails.append(email)
    for start in range(0, len(rows), 1000):
        _insert(conn, User.__table__, rows[start : start + 1000])
    return accounts
