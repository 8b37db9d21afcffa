"""Calls: the transition table, who may see and manage a call, and the operations on one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import abort
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from matchmaker.accounts.models import Role, User
from matchmaker.accounts.permissions import is_signed_in
from matchmaker.audit.services import record
from matchmaker.calls import notices  # noqa: F401  (registers the notification kinds)
from matchmaker.calls.models import (
    PUBLIC_CALL_STATUSES,
    Call,
    CallCriterion,
    CallDocument,
    CallStatus,
)
from matchmaker.common import taxonomy
from matchmaker.common.errors import Conflict, DomainError, NotAllowed
from matchmaker.common.persistence import flush_or_conflict
from matchmaker.common.text import search_blob
from matchmaker.common.workflow import Transition, Workflow
from matchmaker.db import utcnow
from matchmaker.extensions import db
from matchmaker.needs.models import Need, NeedStatus
from matchmaker.uploads.services import store_pdf

S = CallStatus
MANAGERS = frozenset({Role.DEPARTMENT.value, Role.COORDINATOR.value, Role.ADMIN.value})
SYSTEM = frozenset({"system"})  # the scheduled job (actor None)
MAX_CRITERIA = 6
CURRENCIES = ("JPY", "USD", "EUR")

ACTION_LABELS = {
    "edit": _l("Edit"),
    "publish": _l("Publish"),
    "open": _l("Open for proposals"),
    "close": _l("Close"),
    "announce": _l("Announce results"),
    "cancel": _l("Cancel the call"),
}

# "edit" rows say where editing is allowed; an open call is not edited (documents may be added).
CALL_WORKFLOW = Workflow(
    [
        Transition("edit", S.DRAFT, S.DRAFT, MANAGERS),
        Transition("edit", S.SCHEDULED, S.SCHEDULED, MANAGERS),
        Transition("publish", S.DRAFT, S.SCHEDULED, MANAGERS),
        Transition("open", S.SCHEDULED, S.OPEN, SYSTEM),
        Transition("close", S.OPEN, S.UNDER_EVALUATION, SYSTEM),
        Transition("announce", S.UNDER_EVALUATION, S.DECIDED, MANAGERS),
        Transition("cancel", S.DRAFT, S.CANCELLED, MANAGERS),
        Transition("cancel", S.SCHEDULED, S.CANCELLED, MANAGERS),
        Transition("cancel", S.OPEN, S.CANCELLED, MANAGERS),
    ],
    ACTION_LABELS,
)
BUTTON_ACTIONS = ("publish", "cancel")
DOCUMENT_STATUSES = (S.DRAFT, S.SCHEDULED, S.OPEN)
PHASE_NOTICES = {
    "publish": "call_published",
    "open": "call_opened",
    "close": "call_closed",
    "announce": "call_decided",
    "cancel": "call_cancelled",
}


@dataclass
class CriterionData:
    name: str
    weight: int
    description: str = ""


@dataclass
class CallData:
    """The fields a manager may write; nothing else is copied from a form."""

    title: str
    opens_at: datetime
    closes_at: datetime
    criteria: list[CriterionData]
    description: str = ""
    eligibility: str = ""
    budget_max: int | None = None
    budget_currency: str = "JPY"
    pilot_period: str = ""
    language: str = "ja"


# ---- visibility and permissions -------------------------------------------------------------


def can_manage_call(user, call: Call) -> bool:
    """Staff, or a member of the department that owns the call."""
    if not is_signed_in(user):
        return False
    if user.is_staff:
        return True
    return user.role is Role.DEPARTMENT and user.belongs_to(call.organization_id)


def can_view_call(user, call: Call) -> bool:
    """Published calls are public (a cancelled one too, once it was published); drafts only
    to their managers."""
    if call.status in PUBLIC_CALL_STATUSES:
        return True
    if call.status is S.CANCELLED and call.published_at is not None:
        return True
    return can_manage_call(user, call)


def can_open_call(user, need: Need) -> bool:
    """A department member on its own published need, or a coordinator/admin on any."""
    if not is_signed_in(user) or need.status is not NeedStatus.PUBLISHED or not user.is_approved:
        return False
    if user.is_staff:
        return True
    return user.role is Role.DEPARTMENT and user.belongs_to(need.organization_id)


def is_accepting_proposals(call: Call, now: datetime | None = None) -> bool:
    """Open, and the clock is inside [opens_at, closes_at): the deadline wins over the job."""
    now = now or utcnow()
    return call.status is S.OPEN and call.opens_at <= now < call.closes_at


def get_call_or_404(call_id: int) -> Call:
    call = db.session.get(Call, call_id) if 0 < call_id <= 2**31 - 1 else None
    if call is None:
        abort(404)
    return call


def check_call_action(actor, call: Call, action: str) -> Transition:
    """Raise unless `actor` (None = the scheduled job) may do `action` to `call` now."""
    transition = CALL_WORKFLOW.check(action, call.status)
    if actor is None:
        if "system" not in transition.roles:
            raise NotAllowed(_("You are not allowed to do this."))
        return transition
    if not can_manage_call(actor, call) or actor.role.value not in transition.roles:
        raise NotAllowed(_("You are not allowed to do this."))
    if not actor.is_approved:
        raise NotAllowed(_("Your account must be approved by an administrator first."))
    return transition


def is_call_action_allowed(user, call: Call, action: str) -> bool:
    try:
        check_call_action(user, call, action)
    except DomainError:
        return False
    return True


def allowed_call_actions(user, call: Call) -> list[str]:
    return [a for a in BUTTON_ACTIONS if is_call_action_allowed(user, call, a)]


# ---- operations -----------------------------------------------------------------------------


def _flush() -> None:
    flush_or_conflict(
        _("Someone else changed this call at the same moment. Reload the page and try again.")
    )


def _validate(data: CallData) -> None:
    """Domain rules that hold whatever the caller checked already."""
    if not data.title.strip():
        raise DomainError(_("A title is required."))
    if data.opens_at.tzinfo is None or data.closes_at.tzinfo is None:
        raise DomainError(_("Opening and closing times need a time zone."))
    if data.closes_at <= data.opens_at:
        raise DomainError(_("The call must close after it opens."))
    if not 1 <= len(data.criteria) <= MAX_CRITERIA:
        raise DomainError(_("Give between 1 and %(n)d evaluation criteria.", n=MAX_CRITERIA))
    for criterion in data.criteria:
        if not criterion.name.strip() or not 1 <= criterion.weight <= 100:
            raise DomainError(_("Each criterion needs a name and a weight from 1 to 100."))
    if data.budget_max is not None and data.budget_max < 0:
        raise DomainError(_("Budgets cannot be negative."))
    if data.budget_currency not in CURRENCIES:
        raise DomainError(_("Unknown currency."))
    if data.language not in taxonomy.LANGUAGES:
        raise DomainError(_("Choose Japanese or English."))


def search_text_for(call: Call) -> str:
    need = call.need or db.session.get(Need, call.need_id)
    return search_blob(
        call.title,
        call.description,
        call.eligibility,
        call.pilot_period,
        *(c.name for c in call.criteria),
        need.title if need else "",
        need.title_translated if need else "",
    )


def _apply(call: Call, data: CallData) -> None:
    for name in (
        "title",
        "description",
        "eligibility",
        "opens_at",
        "closes_at",
        "budget_max",
        "budget_currency",
        "pilot_period",
        "language",
    ):
        setattr(call, name, getattr(data, name))
    call.title = call.title.strip()
    rows = []
    for position, item in enumerate(data.criteria, start=1):
        row = next((c for c in call.criteria if c.position == position), None) or CallCriterion(
            position=position
        )
        row.name, row.description, row.weight = item.name.strip(), item.description, item.weight
        rows.append(row)
    call.criteria = rows
    call.search_text = search_text_for(call)
    call.updated_at = utcnow()


def create_call(user: User, need: Need, data: CallData) -> Call:
    """A draft call on a published need, owned by the need's department."""
    if not can_open_call(user, need):
        raise NotAllowed(_("You cannot open a call on this need."))
    _validate(data)
    call = Call(
        need=need, organization_id=need.organization_id, created_by_id=user.id, status=S.DRAFT
    )
    _apply(call, data)
    db.session.add(call)
    _flush()
    record("call_create", actor=user, obj=call, need_id=need.id, **{"from": None, "to": "draft"})
    return call


