"""The review queue's forms: one decision, a bulk decision, a private note; the status tab."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import BadRequest
from wtforms import HiddenField, SelectField, SelectMultipleField, TextAreaField
from wtforms.validators import DataRequired, Length, ValidationError

from matchmaker.needs.forms import MAX_DB_ID, clean_text
from matchmaker.review.models import PairStatus
from matchmaker.review.services import ACTION_LABELS, MAX_NOTE, MAX_REASON, PairChoice

STATUSES = tuple(s.value for s in PairStatus)


def _action_choices():
    return [(key, label) for key, label in ACTION_LABELS.items()]


def _strict_int(value: str | None) -> int:
    value = (value or "").strip()
    if not value.isascii() or not value.isdigit() or int(value) > MAX_DB_ID:
        raise ValueError(value)
    return int(value)


class DecisionForm(FlaskForm):
    """One pair: the action, the version shown on the page and an optional reason."""

    action = SelectField(_l("Action"), choices=_action_choices, validators=[DataRequired()])
    version = HiddenField()
    reason = TextAreaField(_l("Reason"), filters=[clean_text], validators=[Length(max=MAX_REASON)])

    def validate_version(self, field):
        try:
            _strict_int(field.data)
        except ValueError:
            raise ValidationError(
                _("The form is damaged; reload the page and try again.")
            ) from None

    def choice(self, seed_id: int) -> PairChoice:
        return PairChoice(seed_id, _strict_int(self.version.data))


class BulkForm(FlaskForm):
    """Several pairs (each checkbox carries "seed id:version"), one action, one reason."""

    pairs = SelectMultipleField(_l("Selected seeds"), validate_choice=False)
    action = SelectField(_l("Action"), choices=_action_choices, validators=[DataRequired()])
    reason = TextAreaField(_l("Reason"), filters=[clean_text], validators=[Length(max=MAX_REASON)])

    def validate_pairs(self, field):
        if not field.data:
            raise ValidationError(_("Select at least one seed."))
        try:
            self.choices()
        except ValueError:
            raise ValidationError(
                _("The form is damaged; reload the page and try again.")
            ) from None

    def choices(self) -> list[PairChoice]:
        result = []
        for value in self.pairs.data or []:
            seed_id, sep, version = str(value).partition(":")
            if not sep:
                raise ValueError(value)
            result.append(PairChoice(_strict_int(seed_id), _strict_int(version)))
        return result


class NoteForm(FlaskForm):
    body = TextAreaField(
        _l("Private note"), filters=[clean_text], validators=[DataRequired(), Length(max=MAX_NOTE)]
    )


def parse_status(args: MultiDict) -> str:
    """The status tab: empty for all, else one pair status; anything else is a bad request."""
    status = (args.get("status") or "").strip()
    if status and status not in STATUSES:
        raise BadRequest(_("Unknown value for the filter “%(name)s”.", name="status"))
    return status
