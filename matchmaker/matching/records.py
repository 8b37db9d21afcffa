"""What the matcher reads of a need or a seed, and which records take part in matching."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from matchmaker.accounts.models import Organization
from matchmaker.matching.documents import Doc
from matchmaker.needs.models import Need, NeedPolicyArea, NeedStatus
from matchmaker.seeds.models import Seed, SeedPolicyArea, SeedStatus

NEED = "need"
SEED = "seed"
MODELS = {NEED: Need, SEED: Seed}
PUBLISHED = {NEED: NeedStatus.PUBLISHED, SEED: SeedStatus.PUBLISHED}


def _join(*parts: str | None) -> str:
    return "\n".join(p.strip() for p in parts if p and p.strip())


def _need_doc(need, org_kind: str, policy_areas: list[str]) -> Doc:
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
        policy_areas=policy_areas,
        trl=None,  # a need's min_trl filters the seed side; it is not a fact of the need
        org_kind=org_kind,
        ready_for_pilot=False,
        org_id=need.organization_id,
    )


def _seed_doc(seed, org_kind: str, policy_areas: list[str]) -> Doc:
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
        policy_areas=policy_areas,
        trl=seed.trl,
        org_kind=org_kind,
        ready_for_pilot=bool(seed.ready_for_pilot),
        org_id=seed.organization_id,
    )


def need_doc(need: Need) -> Doc:
    kind = need.organization.kind.value if need.organization else ""
    return _need_doc(need, kind, need.policy_areas)


def seed_doc(seed: Seed) -> Doc:
    kind = seed.organization.kind.value if seed.organization else ""
    return _seed_doc(seed, kind, seed.policy_areas)


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


# what a Doc reads of each record: published_docs selects these columns, not whole objects
FIELDS = {
    NEED: (
        "title",
        "summary",
        "problem",
        "desired_outcome",
        "title_translated",
        "summary_translated",
        "language",
        "organization_id",
    ),
    SEED: (
        "title",
        "summary",
        "description",
        "keywords",
        "title_translated",
        "summary_translated",
        "language",
        "trl",
        "ready_for_pilot",
        "organization_id",
    ),
}
AREAS = {
    NEED: (NeedPolicyArea, NeedPolicyArea.need_id),
    SEED: (SeedPolicyArea, SeedPolicyArea.seed_id),
}


def published_docs(session: Session, entity_type: str, ids=None) -> dict[int, Doc]:
    """The documents of the published records (all, or these ids), by id, read as plain
    columns: building ORM objects for 100,000 records took most of a full load."""
    model = MODELS[entity_type]
    make = _need_doc if entity_type == NEED else _seed_doc
    area_model, area_key = AREAS[entity_type]
    rows_stmt = (
        select(model.id, *(getattr(model, name) for name in FIELDS[entity_type]), Organization.kind)
        .outerjoin(Organization, Organization.id == model.organization_id)
        .where(model.status == PUBLISHED[entity_type])
    )
    areas_stmt = (
        select(area_key, area_model.code)
        .join(model, model.id == area_key)
        .where(model.status == PUBLISHED[entity_type])
    )
    wanted = None if ids is None else sorted(set(ids))
    chunks = [None] if wanted is None else [wanted[i : i + 500] for i in range(0, len(wanted), 500)]
    docs: dict[int, Doc] = {}
    for chunk in chunks:
        rows, area_rows = rows_stmt, areas_stmt
        if chunk is not None:
            rows, area_rows = rows.where(model.id.in_(chunk)), area_rows.where(area_key.in_(chunk))
        areas: dict[int, list[str]] = {}
        for record_id, code in session.execute(area_rows):
            areas.setdefault(record_id, []).append(code)
        for row in session.execute(rows):
            kind = row.kind.value if row.kind is not None else ""
            docs[row.id] = make(row, kind, sorted(areas.get(row.id, [])))
    return dict(sorted(docs.items()))
