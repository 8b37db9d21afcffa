"""Hostile values in the coordinator's review queue: one decision, bulk decisions, notes."""

from __future__ import annotations

from sqlalchemy import delete, select

from matchmaker.accounts.models import Role
from matchmaker.extensions import db
from matchmaker.matching import runtime
from matchmaker.matching.records import NEED, SEED
from matchmaker.matching.store import sync
from matchmaker.review.models import PairNote, PairReview
from matchmaker.review.services import ACTION_LABELS, MAX_NOTE, MAX_REASON
from tests.factories import make_need, make_seed
from tests.security.helpers import Field, FormTarget, run_form

CATEGORY = "Forms: review queue"


def ranked_pair():
    """A published need and seed with stored (fake) vectors, so the seed is in the queue."""
    need, seed = make_need(), make_seed()
    encoders = runtime.get_encoders()
    sync(db.session, NEED, [need.id], encoders)
    sync(db.session, SEED, [seed.id], encoders)
    db.session.flush()
    return need, seed


def pair_of(need, seed):
    stmt = select(PairReview).where(PairReview.need_id == need.id, PairReview.seed_id == seed.id)
    return lambda response=None: db.session.scalars(stmt).first()


def forget_pairs():
    db.session.execute(delete(PairReview))
    db.session.flush()


def test_decision_and_bulk_forms(client, login_as):
    login_as(Role.COORDINATOR)
    need, seed = ranked_pair()
    actions = tuple(ACTION_LABELS)
    run_form(
        FormTarget(
            CATEGORY,
            client,
            url=lambda: f"/needs/{need.id}/review-queue/{seed.id}/decide",
            payload=lambda: {"action": "shortlist", "version": "0", "reason": ""},
            stored=pair_of(need, seed),
            page=lambda pair: f"/needs/{need.id}/review-queue",
            before_each=forget_pairs,
            fields=[
                Field("reason", limit=MAX_REASON),
                # an action must also be allowed from the pair's status
                Field("action", kind="choice", choices=actions, attr="", strict=False),
                Field("version", kind="int", high=2**31, attr="", strict=False),
            ],
        )
    )
    run_form(
        FormTarget(
            CATEGORY,
            client,
            url=lambda: f"/needs/{need.id}/review-queue/bulk",
            payload=lambda: {"action": "shortlist", "pairs": [f"{seed.id}:0"], "reason": ""},
            stored=pair_of(need, seed),
            page=lambda pair: f"/needs/{need.id}/review-queue",
            before_each=forget_pairs,
            fields=[
                Field("reason", limit=MAX_REASON),
                Field("pairs", kind="choice", choices=(f"{seed.id}:0",), attr=""),
            ],
        )
    )


def test_note_form(client, login_as):
    login_as(Role.COORDINATOR)
    need, seed = ranked_pair()

    def newest(response):
        return db.session.scalars(select(PairNote).order_by(PairNote.id.desc())).first()

    run_form(
        FormTarget(
            CATEGORY,
            client,
            url=lambda: f"/needs/{need.id}/review-queue/{seed.id}/notes",
            payload=dict,
            stored=newest,
            page=lambda note: f"/needs/{need.id}/review-queue",
            fields=[Field("body", limit=MAX_NOTE, required=True)],
        )
    )
