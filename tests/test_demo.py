"""Demo data: loaded once into an empty database, bilingual, searchable and audited."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from matchmaker.accounts.models import AccountStatus, Organization, OrgKind, Role, User
from matchmaker.audit.models import AuditEvent
from matchmaker.calls.models import Call, CallCriterion, CallDocument, CallQuestion
from matchmaker.common.taxonomy import POLICY_AREAS, SDG_GOALS
from matchmaker.common.text import normalize
from matchmaker.demo.services import demo_data, load_demo_data
from matchmaker.evaluation.models import ReviewerAssignment, Score
from matchmaker.extensions import db
from matchmaker.needs.models import Need, NeedStatus
from matchmaker.notifications.models import Follow, Notification, OutboxMessage
from matchmaker.proposals.models import Proposal
from matchmaker.review.models import PairNote, PairReview, PairReviewEvent
from matchmaker.seeds.models import Seed, SeedStatus
from matchmaker.uploads.models import Attachment
from tests.factories import make_user


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


SELECTION_MODELS = (
    Call,
    CallCriterion,
    CallDocument,
    CallQuestion,
    Proposal,
    ReviewerAssignment,
    Score,
    PairReview,
    PairReviewEvent,
    PairNote,
    Follow,
    Notification,
    OutboxMessage,
    Attachment,
)


def counts() -> dict[str, int]:
    models = (Organization, User, Need, Seed, AuditEvent, *SELECTION_MODELS)
    return {m.__name__: count(m) for m in models}


@pytest.fixture
def loaded():
    accounts = load_demo_data()
    assert accounts is not None
    return accounts


def test_demo_load_creates_the_data_once(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo", "load"])
    assert first.exit_code == 0, first.output
    data = demo_data()
    after_first = counts()
    assert after_first["Organization"] == len(data["organizations"])
    assert after_first["User"] == len(data["users"])
    assert after_first["Need"] == len(data["needs"])
    assert after_first["Seed"] == len(data["seeds"])
    assert after_first["Call"] == len(data["calls"]) >= 3
    assert after_first["Proposal"] == sum(len(c["proposals"]) for c in data["calls"])
    assert all(after_first[m.__name__] for m in SELECTION_MODELS), after_first

    second = runner.invoke(args=["demo", "load"])
    assert second.exit_code == 0, second.output
    assert "already" in second.output and "set-password" in second.output
    assert counts() == after_first


def test_demo_load_leaves_a_database_with_users_alone(app):
    make_user(Role.ADMIN)
    before = counts()
    result = app.test_cli_runner().invoke(args=["demo", "load"])
    assert result.exit_code == 0 and "already" in result.output
    assert counts() == before and count(Need) == 0


def test_demo_accounts_cover_every_role(loaded):
    roles = sorted(a.role.value for a in loaded)
    expected = "admin coordinator reviewer department department"
    expected += " provider provider provider provider"
    assert roles == sorted(expected.split())
    users = db.session.scalars(select(User)).all()
    assert all(u.status is AccountStatus.ACTIVE and u.approved_at for u in users)
    for user in users:
        if user.role is Role.DEPARTMENT:
            assert user.organization.kind is OrgKind.DEPARTMENT
        if user.role is Role.PROVIDER:
            assert user.organization.kind is not OrgKind.DEPARTMENT


def test_demo_organizations_are_bilingual_and_varied(loaded):
    orgs = db.session.scalars(select(Organization)).all()
    kinds = {o.kind for o in orgs}
    assert sum(o.kind is OrgKind.DEPARTMENT for o in orgs) >= 6
    assert {OrgKind.STARTUP, OrgKind.UNIVERSITY, OrgKind.NPO, OrgKind.SOCIAL_ENTERPRISE} <= kinds
    assert all(o.name_en for o in orgs)
    assert any(o.name == "福祉局" and o.name_en == "Bureau of Social Welfare" for o in orgs)


def test_demo_needs_are_realistic_and_mostly_published(loaded):
    needs = db.session.scalars(select(Need)).all()
    statuses = [n.status for n in needs]
    assert statuses.count(NeedStatus.PUBLISHED) >= len(needs) - 2
    assert NeedStatus.IN_REVIEW in statuses and NeedStatus.DRAFT in statuses
    assert {"ja", "en"} == {n.language for n in needs}
    areas = {code for n in needs for code in n.policy_areas}
    expected = "disaster_prevention elderly_care mobility cashless paperless subsidies childcare"
    assert {*expected.split(), "environment_energy", "tourism"} <= areas
    for need in needs:
        assert set(need.policy_areas) <= set(POLICY_AREAS)
        assert set(need.sdg_goals) <= set(SDG_GOALS)
        assert need.title_translated and need.summary_translated, need.title
        for text in (need.problem, need.desired_outcome, need.constraints):
            assert len(text) >= 60, need.title
        assert need.budget_currency == "JPY" and need.budget_min <= need.budget_max
        assert need.organization.kind is OrgKind.DEPARTMENT
        assert (need.published_at is not None) == (need.status is NeedStatus.PUBLISHED)


def test_demo_seeds_span_trls_and_languages(loaded):
    seeds = db.session.scalars(select(Seed)).all()
    assert len(seeds) >= 14
    assert sum(s.status is SeedStatus.PUBLISHED for s in seeds) >= len(seeds) - 2
    assert {s.trl for s in seeds} >= {3, 5, 7, 9}
    assert {"ja", "en"} == {s.language for s in seeds}
    assert any(s.ready_for_pilot for s in seeds) and not all(s.ready_for_pilot for s in seeds)
    assert sum(bool(s.title_translated) for s in seeds) >= len(seeds) // 2
    for seed in seeds:
        assert seed.keywords and set(seed.policy_areas) <= set(POLICY_AREAS)
        assert seed.organization.kind is not OrgKind.DEPARTMENT


def test_demo_records_are_searchable_by_two_character_japanese_terms(loaded):
    for model in (Need, Seed):
        for obj in db.session.scalars(select(model)):
            assert normalize(obj.title) in obj.search_text
            if obj.title_translated:
                assert normalize(obj.title_translated) in obj.search_text
    for term in ("防災", "介護", "見守り"):
        hits = db.session.scalar(
            select(func.count()).select_from(Need).where(Need.search_text.contains(term))
        )
        assert hits >= 1, term


def test_demo_load_is_audited(loaded):
    actions = db.session.scalars(select(AuditEvent.action)).all()
    assert actions.count("need_create") == count(Need)
    assert actions.count("seed_create") == count(Seed)
    assert actions.count("need_approve") == db.session.scalar(
        select(func.count()).select_from(Need).where(Need.status == NeedStatus.PUBLISHED)
    )
    assert "demo_data_loaded" in actions


def test_demo_published_needs_show_in_the_public_list(client, loaded):
    published = db.session.scalars(select(Need).where(Need.status == NeedStatus.PUBLISHED)).all()
    draft = db.session.scalar(select(Need).where(Need.status == NeedStatus.DRAFT))
    response = client.get("/needs?lang=ja")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert published[0].title in page or published[-1].title in page
    assert draft.title not in page
