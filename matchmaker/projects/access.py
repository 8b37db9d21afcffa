"""Who may see a project and edit which part of it; loaders that 404 instead of leaking."""

from __future__ import annotations

from flask import abort
from sqlalchemy import or_, select

from matchmaker.accounts.models import Role
from matchmaker.accounts.permissions import is_signed_in
from matchmaker.calls.models import CallStatus
from matchmaker.extensions import db
from matchmaker.projects.models import Project, ProjectStatus
from matchmaker.proposals.models import Proposal, ProposalStatus

# Actor kinds named in PROJECT_WORKFLOW: relations to the project, not only roles.
STAFF = "staff"  # coordinators and admins
DEPARTMENT = "department"  # a department member of the project's department
PROVIDER = "provider"  # a solution provider of the project's provider organization

# While these statuses last, each party may edit its part (the department also prepares).
DEPARTMENT_EDIT_STATUSES = (ProjectStatus.PLANNED, ProjectStatus.RUNNING)
PROVIDER_EDIT_STATUSES = (ProjectStatus.RUNNING,)


def actor_kinds(user, project: Project) -> set[str]:
    """How an approved, signed-in user relates to the project."""
    if not is_signed_in(user) or not user.is_approved:
        return set()
    kinds = set()
    if user.is_staff:
        kinds.add(STAFF)
    if user.role is Role.DEPARTMENT and user.belongs_to(project.department_org_id):
        kinds.add(DEPARTMENT)
    if user.role is Role.PROVIDER and user.belongs_to(project.provider_org_id):
        kinds.add(PROVIDER)
    return kinds


def can_view_project(user, project: Project) -> bool:
    """The two parties and staff; everyone else (reviewers too) reads only published results."""
    return bool(actor_kinds(user, project))


def can_edit_department_part(user, project: Project) -> bool:
    """Agreement, dates, milestones and KPI definitions, while planned or running."""
    return bool(actor_kinds(user, project) & {STAFF, DEPARTMENT}) and (
        project.status in DEPARTMENT_EDIT_STATUSES
    )


def can_edit_provider_part(user, project: Project) -> bool:
    """Progress updates, KPI actuals, milestone reports and the final report, while running."""
    return bool(actor_kinds(user, project) & {STAFF, PROVIDER}) and (
        project.status in PROVIDER_EDIT_STATUSES
    )


def can_edit_result(user, project: Project) -> bool:
    """The public result (outcome, contacts, publication) is the department's, at any status."""
    return bool(actor_kinds(user, project) & {STAFF, DEPARTMENT})


def can_start_project(user, proposal: Proposal) -> bool:
    """Staff or the call's department, for a selected proposal of an announced call."""
    if not is_signed_in(user) or not user.is_approved:
        return False
    if proposal.status is not ProposalStatus.SELECTED:
        return False
    if proposal.call.status is not CallStatus.DECIDED:
        return False
    return user.is_staff or (
        user.role is Role.DEPARTMENT and user.belongs_to(proposal.call.organization_id)
    )


def get_project_or_404(project_id: int) -> Project:
    """Load by id or 404; callers then check can_view_project."""
    project = db.session.get(Project, project_id) if 0 < project_id <= 2**31 - 1 else None
    if project is None:
        abort(404)
    return project


def load_visible_project(project_id: int, user) -> Project:
    """404 for unknown ids and for projects the user is no party to, so existence never leaks."""
    project = get_project_or_404(project_id)
    if not can_view_project(user, project):
        abort(404)
    return project


def project_for_proposal(proposal_id: int) -> Project | None:
    return db.session.scalar(select(Project).where(Project.proposal_id == proposal_id))


def projects_for(user) -> list[Project]:
    """Every project for staff; the projects of the user's organization for a party."""
    stmt = select(Project).order_by(Project.created_at.desc(), Project.id.desc())
    if not is_signed_in(user) or not user.is_approved:
        return []
    if not user.is_staff:
        sides = []
        if user.role is Role.DEPARTMENT:
            sides.append(Project.department_org_id == user.organization_id)
        if user.role is Role.PROVIDER:
            sides.append(Project.provider_org_id == user.organization_id)
        if not sides or user.organization_id is None:
            return []
        stmt = stmt.where(or_(*sides))
    return list(db.session.scalars(stmt))
