"""Hostile values in the administrator's forms: organizations, roles, account actions."""

from __future__ import annotations

import itertools

from sqlalchemy import select

from matchmaker.accounts.models import AccountStatus, Organization, OrgKind, Role, User
from matchmaker.extensions import db
from tests.factories import make_org, make_user
from tests.security.helpers import Field, FormTarget, run_form

CATEGORY = "Forms: admin"
KINDS = tuple(k.value for k in OrgKind)
_n = itertools.count(1)


def org_fields() -> list[Field]:
    return [
        Field("name", limit=200, required=True, unique=True, shown=True),
        Field("name_en", limit=200),
        Field("website", limit=500, strict=False),  # http(s) only
    ]


def test_create_organization_form(client, login_as):
    login_as(Role.ADMIN)

    def newest(response):
        return db.session.scalars(select(Organization).order_by(Organization.id.desc())).first()

    run_form(
        FormTarget(
            CATEGORY,
            client,
            url=lambda: "/admin/organizations",
            payload=lambda: {"name": f"Startup {next(_n)}", "kind": "startup"},
            stored=newest,
            page=lambda org: f"/admin/organizations/{org.id}/edit",
            fields=[*org_fields(), Field("kind", kind="choice", choices=KINDS, required=True)],
        )
    )


def test_edit_organization_form(client, login_as):
    login_as(Role.ADMIN)
    org = make_org(OrgKind.UNIVERSITY)
    run_form(
        FormTarget(
            CATEGORY,
            client,
            url=lambda: f"/admin/organizations/{org.id}/edit",
            payload=lambda: {"name": f"University {org.id}"},
            stored=lambda r: db.session.get(Organization, org.id),
            page=lambda o: f"/admin/organizations/{o.id}/edit",
            fields=org_fields(),
        )
    )


def test_role_and_status_forms(client, login_as):
    login_as(Role.ADMIN)
    target = make_user(Role.PROVIDER)

    def reset():  # every example starts from an active provider
        target.role, target.status = Role.PROVIDER, AccountStatus.ACTIVE
        db.session.flush()

    for url, name, choices in (
        (f"/admin/users/{target.id}/role", "role", tuple(r.value for r in Role)),
        (f"/admin/users/{target.id}/status", "action", ("suspend", "deactivate")),
    ):
        run_form(
            FormTarget(
                CATEGORY,
                client,
                url=lambda url=url: url,
                payload=lambda: {"next": "/admin/users"},
                stored=lambda r: db.session.get(User, target.id),
                before_each=reset,
                # a role must also fit the account's organization
                fields=[Field(name, kind="choice", choices=choices, attr="", strict=False)],
            )
        )
