"""Coordinators' decisions on need × seed pairs: the transition table, history, labels, notes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from matchmaker.accounts.models import Role
from matchmaker.audit.services import record
from matchmaker.common.errors import Conflict, DomainError, IllegalTransition, NotAllowed
from matchmaker.common.persistence import flush_or_conflict
from matchmaker.common.workflow import Transition, Workflow
from matchmaker.db import utcnow
from matchmaker.extensions import db
from matchmaker.matching.models import MatchDecision
from matchmaker.needs.models import Need, NeedStatus
from matchmaker.review import notices
from matchmaker.review.models import PairNote, PairReview, PairReviewEvent, PairStatus
from matchmaker.seeds.models import Seed, SeedStatus

S = PairStatus
STAFF = frozenset({Role.COORDINATOR.value, Role.ADMIN.value})
MAX_REASON = 2000
MAX_NOTE = 5000

ACTION_LABELS = {
    "shortlist": _l("Shortlist"),
    "dismiss": _l("Dismiss"),
    "invite": _l("Invite to apply"),
    "reopen": _l("Reopen"),
}
STATUS_LABELS = {
    S.NEW: _l("New"),
    S.SHORTLISTED: _l("Shortlisted"),
    S.DISMISSED: _l("Dismissed"),
    S.INVITED: _l("Invited"),
}

PAIR_WORKFLOW = Workflow(
    [
        Transition("shortlist", S.NEW, S.SHORTLISTED, STAFF),
        Transition("dismiss", S.NEW, S.DISMISSED, STAFF),
        Transition("dismiss", S.SHORTLISTED, S.DISMISSED, STAFF),
        Transition("invite", S.NEW, S.INVITED, STAFF),
        Transition("invite", S.SHORTLISTED, S.INVITED, STAFF),
        Transition("reopen", S.SHORTLISTED, S.NEW, STAFF),
        Transition("reopen", S.DISMISSED, S.NEW, STAFF),
        Transition("reopen", S.INVITED, S.NEW, STAFF),
    ],
    ACTION_LABELS,
)
ACTIONS = tuple(ACTION_LABELS)
ACCEPTED = {S.SHORTLISTED: True, S.INVITED: True, S.DISMISSED: False}


def pair_status_label(status) -> str:
    return str(STATUS_LABELS.get(S(getattr(status, "value", status)), status))


@dataclass(frozen=True)
class PairChoice:
    """One pair picked on the page, with the version the coordinator saw (0: not yet decided)."""

    seed_id: int
    version: int


def can_review(user) -> bool:
    """Coordinators and administrators with an active account."""
    return bool(
        user is not None
        and getattr(user, "is_authenticated", False)
        and user.is_staff
        and user.is_approved
    )


def check_can_review(user, need: Need) -> None:
    if not can_review(user):
        raise NotAllowed(_("Only coordinators and administrators review matches."))
    if need.status is not NeedStatus.PUBLISHED:
        raise IllegalTransition(_("Only the matches of a published need can be reviewed."))


def check_transition(action: str, status: PairStatus) -> Transition:
    """The pair's move, or a message naming the action and the status in the reader's words."""
    transition = PAIR_WORKFLOW.find(action, status)
    if transition is None:
        raise IllegalTransition(
            _(
                "“%(action)s” is not possible while the pair is “%(status)s”.",
                action=ACTION_LABELS.get(action, action),
                status=pair_status_label(status),
            )
        )
    return transition


def pairs_of(need: Need) -> dict[int, PairReview]:
    rows = db.session.scalars(select(PairReview).where(PairReview.need_id == need.id))
    return {p.seed_id: p for p in rows}


def _stale(seed: Seed) -> Conflict:
    return Conflict(
        _(
            "“%(title)s” was changed by someone else since you loaded the page; "
            "reload it and decide again.",
            title=seed.title,
        )
    )


def _matches_version(pair: PairReview | None, expected: int) -> bool:
    """Version 0 means "not decided yet": no row, or a row only notes created (v1, new)."""
    if pair is None:
        return expected == 0
    undecided = pair.version == 1 and pair.status is S.NEW
    return expected == pair.version or (expected == 0 and undecided)


def _load_pair(need: Need, seed_id: int, lock: bool = True) -> PairReview | None:
    query = select(PairReview).where(PairReview.need_id == need.id, PairReview.seed_id == seed_id)
    if lock:
        query = query.with_for_update()
    return db.session.scalar(query)


def _reviewable_seed(need: Need, seed_id: int, pair: PairReview | None) -> Seed:
    """A published seed, or one already under review for this need (decisions stay editable)."""
    seed = db.session.get(Seed, seed_id)
    if seed is None or (pair is None and seed.status is not SeedStatus.PUBLISHED):
        raise DomainError(_("This seed cannot be reviewed."))
    return seed


def _get_or_create_pair(need: Need, seed: Seed) -> PairReview:
    pair = _load_pair(need, seed.id)
    if pair is not None:
        return pair
    pair = PairReview(need_id=need.id, seed_id=seed.id, status=S.NEW)
    try:
        with db.session.begin_nested():  # another coordinator may create it at the same moment
            db.session.add(pair)
            db.session.flush()
    except IntegrityError:
        pair = _load_pair(need, seed.id)
    return pair


def _check_choice(need: Need, action: str, choice: PairChoice, reason: str) -> Seed:
    """Everything that could refuse this decision, checked before anything changes."""
    pair = _load_pair(need, choice.seed_id)
    seed = _reviewable_seed(need, choice.seed_id, pair)
    if not _matches_version(pair, choice.version):
        raise _stale(seed)
    check_transition(action, pair.status if pair else S.NEW)
    if action == "dismiss" and not reason:
        raise DomainError(_("Give a reason for dismissing “%(title)s”.", title=seed.title))
    if action == "invite" and seed.status is not SeedStatus.PUBLISHED:
        raise DomainError(_("“%(title)s” is no longer published.", title=seed.title))
    return seed


def _clean_reason(reason: str | None) -> str:
    reason = (reason or "").strip()
    if len(reason) > MAX_REASON:
        raise DomainError(_("The reason is too long (at most %(n)d characters).", n=MAX_REASON))
    return reason


def _label(pair: PairReview, user, now: datetime) -> None:
    """The decision as a training label for the matcher's learner; reopening withdraws it."""
    where = (MatchDecision.need_id == pair.need_id, MatchDecision.seed_id == pair.seed_id)
    if pair.status is S.NEW:
        db.session.execute(delete(MatchDecision).where(*where))
        return
    label = db.session.scalar(select(MatchDecision).where(*where))
    if label is None:
        label = MatchDecision(need_id=pair.need_id, seed_id=pair.seed_id)
        db.session.add(label)
    label.accepted = ACCEPTED[pair.status]
    label.signals = dict(pair.signals or {})
    label.decided_by_id = user.id
    label.decided_at = now


