"""Project forms: each copies only its declared fields into a service call."""

from __future__ import annotations

import math

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, MultipleFileField
from wtforms import DateField, FloatField, SelectField, StringField, TextAreaField
from wtforms.validators import (
    DataRequired,
    Email,
    InputRequired,
    Length,
    Optional,
    ValidationError,
)

from matchmaker.common.labels import KPI_DIRECTION_LABELS, STATUS_LABELS
from matchmaker.projects.models import KpiDirection, MilestoneStatus


def clean(value):
    """Trim text and drop NUL bytes, which some databases refuse."""
    return value.replace("\x00", "").strip() if isinstance(value, str) else value


def finite(form, field):
    if field.data is not None and (not math.isfinite(field.data) or abs(field.data) > 1e15):
        raise ValidationError(_l("Enter a finite number."))


def upload(field) -> tuple[object, str | None] | None:
    """(stream, filename) of an uploaded file, or None when nothing was chosen."""
    data = field.data
    if data is None or not getattr(data, "filename", None):
        return None
    return data.stream, data.filename


class ActionForm(FlaskForm):
    """A button that changes something: only the CSRF token."""


class AgreementForm(FlaskForm):
    agreement_date = DateField(_l("Agreement date"), validators=[Optional()])
    agreement_file = FileField(_l("Agreement (PDF)"))
    starts_on = DateField(_l("Starts on"), validators=[Optional()])
    ends_on = DateField(_l("Ends on"), validators=[Optional()])

    def validate_ends_on(self, field):
        if field.data and self.starts_on.data and field.data < self.starts_on.data:
            raise ValidationError(_l("The end date must not be before the start date."))


class MilestoneForm(FlaskForm):
    title = StringField(_l("Title"), filters=[clean], validators=[DataRequired(), Length(max=200)])
    due_on = DateField(_l("Due on"), validators=[DataRequired()])


class MilestoneReportForm(FlaskForm):
    status = SelectField(
        _l("Status"), choices=[(s.value, STATUS_LABELS[s.value]) for s in MilestoneStatus]
    )
    completed_on = DateField(_l("Reached on"), validators=[Optional()])
    evidence = TextAreaField(
        _l("Evidence"), filters=[clean], validators=[Optional(), Length(max=20000)]
    )
    evidence_file = FileField(_l("Evidence (PDF)"))


class KpiForm(FlaskForm):
    name = StringField(_l("Name"), filters=[clean], validators=[DataRequired(), Length(max=200)])
    unit = StringField(_l("Unit"), filters=[clean], validators=[Optional(), Length(max=40)])
    direction = SelectField(
        _l("Direction"),
        choices=[(d.value, KPI_DIRECTION_LABELS[d.value]) for d in KpiDirection],
        default=KpiDirection.INCREASE.value,
    )
    baseline = FloatField(_l("Baseline"), validators=[Optional(), finite])
    target = FloatField(_l("Target"), validators=[InputRequired(), finite])


class KpiActualForm(FlaskForm):
    actual = FloatField(_l("Measured value"), validators=[InputRequired(), finite])
    measured_on = DateField(_l("Measured on"), validators=[DataRequired()])


class ProgressUpdateForm(FlaskForm):
    body = TextAreaField(
        _l("Progress update"), filters=[clean], validators=[DataRequired(), Length(max=20000)]
    )
    files = MultipleFileField(_l("PDF files"))


class FinalReportForm(FlaskForm):
    final_report = TextAreaField(
        _l("Final report"), filters=[clean], validators=[DataRequired(), Length(max=20000)]
    )
    report_file = FileField(_l("Final report (PDF)"))


class ResultForm(FlaskForm):
    outcome = TextAreaField(
        _l("Outcome"), filters=[clean], validators=[Optional(), Length(max=20000)]
    )
    contact_name = StringField(
        _l("Contact name"), filters=[clean], validators=[Optional(), Length(max=120)]
    )
    contact_email = StringField(
        _l("Contact e-mail"), filters=[clean], validators=[Optional(), Email(), Length(max=254)]
    )


class DecisionForm(FlaskForm):
    decision = SelectField(
        _l("Decision"),
        choices=[("adopt", _l("Adopt")), ("not_adopt", _l("Do not adopt"))],
    )
    reason = TextAreaField(
        _l("Reason"), filters=[clean], validators=[DataRequired(), Length(max=5000)]
    )
