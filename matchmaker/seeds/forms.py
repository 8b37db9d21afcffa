"""The seed form: declared fields only, checked the same way the service checks them."""

from __future__ import annotations

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    HiddenField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from matchmaker.common import taxonomy
from matchmaker.common.errors import DomainError
from matchmaker.seeds.services import TRL_LABELS, SeedData, is_web_url, parse_keywords


def clean(value):
    """Trim text and drop NUL bytes, which some databases refuse."""
    return value.replace("\x00", "").strip() if isinstance(value, str) else value


class SeedForm(FlaskForm):
    title = StringField(_l("Title"), filters=[clean], validators=[DataRequired(), Length(max=200)])
    summary = TextAreaField(
        _l("Summary"), filters=[clean], validators=[DataRequired(), Length(max=1000)]
    )
    description = TextAreaField(
        _l("Technology description"), filters=[clean], validators=[Optional(), Length(max=20000)]
    )
    trl = SelectField(
        _l("Technology readiness level (TRL)"), coerce=int, validators=[InputRequired()]
    )
    policy_areas = SelectMultipleField(
        _l("Policy areas"),
        validators=[DataRequired(message=_l("Choose at least one policy area."))],
    )
    keywords = StringField(
        _l("Keywords"), filters=[clean], validators=[Optional(), Length(max=1000)]
    )
    track_record = TextAreaField(
        _l("Track record"), filters=[clean], validators=[Optional(), Length(max=5000)]
    )
    website = StringField(_l("Website"), filters=[clean], validators=[Optional(), Length(max=500)])
    ready_for_pilot = BooleanField(_l("Ready for a pilot (joint demonstration) now"))
    language = SelectField(_l("Language of this entry"), validators=[DataRequired()])
    title_translated = StringField(
        _l("Title in the other language"), filters=[clean], validators=[Optional(), Length(max=200)]
    )
    summary_translated = TextAreaField(
        _l("Summary in the other language"),
        filters=[clean],
        validators=[Optional(), Length(max=1000)],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        locale = str(get_locale() or "ja")
        self.trl.choices = [(n, f"{n} — {label}") for n, label in TRL_LABELS.items()]
        self.policy_areas.choices = taxonomy.choices(taxonomy.POLICY_AREAS, locale)
        self.language.choices = taxonomy.choices(taxonomy.LANGUAGES, locale)

    def validate_keywords(self, field):
        try:
            parse_keywords(field.data)
        except DomainError as exc:
            raise ValidationError(exc.message) from None

    def validate_website(self, field):
        if field.data and not is_web_url(field.data):
            raise ValidationError(_l("Enter an address starting with http:// or https://."))

    def to_data(self) -> SeedData:
        """Copy only the declared fields into the service's input."""
        return SeedData(
            title=self.title.data,
            summary=self.summary.data,
            description=self.description.data or "",
            trl=self.trl.data,
            policy_areas=tuple(self.policy_areas.data),
            keywords=tuple(parse_keywords(self.keywords.data)),
            track_record=self.track_record.data or "",
            website=self.website.data or "",
            ready_for_pilot=bool(self.ready_for_pilot.data),
            language=self.language.data,
            title_translated=self.title_translated.data or None,
            summary_translated=self.summary_translated.data or None,
        )


class EditSeedForm(SeedForm):
    """The edit form also carries the version it was opened at, to detect lost updates."""

    version = HiddenField()

    def validate_version(self, field):
        if not (field.data or "").isascii() or not (field.data or "").isdigit():
            raise ValidationError(_l("The form is incomplete. Reload the page."))


def seed_form_data(seed) -> dict:
    """Initial values for editing an existing seed."""
    return {
        "title": seed.title,
        "summary": seed.summary,
        "description": seed.description,
        "trl": seed.trl,
        "policy_areas": seed.policy_areas,
        "keywords": ", ".join(seed.keywords or []),
        "track_record": seed.track_record,
        "website": seed.website,
        "ready_for_pilot": seed.ready_for_pilot,
        "language": seed.language,
        "title_translated": seed.title_translated or "",
        "summary_translated": seed.summary_translated or "",
        "version": str(seed.version),
    }
