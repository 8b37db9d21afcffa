"""The demo's selection workflow (calls, Q&A, proposals, reviews, decisions, notices), played
through the feature services in time order at past moments, so events and invariants hold."""

from __future__ import annotations

import io
import itertools
from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta

from sqlalchemy import or_, select

from matchmaker.calls.jobs import close_due_calls
from matchmaker.calls.models import Call, CallQuestion
from matchmaker.calls.questions import answer_question, ask_question
from matchmaker.calls.services import (
    CallData,
    CriterionData,
    add_document,
    create_call,
    perform_call_action,
)
from matchmaker.common.timezone import TOKYO, to_tokyo
from matchmaker.demo.pdf import text_pdf
from matchmaker.evaluation.decisions import announce, decide
from matchmaker.evaluation.models import ReviewerAssignment, Score
from matchmaker.evaluation.scoring import CriterionScore, save_scores
from matchmaker.evaluation.services import assign_reviewers, complete_review
from matchmaker.extensions import db
from matchmaker.notifications.follows import follow
from matchmaker.notifications.models import Follow, Notification, OutboxMessage
from matchmaker.projects.models import ProgressUpdate, Project
from matchmaker.proposals.fields import ProposalData
from matchmaker.proposals.models import Proposal, ProposalStatus
from matchmaker.proposals.services import start_proposal, transition
from matchmaker.review import services as review
from matchmaker.uploads.models import Attachment

# Timestamps the services take from the clock (not from `now`): set back to the step's moment.
CLOCK_COLUMNS = [
    (Call, ("created_at", "updated_at")),
    (Attachment, ("created_at",)),
    (CallQuestion, ("created_at",)),
    (Proposal, ("created_at", "updated_at")),
    (ReviewerAssignment, ("created_at", "completed_at")),
    (Score, ("created_at", "updated_at")),
    (review.PairReview, ("created_at", "updated_at")),
    (Follow, ("created_at",)),
    (Notification, ("created_at", "emailed_at")),
    (OutboxMessage, ("created_at",)),
    (Project, ("created_at", "updated_at")),
    (ProgressUpdate, ("created_at",)),
]
READ_AFTER = timedelta(days=14)  # older demo notifications show as read


class Timeline:
    """Steps at moments relative to the load time, played in order (ties in insertion order)."""

    def __init__(self, now: datetime):
        self.now = now
        self.steps: list[tuple[datetime, int, Callable[[datetime], object]]] = []
        self._seq = itertools.count()

    def at(self, day: int, hour: int, minute: int = 0) -> datetime:
        """`day` days from the load, at hour:minute on Tokyo's clock, in UTC."""
        local_day = to_tokyo(self.now + timedelta(days=day)).date()
        return datetime.combine(local_day, time(hour, minute), tzinfo=TOKYO).astimezone(UTC)

    def add(self, moment: datetime, step: Callable[[datetime], object]) -> None:
        if moment >= self.now:
            raise ValueError(f"demo step in the future: {moment}")
        self.steps.append((moment, next(self._seq), step))

    def play(self) -> None:
        for moment, _seq, step in sorted(self.steps, key=lambda s: s[:2]):
            step(moment)
            db.session.flush()
            _set_clock_back(moment)


def _set_clock_back(moment: datetime) -> None:
    """Steps run in time order, so any clock stamp later than `moment` was made by this step."""
    for model, names in CLOCK_COLUMNS:
        columns = [getattr(model, n) for n in names]
        for row in db.session.scalars(select(model).where(or_(*(c > moment for c in columns)))):
            for name in names:
                value = getattr(row, name)
                if value is not None and value > moment:
                    setattr(row, name, moment)
    db.session.flush()


