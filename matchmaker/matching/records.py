"""What the matcher reads of a need or a seed, and which records take part in matching."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from matchmaker.matching.documents import Doc
from matchmaker.needs.models import Need, NeedStatus
from matchmaker.seeds.models import Seed, SeedStatus

NEED = "need"
SEED = "seed"
MODELS = {NEED: Need, SEED: Seed}
PUBLISHED = {NEED: NeedStatus.PUBLISHED, SEED: SeedStatus.PUBLISHED}


def _join(*parts: str | None) -> str:
    return "\n".join(p.strip() for p in parts if p and p.strip())


def need_doc(need: Need) -> Doc:
    """Title, then summary, problem, desired outcome and the author's translation."""
    return Doc(
        id=need.id,
        title=need.title,
        body=_join(
            need.summary,
            need.problem,
            need.desired_outcome,
            need.title_translated,
            need.summary_translated,
        ),
        language=need.language,
        policy_areas=need.policy_areas,
        trl=None,  # a need's min_trl filters the seed side; it is not a fact of the need
        org_kind=need.organization.kind.value if need.organization else "",
        ready_for_pilot=False,
        org_id=need.organization_id,
    )


def seed_doc(seed: Seed) -> Doc:
    """Title, then summary, description, keywords and the author's translation."""
    return Doc(
        id=seed.id,
        title=seed.title,
        body=_join(
            seed.summary,
            seed.description,
            ", ".join(seed.keywords or []),
            seed.title_translated,
            seed.summary_translated,
        ),
        language=seed.language,
        policy_areas=seed.policy_areas,
        trl=seed.trl,
        org_kind=seed.organization.kind.value if seed.organization else "",
        ready_for_pilot=bool(seed.ready_for_pilot),
        org_id=seed.organization_id,
    )


def doc_for(entity_type: str, record) -> Doc:
    return need_doc(record) if entity_type == NEED else seed_doc(record)


def is_matchable(entity_type: str, record) -> bool:
    """Only published needs and seeds are ranked; drafts, closed and archived ones are not."""
    return record is not None and record.status == PUBLISHED[entity_type]


def load_records(session: Session, entity_type: str, ids) -> dict[int, object]:
    """The records with these ids (any status), with what their documents need, by id."""
    model = MODELS[entity_type]
    ids = sorted(set(ids))
    found: dict[int, object] = {}
    for start in range(0, len(ids), 500):
        stmt = (
            select(model)
            .where(model.id.in_(ids[start : start + 500]))
            .options(selectinload(model.organization))
        )
        found.update({r.id: r for r in session.scalars(stmt)})
    return found


def published_ids(session: Session, entity_type: str) -> list[int]:
    model = MODELS[entity_type]
    stmt = select(model.id).where(model.status == PUBLISHED[entity_type]).order_by(model.id)
    return list(session.scalars(stmt))
