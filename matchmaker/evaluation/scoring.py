"""A reviewer's scores on one proposal: every criterion, 1 to 5, each with a comment."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from matchmaker.audit.services import record
from matchmaker.calls.models import CallStatus
from matchmaker.common.errors import Conflict, DomainError, IllegalTransition, NotAllowed
from matchmaker.evaluation.models import Score
from matchmaker.evaluation.services import can_review
from matchmaker.extensions import db
from matchmaker.proposals.models import Proposal

MIN_SCORE, MAX_SCORE = 1, 5
MAX_COMMENT_LENGTH = 5000


@dataclass(frozen=True)
class CriterionScore:
    """One criterion's score as a form gives it (plain data, no request)."""

    criterion_id: int
    value: int
    comment: str


def is_scoring_open(proposal: Proposal) -> bool:
    return proposal.call.status is CallStatus.UNDER_EVALUATION


def scoring_closed_message(proposal: Proposal) -> str:
    if proposal.call.status is CallStatus.DECIDED:
        return _(
            "Evaluation is closed: the results were announced, so scores can no longer change."
        )
    return _("Scoring opens when the call closes to submissions and is under evaluation.")


def my_scores(user, proposal: Proposal) -> dict[int, Score]:
    """This reviewer's scores on the proposal, by criterion id."""
    rows = db.session.scalars(
        select(Score).where(Score.proposal_id == proposal.id, Score.reviewer_id == user.id)
    )
    return {s.criterion_id: s for s in rows}


def save_scores(user, proposal: Proposal, scores: list[CriterionScore]) -> list[Score]:
    """Upsert one Score per criterion; all criteria at once, or nothing is saved."""
    if not can_review(user, proposal):
        raise NotAllowed(_("You cannot review this proposal."))
    if not is_scoring_open(proposal):
        raise IllegalTransition(scoring_closed_message(proposal))
    criteria = {c.id for c in proposal.call.criteria}
    given = {s.criterion_id: s for s in scores}
    if not criteria or set(given) != criteria or len(given) != len(scores):
        raise DomainError(_("Score every criterion of the call."))
    for item in scores:
        if not MIN_SCORE <= item.value <= MAX_SCORE:
            raise DomainError(_("Scores go from 1 to 5."))
        comment = (item.comment or "").strip()
        if not comment or len(comment) > MAX_COMMENT_LENGTH:
            raise DomainError(_("Every score needs a comment."))
    existing = my_scores(user, proposal)
    saved = []
    for item in scores:
        score = existing.get(item.criterion_id)
        if score is None:
            score = Score(
                proposal_id=proposal.id, reviewer_id=user.id, criterion_id=item.criterion_id
            )
            db.session.add(score)
        score.value = item.value
        score.comment = item.comment.strip()
        saved.append(score)
    try:
        db.session.flush()
    except IntegrityError as exc:  # a double click inserted the same scores first
        raise Conflict(_("Your scores were saved twice at once. Reload the page.")) from exc
    record(
        "proposal_score",
        actor=user,
        obj=proposal,
        changed=bool(existing),
        values={str(s.criterion_id): s.value for s in saved},
    )
    return saved
