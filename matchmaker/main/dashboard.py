"""What each role sees first after signing in."""

from __future__ import annotations

from sqlalchemy import select

from matchmaker.accounts.models import AccountStatus, Role, User
from matchmaker.extensions import db
from matchmaker.needs.models import Need, NeedStatus
from matchmaker.seeds.models import Seed


def dashboard_for(user: User) -> dict:
    data: dict = {"my_needs": [], "my_seeds": [], "needs_in_review": [], "pending_accounts": []}
    if user.role is Role.DEPARTMENT and user.organization_id:
        data["my_needs"] = db.session.scalars(
            select(Need)
            .where(Need.organization_id == user.organization_id)
            .order_by(Need.updated_at.desc())
            .limit(50)
        ).all()
    if user.role is Role.PROVIDER and user.organization_id:
        data["my_seeds"] = db.session.scalars(
            select(Seed)
            .where(Seed.organization_id == user.organization_id)
            .order_by(Seed.updated_at.desc())
            .limit(50)
        ).all()
    if user.is_staff:
        data["needs_in_review"] = db.session.scalars(
            select(Need)
            .where(Need.status == NeedStatus.IN_REVIEW)
            .order_by(Need.submitted_at)
            .limit(50)
        ).all()
    if user.role is Role.ADMIN:
        data["pending_accounts"] = db.session.scalars(
            select(User).where(User.status == AccountStatus.PENDING).order_by(User.created_at)
        ).all()
    return data
