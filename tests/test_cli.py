"""Command-line tools: demo accounts with one-time passwords, password resets, first admin."""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import JSON, String, Text, select

from matchmaker.accounts.models import AccountStatus, Organization, OrgKind, Role, User
from matchmaker.audit.models import AuditEvent
from matchmaker.db import Base
from matchmaker.demo.services import DATA_PATH
from matchmaker.extensions import db
from tests.factories import PASSWORD, make_org, make_user

NEW_PASSWORD = "a brand new pass phrase 2026"
CREATE = ["users", "create", "--password-stdin"]
ACCOUNT_LINE = re.compile(r"^\s+(\w+)\s+(\S+@\S+)\s+(\S+)\s", re.MULTILINE)


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def printed_accounts(output: str) -> dict[str, str]:
    return {email: password for _role, email, password in ACCOUNT_LINE.findall(output)}


def committed(obj):
    """Commit setup data as a real database would hold it (a refused command rolls back)."""
    db.session.commit()
    return obj


def user_by_email(email: str) -> User:
    return db.session.scalar(select(User).where(User.email == email))


def test_demo_passwords_are_printed_once_and_work_on_the_login_page(runner, client):
    result = runner.invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    accounts = printed_accounts(result.output)
    demo_users = json.loads(DATA_PATH.read_text(encoding="utf-8"))["users"]
    assert len(accounts) == len(demo_users) >= 8
    assert len(set(accounts.values())) == len(accounts)
    assert all(len(p) >= 16 for p in accounts.values())
    for email, password in accounts.items():
        response = client.post("/login", data={"email": email, "password": password})
        assert response.status_code == 302, email
        client.post("/logout", data={})

    again = runner.invoke(args=["demo", "load"])
    assert not any(password in again.output for password in accounts.values())


def test_demo_passwords_are_not_stored_in_plain_text(runner):
    result = runner.invoke(args=["demo", "load"])
    passwords = list(printed_accounts(result.output).values())
    assert passwords
    for table in Base.metadata.sorted_tables:
        columns = [c for c in table.columns if isinstance(c.type, String | Text | JSON)]
        if not columns:
            continue
        for row in db.session.execute(select(*columns)):
            for value in row:
                text = str(value)
                assert not any(p in text for p in passwords), table.name
    for user in db.session.scalars(select(User)):
        assert user.password_hash.startswith("scrypt:")


def test_set_password_from_stdin(runner, client):
    user = make_user(Role.DEPARTMENT)
    old_token = user.session_token
    result = runner.invoke(
        args=["users", "set-password", user.email.upper(), "--password-stdin"],
        input=NEW_PASSWORD + "\n",
    )
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    user = user_by_email(user.email)
    assert user.check_password(NEW_PASSWORD) and not user.check_password(PASSWORD)
    assert user.session_token != old_token
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "password_set"))
    response = client.post("/login", data={"email": user.email, "password": NEW_PASSWORD})
    assert response.status_code == 302


def test_set_password_prompts_twice(runner):
    user = make_user()
    result = runner.invoke(
        args=["users", "set-password", user.email], input=f"{NEW_PASSWORD}\n{NEW_PASSWORD}\n"
    )
    assert result.exit_code == 0, result.output
    assert NEW_PASSWORD not in result.output  # hidden input
    db.session.expire_all()
    assert user_by_email(user.email).check_password(NEW_PASSWORD)


def test_set_password_with_different_confirmation_changes_nothing(runner):
    user = committed(make_user())
    result = runner.invoke(
        args=["users", "set-password", user.email],
        input=f"{NEW_PASSWORD}\nsomething else entirely\n",
    )
    assert result.exit_code != 0
    db.session.expire_all()
    assert user_by_email(user.email).check_password(PASSWORD)


@pytest.mark.parametrize("weak", ["short", "password1234", "aaaaaaaaaaaaaaaa"])
def test_set_password_rejects_weak_passwords(runner, weak):
    user = committed(make_user())
    result = runner.invoke(
        args=["users", "set-password", user.email, "--password-stdin"], input=weak + "\n"
    )
    assert result.exit_code == 1
    assert "Password refused" in result.output and "Traceback" not in result.output
    db.session.expire_all()
    assert user_by_email(user.email).check_password(PASSWORD)


def test_set_password_for_unknown_email(runner):
    result = runner.invoke(
        args=["users", "set-password", "nobody@example.org", "--password-stdin"],
        input=NEW_PASSWORD + "\n",
    )
    assert result.exit_code == 1
    assert "No account" in result.output and "Traceback" not in result.output
    assert isinstance(result.exception, SystemExit)  # a clean exit, not a crash


def test_create_first_admin(runner, client):
    result = runner.invoke(
        args=[*CREATE, "--role", "admin", "--email", "Chief@City.example.org", "--name", "Admin"],
        input=NEW_PASSWORD + "\n",
    )
    assert result.exit_code == 0, result.output
    admin = user_by_email("chief@city.example.org")
    assert admin.role is Role.ADMIN and admin.status is AccountStatus.ACTIVE
    assert (
        client.post("/login", data={"email": admin.email, "password": NEW_PASSWORD}).status_code
        == 302
    )


def test_create_department_user_in_a_department(runner):
    dept = make_org(OrgKind.DEPARTMENT, name="環境局")
    result = runner.invoke(
        args=[
            *CREATE,
            "--role",
            "department",
            "--email",
            "staff@city.example.org",
            "--name",
            "Staff",
            "--organization-id",
            str(dept.id),
        ],
        input=NEW_PASSWORD + "\n",
    )
    assert result.exit_code == 0, result.output
    assert user_by_email("staff@city.example.org").organization_id == dept.id


@pytest.mark.parametrize(
    "extra, message",
    [
        (["--role", "department"], "needs --organization-id"),
        (["--role", "department", "--organization-id", "STARTUP"], "must belong to a department"),
        (["--role", "admin", "--organization-id", "999999"], "No organization has id"),
        (["--role", "admin", "--email", "taken@example.org"], "exists"),
    ],
)
def test_create_user_refusals(runner, extra, message):
    startup = make_org(OrgKind.STARTUP)
    committed(make_user(email="taken@example.org"))
    extra = [str(startup.id) if e == "STARTUP" else e for e in extra]
    args = ["users", "create", "--email", "new@example.org", "--name", "New"]
    args += [*extra, "--password-stdin"]
    if "--email" in extra:
        args = ["users", "create", "--name", "New", *extra, "--password-stdin"]
    before = db.session.scalar(select(db.func.count()).select_from(User))
    result = runner.invoke(args=args, input=NEW_PASSWORD + "\n")
    assert result.exit_code == 1, result.output
    assert message in result.output and "Traceback" not in result.output
    assert db.session.scalar(select(db.func.count()).select_from(User)) == before
    assert db.session.scalar(select(Organization).where(Organization.id == startup.id))
