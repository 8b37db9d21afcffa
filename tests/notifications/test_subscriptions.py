"""Seed subscriptions: the form on the seed page and the job that announces fitting needs once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from matchmaker.accounts.models import Role
from matchmaker.db import utcnow
from matchmaker.extensions import db
from matchmaker.jobs.models import JobState
from matchmaker.matching import services as matching
from matchmaker.needs.models import NeedStatus
from matchmaker.notifications import subscriptions
from matchmaker.notifications.models import Notification, OutboxMessage, SeedSubscription
from matchmaker.notifications.subscriptions import check_seed_matches, subscribe
from tests.factories import make_need, make_seed, make_user


def fits(user) -> list[Notification]:
    return list(
        db.session.scalars(
            select(Notification).where(
                Notification.user_id == user.id, Notification.kind == "seed_fit"
            )
        )
    )


class FakeRanking:
    """rank_needs_for_seed with chosen scores; `unavailable` simulates models that are down."""

    def __init__(self):
        self.scores: dict[int, float] = {}
        self.unavailable: str | None = None
        self.calls = 0

    def __call__(self, seed, filters=None, diversify=False, top_k=10):
        self.calls += 1
        if self.unavailable:
            return matching.MatchResult(unavailable=self.unavailable)
        from matchmaker.needs.models import Need

        ranked = sorted(self.scores.items(), key=lambda kv: -kv[1])[:top_k]
        items = [
            matching.MatchItem(db.session.get(Need, i), score, {}, None) for i, score in ranked
        ]
        return matching.MatchResult(items=items)


@pytest.fixture
def ranking(monkeypatch):
    fake = FakeRanking()
    monkeypatch.setattr(matching, "rank_needs_for_seed", fake)
    monkeypatch.setattr(subscriptions, "_not_indexed", lambda ids: set())
    return fake


@pytest.fixture
def owner_and_seed():
    seed = make_seed()
    owner = make_user(Role.PROVIDER, org=seed.organization)
    owner.locale = "en"
    return owner, seed


def published_later(minutes: int = 1, **kw):
    need = make_need(**kw)
    need.published_at = utcnow() + timedelta(minutes=minutes)
    db.session.flush()
    return need


# --- the job ------------------------------------------------------------------------------


def test_a_fitting_new_need_is_announced_once_across_runs(ranking, owner_and_seed):
    owner, seed = owner_and_seed
    subscribe(owner, seed, 1.0)
    old = make_need(title="Published before the subscription")
    old.published_at = utcnow() - timedelta(days=1)
    good, weak = published_later(title="Good fit"), published_later(title="Weak fit")
    ranking.scores = {old.id: 3.0, good.id: 1.8, weak.id: 0.4}

    now = utcnow() + timedelta(minutes=5)
    summary = check_seed_matches(now)
    assert summary.startswith("1 notified")
    (notice,) = fits(owner)
    assert notice.dedupe_key == f"fit:{seed.id}:{good.id}"
    assert notice.params["need_title"] == "Good fit" and notice.link == f"/needs/{good.id}"
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 1

    assert check_seed_matches(now + timedelta(minutes=1)).startswith("0 notified")
    # re-published (closed, then published again): still not a second notice
    good.status = NeedStatus.CLOSED
    db.session.flush()
    good.status = NeedStatus.PUBLISHED
    good.published_at = now + timedelta(minutes=1)
    db.session.flush()
    check_seed_matches(now + timedelta(minutes=2))
    assert len(fits(owner)) == 1


def test_nothing_to_check_means_no_ranking(ranking, owner_and_seed):
    owner, seed = owner_and_seed
    subscribe(owner, seed, 1.0)
    check_seed_matches(utcnow() + timedelta(minutes=5))
    assert ranking.calls == 0


def test_the_threshold_is_the_subscribers(ranking, owner_and_seed):
    owner, seed = owner_and_seed
    colleague = make_user(Role.PROVIDER, org=seed.organization)
    subscribe(owner, seed, 2.0)
    subscribe(colleague, seed, 0.5)
    need = published_later()
    ranking.scores = {need.id: 1.2}
    check_seed_matches(utcnow() + timedelta(minutes=5))
    assert fits(owner) == [] and len(fits(colleague)) == 1
    assert ranking.calls == 1  # one ranking per seed, whatever the number of subscribers


def test_an_unavailable_matcher_loses_nothing(ranking, owner_and_seed):
    owner, seed = owner_and_seed
    subscribe(owner, seed, 1.0)
    need = published_later()
    ranking.unavailable = "the models are not installed"
    now = utcnow() + timedelta(minutes=5)
    summary = check_seed_matches(now)
    assert "matcher unavailable (the models are not installed)" in summary
    assert fits(owner) == []
    ranking.unavailable = None
    ranking.scores = {need.id: 1.5}
    # much later: the watermark did not move, so the need is still checked
    check_seed_matches(now + timedelta(hours=3))
    assert len(fits(owner)) == 1


def test_a_need_not_encoded_yet_is_checked_again(ranking, owner_and_seed, monkeypatch):
    owner, seed = owner_and_seed
    subscribe(owner, seed, 1.0)
    need = published_later()
    monkeypatch.setattr(subscriptions, "_not_indexed", lambda ids: set(ids))
    now = utcnow() + timedelta(minutes=5)
    assert "1 new needs not encoded yet" in check_seed_matches(now)
    monkeypatch.setattr(subscriptions, "_not_indexed", lambda ids: set())
    ranking.scores = {need.id: 1.5}
    check_seed_matches(now + timedelta(hours=1))
    assert len(fits(owner)) == 1
    watermark = db.session.get(JobState, subscriptions.WATERMARK)
    assert watermark.last_finished_at == now + timedelta(hours=1)


def test_after_a_complete_run_old_needs_are_not_ranked_again(ranking, owner_and_seed):
    owner, seed = owner_and_seed
    subscribe(owner, seed, 1.0)
    need = published_later()
    ranking.scores = {need.id: 0.2}  # below the threshold
    now = utcnow() + timedelta(minutes=5)
    check_seed_matches(now)
    assert ranking.calls == 1
    check_seed_matches(now + timedelta(minutes=10))
    assert ranking.calls == 1


def test_subscriptions_of_people_who_left_the_organization_are_ignored(ranking, owner_and_seed):
    owner, seed = owner_and_seed
    subscribe(owner, seed, 1.0)
    need = published_later()
    ranking.scores = {need.id: 3.0}
    owner.organization_id = make_seed().organization_id
    db.session.flush()
    check_seed_matches(utcnow() + timedelta(minutes=5))
    assert fits(owner) == []


# --- the form on the seed page ------------------------------------------------------------


def test_the_owner_subscribes_changes_and_unsubscribes(client, login_as, owner_and_seed):
    owner, seed = owner_and_seed
    login_as(user=owner)
    page = client.get(f"/seeds/{seed.id}").get_data(as_text=True)
    assert 'id="subscription"' in page and 'value="1.00"' in page
    assert "0 is an average fit" in page

    response = client.post(
        f"/notifications/seeds/{seed.id}/subscription", data={"threshold": "1.5"}
    )
    assert response.status_code == 302
    client.post(f"/notifications/seeds/{seed.id}/subscription", data={"threshold": "2"})
    (sub,) = db.session.scalars(select(SeedSubscription)).all()
    assert (sub.seed_id, sub.user_id, sub.threshold) == (seed.id, owner.id, 2.0)
    page = client.get(f"/seeds/{seed.id}").get_data(as_text=True)
    assert "You are subscribed" in page and "Unsubscribe" in page

    response = client.post(f"/notifications/seeds/{seed.id}/subscription/delete", data={})
    assert response.status_code == 302
    assert db.session.scalar(select(func.count()).select_from(SeedSubscription)) == 0


@pytest.mark.parametrize("threshold", ["", "abc", "-1", "5.5", "NaN", "Infinity"])
def test_a_bad_threshold_changes_nothing(client, login_as, owner_and_seed, threshold):
    owner, seed = owner_and_seed
    login_as(user=owner)
    response = client.post(
        f"/notifications/seeds/{seed.id}/subscription", data={"threshold": threshold}
    )
    assert response.status_code == 422
    assert db.session.scalar(select(func.count()).select_from(SeedSubscription)) == 0


@pytest.mark.parametrize(
    "who,expected",
    [("anonymous", 302), ("other_provider", 403), ("coordinator", 403), ("department", 403)],
)
def test_only_the_seeds_organization_may_subscribe(client, login_as, owner_and_seed, who, expected):
    _owner, seed = owner_and_seed
    if who == "other_provider":
        login_as(Role.PROVIDER)
    elif who != "anonymous":
        login_as(Role(who))
    for suffix in ("", "/delete"):
        response = client.post(
            f"/notifications/seeds/{seed.id}/subscription{suffix}", data={"threshold": "1"}
        )
        assert response.status_code == expected
    page = client.get(f"/seeds/{seed.id}").get_data(as_text=True)
    assert 'id="subscription"' not in page
    assert db.session.scalar(select(func.count()).select_from(SeedSubscription)) == 0


def test_another_organizations_draft_seed_is_404(client, login_as):
    from matchmaker.seeds.models import SeedStatus

    draft = make_seed(status=SeedStatus.DRAFT)
    login_as(Role.PROVIDER)
    assert (
        client.post(
            f"/notifications/seeds/{draft.id}/subscription", data={"threshold": "1"}
        ).status_code
        == 404
    )
    assert client.post("/notifications/seeds/999999/subscription", data={}).status_code == 404
