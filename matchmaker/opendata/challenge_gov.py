"""Challenge.gov's JSON Feed (`_challenge` list): read untrusted entries, write published needs."""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask_babel import gettext as _

from matchmaker.common import taxonomy
from matchmaker.common.errors import DomainError
from matchmaker.opendata.html_text import clip, html_to_text, text_to_html

SOURCE = "challenge.gov"
FEED_VERSION = "https://jsonfeed.org/version/1"
CURRENCIES = ("USD", "JPY")
MAX_AMOUNT = 10**15
MAX_ENTRIES = 5000
UNKNOWN_AGENCY = "Unknown agency (Challenge.gov)"
EMAIL = re.compile(r"^[^@\s<>\"']+@[^@\s<>\"']+\.[^@\s<>\"']+$")
AMOUNT = re.compile(r"\d[\d,]*(?:\.\d+)?")
DATE_FORMATS = (
    "%Y/%m/%d %I:%M %p",
    "%Y/%m/%d %I %p",
    "%m/%d/%Y %I:%M %p",
    "%m/%d/%Y %I %p",
    "%Y/%m/%d",
    "%m/%d/%Y",
)
# Words in a challenge's title, tagline and agency that suggest one of our policy areas.
AREA_PATTERNS = {
    "disaster_prevention": r"disaster|emergenc|wildfire|flood|hurricane|earthquake|"
    r"first responder|resilien|tornado|tsunami|public safety",
    "elderly_care": r"older adult|elderly|aging|ageing|senior",
    "childcare": r"child|infant|maternal|parent",
    "nursing_care_work": r"caregiv|care work|nursing",
    "mobility": r"transport|vehicle|traffic|mobility|aviation|rail|transit|highway",
    "environment_energy": r"energy|climate|environment|pollut|water|solar|wildlife|ocean|"
    r"carbon|recycl|waste|toxic|ecolog|fish",
    "health": r"health|medic|disease|opioid|cancer|clinic|hospital|patient|drug|covid|"
    r"nutrition|veteran",
    "education": r"educat|student|school|stem|learn|teach",
    "data_platform": r"data|artificial intelligence|\bai\b|machine learning|algorithm|"
    r"software|cyber|digital",
    "international": r"international",
}
AREA_REGEX = {code: re.compile(r"\b(?:" + p + ")", re.I) for code, p in AREA_PATTERNS.items()}


class FeedError(DomainError):
    """The file is not a Challenge.gov feed; nothing is imported."""


@dataclass
class Challenge:
    """One entry mapped to Need fields; strings are plain text already cut to column sizes."""

    external_id: str
    title: str
    summary: str
    agency: str
    is_open: bool
    language: str = "en"
    problem: str = ""
    desired_outcome: str = ""
    constraints: str = ""
    timeline: str = ""
    contact_name: str = ""
    contact_email: str = ""
    source_url: str = ""
    budget_min: int | None = None
    budget_max: int | None = None
    budget_currency: str = "USD"
    policy_areas: list[str] = field(default_factory=list)
    published_at: datetime | None = None
    closed_at: datetime | None = None


@dataclass
class ParsedFeed:
    challenges: list[Challenge]
    skipped: list[tuple[str, str]]  # (entry label, reason)


def _text(entry: dict, key: str) -> str:
    value = entry.get(key)
    if value is None or isinstance(value, dict | list | bool):
        return ""
    return html_to_text(value)