def _apply(user, need, seed, action, reason, ranked: dict, now) -> PairReview:
    pair = _get_or_create_pair(need, seed)
    transition = check_transition(action, pair.status)
    source = pair.status
    pair.status = transition.target
    pair.reason = reason
    pair.updated_by_id = user.id
    if seed.id in ranked:
        pair.score, pair.signals = ranked[seed.id]
    flush_or_conflict(_stale(seed).message)
    db.session.add(
        PairReviewEvent(
            pair_review_id=pair.id,
            action=action,
            from_status=source.value,
            to_status=pair.status.value,
            reason=reason,
            actor_id=user.id,
            created_at=now,
        )
    )
    record(
        f"pair.{action}",
        actor=user,
        obj=pair,
        need_id=need.id,
        seed_id=seed.id,
        from_status=source,
        to_status=pair.status,
        reason=reason,
    )
    _label(pair, user, now)
    if action == "invite":
        notices.notify_invited(need, seed)
    db.session.flush()
    return pair


def _named(seed_id: int, message: str) -> str:
    """A refusal in a bulk message, prefixed with the seed it concerns."""
    seed = db.session.get(Seed, seed_id)
    if seed is None or seed.title in message:
        return message
    return _("“%(title)s”: %(problem)s", title=seed.title, problem=message)


def decide(
    user,
    need: Need,
    action: str,
    choices: list[PairChoice],
    reason: str | None = None,
    ranked: dict | None = None,
    now: datetime | None = None,
) -> list[PairReview]:
    """Apply one action to every chosen pair, or to none: each pair is checked (permission,
    transition, version, reason) before the first change. `ranked` maps seed ids to the
    matcher's (score, signals), kept with the decision and its label."""
    check_can_review(user, need)
    if action not in ACTIONS:
        raise DomainError(_("Choose an action."))
    if not choices:
        raise DomainError(_("Select at least one seed."))
    reason = _clean_reason(reason)
    unique: dict[int, PairChoice] = {}
    for choice in choices:
        unique.setdefault(choice.seed_id, choice)
    refused, seeds = [], []
    for choice in unique.values():
        try:
            seeds.append(_check_choice(need, action, choice, reason))
        except DomainError as exc:
            refused.append((choice.seed_id, exc))
    if refused:
        if len(unique) == 1:
            raise refused[0][1]
        error = Conflict if any(isinstance(e, Conflict) for _s, e in refused) else DomainError
        reasons = " ".join(_named(seed_id, exc.message) for seed_id, exc in refused)
        raise error(_("Nothing was changed. %(reasons)s", reasons=reasons))
    now = now or utcnow()
    return [_apply(user, need, seed, action, reason, ranked or {}, now) for seed in seeds]


def add_note(user, need: Need, seed_id: int, body: str, now: datetime | None = None) -> PairNote:
    """A private note for staff: kept on the pair, never shown outside the review queue."""
    check_can_review(user, need)
    body = (body or "").strip()
    if not body:
        raise DomainError(_("Write a note first."))
    if len(body) > MAX_NOTE:
        raise DomainError(_("The note is too long (at most %(n)d characters).", n=MAX_NOTE))
    seed = _reviewable_seed(need, seed_id, _load_pair(need, seed_id, lock=False))
    pair = _get_or_create_pair(need, seed)
    note = PairNote(
        pair_review_id=pair.id, author_id=user.id, body=body, created_at=now or utcnow()
    )
    db.session.add(note)
    db.session.flush()
    record("pair.note", actor=user, obj=pair, need_id=need.id, seed_id=seed.id, note_id=note.id)
    return note
