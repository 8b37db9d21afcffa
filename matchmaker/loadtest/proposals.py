"""Proposal submission at the deadline: every provider, already signed in, writes and submits
its proposal to the open call within the same minute; the database is counted afterwards."""

from __future__ import annotations

import random
import re
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select

from matchmaker.audit.models import AuditEvent
from matchmaker.extensions import db
from matchmaker.loadtest.builder import set_deadline
from matchmaker.loadtest.scenarios import PAGE_MS, RETRY_PAUSE, Context, SetupFailed, sign_in_all
from matchmaker.loadtest.stats import Row, run_all
from matchmaker.proposals.models import Proposal, ProposalStatus

VERSION = re.compile(r'name="version" value="(\d+)"')
PROPOSAL_PATH = re.compile(r"^/proposals/(\d+)$")


@dataclass
class ProposalRun:
    providers: int
    deadline: datetime | None = None
    deadline_seconds: float = 0.0
    sign_in_seconds: float = 0.0
    seconds: float = 0.0  # first request to last answer
    acknowledged: dict[int, int] = field(default_factory=dict)  # org id -> proposal id
    check: dict = field(default_factory=dict)
    passed: bool = False


ATTEMPTS = 5  # a provider told "try again" (409, 503) starts over, as a person would
FORM = {
    "title": "締切前の提案 / Proposal before the deadline",
    "approach": "センサーとデータ連携で課題を解決します。We combine sensors and open data.",
    "pilot_plan": "区内の3か所で3か月の実証を行います。",
    "schedule": "2025-04 to 2025-06",
    "budget_amount": "4500000",
    "budget_currency": "JPY",
    "team": "3 engineers, 1 project manager",
    "links": "",
    "seed_id": "0",
}


def _draft(browser, call_id: int, rows: dict[str, Row]) -> int | None:
    """The organization's proposal id: a new draft, or the one an earlier attempt saved."""
    form_page = browser.get(f"/calls/{call_id}/proposals/new")
    existing = PROPOSAL_PATH.match(form_page.location_path)
    content_ok = bool(existing) if form_page.status == 302 else bool(form_page.csrf_token())
    if not rows["form"].record(form_page, content_ok=content_ok):
        return None
    if existing:
        return int(existing.group(1))
    saved = browser.post(
        f"/calls/{call_id}/proposals/new", {"csrf_token": form_page.csrf_token(), **FORM}
    )
    found = PROPOSAL_PATH.match(saved.location_path)
    if not rows["save"].record(saved, content_ok=bool(found)) or not found:
        return None
    return int(found.group(1))


def _write(browser, call_id: int, rows: dict[str, Row], pause) -> int | None:
    """Form, save, page, submit, with `pause()` (a person reading) before the page and the
    submission; the proposal id once the server confirmed the submission."""
    for attempt in range(ATTEMPTS):
        time.sleep(RETRY_PAUSE * attempt)
        proposal_id = _draft(browser, call_id, rows)
        if proposal_id is None:
            continue
        pause()
        page = browser.get(f"/proposals/{proposal_id}")
        version = VERSION.search(page.body)
        if not rows["page"].record(page, content_ok=bool(version and page.csrf_token())):
            continue
        pause()
        submitted = browser.post(
            f"/proposals/{proposal_id}/submit",
            {"csrf_token": page.csrf_token(), "version": version.group(1)},
        )
        confirmed = submitted.location_path == f"/proposals/{proposal_id}"
        if rows["submit"].record(submitted, content_ok=confirmed):
            return proposal_id
    return None


ARRIVAL_SHARE = 0.5  # providers arrive during the first half of the time left to the deadline


