"""Brute-force sign-in: wrong passwords against one account and across many accounts from one
address, until the limiter answers 429; the right password is refused while limited."""

from __future__ import annotations

import re
from collections import Counter

from sqlalchemy import select

from matchmaker.accounts.models import Role
from matchmaker.audit.models import AuditEvent
from matchmaker.extensions import db
from tests.factories import PASSWORD, make_user
from tests.security.report import REPORT

CATEGORY = "Brute-force login"


def limit_of(app, key: str) -> int:
    """The count of a limit such as "5 per 5 minutes"."""
    return int(re.match(r"\s*(\d+)", app.config[f"MATCHMAKER_LOGIN_LIMIT_{key}"]).group(1))


class Attacker:
    """Posts sign-in attempts from one address and tallies the answers."""

    def __init__(self, app, ip: str):
        self.client = app.test_client()
        self.ip = ip
        self.statuses: Counter = Counter()

    def attempt(self, email: str, password: str) -> int:
        response = self.client.post(
            "/login",
            data={"email": email, "password": password},
            environ_overrides={"REMOTE_ADDR": self.ip},
        )
        status = response.status_code
        self.statuses[status] += 1
        REPORT.add(CATEGORY, "examples")
        REPORT.response(CATEGORY, status)
        REPORT.add(CATEGORY, "accepted" if status == 302 else "refused")
        assert status in (200, 302, 429), status
        if status == 429:
            assert response.headers.get("Retry-After")
        return status


def failed_logins() -> int:
    stmt = select(db.func.count()).select_from(AuditEvent)
    return db.session.scalar(stmt.where(AuditEvent.action == "login_failed"))


def test_one_account(app):
    per_account = limit_of(app, "PER_ACCOUNT")
    assert per_account < limit_of(app, "PER_IP")
    victim = make_user(Role.PROVIDER)
    audit_before = failed_logins()
    attacker = Attacker(app, "198.51.100.7")
    answers = [attacker.attempt(victim.email, f"guess number {i:04d}") for i in range(per_account)]
    assert answers == [200] * per_account  # the form again, with a generic error
    assert attacker.attempt(victim.email, "one guess too many") == 429
    assert attacker.attempt(victim.email, PASSWORD) == 429  # the right password, too
    for variant in (victim.email.upper(), f"  {victim.email} ", f"{victim.email}\x00"):
        assert attacker.attempt(variant, PASSWORD) == 429  # the same account, spelt otherwise
    elsewhere = Attacker(app, "203.0.113.9")
    assert elsewhere.attempt(victim.email, PASSWORD) == 429  # the account's limit, any address
    bystander = make_user(Role.PROVIDER)
    assert elsewhere.attempt(bystander.email, PASSWORD) == 302  # no one else is locked out
    assert failed_logins() - audit_before == per_account  # each refused guess is in the audit
    statuses = attacker.statuses + elsewhere.statuses
    REPORT.note(
        CATEGORY,
        f"one account: {sum(statuses.values())} attempts; {statuses[200]} wrong passwords "
        f"answered with the form (audited as login_failed), then {statuses[429]} × 429 "
        "(the right password and other spellings of the address included, also from a second "
        f"address); another account still signed in ({statuses[302]} × 302)",
    )


def test_many_accounts_from_one_address(app):
    per_ip = limit_of(app, "PER_IP")
    accounts = [make_user(Role.PROVIDER) for _ in range(per_ip + 4)]
    audit_before = failed_logins()
    attacker = Attacker(app, "192.0.2.44")
    # every other guess names an address that has no account: it costs the same
    emails = [u.email if i % 2 else f"nobody{i}@example.org" for i, u in enumerate(accounts)]
    answers = [attacker.attempt(email, "Password123456") for email in emails]
    assert answers[:per_ip] == [200] * per_ip
    assert set(answers[per_ip:]) == {429}
    assert attacker.attempt(accounts[-1].email, PASSWORD) == 429  # right password, same address
    assert failed_logins() - audit_before == per_ip
    other = Attacker(app, "192.0.2.45")
    assert other.attempt(accounts[-1].email, PASSWORD) == 302  # its owner, from elsewhere
    statuses = attacker.statuses + other.statuses
    REPORT.note(
        CATEGORY,
        f"{len(accounts)} addresses (half without an account) from one IP address: "
        f"{sum(statuses.values())} attempts; "
        f"{statuses[200]} wrong passwords answered with the form, then {statuses[429]} × 429 "
        f"(the right password included); the owner from another address signed in "
        f"({statuses[302]} × 302)",
    )
