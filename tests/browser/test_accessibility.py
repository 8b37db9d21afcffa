"""The main pages pass axe-core's WCAG 2.1 A/AA rules (no serious or critical violation), fit a
phone screen without sideways scrolling, and show a focus ring, in Japanese and English.

One test per role and language: it signs in once and visits that role's pages, so a failure
lists every problem of the role at once. Data is built on the live server's own database.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta

import pytest

from matchmaker.accounts.models import AccountStatus, OrgKind, Role
from matchmaker.calls import services as calls
from matchmaker.db import utcnow
from matchmaker.evaluation.services import assign_reviewers
from matchmaker.extensions import db
from matchmaker.needs.models import NeedStatus
from matchmaker.projects.models import ProjectStatus
from matchmaker.proposals.models import Proposal, ProposalStatus
from tests import factories
from tests.browser.a11y import DESKTOP, check_page, require_axe
from tests.results.helpers import make_result

pytestmark = pytest.mark.browser


@dataclass(frozen=True)
class World:
    """Ids of what the pages show, and the signed-in users, detached from any session."""

    need_id: int
    seed_id: int
    call_id: int
    project_id: int
    proposal_id: int
    users: dict


def build_world(app) -> World:
    """A department with a published need (translated), one waiting for review, an open call
    with a submitted proposal and a reviewer; a provider's seed; a published result of both."""
    tag = uuid.uuid4().hex[:6]
    with app.app_context():
        department = factories.make_org(OrgKind.DEPARTMENT, name=f"防災課 {tag}")
        provider_org = factories.make_org(OrgKind.STARTUP, name=f"River Sense {tag}")
        users = {
            "department": factories.make_user(Role.DEPARTMENT, org=department),
            "provider": factories.make_user(Role.PROVIDER, org=provider_org),
            "reviewer": factories.make_user(Role.REVIEWER),
            "coordinator": factories.make_user(Role.COORDINATOR),
            "admin": factories.make_user(Role.ADMIN),
        }
        factories.make_user(Role.PROVIDER, status=AccountStatus.PENDING)  # for the admin
        need = factories.make_need(
            org=department,
            title=f"河川の水位を見守る {tag}",
            summary="大雨のときに通学路の河川の水位を知らせる仕組み",
            problem="水位の情報が学校に届くまで時間がかかる。",
            title_translated="Watching river levels",
            summary_translated="Warn schools about river levels during heavy rain",
            policy_areas=("disaster_prevention",),
        )
        factories.make_need(org=department, status=NeedStatus.IN_REVIEW, title=f"審査待ち {tag}")
        seed = factories.make_seed(
            org=provider_org,
            title=f"River level sensors {tag}",
            summary="Low-power sensors that report water levels every minute",
            description="Solar powered, LTE-M, tested on three rivers.",
            policy_areas=("disaster_prevention",),
        )
        now = utcnow()
        data = calls.CallData(
            title=f"河川センサーの公募 {tag}",
            opens_at=now - timedelta(hours=1),
            closes_at=now + timedelta(days=14),
            criteria=[
                calls.CriterionData(name="Impact", weight=60),
                calls.CriterionData(name="Cost", weight=40),
            ],
            description="通学路の安全のための実証を募集します。",
            budget_max=5_000_000,
        )
        call = calls.create_call(users["department"], need, data)
        calls.perform_call_action(call, "publish", users["department"])
        other = factories.make_org(OrgKind.STARTUP, name=f"Aqua Lab {tag}")
        db.session.add(
            Proposal(
                call=call,
                organization=other,
                status=ProposalStatus.SUBMITTED,
                title="Flood cameras",
                approach="Cameras read the water level off a gauge.",
                submitted_at=now,
            )
        )
        assign_reviewers(call, [users["reviewer"].id], users["coordinator"])
        project = make_result(
            status=ProjectStatus.ADOPTED, department=department, provider=provider_org
        )
        db.session.commit()
        ids = (need.id, seed.id, call.id, project.id, project.proposal_id)
        for user in users.values():
            db.session.refresh(user)
            db.session.expunge(user)
        return World(*ids, users=users)


@pytest.fixture(scope="module")
def world(live_server) -> World:
    return build_world(live_server.app)


