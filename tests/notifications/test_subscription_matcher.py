"""A seed subscription against the real matcher and the bilingual test corpus."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from matchmaker.accounts.models import Role
from matchmaker.db import utcnow
from matchmaker.extensions import db
from matchmaker.jobs.services import run_jobs
from matchmaker.notifications.models import Notification
from matchmaker.notifications.subscriptions import subscribe
from tests.factories import make_user
from tests.matching.conftest import (  # noqa: F401  (fixtures)
    add_need,
    corpus,
    encode,
    encoders,
    fresh_index,
)


def test_a_subscriber_hears_about_a_fitting_new_need_once(corpus, monkeypatch):  # noqa: F811
    monkeypatch.setattr("matchmaker.jobs.services.JOB_MODULES", ["matchmaker.notifications.jobs"])
    now = utcnow()
    for need in corpus.needs.values():
        need.published_at = now - timedelta(hours=1)
    seed = corpus.seeds["flood_ja"]
    owner = make_user(Role.PROVIDER, org=seed.organization)
    subscription = subscribe(owner, seed, 0.5)
    subscription.created_at = now - timedelta(minutes=30)
    fresh = add_need(
        "flood_en",
        title="Flood forecasts for riverside neighbourhoods",
        summary="Predict river floods from rainfall and water levels and warn residents to "
        "evacuate in time.",
    )
    fresh.published_at = now
    encode(corpus.encoders, fresh)

    first = run_jobs(["notifications.seed_matches"], now=now + timedelta(minutes=1))
    second = run_jobs(["notifications.seed_matches"], now=now + timedelta(minutes=2))
    assert first["notifications.seed_matches"].startswith("1 notified"), first
    assert second["notifications.seed_matches"].startswith("0 notified"), second
    notices = db.session.scalars(select(Notification).where(Notification.user_id == owner.id)).all()
    assert [n.dedupe_key for n in notices] == [f"fit:{seed.id}:{fresh.id}"]
    assert float(notices[0].params["score"]) >= 0.5