def parse_amount(value: object) -> int | None:
    """ "$300,000" or "$15,000,000.00" → whole dollars; empty or unreadable → None."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        number = float(value)
    else:
        match = AMOUNT.search(str(value))
        if not match:
            return None
        number = float(match.group().replace(",", ""))
    if not math.isfinite(number) or number < 0 or number >= MAX_AMOUNT:
        return None
    return round(number)


def _eastern():
    try:
        return ZoneInfo("America/New_York")
    except ZoneInfoNotFoundError:  # pragma: no cover - systems without tzdata
        return UTC


def parse_date(value: object) -> datetime | None:
    """Challenge.gov writes US Eastern times in several layouts; unreadable ones are None."""
    if not isinstance(value, str) or not value.strip():
        return None
    raw = " ".join(value.replace("a.m.", "AM").replace("p.m.", "PM").split())
    try:
        parsed = datetime.fromisoformat(raw)
    except ValueError:
        parsed = None
        for layout in DATE_FORMATS:
            try:
                parsed = datetime.strptime(raw.upper(), layout)
                break
            except ValueError:
                continue
    if parsed is None:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=_eastern())
    return parsed.astimezone(UTC)


def policy_areas(entry: dict, *texts: str) -> list[str]:
    """Our export names the areas; for Challenge.gov entries, guess from words in the text."""
    given = entry.get("policy-areas")
    if isinstance(given, list) and given and all(c in taxonomy.POLICY_AREAS for c in given):
        return sorted(set(given))
    blob = " ".join(texts)
    return sorted(code for code, regex in AREA_REGEX.items() if regex.search(blob))


def _budget(entry: dict) -> tuple[int | None, int | None, str]:
    """Our own export adds budget-* fields (any currency); otherwise the cash prize in USD."""
    currency = entry.get("budget-currency")
    if currency in CURRENCIES:
        low, high = parse_amount(entry.get("budget-min")), parse_amount(entry.get("budget-max"))
        if low is not None and high is not None and low > high:
            low = None
        return low, high, currency
    return None, parse_amount(entry.get("total-prize-offered-cash")), "USD"


def _url(entry: dict) -> str:
    for key in ("permalink", "external-url"):
        value = entry.get(key)
        if isinstance(value, str) and value.strip().lower().startswith(("https://", "http://")):
            return value.strip()[:500]
    return ""


def _email(entry: dict) -> str:
    for key in ("point-of-contact", "challenge-manager-email"):
        value = entry.get(key)
        if isinstance(value, str) and EMAIL.match(value.strip()) and len(value.strip()) <= 254:
            return value.strip()
    return ""


def _timeline(entry: dict) -> str:
    start, end = _text(entry, "submission-start"), _text(entry, "submission-end")
    if not start and not end:
        return ""
    # stored in the need's own language (English), not the importing admin's
    return clip(f"Submission period: {start or '?'} – {end or '?'}", 1000)


def parse_challenge(entry: dict) -> Challenge:
    """Map one entry; DomainError (with the reason) when it lacks an id or a title."""
    raw_id = entry.get("challenge-id")
    external_id = str(raw_id).strip() if isinstance(raw_id, str | int) else ""
    if not external_id or len(external_id) > 100:
        raise DomainError(_("no usable challenge-id"))
    title = clip(_text(entry, "challenge-title").replace("\n", " "), 200)
    if not title:
        raise DomainError(_("no title"))
    problem = _text(entry, "description")
    summary = clip(_text(entry, "tagline").replace("\n", " ") or problem or title, 1000)
    agency = clip(_text(entry, "agency").replace("\n", " "), 200) or UNKNOWN_AGENCY
    status = str(entry.get("challenge_status") or "").strip().lower()
    budget_min, budget_max, currency = _budget(entry)
    return Challenge(
        external_id=external_id,
        title=title,
        summary=summary,
        agency=agency,
        is_open=status == "open",
        problem=problem,
        desired_outcome=_text(entry, "judging"),
        constraints=_text(entry, "rules"),
        timeline=_timeline(entry),
        contact_name=clip(_text(entry, "challenge-manager").replace("\n", " "), 120),
        contact_email=_email(entry),
        source_url=_url(entry),
        budget_min=budget_min,
        budget_max=budget_max,
        budget_currency=currency,
        language=entry["language"] if entry.get("language") in taxonomy.LANGUAGES else "en",
        policy_areas=policy_areas(entry, title, summary, agency),
        published_at=parse_date(entry.get("submission-start")),
        closed_at=parse_date(entry.get("submission-end")),
    )


def parse_feed(raw: bytes) -> ParsedFeed:
    """Check the whole file before anything is written; odd entries are skipped with a reason."""
    try:
        document = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise FeedError(_("The file is not valid JSON (UTF-8).")) from None
    if not isinstance(document, dict) or "_challenge" not in document:
        raise FeedError(_("The file is not a Challenge.gov feed: it has no “_challenge” list."))
    entries = document["_challenge"]
    if not isinstance(entries, list):
        raise FeedError(_("The “_challenge” field of the feed must be a list."))
    if len(entries) > MAX_ENTRIES:
        raise FeedError(_("The feed has more than %(n)d challenges.", n=MAX_ENTRIES))
    challenges, skipped, seen = [], [], set()
    for position, entry in enumerate(entries, start=1):
        label = f"#{position}"
        if not isinstance(entry, dict):
            skipped.append((label, _("not a challenge object")))
            continue
        try:
            challenge = parse_challenge(entry)
        except DomainError as exc:
            skipped.append((label, exc.message))
            continue
        if challenge.external_id in seen:
            skipped.append((challenge.external_id, _("repeated in the same file")))
            continue
        seen.add(challenge.external_id)
        challenges.append(challenge)
    return ParsedFeed(challenges, skipped)


def _when(value: datetime | None) -> str:
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(_eastern()).strftime("%Y/%m/%d %I:%M %p")


def challenge_for_need(need, link: str) -> dict:
    """One published need as a Challenge.gov entry (plus budget-* fields for any currency)."""
    imported = need.source == SOURCE and need.external_id
    cash = ""
    if need.budget_currency == "USD" and need.budget_max is not None:
        cash = f"${need.budget_max:,}"
    return {
        "challenge-id": need.external_id if imported else f"matchmaker-{need.id}",
        "challenge-title": need.title,
        "permalink": link,
        "external-url": need.source_url if imported else "",
        "tagline": need.summary,
        "agency": need.organization.name_en or need.organization.name,
        "challenge_status": "open" if need.status.value == "published" else "closed",
        "total-prize-offered-cash": cash,
        "budget-min": need.budget_min,
        "budget-max": need.budget_max,
        "budget-currency": need.budget_currency,
        "language": need.language,
        "policy-areas": need.policy_areas,
        "challenge-manager": need.contact_name,
        "point-of-contact": need.contact_email,
        "submission-start": _when(need.published_at),
        "submission-end": _when(need.closed_at),
        "description": text_to_html(need.problem),
        "judging": text_to_html(need.desired_outcome),
        "rules": text_to_html(need.constraints),
    }


def feed_document(entries: list[dict], home_page_url: str, feed_url: str) -> dict:
    return {
        "version": FEED_VERSION,
        "home_page_url": home_page_url,
        "title": "Matchmaker needs (Challenge.gov format)",
        "feed_url": feed_url,
        "expired": False,
        "_challenge": entries,
    }
