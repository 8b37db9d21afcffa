"""Flask commands that work on the application's database (demo data, accounts)."""

from __future__ import annotations

import contextlib
import functools
import sys
from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup
from flask_babel import force_locale
from sqlalchemy import select

from matchmaker.accounts.models import PROVIDER_ORG_KINDS, Organization, OrgKind, Role
from matchmaker.common.errors import DomainError
from matchmaker.extensions import db

demo_cli = AppGroup("demo", help="Demonstration data.")
users_cli = AppGroup("users", help="Manage accounts.")

RESET_COMMAND = "flask --app matchmaker users set-password EMAIL"


def reset_command() -> str:
    """The reset command with the path of this environment's flask, runnable as printed."""
    flask = Path(sys.prefix, "bin", "flask")
    with contextlib.suppress(ValueError):
        flask = flask.relative_to(Path.cwd())
    return RESET_COMMAND.replace("flask", str(flask), 1) if flask.exists() else RESET_COMMAND


def init_app(app: Flask) -> None:
    """Register command groups."""
    app.cli.add_command(demo_cli)
    app.cli.add_command(users_cli)
    from matchmaker.matching.commands import match_cli

    app.cli.add_command(match_cli)
    from matchmaker.jobs.commands import jobs_cli

    app.cli.add_command(jobs_cli)
    from matchmaker.opendata.cli import opendata_cli

    app.cli.add_command(opendata_cli)
    from matchmaker.backup.commands import backup_cli

    app.cli.add_command(backup_cli)
    from matchmaker.uploads.commands import uploads_cli

    app.cli.add_command(uploads_cli)
    from matchmaker.common.commands import search_cli

    app.cli.add_command(search_cli)


def command_transaction(func):
    """Run in English, commit once at the end; domain errors become a message and exit code 1."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        with force_locale("en"):
            try:
                result = func(*args, **kwargs)
            except DomainError as exc:
                db.session.rollback()
                raise click.ClickException(exc.message) from None
            except BaseException:
                db.session.rollback()
                raise
            db.session.commit()
            return result

    return wrapper


@demo_cli.command("load")
@command_transaction
def demo_load() -> None:
    """Load the bilingual demo data into an empty database and print the demo accounts."""
    from matchmaker.demo.services import demo_emails, load_demo_data

    accounts = load_demo_data()
    if accounts is None:
        from matchmaker.accounts.services import find_user_by_email

        existing = [email for email in demo_emails() if find_user_by_email(email)]
        click.echo("The database already has data; demo data was not loaded again.")
        if existing:
            click.echo("Demo accounts: " + ", ".join(existing))
        click.echo("Passwords are shown only when the accounts are created. To set a new one:")
        click.echo(f"  {reset_command()}")
        return
    click.echo(f"Demo data loaded. {len(accounts)} demo accounts were created.")
    click.echo("These passwords are shown once and stored only as hashes; note them now.")
    click.echo("")
    width = max(len(a.email) for a in accounts)
    for a in accounts:
        org = f"  ({a.organization})" if a.organization else ""
        click.echo(f"  {a.role.value:<12} {a.email:<{width}}  {a.password}  {a.name}{org}")
    click.echo("")
    click.echo(f"Forgot one? {reset_command()}")
    click.echo("Make the demo needs and seeds matchable: flask --app matchmaker match reindex")


def _read_new_password(password_stdin: bool) -> str:
    """Read from standard input (one line) or prompt twice without echo."""
    if password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return click.prompt("New password", hide_input=True, confirmation_prompt=True)


@users_cli.command("set-password")
@click.argument("email")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@command_transaction
def users_set_password(email: str, password_stdin: bool) -> None:
    """Set a new password for the account EMAIL (its other sessions end)."""
    from matchmaker.accounts.services import WeakPassword, find_user_by_email, set_password

    user = find_user_by_email(email)
    if user is None:
        raise click.ClickException(f"No account has the e-mail address {email!r}.")
    password = _read_new_password(password_stdin)
    try:
        set_password(user, password)
    except WeakPassword as exc:
        raise click.ClickException("Password refused: " + " ".join(exc.problems)) from None
    click.echo(f"The password of {user.email} was changed.")


@users_cli.command("create")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--organization-id", type=int, help="Required for department and provider roles.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@command_transaction
def users_create(
    role: str, email: str, name: str, organization_id: int | None, password_stdin: bool
) -> None:
    """Create an active account, for example a city's first administrator."""
    from matchmaker.accounts.services import WeakPassword, create_user, find_user_by_email

    role_ = Role(role)
    if find_user_by_email(email):
        raise click.ClickException(f"An account with the e-mail address {email!r} exists.")
    if "@" not in email.strip(" @") or not name.strip():
        raise click.ClickException("Give a valid e-mail address and a name.")
    org = _organization_for(role_, organization_id)
    password = _read_new_password(password_stdin)
    try:
        user = create_user(email, name.strip(), password, role_, organization=org)
    except WeakPassword as exc:
        raise click.ClickException("Password refused: " + " ".join(exc.problems)) from None
    click.echo(f"Created {user.role.value} account {user.email} (id {user.id}).")


def _organization_for(role: Role, organization_id: int | None) -> Organization | None:
    """Department staff need a department; providers need a non-department organization."""
    if organization_id is None:
        if role in (Role.DEPARTMENT, Role.PROVIDER):
            raise click.ClickException(f"The {role.value} role needs --organization-id.")
        return None
    org = db.session.get(Organization, organization_id)
    if org is None:
        known = db.session.execute(
            select(Organization.id, Organization.name).order_by(Organization.id)
        ).all()
        listing = ", ".join(f"{i}={n}" for i, n in known) or "none yet"
        raise click.ClickException(f"No organization has id {organization_id} ({listing}).")
    if role is Role.DEPARTMENT and org.kind is not OrgKind.DEPARTMENT:
        raise click.ClickException("Department staff must belong to a department.")
    if role is Role.PROVIDER and org.kind not in PROVIDER_ORG_KINDS:
        raise click.ClickException("Providers must belong to a non-department organization.")
    return org