def play_selection(
    data: dict, users: dict, needs: dict, seeds: dict, now: datetime, more_steps=None
) -> dict:
    """Build every step of the demo's selection workflow (and `more_steps(timeline, calls)`,
    which may use the calls once made), play them in time order, return the calls."""
    timeline = Timeline(now)
    calls: dict[str, Call] = {}
    for spec in data.get("follows", []):
        _add_follow(timeline, spec, users, needs, calls)
    for spec in data.get("pair_reviews", []):
        _add_pair_review(timeline, spec, users, needs, seeds)
    for spec in data.get("calls", []):
        _add_call(timeline, spec, users, needs, seeds, calls)
    if more_steps is not None:
        more_steps(timeline, calls)
    timeline.play()
    for notification in db.session.scalars(
        select(Notification).where(Notification.created_at < now - READ_AFTER)
    ):
        notification.read_at = notification.created_at + timedelta(days=1)
    db.session.flush()
    return calls


def _add_follow(timeline: Timeline, spec: dict, users, needs, calls) -> None:
    user = users[spec["user"]]
    if "need" in spec:
        subject = lambda: ("need", needs[spec["need"]].id)  # noqa: E731
    else:
        subject = lambda: ("call", calls[spec["call"]].id)  # noqa: E731
    timeline.add(timeline.at(spec["day"], 8), lambda now: follow(user, *subject()))


def _add_pair_review(timeline: Timeline, spec: dict, users, needs, seeds) -> None:
    user, need = users[spec["by"]], needs[spec["need"]]
    moment = timeline.at(spec["day"], 14)
    if "note" in spec:
        seed = seeds[spec["note_seed"]]
        timeline.add(moment, lambda now: review.add_note(user, need, seed.id, spec["note"], now))
        return

    def decide_pairs(now: datetime) -> None:
        pairs = review.pairs_of(need)
        choices = [
            review.PairChoice(
                seeds[k].id, pairs[seeds[k].id].version if seeds[k].id in pairs else 0
            )
            for k in spec["seeds"]
        ]
        review.decide(user, need, spec["action"], choices, spec.get("reason"), now=now)

    timeline.add(moment, decide_pairs)


def _call_data(spec: dict, timeline: Timeline) -> CallData:
    return CallData(
        title=spec["title"],
        description=spec["description"],
        eligibility=spec["eligibility"],
        opens_at=timeline.at(spec["opens_day"], 10),
        closes_at=timeline.at(spec["closes_day"], 17),
        criteria=[
            CriterionData(c["name"], c["weight"], c["description"]) for c in spec["criteria"]
        ],
        budget_max=spec["budget_max"],
        budget_currency=spec.get("budget_currency", "JPY"),
        pilot_period=spec["pilot_period"],
        language=spec["language"],
    )


def _add_call(timeline: Timeline, spec: dict, users, needs, seeds, calls) -> None:
    """Create and publish the call, then its questions, proposals, panel, scores, decisions."""
    owner = users[spec["created_by"]]
    data = _call_data(spec, timeline)
    key = spec["key"]

    def create(now: datetime) -> None:
        calls[key] = create_call(owner, needs[spec["need"]], data)

    timeline.add(timeline.at(spec["created_day"], 9), create)
    if "document" in spec:
        doc = spec["document"]
        timeline.add(
            timeline.at(spec["created_day"], 9, 30),
            lambda now: add_document(
                owner, calls[key], io.BytesIO(text_pdf(doc["lines"])), doc["filename"], doc["title"]
            ),
        )
    timeline.add(data.opens_at, lambda now: perform_call_action(calls[key], "publish", owner, now))
    for spec_q in spec.get("questions", []):
        _add_question(timeline, spec_q, users, calls, key)
    proposals: dict[int, Proposal] = {}
    for index, spec_p in enumerate(spec.get("proposals", [])):
        _add_proposal(timeline, spec_p, users, seeds, calls, key, proposals, index)
    if data.closes_at < timeline.now:
        timeline.add(data.closes_at, close_due_calls)  # the scheduled job, at the deadline
    if "assign_day" in spec:
        _add_evaluation(timeline, spec, users, calls, key, proposals)


