"""The need editing form, the workflow-button forms and the list-page filter parser."""

from __future__ import annotations

import re

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import (
    EmailField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    Email,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from matchmaker.common import taxonomy
from matchmaker.common.errors import DomainError
from matchmaker.common.listing import search_terms
from matchmaker.needs.models import NeedStatus
from matchmaker.needs.queries import NeedFilters
from matchmaker.needs.services import NeedData

MAX_BUDGET = 10**13  # ten trillion yen: far above any call, far below BIGINT
MAX_LONG_TEXT = 20_000
MAX_DB_ID = 2**31 - 1
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(value):
    """Strip surrounding space and control characters (PostgreSQL refuses NUL in text)."""
    return _CONTROL.sub("", value).strip() if isinstance(value, str) else value


def _version(value) -> int | None:
    value = "" if value is None else str(value)
    if not value:
        return None
    if not (value.isascii() and value.isdigit()) or int(value) > MAX_DB_ID:
        raise DomainError(_("The form is damaged; reload the page and try again."))
    return int(value)


class NeedForm(FlaskForm):
    title = StringField(
        _l("Title"), filters=[clean_text], validators=[DataRequired(), Length(max=200)]
    )
    summary = TextAreaField(
        _l("Summary"), filters=[clean_text], validators=[DataRequired(), Length(max=1000)]
    )
    problem = TextAreaField(
        _l("Problem and background"), filters=[clean_text], validators=[Length(max=MAX_LONG_TEXT)]
    )
    desired_outcome = TextAreaField(
        _l("Desired outcome"), filters=[clean_text], validators=[Length(max=MAX_LONG_TEXT)]
    )
    constraints = TextAreaField(
        _l("Constraints"), filters=[clean_text], validators=[Length(max=MAX_LONG_TEXT)]
    )
    policy_areas = SelectMultipleField(
        _l("Policy areas"),
        validators=[DataRequired(message=_l("Choose at least one policy area."))],
    )
    sdg_goals = SelectMultipleField(_l("SDG goals"), coerce=int)
    budget_min = IntegerField(
        _l("Budget from (JPY)"), validators=[Optional(), NumberRange(min=0, max=MAX_BUDGET)]
    )
    budget_max = IntegerField(
        _l("Budget up to (JPY)"), validators=[Optional(), NumberRange(min=0, max=MAX_BUDGET)]
    )
    demo_site = StringField(
        _l("Expected demonstration site"), filters=[clean_text], validators=[Length(max=500)]
    )
    timeline = TextAreaField(_l("Timeline"), filters=[clean_text], validators=[Length(max=1000)])
    contact_name = StringField(
        _l("Contact person"), filters=[clean_text], validators=[Length(max=120)]
    )
    contact_email = EmailField(
        _l("Contact e-mail address"),
        filters=[clean_text],
        validators=[Optional(), Length(max=254), Email(check_deliverability=False)],
    )
    language = SelectField(_l("Language of this need"), validators=[DataRequired()])
    title_translated = StringField(
        _l("Title in the other language"), filters=[clean_text], validators=[Length(max=200)]
    )
    summary_translated = TextAreaField(
        _l("Summary in the other language"), filters=[clean_text], validators=[Length(max=1000)]
    )
    min_trl = IntegerField(
        _l("Minimum technology readiness level (TRL 1–9)"),
        validators=[Optional(), NumberRange(min=1, max=9)],
    )

    def validate_budget_max(self, field):
        low, high = self.budget_min.data, field.data
        if low is not None and high is not None and low > high:
            raise ValidationError(_("The upper budget must be at least the lower budget."))

    def to_data(self) -> NeedData:
        """Copy only the declared fields into plain data for the service."""
        return NeedData(
            title=self.title.data or "",
            summary=self.summary.data or "",
            problem=self.problem.data or "",
            desired_outcome=self.desired_outcome.data or "",
            constraints=self.constraints.data or "",
            policy_areas=list(self.policy_areas.data or []),
            sdg_goals=list(self.sdg_goals.data or []),
            budget_min=self.budget_min.data,
            budget_max=self.budget_max.data,
            demo_site=self.demo_site.data or "",
            timeline=self.timeline.data or "",
            contact_name=self.contact_name.data or "",
            contact_email=self.contact_email.data or "",
            language=self.language.data,
            title_translated=self.title_translated.data or None,
            summary_translated=self.summary_translated.data or None,
            min_trl=self.min_trl.data,
        )


class EditNeedForm(NeedForm):
    """Editing also carries the version the editor started from (optimistic locking)."""

    version = HiddenField(
        validators=[DataRequired(message=_l("The form is damaged; reload the page and try again."))]
    )

    def validate_version(self, field):
        try:
            _version(field.data)
        except DomainError as exc:
            raise ValidationError(exc.message) from exc

    def expected_version(self) -> int | None:
        return _version(self.version.data)


def need_form(locale: str, form_class: type[NeedForm] = NeedForm, **kwargs) -> NeedForm:
    """Build the form with choices labelled in the reader's language."""
    form = form_class(**kwargs)
    form.policy_areas.choices = taxonomy.choices(taxonomy.POLICY_AREAS, locale)
    form.sdg_goals.choices = [
        (n, f"{n}. {taxonomy.label(taxonomy.SDG_GOALS, n, locale)}") for n in taxonomy.SDG_GOALS
    ]
    form.language.choices = taxonomy.choices(taxonomy.LANGUAGES, locale)
    if not form.is_submitted() and not form.language.data:
        form.language.data = locale if locale in taxonomy.LANGUAGES else "ja"
    return form


class ActionForm(FlaskForm):
    """A workflow button: carries the version the reader saw."""

    version = HiddenField()

    def expected_version(self) -> int | None:
        return _version(self.version.data)


class RequestChangesForm(ActionForm):
    comment = TextAreaField(
        _l("What should be changed?"),
        filters=[clean_text],
        validators=[DataRequired(), Length(max=5000)],
    )


def parse_filters(args: MultiDict, allowed_statuses) -> NeedFilters:
    """Validate the list page's query string; anything unknown raises DomainError (400)."""
    q = args.get("q", "")
    if _CONTROL.search(q):
        raise DomainError(_("The search text contains characters that are not allowed."))
    search_terms(q)  # raises on an over-long query
    area = args.get("area") or None
    if area is not None and area not in taxonomy.POLICY_AREAS:
        raise DomainError(_("Unknown policy area."))
    raw_org = args.get("org") or None
    if raw_org is not None and not (
        raw_org.isascii() and raw_org.isdigit() and int(raw_org) <= MAX_DB_ID
    ):
        raise DomainError(_("Unknown department."))
    raw_status = args.get("status") or None
    status = None
    if raw_status is not None:
        if raw_status not in {s.value for s in allowed_statuses}:
            raise DomainError(_("Unknown or unavailable status filter."))
        status = NeedStatus(raw_status)
    language = args.get("language") or None
    if language is not None and language not in taxonomy.LANGUAGES:
        raise DomainError(_("Unknown language."))
    return NeedFilters(
        q=q.strip(),
        area=area,
        org_id=int(raw_org) if raw_org else None,
        status=status,
        language=language,
    )
