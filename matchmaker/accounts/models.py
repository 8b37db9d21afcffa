"""People and the organizations they act for."""

from __future__ import annotations

import secrets
from datetime import datetime
from enum import StrEnum

from flask_login import UserMixin
from sqlalchemy import DateTime, Enum, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from matchmaker.db import Base, utcnow


def enum_column(enum_cls: type[StrEnum], **kwargs) -> Enum:
    """Store enums by value as VARCHAR with a CHECK constraint (portable, migration-friendly)."""
    return Enum(
        enum_cls,
        native_enum=False,
        create_constraint=True,
        length=32,
        values_callable=lambda e: [m.value for m in e],
        name=kwargs.pop("name", enum_cls.__name__.lower()),
        validate_strings=True,
    )


class OrgKind(StrEnum):
    DEPARTMENT = "department"
    STARTUP = "startup"
    SOCIAL_ENTERPRISE = "social_enterprise"
    UNIVERSITY = "university"
    NPO = "npo"
    COMPANY = "company"


PROVIDER_ORG_KINDS = tuple(k for k in OrgKind if k is not OrgKind.DEPARTMENT)


class Role(StrEnum):
    ADMIN = "admin"
    COORDINATOR = "coordinator"
    REVIEWER = "reviewer"
    DEPARTMENT = "department"
    PROVIDER = "provider"


class AccountStatus(StrEnum):
    PENDING = "pending"
    ACTIVE = "active"
    SUSPENDED = "suspended"
    DEACTIVATED = "deactivated"


class Organization(Base):
    __tablename__ = "organizations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    name_en: Mapped[str | None] = mapped_column(String(200))
    kind: Mapped[OrgKind] = mapped_column(enum_column(OrgKind), index=True)
    website: Mapped[str | None] = mapped_column(String(500))
    description: Mapped[str | None] = mapped_column(String(2000))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    members: Mapped[list[User]] = relationship(back_populates="organization")

    @property
    def is_department(self) -> bool:
        return self.kind is OrgKind.DEPARTMENT

    def display_name(self, locale: str = "ja") -> str:
        return self.name_en if locale == "en" and self.name_en else self.name


class User(UserMixin, Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(enum_column(Role), index=True)
    status: Mapped[AccountStatus] = mapped_column(enum_column(AccountStatus), index=True)
    organization_id: Mapped[int | None] = mapped_column(
        ForeignKey("organizations.id", ondelete="RESTRICT"), index=True
    )
    locale: Mapped[str | None] = mapped_column(String(5))
    session_token: Mapped[str] = mapped_column(String(64), default=lambda: secrets.token_hex(16))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    approved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    organization: Mapped[Organization | None] = relationship(back_populates="members")

    def set_password(self, password: str) -> None:
        """Hash with scrypt and rotate the session token so other sessions end."""
        self.password_hash = generate_password_hash(password, method="scrypt")
        self.session_token = secrets.token_hex(16)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def get_id(self) -> str:
        """Flask-Login alternative id: a password change invalidates existing sessions."""
        return f"{self.id}:{self.session_token}"

    @property
    def is_active(self) -> bool:
        return self.status in (AccountStatus.ACTIVE, AccountStatus.PENDING)

    @property
    def is_approved(self) -> bool:
        return self.status is AccountStatus.ACTIVE

    def has_role(self, *roles: Role) -> bool:
        return self.role in roles

    @property
    def is_staff(self) -> bool:
        """Coordinators and admins see and moderate everything that is not another org's draft."""
        return self.role in (Role.ADMIN, Role.COORDINATOR)

    def belongs_to(self, organization_id: int | None) -> bool:
        return organization_id is not None and self.organization_id == organization_id