def _add_question(timeline: Timeline, spec: dict, users, calls, key: str) -> None:
    asked: list[CallQuestion] = []
    asker, answerer = users[spec["asked_by"]], users[spec["answered_by"]]
    timeline.add(
        timeline.at(spec["day"], 11),
        lambda now: asked.append(ask_question(asker, calls[key], spec["body"])),
    )
    timeline.add(
        timeline.at(spec["answer_day"], 15),
        lambda now: answer_question(answerer, calls[key], asked[0], spec["answer"], now),
    )


def _add_proposal(timeline, spec: dict, users, seeds, calls, key, proposals, index) -> None:
    author = users[spec["by"]]
    seed = seeds[spec["seed"]] if spec.get("seed") else None

    def start(now: datetime) -> None:
        data = ProposalData(
            title=spec["title"],
            approach=spec["approach"],
            pilot_plan=spec["pilot_plan"],
            schedule=spec["schedule"],
            budget_amount=spec["budget_amount"],
            budget_currency=spec.get("budget_currency", "JPY"),
            team=spec["team"],
            links=tuple(spec.get("links", [])),
            seed_id=seed.id if seed else None,
        )
        proposals[index], _created = start_proposal(calls[key], author, data, now)

    timeline.add(timeline.at(spec["start_day"], 10), start)
    if spec.get("submit_day") is not None:
        timeline.add(
            timeline.at(spec["submit_day"], 16),
            lambda now: transition(proposals[index], "submit", author, now=now),
        )


def _add_evaluation(timeline: Timeline, spec: dict, users, calls, key, proposals) -> None:
    """The coordinator's panel, the reviewers' scores and, when given, decisions and results."""
    coordinator = users["coordinator"]
    reviewers = [users[k] for k in spec["reviewers"]]
    timeline.add(
        timeline.at(spec["assign_day"], 9, 30),
        lambda now: assign_reviewers(calls[key], [r.id for r in reviewers], coordinator),
    )
    scored = [(i, p) for i, p in enumerate(spec["proposals"]) if p.get("scores")]
    for day, (index, spec_p) in enumerate(scored, start=spec["assign_day"] + 1):
        for reviewer in reviewers:
            timeline.add(
                timeline.at(day, 14),
                _scoring(reviewer, proposals, index, spec_p["scores"]),
            )
    if "complete_day" in spec:
        for reviewer in reviewers:
            timeline.add(timeline.at(spec["complete_day"], 18), _completing(reviewer, calls, key))
    if "decision_day" in spec:
        decider = users[spec["decided_by"]]
        for index, spec_p in enumerate(spec["proposals"]):
            timeline.add(
                timeline.at(spec["decision_day"], 11, index),
                _deciding(decider, proposals, index, spec_p),
            )
        timeline.add(
            timeline.at(spec["announce_day"], 15),
            lambda now: announce(calls[key], decider, now),
        )


def _scoring(reviewer, proposals, index: int, values: list) -> Callable[[datetime], object]:
    def score(now: datetime) -> None:
        proposal = proposals[index]
        items = [
            CriterionScore(criterion.id, value, comment)
            for criterion, (value, comment) in zip(proposal.call.criteria, values, strict=True)
        ]
        save_scores(reviewer, proposal, items)

    return score


def _completing(reviewer, calls, key: str) -> Callable[[datetime], object]:
    def complete(now: datetime) -> None:
        assignment = db.session.scalar(
            select(ReviewerAssignment).where(
                ReviewerAssignment.call_id == calls[key].id,
                ReviewerAssignment.reviewer_id == reviewer.id,
            )
        )
        complete_review(assignment, reviewer)

    return complete


def _deciding(decider, proposals, index: int, spec: dict) -> Callable[[datetime], object]:
    return lambda now: decide(
        proposals[index],
        ProposalStatus(spec["decision"]),
        spec.get("reason", ""),
        decider,
        None,
        now,
    )
