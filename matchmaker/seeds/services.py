"""Seed workflow, permissions and writes; views call these with plain data, never `request`."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from matchmaker.accounts.models import PROVIDER_ORG_KINDS, Role, User
from matchmaker.audit.services import record
from matchmaker.common import taxonomy
from matchmaker.common.errors import Conflict, DomainError, IllegalTransition, NotAllowed
from matchmaker.common.persistence import flush_or_conflict
from matchmaker.common.text import search_blob
from matchmaker.common.workflow import Transition, Workflow
from matchmaker.db import utcnow
from matchmaker.extensions import db
from matchmaker.matching.pending import mark_changed
from matchmaker.seeds.models import Seed, SeedPolicyArea, SeedStatus

# Actor kinds named in the transition table (relations to the seed, not only global roles).
OWNER = "owner"
ADMIN = Role.ADMIN.value

ACTION_LABELS = {
    "publish": _l("Publish"),
    "unpublish": _l("Return to draft"),
    "archive": _l("Archive"),
    "restore": _l("Restore as draft"),
}

SEED_WORKFLOW = Workflow(
    [
        Transition("publish", SeedStatus.DRAFT, SeedStatus.PUBLISHED, frozenset({OWNER})),
        Transition("unpublish", SeedStatus.PUBLISHED, SeedStatus.DRAFT, frozenset({OWNER})),
        Transition("archive", SeedStatus.PUBLISHED, SeedStatus.ARCHIVED, frozenset({OWNER, ADMIN})),
        Transition("archive", SeedStatus.DRAFT, SeedStatus.ARCHIVED, frozenset({OWNER})),
        Transition("restore", SeedStatus.ARCHIVED, SeedStatus.DRAFT, frozenset({OWNER})),
    ],
    ACTION_LABELS,
)

ACTIONS = ("publish", "unpublish", "archive", "restore")


TRL_LABELS = {
    1: _l("Basic principles observed"),
    2: _l("Technology concept formulated"),
    3: _l("Proof of concept in the lab"),
    4: _l("Validated in the lab"),
    5: _l("Validated in a realistic setting"),
    6: _l("Demonstrated in a realistic setting"),
    7: _l("Prototype demonstrated in operation"),
    8: _l("Complete and qualified system"),
    9: _l("Proven in operation"),
}

MAX_KEYWORDS = 20
MAX_KEYWORD_LENGTH = 40
KEYWORD_SEPARATORS = re.compile(r"[,、，;；\n]")


@dataclass(frozen=True)
class SeedData:
    """The fields a provider may write; nothing else is copied onto a seed."""

    title: str
    summary: str
    trl: int
    policy_areas: tuple[str, ...]
    language: str = "ja"
    description: str = ""
    keywords: tuple[str, ...] = ()
    track_record: str = ""
    website: str = ""
    ready_for_pilot: bool = False
    title_translated: str | None = None
    summary_translated: str | None = None


def trl_label(trl: int | None) -> str:
    return str(TRL_LABELS.get(trl, "")) if trl is not None else ""


def parse_keywords(text: str | None) -> list[str]:
    """Split on commas or 、; drop blanks and duplicates; enforce the count and length limits."""
    keywords: list[str] = []
    for part in KEYWORD_SEPARATORS.split(text or ""):
        word = " ".join(part.split())
        if word and word.casefold() not in {k.casefold() for k in keywords}:
            keywords.append(word)
    if len(keywords) > MAX_KEYWORDS:
        raise DomainError(_("At most %(n)d keywords are allowed.", n=MAX_KEYWORDS))
    if any(len(k) > MAX_KEYWORD_LENGTH for k in keywords):
        raise DomainError(
            _("Each keyword may have at most %(n)d characters.", n=MAX_KEYWORD_LENGTH)
        )
    return keywords


def is_web_url(url: str) -> bool:
    """Only http(s) links with a host are stored, so no javascript: or data: links reach pages."""
    if any(c.isspace() or ord(c) < 32 for c in url):
        return False
    try:
        parts = urlsplit(url)
        return parts.scheme in ("http", "https") and bool(parts.hostname)
    except ValueError:
        return False


# --- permissions -------------------------------------------------------------------------------


def actor_kinds(user: User | None, seed: Seed) -> set[str]:
    """How the user relates to this seed, in the vocabulary of the transition table."""
    if user is None or not getattr(user, "is_authenticated", False):
        return set()
    kinds = set()
    if user.role is Role.PROVIDER and user.is_active and user.belongs_to(seed.organization_id):
        kinds.add(OWNER)
    if user.role is Role.ADMIN and user.is_active:
        kinds.add(ADMIN)
    return kinds


def can_view(user: User | None, seed: Seed) -> bool:
    """Published seeds are public; drafts and archived seeds only for the owning organization."""
    if seed.status is SeedStatus.PUBLISHED:
        return True
    return bool(getattr(user, "is_authenticated", False) and user.belongs_to(seed.organization_id))


def can_create(user: User | None) -> bool:
    if not getattr(user, "is_authenticated", False) or user.role is not Role.PROVIDER:
        return False
    org = user.organization
    return user.is_active and org is not None and org.kind in PROVIDER_ORG_KINDS


def can_edit(user: User | None, seed: Seed) -> bool:
    return OWNER in actor_kinds(user, seed) and seed.status is not SeedStatus.ARCHIVED


def allowed_actions(user: User | None, seed: Seed) -> list[Transition]:
    """The transitions this user may make now; the page shows exactly these buttons."""
    kinds = actor_kinds(user, seed)
    return [t for t in SEED_WORKFLOW.actions_from(seed.status) if t.roles & kinds]


# --- writes ------------------------------------------------------------------------------------


def validate(data: SeedData) -> None:
    """Service-side checks, so no caller can store what the form would refuse."""
    if not data.title.strip() or len(data.title) > 200:
        raise DomainError(_("A title of at most 200 characters is required."))
    if not data.summary.strip() or len(data.summary) > 1000:
        raise DomainError(_("A summary of at most 1000 characters is required."))
    if not isinstance(data.trl, int) or not 1 <= data.trl <= 9:
        raise DomainError(_("The TRL must be a whole number from 1 to 9."))
    if not data.policy_areas or any(c not in taxonomy.POLICY_AREAS for c in data.policy_areas):
        raise DomainError(_("Choose at least one policy area from the list."))
    if data.language not in taxonomy.LANGUAGES:
        raise DomainError(_("Choose Japanese or English."))
    if data.website and (len(data.website) > 500 or not is_web_url(data.website)):
        raise DomainError(_("The website must be an http:// or https:// address."))
    if len(data.keywords) > MAX_KEYWORDS or any(len(k) > MAX_KEYWORD_LENGTH for k in data.keywords):
        raise DomainError(_("At most %(n)d keywords are allowed.", n=MAX_KEYWORDS))


def search_text_for(seed: Seed) -> str:
    """The normalised text the list search matches (demo data uses it too)."""
    areas = [label for code in seed.policy_areas for label in taxonomy.POLICY_AREAS.get(code, ())]
    return search_blob(
        seed.title,
        seed.summary,
        seed.description,
        seed.title_translated,
        seed.summary_translated,
        " ".join(seed.keywords or []),
        seed.track_record,
        *areas,
    )


def _apply(seed: Seed, data: SeedData) -> None:
    """Copy the declared fields only, then refresh the policy areas and the search column."""
    seed.title = data.title.strip()
    seed.summary = data.summary.strip()
    seed.description = data.description or ""
    seed.trl = data.trl
    seed.language = data.language
    seed.keywords = list(data.keywords)
    seed.track_record = data.track_record or ""
    seed.website = data.website or ""
    seed.ready_for_pilot = bool(data.ready_for_pilot)
    seed.title_translated = (data.title_translated or "").strip() or None
    seed.summary_translated = (data.summary_translated or "").strip() or None
    wanted = list(dict.fromkeys(data.policy_areas))
    seed.policy_area_rows = [r for r in seed.policy_area_rows if r.code in wanted] + [
        SeedPolicyArea(code=c) for c in wanted if c not in seed.policy_areas
    ]
    seed.search_text = search_text_for(seed)


def _flush() -> None:
    flush_or_conflict(
        _("Someone else changed this seed at the same time. Reload the page and try again.")
    )


def create_seed(actor: User, data: SeedData) -> Seed:
    """A provider registers a seed for their organization; it starts as a draft."""
    if not can_create(actor):
        raise NotAllowed(_("Only solution providers can register seeds."))
    validate(data)
    seed = Seed(
        organization_id=actor.organization_id,
        created_by_id=actor.id,
        status=SeedStatus.DRAFT,
        policy_area_rows=[],
    )
    _apply(seed, data)
    db.session.add(seed)
    _flush()
    mark_changed(db.session, "seed", seed.id)
    record("seed_create", actor=actor, obj=seed, from_status=None, to_status=seed.status)
    return seed


def _check_version(seed: Seed, expected_version: int | None) -> None:
    if expected_version is not None and expected_version != seed.version:
        raise Conflict(
            _(
                "This seed was changed by someone else after you opened it. Reload "
                "the page and apply your changes again."
            )
        )


def update_seed(seed: Seed, actor: User, data: SeedData, expected_version: int | None) -> Seed:
    """Edit a draft or published seed in place; published seeds stay published."""
    if OWNER not in actor_kinds(actor, seed):
        raise NotAllowed(_("Only your organization's members can edit this seed."))
    if seed.status is SeedStatus.ARCHIVED:
        raise IllegalTransition(_("An archived seed cannot be edited. Restore it first."))
    _check_version(seed, expected_version)
    validate(data)
    _apply(seed, data)
    _flush()
    mark_changed(db.session, "seed", seed.id)
    record("seed_update", actor=actor, obj=seed, from_status=seed.status, to_status=seed.status)
    return seed


def transition(seed: Seed, action: str, actor: User, expected_version: int | None = None) -> Seed:
    """Move a seed along the workflow: who may act first, then whether the state allows it."""
    kinds = actor_kinds(actor, seed)
    if not any(t.roles & kinds for t in SEED_WORKFLOW.transitions if t.action == action):
        raise NotAllowed(_("You may not do this to this seed."))
    _check_version(seed, expected_version)
    step = SEED_WORKFLOW.check(action, seed.status)
    if not step.roles & kinds:
        raise NotAllowed(_("You may not do this to this seed."))
    source = seed.status
    seed.status = step.target
    if step.target is SeedStatus.PUBLISHED:
        seed.published_at = utcnow()
    _flush()
    mark_changed(db.session, "seed", seed.id)
    record(
        f"seed_{action}",
        actor=actor,
        obj=seed,
        from_status=source,
        to_status=step.target,
        acting_as=OWNER if OWNER in kinds else ADMIN,
    )
    return seed
