"""System health for administrators: one panel on the dashboard and on the admin index, so long
work (re-index, imports, scheduled jobs, e-mail) shows where it stands without a terminal."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from matchmaker.db import utcnow
from matchmaker.extensions import db
from matchmaker.jobs.services import job_states
from matchmaker.matching import runtime
from matchmaker.matching.models import Embedding
from matchmaker.matching.records import MODELS, NEED, PUBLISHED, SEED
from matchmaker.matching.store import current_revision
from matchmaker.needs.models import Need
from matchmaker.notifications.mailer import outbox_counts
from matchmaker.notifications.models import OutboxMessage, OutboxStatus


@dataclass
class IndexCoverage:
    """Published records of one kind and how many of them have stored vectors."""

    kind: str
    published: int
    encoded: int

    @property
    def missing(self) -> int:
        return max(0, self.published - self.encoded)


@dataclass
class JobRow:
    name: str
    last_started_at: datetime | None = None
    last_finished_at: datetime | None = None
    last_result: str = ""
    running: bool = False

    @property
    def failed(self) -> bool:
        return self.last_result.startswith("failed")


@dataclass
class ImportRow:
    source: str
    needs: int
    last_at: datetime | None


@dataclass
class Health:
    database_ok: bool
    models_loaded: bool = False
    models_problem: str | None = None
    revision: int = 0
    revision_at: datetime | None = None
    coverage: list[IndexCoverage] = field(default_factory=list)
    jobs: list[JobRow] = field(default_factory=list)
    outbox: dict = field(default_factory=dict)
    oldest_pending_mail: datetime | None = None
    imports: list[ImportRow] = field(default_factory=list)


def database_reachable() -> bool:
    try:
        db.session.execute(select(1))
    except SQLAlchemyError:
        db.session.rollback()
        return False
    return True


def index_coverage(kind: str) -> IndexCoverage:
    model = MODELS[kind]
    published = select(model.id).where(model.status == PUBLISHED[kind])
    total = db.session.scalar(select(func.count()).select_from(published.subquery())) or 0
    encoded = db.session.scalar(
        select(func.count(func.distinct(Embedding.entity_id))).where(
            Embedding.entity_type == kind, Embedding.entity_id.in_(published)
        )
    )
    return IndexCoverage(kind, int(total), int(encoded or 0))


def job_rows(now: datetime) -> list[JobRow]:
    rows = []
    for name, state in job_states().items():
        if state is None:
            rows.append(JobRow(name))
            continue
        leased = state.leased_until is not None and state.leased_until > now
        rows.append(
            JobRow(
                name,
                state.last_started_at,
                state.last_finished_at,
                state.last_result or "",
                running=leased,
            )
        )
    return rows


def import_rows() -> list[ImportRow]:
    rows = db.session.execute(
        select(Need.source, func.count(), func.max(Need.updated_at))
        .where(Need.source.is_not(None))
        .group_by(Need.source)
        .order_by(Need.source)
    ).all()
    return [ImportRow(source, int(n), last) for source, n, last in rows]


def system_health(now: datetime | None = None) -> Health:
    """Every figure the panel shows; only cheap queries, and no model is loaded to get them."""
    now = now or utcnow()
    if not database_reachable():
        return Health(database_ok=False)
    loaded, problem = runtime.models_state()
    if problem is None and not loaded:
        problem = runtime.check_configuration(runtime.config_path())
    revision, stamp = current_revision(db.session)
    oldest = db.session.scalar(
        select(func.min(OutboxMessage.created_at)).where(
            OutboxMessage.status == OutboxStatus.PENDING
        )
    )
    return Health(
        database_ok=True,
        models_loaded=loaded,
        models_problem=problem,
        revision=revision,
        revision_at=stamp,
        coverage=[index_coverage(NEED), index_coverage(SEED)],
        jobs=job_rows(now),
        outbox=outbox_counts(),
        oldest_pending_mail=oldest,
        imports=import_rows(),
    )
