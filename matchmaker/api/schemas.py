"""What the API returns: one marshmallow schema per public shape, plus the page envelope."""

from __future__ import annotations

from datetime import UTC

from marshmallow import Schema, fields

from matchmaker.calls.models import CallStatus
from matchmaker.calls.services import is_accepting_proposals
from matchmaker.needs.models import NeedStatus
from matchmaker.projects.models import KpiDirection, MilestoneStatus, ProjectStatus
from matchmaker.proposals.models import ProposalStatus
from matchmaker.seeds.models import SeedStatus


class UTCDateTime(fields.DateTime):
    """Always an offset in the output, also for naive values SQLite hands back."""

    def _serialize(self, value, attr, obj, **kwargs):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return super()._serialize(value, attr, obj, **kwargs)


def _enum(enum_cls):
    return fields.Enum(enum_cls, by_value=True, required=True)


class OrganizationRef(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    kind = fields.String(required=True)


class NeedOut(Schema):
    id = fields.Integer(required=True)
    status = _enum(NeedStatus)
    organization = fields.Nested(OrganizationRef, required=True)
    language = fields.String(required=True)
    title = fields.String(required=True)
    summary = fields.String(required=True)
    problem = fields.String(required=True)
    desired_outcome = fields.String(required=True)
    constraints = fields.String(required=True)
    title_translated = fields.String(allow_none=True, required=True)
    summary_translated = fields.String(allow_none=True, required=True)
    policy_areas = fields.List(fields.String(), required=True)
    sdg_goals = fields.List(fields.Integer(), required=True)
    budget_min = fields.Integer(allow_none=True, required=True)
    budget_max = fields.Integer(allow_none=True, required=True)
    budget_currency = fields.String(required=True)
    demo_site = fields.String(required=True)
    timeline = fields.String(required=True)
    contact_name = fields.String(required=True)
    contact_email = fields.String(required=True)
    min_trl = fields.Integer(allow_none=True, required=True)
    version = fields.Integer(required=True)
    published_at = UTCDateTime(allow_none=True, required=True)
    updated_at = UTCDateTime(required=True)


class SeedOut(Schema):
    id = fields.Integer(required=True)
    status = _enum(SeedStatus)
    organization = fields.Nested(OrganizationRef, required=True)
    language = fields.String(required=True)
    title = fields.String(required=True)
    summary = fields.String(required=True)
    description = fields.String(required=True)
    title_translated = fields.String(allow_none=True, required=True)
    summary_translated = fields.String(allow_none=True, required=True)
    trl = fields.Integer(required=True)
    keywords = fields.List(fields.String(), required=True)
    policy_areas = fields.List(fields.String(), required=True)
    track_record = fields.String(required=True)
    website = fields.String(required=True)
    ready_for_pilot = fields.Boolean(required=True)
    version = fields.Integer(required=True)
    published_at = UTCDateTime(allow_none=True, required=True)
    updated_at = UTCDateTime(required=True)


class CriterionOut(Schema):
    name = fields.String(required=True)
    description = fields.String(required=True)
    weight = fields.Integer(required=True)


class CallOut(Schema):
    id = fields.Integer(required=True)
    need_id = fields.Integer(required=True)
    status = _enum(CallStatus)
    organization = fields.Nested(OrganizationRef, required=True)
    language = fields.String(required=True)
    title = fields.String(required=True)
    description = fields.String(required=True)
    eligibility = fields.String(required=True)
    opens_at = UTCDateTime(required=True)
    closes_at = UTCDateTime(required=True)
    budget_max = fields.Integer(allow_none=True, required=True)
    budget_currency = fields.String(required=True)
    pilot_period = fields.String(required=True)
    criteria = fields.List(fields.Nested(CriterionOut), required=True)
    accepting_proposals = fields.Function(
        lambda call: is_accepting_proposals(call), required=True, metadata={"type": "boolean"}
    )
    published_at = UTCDateTime(allow_none=True, required=True)


class ProposalOut(Schema):
    id = fields.Integer(required=True)
    call_id = fields.Integer(required=True)
    organization = fields.Nested(OrganizationRef, required=True)
    status = _enum(ProposalStatus)
    title = fields.String(required=True)
    approach = fields.String(required=True)
    pilot_plan = fields.String(required=True)
    schedule = fields.String(required=True)
    budget_amount = fields.Integer(allow_none=True, required=True)
    budget_currency = fields.String(required=True)
    team = fields.String(required=True)
    links = fields.List(fields.String(), required=True)
    seed_id = fields.Integer(allow_none=True, required=True)
    decision_reason = fields.String(allow_none=True, required=True)
    version = fields.Integer(required=True)
    submitted_at = UTCDateTime(allow_none=True, required=True)
    updated_at = UTCDateTime(required=True)


class NeedRef(Schema):
    id = fields.Integer(required=True)
    title = fields.String(required=True)
    summary = fields.String(required=True)
    policy_areas = fields.List(fields.String(), required=True)


class KpiOut(Schema):
    name = fields.String(required=True)
    unit = fields.String(required=True)
    direction = _enum(KpiDirection)
    baseline = fields.Float(allow_none=True, required=True)
    target = fields.Float(required=True)
    actual = fields.Float(allow_none=True, required=True)
    measured_on = fields.Date(allow_none=True, required=True)
    met = fields.Boolean(attribute="is_met", allow_none=True, required=True)


class MilestoneOut(Schema):
    title = fields.String(required=True)
    due_on = fields.Date(required=True)
    status = _enum(MilestoneStatus)
    completed_on = fields.Date(allow_none=True, required=True)


class ResultOut(Schema):
    id = fields.Integer(required=True)
    status = _enum(ProjectStatus)
    title = fields.String(required=True)
    summary = fields.String(required=True)
    language = fields.String(required=True)
    need = fields.Nested(NeedRef, required=True)
    department = fields.Nested(OrganizationRef, required=True)
    provider = fields.Nested(OrganizationRef, required=True)
    starts_on = fields.Date(allow_none=True, required=True)
    ends_on = fields.Date(allow_none=True, required=True)
    outcome = fields.String(required=True)
    adoption_reason = fields.String(required=True)
    contact_name = fields.String(required=True)
    contact_email = fields.String(required=True)
    kpis = fields.List(fields.Nested(KpiOut), required=True)
    milestones = fields.List(fields.Nested(MilestoneOut), required=True)
    published_at = UTCDateTime(required=True)


class TokenRef(Schema):
    name = fields.String(required=True)
    prefix = fields.String(required=True)
    expires_at = UTCDateTime(allow_none=True, required=True)


class MeOut(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    email = fields.String(required=True)
    role = fields.String(required=True)
    approved = fields.Boolean(attribute="is_approved", required=True)
    organization = fields.Nested(OrganizationRef, allow_none=True, required=True)
    token = fields.Nested(TokenRef, required=True)


def page_of(item_schema: type[Schema]) -> type[Schema]:
    """The list envelope: items, page numbers, the total and links to the neighbour pages."""
    return type(
        item_schema.__name__.removesuffix("Out") + "Page",
        (Schema,),
        {
            "items": fields.List(fields.Nested(item_schema), required=True),
            "page": fields.Integer(required=True),
            "per_page": fields.Integer(required=True),
            "total": fields.Integer(required=True),
            "pages": fields.Integer(required=True),
            "next": fields.String(allow_none=True, required=True),
            "prev": fields.String(allow_none=True, required=True),
        },
    )