def update_call(user: User, call: Call, data: CallData, version: int | None = None) -> Call:
    """Edit a draft or scheduled call; a stale version is refused."""
    check_call_action(user, call, "edit")
    if version is not None and version != call.version:
        raise Conflict(
            _("Someone else changed this call after you opened it. Reload the page and try again.")
        )
    _validate(data)
    if call.status is S.SCHEDULED and data.closes_at <= utcnow():
        raise DomainError(_("The closing time has already passed."))
    # removed criteria rows must go before new ones take their positions
    keep = len(data.criteria)
    call.criteria = [c for c in call.criteria if c.position <= keep]
    _flush()
    _apply(call, data)
    _flush()
    record("call_edit", actor=user, obj=call)
    return call


def perform_call_action(
    call: Call, action: str, actor: User | None, now: datetime | None = None
) -> Call:
    """One workflow step; publishing a call whose opening time has passed opens it at once."""
    now = now or utcnow()
    transition = check_call_action(actor, call, action)
    if action == "publish" and call.closes_at <= now:
        raise DomainError(_("The closing time has already passed; edit the call first."))
    source = call.status
    call.status = transition.target
    stamp = {"publish": "published_at", "open": "opened_at", "close": "closed_at"}
    stamp["announce"] = "decided_at"
    if action in stamp:
        setattr(call, stamp[action], now)
    call.updated_at = now
    _flush()
    record(f"call_{action}", actor=actor, obj=call, **{"from": source, "to": call.status})
    notify_phase(call, action)
    if action == "publish" and call.opens_at <= now:
        perform_call_action(call, "open", None, now)
    return call


