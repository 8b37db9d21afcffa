"""Needs: the transition table, who may see and act on a need, and the operations on one."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from matchmaker.accounts.models import Role, User
from matchmaker.accounts.permissions import is_signed_in
from matchmaker.audit.services import record
from matchmaker.common import taxonomy
from matchmaker.common.errors import Conflict, DomainError, NotAllowed
from matchmaker.common.persistence import flush_or_conflict
from matchmaker.common.text import search_blob
from matchmaker.common.workflow import Transition, Workflow
from matchmaker.db import utcnow
from matchmaker.extensions import db
from matchmaker.matching.pending import mark_changed
from matchmaker.needs import revisions
from matchmaker.needs.models import PUBLIC_NEED_STATUSES, Need, NeedPolicyArea, NeedStatus

S = NeedStatus
OWNER = frozenset({Role.DEPARTMENT.value})
STAFF = frozenset({Role.COORDINATOR.value, Role.ADMIN.value})
OWNER_OR_STAFF = OWNER | STAFF

# "edit" rows say where an edit is allowed and what status it leaves; editing a published need
# sends it back to review (Challenge.gov). Department roles act only on their own org's needs.
ACTION_LABELS = {
    "edit": _l("Edit"),
    "submit": _l("Submit for review"),
    "approve": _l("Approve"),
    "request_changes": _l("Request edits"),
    "close": _l("Close"),
    "archive": _l("Archive"),
}

NEED_WORKFLOW = Workflow(
    [
        Transition("edit", S.DRAFT, S.DRAFT, OWNER),
        Transition("edit", S.CHANGES_REQUESTED, S.CHANGES_REQUESTED, OWNER),
        Transition("edit", S.IN_REVIEW, S.IN_REVIEW, OWNER),
        Transition("edit", S.PUBLISHED, S.IN_REVIEW, OWNER),
        Transition("submit", S.DRAFT, S.IN_REVIEW, OWNER),
        Transition("submit", S.CHANGES_REQUESTED, S.IN_REVIEW, OWNER),
        Transition("approve", S.IN_REVIEW, S.PUBLISHED, STAFF),
        Transition("request_changes", S.IN_REVIEW, S.CHANGES_REQUESTED, STAFF),
        Transition("close", S.PUBLISHED, S.CLOSED, OWNER_OR_STAFF),
        Transition("archive", S.CLOSED, S.ARCHIVED, OWNER_OR_STAFF),
    ],
    ACTION_LABELS,
)

BUTTON_ACTIONS = ("submit", "approve", "request_changes", "close", "archive")
MAX_COMMENT_LENGTH = 5000


@dataclass
class NeedData:
    """The fields a department may write; nothing else is copied from a form."""

    title: str
    summary: str
    problem: str = ""
    desired_outcome: str = ""
    constraints: str = ""
    policy_areas: list[str] = field(default_factory=list)
    sdg_goals: list[int] = field(default_factory=list)
    budget_min: int | None = None
    budget_max: int | None = None
    demo_site: str = ""
    timeline: str = ""
    contact_name: str = ""
    contact_email: str = ""
    language: str = "ja"
    title_translated: str | None = None
    summary_translated: str | None = None
    min_trl: int | None = None


# ---- visibility and permissions -------------------------------------------------------------


def can_view(user, need: Need) -> bool:
    """Published and closed needs are public; archived ones stay readable to the owner org and
    staff for the record; review states to owner and staff; drafts to the owner org only."""
    if need.status in PUBLIC_NEED_STATUSES:
        return True
    if not is_signed_in(user):
        return False
    if user.belongs_to(need.organization_id):
        return True
    return user.is_staff and need.status is not S.DRAFT


def can_create(user) -> bool:
    return (
        is_signed_in(user)
        and user.role is Role.DEPARTMENT
        and user.organization is not None
        and user.organization.is_department
    )


def check_action(user, need: Need, action: str) -> Transition:
    """Raise unless `user` may do `action` to `need` now; the page and the server both use it."""
    roles = {r for t in NEED_WORKFLOW.transitions if t.action == action for r in t.roles}
    if not is_signed_in(user) or user.role.value not in roles:
        raise NotAllowed(_("You are not allowed to do this."))
    if user.role is Role.DEPARTMENT and not user.belongs_to(need.organization_id):
        raise NotAllowed(_("Only staff of the department that posted this need can do this."))
    transition = NEED_WORKFLOW.check(action, need.status)
    if user.role.value not in transition.roles:
        raise NotAllowed(_("You are not allowed to do this."))
    if transition.source != transition.target and not user.is_approved:
        raise NotAllowed(
            _(
                "Your account must be approved by an administrator before you can "
                "submit, publish or close needs. You can keep editing drafts."
            )
        )
    return transition


def is_allowed(user, need: Need, action: str) -> bool:
    try:
        check_action(user, need, action)
    except DomainError:
        return False
    return True


def allowed_actions(user, need: Need) -> list[str]:
    """The workflow buttons to show this reader, in a stable order."""
    return [a for a in BUTTON_ACTIONS if is_allowed(user, need, a)]


# ---- operations -----------------------------------------------------------------------------


def _check_version(need: Need, expected: int | None) -> None:
    if expected is not None and expected != need.version:
        raise Conflict(
            _(
                "Someone else changed this need after you opened it. Reload the page "
                "to see the current version, then make your change again."
            )
        )


def _flush() -> None:
    flush_or_conflict(
        _("Someone else changed this need at the same moment. Reload the page and try again.")
    )


def search_text_for(need: Need, areas: list[str]) -> str:
    """The normalised text the list search matches (demo data uses it too)."""
    labels = [part for code in areas for part in taxonomy.POLICY_AREAS.get(code, ())]
    return search_blob(
        need.title,
        need.summary,
        need.problem,
        need.desired_outcome,
        need.constraints,
        need.title_translated,
        need.summary_translated,
        *labels,
    )


def _validate(data: NeedData) -> None:
    """Domain rules that hold whatever the caller (form, API, CLI) checked already."""
    if not data.title.strip() or not data.summary.strip():
        raise DomainError(_("A title and a summary are required."))
    if not data.policy_areas or any(c not in taxonomy.POLICY_AREAS for c in data.policy_areas):
        raise DomainError(_("Choose at least one policy area from the list."))
    if any(g not in taxonomy.SDG_GOALS for g in data.sdg_goals):
        raise DomainError(_("SDG goals are numbered 1 to 17."))
    if data.language not in taxonomy.LANGUAGES:
        raise DomainError(_("Choose Japanese or English."))
    if data.min_trl is not None and not 1 <= data.min_trl <= 9:
        raise DomainError(_("The minimum TRL must be between 1 and 9."))
    if any(v is not None and v < 0 for v in (data.budget_min, data.budget_max)):
        raise DomainError(_("Budgets cannot be negative."))
    if (
        data.budget_min is not None
        and data.budget_max is not None
        and data.budget_min > data.budget_max
    ):
        raise DomainError(_("The minimum budget cannot exceed the maximum budget."))


def _apply(need: Need, data: NeedData) -> None:
    for name in (
        "title",
        "summary",
        "problem",
        "desired_outcome",
        "constraints",
        "budget_min",
        "budget_max",
        "demo_site",
        "timeline",
        "contact_name",
        "contact_email",
        "language",
        "min_trl",
    ):
        setattr(need, name, getattr(data, name))
    need.title_translated = (data.title_translated or "").strip() or None
    need.summary_translated = (data.summary_translated or "").strip() or None
    need.sdg_goals = sorted(set(data.sdg_goals))
    need.budget_currency = "JPY"
    areas = sorted(set(data.policy_areas))
    keep = [row for row in need.policy_area_rows if row.code in areas]
    have = {row.code for row in keep}
    need.policy_area_rows = keep + [NeedPolicyArea(code=c) for c in areas if c not in have]
    need.search_text = search_text_for(need, areas)
    need.updated_at = utcnow()  # always an UPDATE, so the version moves on every save


def create_need(user: User, data: NeedData) -> Need:
    """A department member starts a draft for their own organization."""
    if not can_create(user):
        raise NotAllowed(_("Only department staff can post needs."))
    _validate(data)
    need = Need(organization_id=user.organization_id, created_by_id=user.id, status=S.DRAFT)
    _apply(need, data)
    db.session.add(need)
    _flush()
    mark_changed(db.session, "need", need.id)
    record("need_create", actor=user, obj=need, **{"from": None, "to": need.status})
    return need


def update_need(user: User, need: Need, data: NeedData, version: int | None) -> Need:
    """Save an edit; a published need goes back to review, or, when it has an active call,
    the edit waits as a pending revision; a stale version is refused."""
    transition = check_action(user, need, "edit")
    _check_version(need, version)
    _validate(data)
    if need.status is S.PUBLISHED and revisions.has_active_call(need.id):
        revisions.propose_revision(user, need, data)
        return need
    source = need.status
    _apply(need, data)
    if transition.target != source:
        need.status = transition.target
        need.submitted_at = utcnow()
    _flush()
    mark_changed(db.session, "need", need.id)
    record("need_edit", actor=user, obj=need, **{"from": source, "to": need.status})
    return need


def perform_action(
    user: User, need: Need, action: str, *, version: int | None = None, comment: str | None = None
) -> Need:
    """Run one workflow button (submit, approve, request_changes, close, archive)."""
    if action not in BUTTON_ACTIONS:
        raise DomainError(_("Unknown action."))
    transition = check_action(user, need, action)
    _check_version(need, version)
    comment = (comment or "").strip()
    if action == "request_changes":
        if not comment:
            raise DomainError(_("Explain which edits are needed; the comment is required."))
        if len(comment) > MAX_COMMENT_LENGTH:
            raise DomainError(
                _("The comment is too long (at most %(n)d characters).", n=MAX_COMMENT_LENGTH)
            )
        need.review_comment = comment
    now = utcnow()
    if action == "submit":
        need.submitted_at = now
    elif action == "approve":
        need.published_at = need.published_at or now
    elif action == "close":
        need.closed_at = now
    source = need.status
    need.status = transition.target
    need.updated_at = now
    _flush()
    mark_changed(db.session, "need", need.id)
    details = {"from": source, "to": need.status}
    if comment:
        details["comment"] = comment[:500]
    record(f"need_{action}", actor=user, obj=need, **details)
    if action in ("approve", "close"):
        revisions.notify_need_phase(need, "published" if action == "approve" else "closed")
    return need