def run_proposals(ctx: Context, deadline_seconds: float) -> ProposalRun:
    """With think time, every provider arrives at a random moment of the first half of the
    minute before the deadline and reads before each click; without, `users` at a time write
    back to back (a burst)."""
    data = ctx.data
    think = ctx.phases[-1].think
    run = ProposalRun(providers=len(data.accounts.providers), deadline_seconds=deadline_seconds)
    started = time.perf_counter()
    setup = Row("provider sign-in (setup)", None, expected=(302,))
    signed_in = sign_in_all(ctx, data.accounts.providers, setup)
    run.sign_in_seconds = time.perf_counter() - started
    rows = {
        "form": Row("proposal form (GET)", PAGE_MS, expected=(200, 302)),
        "save": Row("proposal save (POST, draft)", PAGE_MS, expected=(302,)),
        "page": Row("proposal page (GET)", PAGE_MS),
        "submit": Row("proposal submit (POST)", PAGE_MS, expected=(302,)),
    }
    lock = threading.Lock()
    window = deadline_seconds * ARRIVAL_SHARE if think[1] > 0 else 0.0
    arrivals = random.Random(ctx.seed)  # noqa: S311 (when each provider arrives)
    plans = {id(job[0]): arrivals.uniform(0, window) for job in signed_in}

    def provider(job) -> None:
        browser, _email, org_id = job
        rng = random.Random(plans[id(browser)])  # noqa: S311 (think times)
        time.sleep(plans[id(browser)])
        proposal_id = _write(browser, data.call_id, rows, lambda: time.sleep(rng.uniform(*think)))
        if proposal_id is not None:
            with lock:
                run.acknowledged[org_id] = proposal_id

    ctx.server.mark()
    run.deadline = set_deadline(data.call_id, deadline_seconds)
    began = time.perf_counter()
    failures = run_all(signed_in, provider, len(signed_in) if window else ctx.users)
    run.seconds = time.perf_counter() - began
    if failures:
        raise SetupFailed(f"proposal generator failed: {failures[:3]}")
    entries = ctx.server.entries()
    patterns = {
        "form": ("GET", re.compile(r"^/calls/\d+/proposals/new$")),
        "save": ("POST", re.compile(r"^/calls/\d+/proposals/new$")),
        "page": ("GET", PROPOSAL_PATH),
        "submit": ("POST", re.compile(r"^/proposals/\d+/submit$")),
    }
    for key, row in rows.items():
        method, pattern = patterns[key]
        row.elapsed = run.seconds
        row.server_ms = [e.ms for e in entries if e.method == method and pattern.match(e.path)]
        ctx.rows.append(row)
    for browser, _email, _org in signed_in:
        browser.close()
    return run


def count_in_database(run: ProposalRun, call_id: int, providers: list[tuple[str, int]]) -> None:
    """Exactly one submitted proposal per provider, none lost, none twice, all in time."""
    session = db.session
    rows = session.execute(
        select(Proposal.id, Proposal.organization_id, Proposal.status, Proposal.submitted_at).where(
            Proposal.call_id == call_id
        )
    ).all()
    submits = dict(
        session.execute(
            select(AuditEvent.object_id, func.count())
            .where(AuditEvent.action == "proposal_submit", AuditEvent.object_type == "proposal")
            .group_by(AuditEvent.object_id)
        ).all()
    )
    expected = {org_id for _email, org_id in providers}
    by_org: dict[int, list] = {}
    for row in rows:
        by_org.setdefault(row.organization_id, []).append(row)
    submitted = [r for r in rows if r.status is ProposalStatus.SUBMITTED]
    acknowledged_missing = [
        org
        for org, pid in run.acknowledged.items()
        if not any(
            r.id == pid and r.status is ProposalStatus.SUBMITTED for r in by_org.get(org, [])
        )
    ]
    late = [r.id for r in submitted if r.submitted_at is None or r.submitted_at >= run.deadline]
    run.check = {
        "providers": len(expected),
        "acknowledged_by_server": len(run.acknowledged),
        "proposals_in_db": len(rows),
        "submitted_in_db": len(submitted),
        "organizations_with_more_than_one": sum(1 for v in by_org.values() if len(v) > 1),
        "proposals_submitted_more_than_once": sum(1 for n in submits.values() if n > 1),
        "acknowledged_but_not_submitted_in_db": len(acknowledged_missing),
        "submitted_after_deadline": len(late),
        "foreign_organizations": len(set(by_org) - expected),
    }
    run.passed = (
        len(submitted) == len(rows) == len(expected) == len(run.acknowledged)
        and set(by_org) == expected
        and not acknowledged_missing
        and not late
        and run.check["organizations_with_more_than_one"] == 0
        and run.check["proposals_submitted_more_than_once"] == 0
    )
