"""The proposal form and the attachment upload form: declared fields only."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from sqlalchemy import select
from wtforms import HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from matchmaker.common.errors import DomainError
from matchmaker.extensions import db
from matchmaker.proposals.fields import CURRENCIES, MAX_BUDGET, ProposalData, parse_links
from matchmaker.seeds.models import Seed, SeedStatus

NO_SEED = 0


def clean(value):
    """Trim text and drop NUL bytes, which some databases refuse."""
    return value.replace("\x00", "").strip() if isinstance(value, str) else value


class ProposalForm(FlaskForm):
    title = StringField(_l("Title"), filters=[clean], validators=[DataRequired(), Length(max=200)])
    approach = TextAreaField(
        _l("Approach"), filters=[clean], validators=[Optional(), Length(max=20000)]
    )
    pilot_plan = TextAreaField(
        _l("Pilot plan"), filters=[clean], validators=[Optional(), Length(max=20000)]
    )
    schedule = TextAreaField(
        _l("Schedule"), filters=[clean], validators=[Optional(), Length(max=5000)]
    )
    budget_amount = IntegerField(
        _l("Budget"), validators=[Optional(), NumberRange(min=0, max=MAX_BUDGET)]
    )
    budget_currency = SelectField(
        _l("Currency"), choices=[(c, c) for c in CURRENCIES], default="JPY"
    )
    team = TextAreaField(_l("Team"), filters=[clean], validators=[Optional(), Length(max=5000)])
    links = TextAreaField(_l("Links"), filters=[clean], validators=[Optional(), Length(max=6000)])
    seed_id = SelectField(_l("Builds on our seed"), coerce=int, default=NO_SEED)

    def __init__(self, organization_id: int, *args, **kwargs):
        super().__init__(*args, **kwargs)
        seeds = db.session.scalars(
            select(Seed)
            .where(Seed.organization_id == organization_id, Seed.status != SeedStatus.ARCHIVED)
            .order_by(Seed.title)
        )
        self.seed_id.choices = [(NO_SEED, _l("— None —"))] + [(s.id, s.title) for s in seeds]

    def validate_links(self, field):
        try:
            parse_links(field.data)
        except DomainError as exc:
            raise ValidationError(exc.message) from None

    def to_data(self) -> ProposalData:
        """Copy only the declared fields into the service's input."""
        return ProposalData(
            title=self.title.data,
            approach=self.approach.data or "",
            pilot_plan=self.pilot_plan.data or "",
            schedule=self.schedule.data or "",
            budget_amount=self.budget_amount.data,
            budget_currency=self.budget_currency.data,
            team=self.team.data or "",
            links=tuple(parse_links(self.links.data)),
            seed_id=self.seed_id.data or None,
        )


class EditProposalForm(ProposalForm):
    """The edit form carries the version it was opened at, so a stale edit is refused."""

    version = HiddenField()

    def validate_version(self, field):
        if not (field.data or "").isascii() or not (field.data or "").isdigit():
            raise ValidationError(_l("The form is incomplete. Reload the page."))


def proposal_form_data(proposal) -> dict:
    """Initial values for editing an existing proposal."""
    return {
        "title": proposal.title,
        "approach": proposal.approach,
        "pilot_plan": proposal.pilot_plan,
        "schedule": proposal.schedule,
        "budget_amount": proposal.budget_amount,
        "budget_currency": proposal.budget_currency,
        "team": proposal.team,
        "links": "\n".join(proposal.links or []),
        "seed_id": proposal.seed_id or NO_SEED,
        "version": str(proposal.version),
    }


class UploadForm(FlaskForm):
    files = MultipleFileField(_l("PDF files"))
