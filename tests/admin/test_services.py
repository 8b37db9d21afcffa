"""The admin services check the actor themselves, whatever the view did."""

import pytest

from matchmaker.accounts.models import AccountStatus, Role
from matchmaker.admin import services
from matchmaker.admin.forms import parse_audit_filters, parse_user_filters
from matchmaker.common.errors import DomainError, NotAllowed
from tests.factories import make_user


@pytest.fixture(autouse=True)
def request_context(app):
    with app.test_request_context("/?lang=en"):
        yield


CALLS = [
    lambda actor: services.list_users(actor, services.UserFilters(), 1, 20),
    lambda actor: services.list_organizations(actor, None, 1, 20),
    lambda actor: services.list_audit_events(actor, services.AuditFilters(), 1, 20),
    lambda actor: services.audit_actions(actor),
    lambda actor: services.admin_counts(actor),
]


@pytest.mark.parametrize("call", CALLS)
@pytest.mark.parametrize("role", [r for r in Role if r is not Role.ADMIN])
def test_non_admins_are_refused(call, role):
    with pytest.raises(NotAllowed):
        call(make_user(role))


@pytest.mark.parametrize("call", CALLS)
def test_anonymous_and_unapproved_admins_are_refused(call):
    with pytest.raises(NotAllowed):
        call(None)
    with pytest.raises(NotAllowed):
        call(make_user(Role.ADMIN, status=AccountStatus.PENDING))


@pytest.mark.parametrize("call", CALLS)
def test_admin_is_served(call):
    assert call(make_user(Role.ADMIN)) is not None


def test_query_string_parsing():
    filters = parse_user_filters({"status": "pending", "role": "", "q": " 花子 "})
    assert filters == services.UserFilters(status=AccountStatus.PENDING, q="花子")
    audit = parse_audit_filters({"since": "2026-01-31", "actor": "7", "action": "login"})
    assert (audit.since.isoformat(), audit.actor_id, audit.action) == ("2026-01-31", 7, "login")
    with pytest.raises(DomainError):
        parse_audit_filters({"until": "2026-02-30"})
