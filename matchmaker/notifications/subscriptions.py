"""Seed subscriptions: "tell me about new needs that fit this seed above a threshold".

The `notifications.seed_matches` job ranks the needs published since a subscription began and
notifies once per (seed, need). A watermark (a JobState row of its own) remembers up to when
every subscription was checked; it moves only after a complete run, so a matcher that is down
loses nothing: the next run checks the same needs again.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from matchmaker.accounts.models import User
from matchmaker.audit.services import record
from matchmaker.common.errors import NotAllowed
from matchmaker.extensions import db
from matchmaker.jobs.models import JobState
from matchmaker.matching import runtime
from matchmaker.matching import services as matching
from matchmaker.matching.records import NEED
from matchmaker.needs.models import Need, NeedStatus
from matchmaker.notifications.models import Notification, SeedSubscription
from matchmaker.notifications.services import notify
from matchmaker.seeds.models import Seed, SeedStatus

# Match scores are z-scores over the published needs: 0 is an average fit, 1 clearly above
# average (roughly the top sixth), 2 an exceptional fit.
DEFAULT_THRESHOLD = 1.0
MIN_THRESHOLD, MAX_THRESHOLD = 0.0, 5.0
WATERMARK = "notifications.seed_matches:checked"
SLACK = timedelta(minutes=2)  # a publication committed a moment late is still seen
MAX_AGE = timedelta(days=7)  # older needs are no longer "new"
FIRST_TOP_K, MAX_TOP_K = 50, 1600


def can_subscribe(user, seed: Seed) -> bool:
    """The seed's own organization (the people who see its matches)."""
    return matching.can_see_seed_matches(user, seed)


def subscription_of(user, seed_id: int) -> SeedSubscription | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return db.session.scalar(
        select(SeedSubscription).where(
            SeedSubscription.seed_id == seed_id, SeedSubscription.user_id == user.id
        )
    )


def subscribe(user, seed: Seed, threshold: float) -> SeedSubscription:
    """Create or change the threshold; a second click keeps one subscription."""
    if not can_subscribe(user, seed):
        raise NotAllowed(_("Only your organization's members can subscribe to this seed."))
    threshold = round(min(max(float(threshold), MIN_THRESHOLD), MAX_THRESHOLD), 2)
    existing = subscription_of(user, seed.id)
    if existing is None:
        existing = SeedSubscription(seed_id=seed.id, user_id=user.id, threshold=threshold)
        try:
            with db.session.begin_nested():
                db.session.add(existing)
                db.session.flush()
        except IntegrityError:
            existing = subscription_of(user, seed.id)
    existing.threshold = threshold
    record("seed_subscription.save", actor=user, obj=seed, threshold=threshold)
    db.session.flush()
    return existing


def unsubscribe(user, seed: Seed) -> bool:
    existing = subscription_of(user, seed.id)
    if existing is None:
        return False
    db.session.delete(existing)
    record("seed_subscription.remove", actor=user, obj=seed)
    db.session.flush()
    return True


def _aware(moment: datetime | None) -> datetime | None:
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment


def _watermark() -> JobState:
    state = db.session.get(JobState, WATERMARK)
    if state is None:
        state = JobState(name=WATERMARK)
        db.session.add(state)
        db.session.flush()
    return state


def _pending(seed_id: int, subs: list[SeedSubscription], since: datetime) -> dict:
    """{need id: [subscriptions still to hear about it]} for needs published since `since`."""
    needs = db.session.execute(
        select(Need.id, Need.published_at).where(
            Need.status == NeedStatus.PUBLISHED, Need.published_at >= since
        )
    ).all()
    if not needs:
        return {}
    keys = {f"fit:{seed_id}:{need_id}" for need_id, _at in needs}
    told = set(
        db.session.execute(
            select(Notification.user_id, Notification.dedupe_key).where(
                Notification.user_id.in_([s.user_id for s in subs]),
                Notification.dedupe_key.in_(keys),
            )
        ).all()
    )
    pending = defaultdict(list)
    for need_id, published_at in needs:
        for sub in subs:
            if _aware(published_at) >= _aware(sub.created_at) and (
                (sub.user_id, f"fit:{seed_id}:{need_id}") not in told
            ):
                pending[need_id].append(sub)
    return dict(pending)


