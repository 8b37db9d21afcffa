"""Hostile values in the notification forms: e-mail frequency and a seed's match alert."""

from __future__ import annotations

from sqlalchemy import select

from matchmaker.accounts.models import Role
from matchmaker.extensions import db
from matchmaker.notifications.models import Frequency, NotificationPreference, SeedSubscription
from tests.factories import make_seed
from tests.security.helpers import Field, FormTarget, run_form

CATEGORY = "Forms: notifications"


def test_preference_form(client, login_as):
    user = login_as(Role.PROVIDER)

    def preference(response):
        stmt = select(NotificationPreference).where(NotificationPreference.user_id == user.id)
        return db.session.scalars(stmt).first()

    run_form(
        FormTarget(
            CATEGORY,
            client,
            url=lambda: "/notifications/preferences",
            payload=dict,
            stored=preference,
            fields=[
                Field(
                    "frequency",
                    kind="choice",
                    choices=tuple(f.value for f in Frequency),
                    required=True,
                )
            ],
        )
    )


def test_subscription_form(client, login_as):
    user = login_as(Role.PROVIDER)
    seed = make_seed(org=user.organization)

    def subscription(response):
        stmt = select(SeedSubscription).where(SeedSubscription.seed_id == seed.id)
        return db.session.scalars(stmt).first()

    run_form(
        FormTarget(
            CATEGORY,
            client,
            url=lambda: f"/notifications/seeds/{seed.id}/subscription",
            payload=dict,
            stored=subscription,
            page=lambda s: f"/seeds/{seed.id}",
            fields=[
                # a decimal with two places; the stored float may be rounded
                Field(
                    "threshold", kind="float", low=0, high=5, required=True, attr="", strict=False
                )
            ],
        )
    )
