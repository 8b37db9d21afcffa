"""What the API accepts: query strings and bodies, validated field by field (422 / 400)."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validates_schema
from marshmallow.validate import Length, OneOf, Range

from matchmaker.calls.models import PUBLIC_CALL_STATUSES
from matchmaker.common import taxonomy
from matchmaker.needs.queries import LISTABLE_PUBLIC
from matchmaker.projects.models import FINISHED_PROJECT_STATUSES
from matchmaker.proposals.fields import CURRENCIES, MAX_BUDGET, MAX_LINKS
from matchmaker.seeds.services import MAX_KEYWORD_LENGTH, MAX_KEYWORDS, is_web_url

MAX_ID = 2**31 - 1
LONG_TEXT = 20000
AREAS = OneOf(sorted(taxonomy.POLICY_AREAS))
LANGUAGES = OneOf(sorted(taxonomy.LANGUAGES))


class Text(fields.String):
    """A string without control characters or lone surrogates, which databases refuse."""

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if any(
            (ord(c) < 32 and c not in "\t\n\r") or 0xD800 <= ord(c) <= 0xDFFF or c == "\x7f"
            for c in text
        ):
            raise ValidationError("Control characters are not allowed.")
        return text


class WebUrl(Text):
    """An http(s) address with a host, or the empty string."""

    def _deserialize(self, value, attr, data, **kwargs):
        url = super()._deserialize(value, attr, data, **kwargs).strip()
        if url and not is_web_url(url):
            raise ValidationError("Not an http:// or https:// address.")
        return url


def _email_or_empty(value: str) -> None:
    if value and ("@" not in value or value.startswith("@") or value.endswith("@")):
        raise ValidationError("Not a valid e-mail address.")


def _int(**kwargs) -> fields.Integer:
    return fields.Integer(strict=True, **kwargs)


# ---- query strings (errors are 400) --------------------------------------------------------


class PageArgs(Schema):
    page = fields.Integer(load_default=1, validate=Range(1, 100_000))
    per_page = fields.Integer(load_default=20, validate=Range(1, 100))


class SearchArgs(PageArgs):
    q = Text(load_default="", validate=Length(max=200), metadata={"description": "Search terms"})
    policy_area = fields.String(validate=AREAS)


class NeedListArgs(SearchArgs):
    language = fields.String(validate=LANGUAGES)
    status = fields.String(validate=OneOf([s.value for s in LISTABLE_PUBLIC]))


class SeedListArgs(SearchArgs):
    language = fields.String(validate=LANGUAGES)
    trl_min = fields.Integer(validate=Range(1, 9))
    trl_max = fields.Integer(validate=Range(1, 9))
    ready_for_pilot = fields.Boolean()

    @validates_schema
    def _trl_order(self, data, **kwargs):
        low, high = data.get("trl_min"), data.get("trl_max")
        if low is not None and high is not None and low > high:
            raise ValidationError("Must not exceed trl_max.", "trl_min")


class CallListArgs(SearchArgs):
    status = fields.String(validate=OneOf([s.value for s in PUBLIC_CALL_STATUSES]))


class ResultListArgs(SearchArgs):
    status = fields.String(validate=OneOf([s.value for s in FINISHED_PROJECT_STATUSES]))


# ---- bodies (errors are 422) ---------------------------------------------------------------


class VersionIn(Schema):
    version = _int(
        validate=Range(1, MAX_ID),
        metadata={"description": "The version you read; a newer one gives 409"},
    )


class NeedIn(Schema):
    title = Text(required=True, validate=Length(1, 200))
    summary = Text(required=True, validate=Length(1, 1000))
    problem = Text(load_default="", validate=Length(max=LONG_TEXT))
    desired_outcome = Text(load_default="", validate=Length(max=LONG_TEXT))
    constraints = Text(load_default="", validate=Length(max=LONG_TEXT))
    policy_areas = fields.List(
        fields.String(validate=AREAS), required=True, validate=Length(1, len(AREAS.choices))
    )
    sdg_goals = fields.List(_int(validate=Range(1, 17)), load_default=list, validate=Length(max=17))
    budget_min = _int(load_default=None, allow_none=True, validate=Range(0, MAX_BUDGET))
    budget_max = _int(load_default=None, allow_none=True, validate=Range(0, MAX_BUDGET))
    demo_site = Text(load_default="", validate=Length(max=500))
    timeline = Text(load_default="", validate=Length(max=1000))
    contact_name = Text(load_default="", validate=Length(max=120))
    contact_email = Text(load_default="", validate=[Length(max=254), _email_or_empty])
    language = fields.String(load_default="ja", validate=LANGUAGES)
    title_translated = Text(load_default=None, allow_none=True, validate=Length(max=200))
    summary_translated = Text(load_default=None, allow_none=True, validate=Length(max=1000))
    min_trl = _int(load_default=None, allow_none=True, validate=Range(1, 9))

    @validates_schema
    def _budget_order(self, data, **kwargs):
        low, high = data.get("budget_min"), data.get("budget_max")
        if low is not None and high is not None and low > high:
            raise ValidationError("Must not exceed budget_max.", "budget_min")


class NeedPatchIn(NeedIn, VersionIn):
    """Any subset of the need's fields; the others keep their values."""


class SeedIn(Schema):
    title = Text(required=True, validate=Length(1, 200))
    summary = Text(required=True, validate=Length(1, 1000))
    trl = _int(required=True, validate=Range(1, 9))
    policy_areas = fields.List(
        fields.String(validate=AREAS), required=True, validate=Length(1, len(AREAS.choices))
    )
    language = fields.String(load_default="ja", validate=LANGUAGES)
    description = Text(load_default="", validate=Length(max=LONG_TEXT))
    keywords = fields.List(
        Text(validate=Length(1, MAX_KEYWORD_LENGTH)),
        load_default=list,
        validate=Length(max=MAX_KEYWORDS),
    )
    track_record = Text(load_default="", validate=Length(max=LONG_TEXT))
    website = WebUrl(load_default="", validate=Length(max=500))
    ready_for_pilot = fields.Boolean(load_default=False)
    title_translated = Text(load_default=None, allow_none=True, validate=Length(max=200))
    summary_translated = Text(load_default=None, allow_none=True, validate=Length(max=1000))


class SeedPatchIn(SeedIn, VersionIn):
    """Any subset of the seed's fields; the others keep their values."""


class ProposalIn(Schema):
    title = Text(required=True, validate=Length(1, 200))
    approach = Text(load_default="", validate=Length(max=LONG_TEXT))
    pilot_plan = Text(load_default="", validate=Length(max=LONG_TEXT))
    schedule = Text(load_default="", validate=Length(max=5000))
    budget_amount = _int(load_default=None, allow_none=True, validate=Range(0, MAX_BUDGET))
    budget_currency = fields.String(load_default="JPY", validate=OneOf(CURRENCIES))
    team = Text(load_default="", validate=Length(max=5000))
    links = fields.List(
        WebUrl(validate=Length(1, 500)), load_default=list, validate=Length(max=MAX_LINKS)
    )
    seed_id = _int(load_default=None, allow_none=True, validate=Range(1, MAX_ID))


class ProposalPatchIn(ProposalIn, VersionIn):
    """Any subset of the proposal's fields; the others keep their values."""
