"""The public datasets: which rows are public and which columns of them, each described once
so the CSV, the JSON and the data dictionary cannot drift apart."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from matchmaker.accounts.models import Organization
from matchmaker.calls.models import PUBLIC_CALL_STATUSES, Call
from matchmaker.extensions import db
from matchmaker.needs.models import PUBLIC_NEED_STATUSES, Need
from matchmaker.results.services import public_results
from matchmaker.seeds.models import Seed, SeedStatus

Link = Callable[[str, dict], str]


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # integer, number, string, text, boolean, date, datetime, list
    description: str
    get: Callable


@dataclass(frozen=True)
class Dataset:
    name: str
    description: object  # lazy string: the page shows it in the reader's language
    columns: tuple[Column, ...]
    rows: Callable[[], Iterable]


def attr(name: str) -> Callable:
    return lambda obj, link: getattr(obj, name)


def enum_value(name: str) -> Callable:
    return lambda obj, link: getattr(obj, name).value


def c(name: str, type_: str, description: str, get: Callable | None = None) -> Column:
    return Column(name, type_, description, get or attr(name))


def public_needs() -> list[Need]:
    stmt = (
        select(Need)
        .where(Need.status.in_(PUBLIC_NEED_STATUSES))
        .options(selectinload(Need.organization))
        .order_by(Need.id)
    )
    return list(db.session.scalars(stmt))


def public_calls() -> list[Call]:
    stmt = select(Call).where(Call.status.in_(PUBLIC_CALL_STATUSES)).order_by(Call.id)
    return list(db.session.scalars(stmt))


def public_seeds() -> list[Seed]:
    stmt = (
        select(Seed)
        .where(Seed.status == SeedStatus.PUBLISHED)
        .options(selectinload(Seed.organization))
        .order_by(Seed.id)
    )
    return list(db.session.scalars(stmt))


def published_results() -> list:
    return sorted(db.session.scalars(public_results()).unique(), key=lambda p: p.id)


def result_kpis() -> list:
    return [kpi for project in published_results() for kpi in project.kpis]


def result_milestones() -> list:
    return [m for project in published_results() for m in project.milestones]


def public_organizations() -> list[Organization]:
    """Only organizations named by a public record: registering alone publishes nothing."""
    ids = {n.organization_id for n in public_needs()}
    ids |= {s.organization_id for s in public_seeds()}
    ids |= {c.organization_id for c in public_calls()}
    for project in published_results():
        ids |= {project.department_org_id, project.provider_org_id}
    if not ids:
        return []
    stmt = select(Organization).where(Organization.id.in_(ids)).order_by(Organization.id)
    return list(db.session.scalars(stmt))


def _areas(obj, link) -> list[str]:
    return obj.policy_areas


NEEDS = Dataset(
    "needs",
    _l("Policy challenges published by departments (published and closed needs)."),
    (
        c("id", "integer", "Need number on this site."),
        c("url", "string", "Address of the need's page.", lambda n, link: link("need", n.id)),
        c("organization_id", "integer", "Department that posted it (organizations.id)."),
        c("status", "string", "published (open for ideas) or closed.", enum_value("status")),
        c("language", "string", "Language of title and texts: ja or en."),
        c("title", "string", "Title."),
        c("summary", "text", "Short summary."),
        c("problem", "text", "The problem in the department's words."),
        c("desired_outcome", "text", "What a good solution achieves."),
        c("constraints", "text", "Conditions and constraints."),
        c("title_translated", "string", "Title in the other language, if given."),
        c("summary_translated", "text", "Summary in the other language, if given."),
        c("policy_areas", "list", "Policy area codes (see the taxonomy on the site).", _areas),
        c("sdg_goals", "list", "UN Sustainable Development Goal numbers (1-17)."),
        c("budget_min", "integer", "Lowest budget, in budget_currency."),
        c("budget_max", "integer", "Highest budget (or cash prize), in budget_currency."),
        c("budget_currency", "string", "ISO 4217 currency of the budget (JPY, USD)."),
        c("min_trl", "integer", "Lowest technology readiness level sought (1-9)."),
        c("demo_site", "string", "Where a pilot could take place."),
        c("timeline", "string", "Timeline in words."),
        c("contact_name", "string", "Published contact person."),
        c("contact_email", "string", "Published contact address of the need."),
        c("source", "string", "Platform an imported need came from (e.g. challenge.gov)."),
        c("external_id", "string", "The need's id on that platform."),
        c("source_url", "string", "The need's page on that platform."),
        c("published_at", "datetime", "When it was published (UTC, ISO 8601)."),
        c("closed_at", "datetime", "When it closed (UTC, ISO 8601)."),
    ),
    public_needs,
)

CALLS = Dataset(
    "calls",
    _l("Public calls for proposals (scheduled, open, under evaluation or decided)."),
    (
        c("id", "integer", "Call number on this site."),
        c("url", "string", "Address of the call's page.", lambda x, link: link("call", x.id)),
        c("need_id", "integer", "The need the call answers (needs.id)."),
        c("organization_id", "integer", "Department running the call (organizations.id)."),
        c(
            "status",
            "string",
            "scheduled, open, under_evaluation or decided.",
            enum_value("status"),
        ),
        c("language", "string", "Language of the texts: ja or en."),
        c("title", "string", "Title."),
        c("description", "text", "What the call asks for."),
        c("eligibility", "text", "Who may apply."),
        c("opens_at", "datetime", "When submissions open (UTC)."),
        c("closes_at", "datetime", "Submission deadline (UTC)."),
        c("budget_max", "integer", "Maximum budget, in budget_currency."),
        c("budget_currency", "string", "ISO 4217 currency of the budget."),
        c("pilot_period", "string", "Planned pilot period in words."),
        c(
            "criteria",
            "list",
            "Evaluation criteria as name (weight).",
            lambda x, link: [f"{k.name} ({k.weight})" for k in x.criteria],
        ),
        c("published_at", "datetime", "When the call was published (UTC)."),
        c("decided_at", "datetime", "When results were announced (UTC)."),
    ),
    public_calls,
)

SEEDS = Dataset(
    "seeds",
    _l("Published technologies and ideas of startups, universities, NPOs and companies."),
    (
        c("id", "integer", "Seed number on this site."),
        c("url", "string", "Address of the seed's page.", lambda s, link: link("seed", s.id)),
        c("organization_id", "integer", "Organization that registered it (organizations.id)."),
        c("language", "string", "Language of the texts: ja or en."),
        c("title", "string", "Title."),
        c("summary", "text", "Short summary."),
        c("description", "text", "Description."),
        c("title_translated", "string", "Title in the other language, if given."),
        c("summary_translated", "text", "Summary in the other language, if given."),
        c("trl", "integer", "Technology readiness level (1-9)."),
        c("keywords", "list", "Keywords."),
        c("policy_areas", "list", "Policy area codes.", _areas),
        c("track_record", "text", "Track record in words."),
        c("website", "string", "Website."),
        c("ready_for_pilot", "boolean", "Ready for a pilot now."),
        c("published_at", "datetime", "When it was published (UTC)."),
    ),
    public_seeds,
)

RESULTS = Dataset(
    "results",
    _l("Published results of finished demonstration projects."),
    (
        c("id", "integer", "Project number on this site."),
        c("url", "string", "Address of the result page.", lambda p, link: link("result", p.id)),
        c("need_id", "integer", "The need it addressed (needs.id)."),
        c("call_id", "integer", "The call it came from (calls.id)."),
        c("department_org_id", "integer", "Department party (organizations.id)."),
        c("provider_org_id", "integer", "Provider party (organizations.id)."),
        c("status", "string", "completed, adopted or not_adopted.", enum_value("status")),
        c("language", "string", "Language of the texts: ja or en."),
        c("title", "string", "Title."),
        c("summary", "text", "The solution that was piloted."),
        c("outcome", "text", "The outcome in plain words."),
        c("adoption_reason", "text", "Reason for the adoption decision."),
        c("starts_on", "date", "Start of the pilot."),
        c("ends_on", "date", "End of the pilot."),
        c("contact_name", "string", "Published contact person."),
        c("contact_email", "string", "Published contact address of the result."),
        c("published_at", "datetime", "When the result was published (UTC)."),
        c("decided_at", "datetime", "When the adoption decision was made (UTC)."),
    ),
    published_results,
)

KPIS = Dataset(
    "result_kpis",
    _l("Key performance indicators of published results, against their targets."),
    (
        c("project_id", "integer", "The result (results.id)."),
        c("name", "string", "Indicator name."),
        c("unit", "string", "Unit of measurement."),
        c(
            "direction",
            "string",
            "increase or decrease: which way is better.",
            enum_value("direction"),
        ),
        c("baseline", "number", "Value before the pilot."),
        c("target", "number", "Target value."),
        c("actual", "number", "Measured value."),
        c("measured_on", "date", "When it was measured."),
        c("met", "boolean", "Whether the actual reached the target.", attr("is_met")),
    ),
    result_kpis,
)

MILESTONES = Dataset(
    "result_milestones",
    _l("Milestones of published results."),
    (
        c("project_id", "integer", "The result (results.id)."),
        c("title", "string", "Milestone."),
        c("due_on", "date", "Due date."),
        c("status", "string", "pending, done or missed.", enum_value("status")),
        c("completed_on", "date", "When it was done."),
    ),
    result_milestones,
)

ORGANIZATIONS = Dataset(
    "organizations",
    _l("Public facts of the organizations named by the records above."),
    (
        c("id", "integer", "Organization number on this site."),
        c("name", "string", "Name."),
        c("name_en", "string", "Name in English, if given."),
        c("kind", "string", "department, startup, university, npo, company...", enum_value("kind")),
        c("website", "string", "Website."),
        c("description", "text", "Description."),
    ),
    public_organizations,
)

DATASETS = (NEEDS, CALLS, SEEDS, RESULTS, KPIS, MILESTONES, ORGANIZATIONS)
