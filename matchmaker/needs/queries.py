"""Needs read side: the list page's search and filters, the review queue, display helpers."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import func, select

from matchmaker.accounts.permissions import is_signed_in
from matchmaker.common.listing import Page, apply_search, paginate
from matchmaker.common.money import format_money
from matchmaker.needs.models import Need, NeedPolicyArea, NeedStatus

S = NeedStatus
LISTABLE_PUBLIC = (S.PUBLISHED, S.CLOSED)
LISTABLE_STAFF = (S.PUBLISHED, S.CLOSED, S.IN_REVIEW, S.CHANGES_REQUESTED, S.ARCHIVED)


@dataclass(frozen=True)
class NeedFilters:
    """Validated list-page filters; an empty status means every public status."""

    q: str = ""
    area: str | None = None
    org_id: int | None = None
    status: NeedStatus | None = None
    language: str | None = None


def listable_statuses(user) -> tuple[NeedStatus, ...]:
    """Statuses a reader may filter the list by; staff also see the review pipeline."""
    return LISTABLE_STAFF if is_signed_in(user) and user.is_staff else LISTABLE_PUBLIC


def search_needs(filters: NeedFilters, page: int, per_page: int) -> Page:
    """The list page: full-text search plus filters; callers pass only statuses they may list."""
    statuses = (filters.status,) if filters.status else LISTABLE_PUBLIC
    stmt = select(Need).where(Need.status.in_(statuses))
    stmt = apply_search(stmt, Need.search_text, filters.q)
    if filters.area:
        stmt = stmt.where(Need.policy_area_rows.any(NeedPolicyArea.code == filters.area))
    if filters.org_id is not None:
        stmt = stmt.where(Need.organization_id == filters.org_id)
    if filters.language:
        stmt = stmt.where(Need.language == filters.language)
    newest = func.coalesce(Need.published_at, Need.submitted_at, Need.created_at)
    return paginate(stmt.order_by(newest.desc(), Need.id.desc()), page, per_page)


def review_queue(page: int, per_page: int) -> Page:
    """Needs waiting for a coordinator, oldest submission first."""
    stmt = (
        select(Need)
        .where(Need.status == S.IN_REVIEW)
        .order_by(func.coalesce(Need.submitted_at, Need.created_at), Need.id)
    )
    return paginate(stmt, page, per_page)


def format_budget(need: Need) -> str | None:
    """1,000,000円–5,000,000円 style range; an open end says 'from' or 'up to'."""

    def money(amount: int) -> str:
        return format_money(amount, need.budget_currency)

    low, high = need.budget_min, need.budget_max
    if low is not None and high is not None:
        return money(low) if low == high else f"{money(low)}–{money(high)}"
    if low is not None:
        return _("from %(amount)s", amount=money(low))
    if high is not None:
        return _("up to %(amount)s", amount=money(high))
    return None