def pages_for(role: str, w: World) -> list[tuple[str, str]]:
    """(name, path) of the main pages each role works with."""
    if role == "anonymous":
        return [
            ("home", "/"),
            ("needs", "/needs"),
            ("need", f"/needs/{w.need_id}"),
            ("seeds", "/seeds"),
            ("seed", f"/seeds/{w.seed_id}"),
            ("calls", "/calls"),
            ("call", f"/calls/{w.call_id}"),
            ("results", "/results"),
            ("result", f"/results/{w.project_id}"),
            ("login", "/login"),
            ("register", "/register"),
        ]
    pages = {
        "provider": [
            ("proposal form", f"/calls/{w.call_id}/proposals/new"),
            ("my proposals", "/proposals/mine"),
            ("proposal", f"/proposals/{w.proposal_id}"),
            ("seed form", "/seeds/new"),
            ("my seeds", "/seeds/mine"),
            ("calls for me", "/calls/for-me"),
            ("need (signed in)", f"/needs/{w.need_id}"),
            ("project", f"/projects/{w.project_id}"),
            ("notifications", "/notifications"),
        ],
        "department": [
            ("need form", "/needs/new"),
            ("call form", f"/needs/{w.need_id}/calls/new"),
            ("project", f"/projects/{w.project_id}"),
            ("call (manager)", f"/calls/{w.call_id}"),
        ],
        "reviewer": [
            ("my reviews", "/reviews"),
            ("review call", f"/reviews/calls/{w.call_id}"),
            ("notifications", "/notifications"),
        ],
        "coordinator": [
            ("need review", "/needs/review"),
            ("match review queue", f"/needs/{w.need_id}/review-queue"),
            ("evaluation", f"/calls/{w.call_id}/evaluation"),
            ("analytics", "/analytics"),
            ("projects", "/projects"),
        ],
        "admin": [
            ("administration", "/admin/"),
            ("users", "/admin/users"),
        ],
    }[role]
    return [("dashboard", "/dashboard"), *pages]


ROLES = ["anonymous", "provider", "department", "reviewer", "coordinator", "admin"]


@pytest.mark.parametrize("locale", ["ja", "en"])
@pytest.mark.parametrize("role", ROLES)
def test_main_pages_are_accessible(browser, live_server, world, role, locale):
    require_axe()
    context = browser.new_context(locale="en-US" if locale == "en" else "ja-JP", viewport=DESKTOP)
    page = context.new_page()
    page.set_default_timeout(20_000)
    try:
        if role == "anonymous":
            page.goto(f"{live_server.url}/?lang={locale}")
        else:
            live_server.sign_in(page, world.users[role], locale)
        problems = []
        for i, (name, path) in enumerate(pages_for(role, world)):
            url = f"{live_server.url}{path}"
            problems += check_page(page, url, f"{role} {locale} {name}", focus=i == 0)
            lang = page.evaluate("() => document.documentElement.lang")
            if lang != locale:
                problems.append(f"{role} {locale} {name}: <html lang={lang!r}>")
            if name == "seed":  # an English seed keeps lang="en" on a Japanese page
                title_lang = page.locator("h1").first.get_attribute("lang")
                if title_lang != "en":
                    problems.append(f"{role} {locale} seed: <h1 lang={title_lang!r}>")
    finally:
        context.close()
    assert not problems, "Accessibility problems:\n" + "\n".join(problems)


def test_a_form_with_errors_is_accessible(browser, live_server, world):
    """Errors beside the fields keep labels, contrast and the phone layout (English only)."""
    require_axe()
    context = browser.new_context(locale="en-US", viewport=DESKTOP)
    page = context.new_page()
    page.set_default_timeout(20_000)
    try:
        live_server.sign_in(page, world.users["department"], "en")
        page.goto(f"{live_server.url}/needs/new")
        # let the server, not the browser, reject the empty form
        page.evaluate(
            "() => document.querySelectorAll('main form').forEach(f => f.noValidate = true)"
        )
        page.get_by_role("button", name=live_server.label("Save draft", "en"), exact=True).click()
        assert page.locator(".error").count() > 0, "the empty form showed no error"
        problems = check_page(page, page.url, "need form with errors", reload=False)
    finally:
        context.close()
    assert not problems, "Accessibility problems:\n" + "\n".join(problems)