def notify_phase(call: Call, action: str) -> None:
    """Tell the followers of the call and of its need; the key makes repeats no-ops."""
    kind = PHASE_NOTICES.get(action)
    if kind is None:
        return
    from matchmaker.notifications.services import notify_followers

    params = {"call_id": call.id, "title": call.title, "need_id": call.need_id}
    link = f"/calls/{call.id}"
    key = f"call:{call.id}:{action}"
    notify_followers("call", call.id, kind, params, link, key)
    notify_followers("need", call.need_id, kind, params, link, key)


def add_document(user: User, call: Call, stream, filename: str | None, title: str = ""):
    """Attach a PDF to a call that is not yet closed (open calls accept documents too)."""
    if not can_manage_call(user, call):
        raise NotAllowed(_("You are not allowed to do this."))
    if call.status not in DOCUMENT_STATUSES:
        raise Conflict(_("Documents can no longer be added to this call."))
    attachment = store_pdf(stream, filename, user, call.organization_id)
    document = CallDocument(
        call_id=call.id, attachment=attachment, title=(title or "").strip()[:200]
    )
    db.session.add(document)
    _flush()
    record("call_document_add", actor=user, obj=call, attachment_id=attachment.id)
    return document


def criterion_shares(call: Call) -> list[tuple[CallCriterion, float]]:
    """Each criterion with its share of the total weight, in percent."""
    total = sum(c.weight for c in call.criteria) or 1
    return [(c, round(100 * c.weight / total, 1)) for c in call.criteria]


@dataclass
class Countdown:
    days: int = 0
    hours: int = 0
    past: bool = False


def countdown(moment: datetime, now: datetime | None = None) -> Countdown:
    """Whole days (or hours on the last day) until `moment`."""
    delta = moment - (now or utcnow())
    if delta.total_seconds() <= 0:
        return Countdown(past=True)
    return Countdown(days=delta.days, hours=int(delta.total_seconds() // 3600))
