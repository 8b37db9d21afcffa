"""A proposal's writable fields and their checks, shared by the form and the services."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _

from matchmaker.common.errors import DomainError
from matchmaker.seeds.services import is_web_url

CURRENCIES = ("JPY", "USD", "EUR")
MAX_LINKS = 10
MAX_LINK_LENGTH = 500
MAX_BUDGET = 10**12
TEXT_LIMITS = {"approach": 20000, "pilot_plan": 20000, "schedule": 5000, "team": 5000}


@dataclass(frozen=True)
class ProposalData:
    """The fields an applicant may write; nothing else is copied onto a proposal."""

    title: str
    approach: str = ""
    pilot_plan: str = ""
    schedule: str = ""
    budget_amount: int | None = None
    budget_currency: str = "JPY"
    team: str = ""
    links: tuple[str, ...] = ()
    seed_id: int | None = None


def parse_links(text: str | None) -> list[str]:
    """One address per line; blanks and repeats dropped; only http(s) addresses accepted."""
    links: list[str] = []
    for line in (text or "").splitlines():
        link = line.strip()
        if not link or link in links:
            continue
        if len(link) > MAX_LINK_LENGTH or not is_web_url(link):
            raise DomainError(
                _("“%(link)s” is not an http:// or https:// address.", link=link[:80])
            )
        links.append(link)
    if len(links) > MAX_LINKS:
        raise DomainError(_("At most %(n)d links are allowed.", n=MAX_LINKS))
    return links


def validate(data: ProposalData) -> None:
    """Service-side checks, so no caller can store what the form would refuse."""
    if not data.title.strip() or len(data.title) > 200:
        raise DomainError(_("A title of at most 200 characters is required."))
    for name, limit in TEXT_LIMITS.items():
        if len(getattr(data, name) or "") > limit:
            raise DomainError(_("A text field is too long (at most %(n)d characters).", n=limit))
    if data.budget_amount is not None and not 0 <= data.budget_amount <= MAX_BUDGET:
        raise DomainError(_("The budget must be a whole amount between 0 and 1 trillion."))
    if data.budget_currency not in CURRENCIES:
        raise DomainError(_("Choose a currency from the list."))
    parse_links("\n".join(data.links))
