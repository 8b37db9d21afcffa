"""The call form (times typed in Tokyo), the document upload, the Q&A forms."""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    DateTimeLocalField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from matchmaker.calls.services import CURRENCIES, MAX_CRITERIA, CallData, CriterionData
from matchmaker.common import taxonomy
from matchmaker.common.errors import DomainError
from matchmaker.common.timezone import from_tokyo, to_tokyo
from matchmaker.needs.forms import MAX_BUDGET, MAX_LONG_TEXT, _version, clean_text

TIME_FORMAT = "%Y-%m-%dT%H:%M"
EARLIEST, LATEST = datetime(2000, 1, 1), datetime(2100, 12, 31, 23, 59)


def plausible_time(form, field):
    """Other years are typos; year 1 in Tokyo cannot even be converted to UTC."""
    if field.data is not None and not EARLIEST <= field.data <= LATEST:
        raise ValidationError(_("Enter a date between the years 2000 and 2100."))


class CriterionForm(Form):
    """One row of the criteria table; an empty name leaves the row out."""

    name = StringField(_l("Criterion"), filters=[clean_text], validators=[Length(max=200)])
    description = StringField(
        _l("What reviewers look for"), filters=[clean_text], validators=[Length(max=1000)]
    )
    weight = IntegerField(
        _l("Weight"),
        validators=[
            Optional(),
            NumberRange(min=1, max=100, message=_l("A weight is a whole number from 1 to 100.")),
        ],
    )


class CallForm(FlaskForm):
    title = StringField(
        _l("Title"), filters=[clean_text], validators=[DataRequired(), Length(max=200)]
    )
    description = TextAreaField(
        _l("What the call asks for"), filters=[clean_text], validators=[Length(max=MAX_LONG_TEXT)]
    )
    eligibility = TextAreaField(
        _l("Who may apply"), filters=[clean_text], validators=[Length(max=MAX_LONG_TEXT)]
    )
    opens_at = DateTimeLocalField(
        _l("Opens (Tokyo time)"),
        format=TIME_FORMAT,
        validators=[InputRequired(message=_l("Enter a date and time.")), plausible_time],
    )
    closes_at = DateTimeLocalField(
        _l("Closes (Tokyo time)"),
        format=TIME_FORMAT,
        validators=[InputRequired(message=_l("Enter a date and time.")), plausible_time],
    )
    budget_max = IntegerField(
        _l("Maximum budget"), validators=[Optional(), NumberRange(min=0, max=MAX_BUDGET)]
    )
    budget_currency = SelectField(
        _l("Currency"), choices=[(c, c) for c in CURRENCIES], default="JPY"
    )
    pilot_period = StringField(
        _l("Expected pilot period"), filters=[clean_text], validators=[Length(max=200)]
    )
    language = SelectField(_l("Language of this call"), validators=[DataRequired()])
    criteria = FieldList(FormField(CriterionForm), min_entries=MAX_CRITERIA, max_entries=6)
    version = HiddenField()

    def validate_closes_at(self, field):
        if self.opens_at.data and field.data and field.data <= self.opens_at.data:
            raise ValidationError(_("The call must close after it opens."))

    def validate_criteria(self, field):
        for row in field:
            if (row.form.name.data or "").strip() and row.form.weight.data is None:
                if not row.form.weight.errors:
                    row.form.weight.errors = [_("Give this criterion a weight from 1 to 100.")]
                raise ValidationError(_("Each criterion needs a name and a weight from 1 to 100."))
        if not self.criterion_data():
            raise ValidationError(_("Give at least one evaluation criterion with a weight."))

    def criterion_data(self) -> list[CriterionData]:
        return [
            CriterionData(
                name=row.form.name.data.strip(),
                weight=row.form.weight.data,
                description=row.form.description.data or "",
            )
            for row in self.criteria
            if (row.form.name.data or "").strip() and row.form.weight.data is not None
        ]

    def to_data(self) -> CallData:
        """Copy only the declared fields; Tokyo wall-clock times become aware UTC."""
        return CallData(
            title=self.title.data or "",
            description=self.description.data or "",
            eligibility=self.eligibility.data or "",
            opens_at=from_tokyo(self.opens_at.data),
            closes_at=from_tokyo(self.closes_at.data),
            criteria=self.criterion_data(),
            budget_max=self.budget_max.data,
            budget_currency=self.budget_currency.data,
            pilot_period=self.pilot_period.data or "",
            language=self.language.data,
        )

    def expected_version(self) -> int | None:
        return _version(self.version.data)


def call_form(locale: str, call=None, formdata=None) -> CallForm:
    """The form, with an existing call's values shown in Tokyo time."""
    kwargs = {}
    if call is not None and formdata is None:
        kwargs = {
            "title": call.title,
            "description": call.description,
            "eligibility": call.eligibility,
            "opens_at": to_tokyo(call.opens_at).replace(tzinfo=None),
            "closes_at": to_tokyo(call.closes_at).replace(tzinfo=None),
            "budget_max": call.budget_max,
            "budget_currency": call.budget_currency,
            "pilot_period": call.pilot_period,
            "language": call.language,
            "version": call.version,
            "criteria": [
                {"name": c.name, "description": c.description, "weight": c.weight}
                for c in call.criteria
            ],
        }
        form = CallForm(formdata=None, data=kwargs)
    else:
        form = CallForm()
    form.language.choices = taxonomy.choices(taxonomy.LANGUAGES, locale)
    if not form.is_submitted() and not form.language.data:
        form.language.data = locale if locale in taxonomy.LANGUAGES else "ja"
    return form


class DocumentForm(FlaskForm):
    title = StringField(_l("Document title"), filters=[clean_text], validators=[Length(max=200)])
    file = FileField(_l("PDF file"), validators=[FileRequired(_l("Choose a PDF file."))])


class QuestionForm(FlaskForm):
    body = TextAreaField(
        _l("Your question"), filters=[clean_text], validators=[DataRequired(), Length(max=2000)]
    )


class AnswerForm(FlaskForm):
    answer = TextAreaField(
        _l("Answer"), filters=[clean_text], validators=[DataRequired(), Length(max=5000)]
    )


class ActionForm(FlaskForm):
    version = HiddenField()

    def expected_version(self) -> int | None:
        try:
            return _version(self.version.data)
        except DomainError:
            return -1
