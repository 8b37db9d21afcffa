"""Forms of the evaluation pages: panel, conflicts, scores (one pair per criterion), decisions."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, SelectField, SelectMultipleField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from matchmaker.calls.models import CallCriterion
from matchmaker.evaluation.scoring import MAX_COMMENT_LENGTH, CriterionScore
from matchmaker.evaluation.services import MAX_REASON_LENGTH
from matchmaker.needs.forms import MAX_DB_ID, clean_text
from matchmaker.proposals.models import ProposalStatus

SCORE_CHOICES = [(n, str(n)) for n in range(1, 6)]


class ActionForm(FlaskForm):
    """A button that changes state: only the CSRF token."""


class AssignReviewersForm(FlaskForm):
    reviewers = SelectMultipleField(
        _l("Reviewers"),
        coerce=int,
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )

    def validate_reviewers(self, field):
        if not field.data:
            raise ValidationError(_("Choose at least one reviewer."))


class ConflictForm(FlaskForm):
    organization = SelectField(_l("Organization"), coerce=int, validators=[InputRequired()])
    reason = TextAreaField(
        _l("Reason"),
        filters=[clean_text],
        validators=[DataRequired(), Length(max=MAX_REASON_LENGTH)],
    )


class DecisionForm(FlaskForm):
    decision = SelectField(
        _l("Decision"),
        choices=[
            (ProposalStatus.SELECTED.value, _l("Selected")),
            (ProposalStatus.WAITLISTED.value, _l("Waitlisted")),
            (ProposalStatus.NOT_SELECTED.value, _l("Not selected")),
        ],
        validators=[InputRequired()],
    )
    reason = TextAreaField(
        _l("Reason (the applicant reads it if not selected)"),
        filters=[clean_text],
        validators=[Length(max=5000)],
    )
    version = HiddenField()

    def validate_reason(self, field):
        if self.decision.data == ProposalStatus.NOT_SELECTED.value and not field.data:
            raise ValidationError(_("Give the reason the applicant will read."))

    def validate_version(self, field):
        value = field.data or ""
        if not (value.isascii() and value.isdigit()) or int(value) > MAX_DB_ID:
            raise ValidationError(_("The form is damaged; reload the page and try again."))

    def to_decision(self) -> tuple[ProposalStatus, str, int]:
        return ProposalStatus(self.decision.data), self.reason.data or "", int(self.version.data)


class ScoreFormBase(FlaskForm):
    """Subclassed per call: value_<id> and comment_<id> for each criterion."""

    criteria: list[CallCriterion] = []

    def pairs(self):
        """(criterion, value field, comment field) in the call's order, for the template."""
        for criterion in self.criteria:
            yield (
                criterion,
                self[f"value_{criterion.id}"],
                self[f"comment_{criterion.id}"],
            )

    def to_scores(self) -> list[CriterionScore]:
        return [
            CriterionScore(c.id, int(value.data), comment.data or "")
            for c, value, comment in self.pairs()
        ]


def score_form(criteria: list[CallCriterion], existing: dict | None = None, **kwargs):
    """A form with a 1–5 choice and a required comment for every criterion of the call."""

    class ScoreForm(ScoreFormBase):
        pass

    ScoreForm.criteria = list(criteria)
    for criterion in criteria:
        setattr(
            ScoreForm,
            f"value_{criterion.id}",
            RadioField(
                criterion.name,
                choices=SCORE_CHOICES,
                coerce=int,
                validators=[InputRequired(message=_l("Choose a score from 1 to 5."))],
            ),
        )
        setattr(
            ScoreForm,
            f"comment_{criterion.id}",
            TextAreaField(
                _l("Comment"),
                filters=[clean_text],
                validators=[
                    DataRequired(message=_l("A comment is required for every score.")),
                    Length(max=MAX_COMMENT_LENGTH),
                ],
            ),
        )
    data = {}
    for criterion_id, score in (existing or {}).items():
        data[f"value_{criterion_id}"] = score.value
        data[f"comment_{criterion_id}"] = score.comment
    return ScoreForm(data=data, **kwargs)