def _rank(seed: Seed, pending: dict, floor: float) -> matching.MatchResult:
    """Rank deep enough to score every pending need that could pass the lowest threshold."""
    top_k = FIRST_TOP_K
    while True:
        result = matching.rank_needs_for_seed(seed, top_k=top_k)
        items = result.items
        seen = {item.record.id for item in items}
        if (
            result.unavailable
            or result.empty_corpus
            or len(items) < top_k
            or set(pending) <= seen
            or items[-1].score < floor
            or top_k >= MAX_TOP_K
        ):
            return result
        top_k *= 2


def _not_indexed(need_ids) -> set[int]:
    """Pending needs the index does not hold yet (not encoded): checked again next run."""
    try:
        ranker = runtime.get_index().rankers[NEED]
    except runtime.MatchingUnavailable:
        return set(need_ids)
    return {i for i in need_ids if i not in ranker.row_of or not ranker.active[ranker.row_of[i]]}


def _notify_fits(seed: Seed, pending: dict, result: matching.MatchResult) -> int:
    told = 0
    for item in result.items:
        for sub in pending.get(item.record.id, ()):
            if item.score < sub.threshold:
                continue
            need = item.record
            params = {
                "seed_id": seed.id,
                "seed_title": seed.title,
                "need_id": need.id,
                "need_title": need.title,
                "score": f"{item.score:.2f}",
                "threshold": f"{sub.threshold:.2f}",
            }
            link = f"/needs/{need.id}"
            user = db.session.get(User, sub.user_id)
            told += len(notify([user], "seed_fit", params, link, f"fit:{seed.id}:{need.id}"))
    return told


def check_seed_matches(now: datetime) -> str:
    """The `notifications.seed_matches` job; returns a one-line summary."""
    state = _watermark()
    checked = _aware(state.last_finished_at)
    rows = db.session.scalars(
        select(SeedSubscription)
        .join(Seed, Seed.id == SeedSubscription.seed_id)
        .where(Seed.status == SeedStatus.PUBLISHED)
        .order_by(SeedSubscription.seed_id, SeedSubscription.id)
    ).all()
    by_seed: dict[int, list[SeedSubscription]] = defaultdict(list)
    for sub in rows:
        user = db.session.get(User, sub.user_id)
        if user is not None and user.belongs_to(sub.seed.organization_id):
            by_seed[sub.seed_id].append(sub)
    told = ranked = 0
    unavailable = None
    waiting: set[int] = set()
    for seed_id, subs in by_seed.items():
        since = max(_aware(min(s.created_at for s in subs)), now - MAX_AGE)
        if checked is not None:
            since = max(since, checked - SLACK)
        pending = _pending(seed_id, subs, since)
        if not pending:
            continue
        seed = subs[0].seed
        result = _rank(seed, pending, min(s.threshold for s in subs))
        ranked += 1
        if result.unavailable:
            unavailable = result.unavailable
            continue
        told += _notify_fits(seed, pending, result)
        seen = {item.record.id for item in result.items}
        waiting |= _not_indexed(set(pending) - seen)
    if unavailable:
        return (
            f"matcher unavailable ({unavailable}): {len(by_seed)} seeds will be checked again "
            f"on the next run; {told} notified"
        )
    summary = f"{told} notified, {ranked} of {len(by_seed)} subscribed seeds ranked"
    if waiting:
        return f"{summary}; {len(waiting)} new needs not encoded yet, checked again next run"
    state.last_finished_at = now
    db.session.flush()
    return summary
