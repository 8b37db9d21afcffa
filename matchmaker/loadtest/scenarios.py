"""The measured scenarios: the trivial endpoint (ceiling), the needs list with a search, a need
page, the match list of a need (signed-in department staff) and login."""

from __future__ import annotations

import itertools
import re
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import quote

from matchmaker.loadtest.builder import Dataset
from matchmaker.loadtest.client import Browser
from matchmaker.loadtest.server import Server
from matchmaker.loadtest.stats import Row, closed_loop, run_all

PAGE_MS = 200.0
MATCH_MS = 300.0
# two-character Japanese terms (found through the normalised search column) and English ones
SEARCH_TERMS = ("防災", "sensor", "介護", "drone", "見守り", "energy")
MATCH_LIST = 'class="cards match-list"'
NEED_PAGE = re.compile(r"^/needs/\d+$")
SIGN_IN_ATTEMPTS = 5
# the sign-ins before a phase run one at a time: they set the phase up and are not measured
# (the login scenario measures concurrent sign-ins)
SETUP_CONCURRENCY = 1
RETRY_PAUSE = 0.3  # seconds before trying again after a "try again" answer (409, 503)


@dataclass(frozen=True)
class Phase:
    """How the simulated users behave while a scenario is measured: people who read a page
    before the next click (the targets apply), or requests back to back (the capacity)."""

    label: str
    think: tuple[float, float]  # seconds each user waits after an answer
    duration: float
    has_target: bool


def phases(think: tuple[float, float], duration: float, users_duration: float) -> list[Phase]:
    """Capacity first (no think time: requests per second at saturation), then the users."""
    found = [Phase("capacity, no think time", (0.0, 0.0), duration, has_target=False)]
    if think[1] > 0:
        found.append(Phase("", think, users_duration, has_target=True))
    else:  # without think time the one phase is also the one the targets apply to
        found = [Phase("", (0.0, 0.0), duration, has_target=True)]
    return found


class SetupFailed(RuntimeError):
    """The run could not reach the state a scenario starts from (signed-in users, warm workers)."""


@dataclass
class Context:
    server: Server
    data: Dataset
    users: int
    duration: float
    max_requests: int
    phases: list[Phase] = field(default_factory=list)
    seed: int = 7
    trivial_path: str = "/livez"
    rows: list[Row] = field(default_factory=list)
    departments: list[tuple[Browser, int]] = field(default_factory=list)  # signed-in staff
    setup_rows: list[Row] = field(default_factory=list)  # sign-ins before the measured phases
    notes: list[str] = field(default_factory=list)

    def browser(self, number: int) -> Browser:
        return Browser(self.server.host, self.server.port, "ja" if number % 2 == 0 else "en")


def choose_trivial_path(ctx: Context) -> None:
    """/livez when the app has it; otherwise the closest trivial answer, said in the report."""
    browser = ctx.browser(0)
    if browser.get("/livez").status != 200:
        ctx.trivial_path = "/static/css/app.css"
        ctx.notes.append(
            "The app has no /livez yet: the ceiling row measures a static file served by Flask "
            "(/static/css/app.css) instead."
        )
    browser.close()


def sign_in_all(ctx: Context, accounts: list[tuple[str, int]], row: Row) -> list[tuple]:
    """Sign every account in through the login form, retrying "try again" answers."""
    done: list[tuple] = []
    lock = threading.Lock()
    started = time.perf_counter()

    def sign_in(job) -> None:
        number, (email, org_id) = job
        browser = ctx.browser(number)
        for attempt in range(SIGN_IN_ATTEMPTS):  # "try again" answers are counted, then retried
            time.sleep(RETRY_PAUSE * attempt)
            _page, reply = browser.sign_in(email, ctx.data.accounts.password)
            if row.record(reply, content_ok=reply.location_path != "/login"):
                with lock:
                    done.append((number, browser, email, org_id))
                return

    failures = run_all(list(enumerate(accounts)), sign_in, SETUP_CONCURRENCY)
    row.elapsed = time.perf_counter() - started
    ctx.setup_rows.append(row)
    if failures or len(done) != len(accounts):
        raise SetupFailed(
            f"{len(accounts) - len(done)} of {len(accounts)} sign-ins failed "
            f"({dict(row.codes)}; {failures[:3]})"
        )
    return [item[1:] for item in sorted(done, key=lambda item: item[0])]


def warm_up(ctx: Context, timeout: float, concurrency: int) -> dict:
    """Sign department staff in, wait until every worker has built its match index (in the
    background, seen on /healthz), then ask for match lists, `concurrency` at a time, until
    every live worker has answered one."""
    started = time.perf_counter()
    setup = Row("department sign-in (setup)", None, expected=(302,))
    staff = ctx.data.accounts.department_users[: ctx.users]
    ctx.departments = [(b, org) for b, _email, org in sign_in_all(ctx, staff, setup)]
    try:
        index_ready_s = ctx.server.wait_indexes_ready(timeout)
    except RuntimeError as exc:
        raise SetupFailed(str(exc)) from None
    ctx.server.mark()
    row = Row("warm-up match lists", MATCH_MS)
    deadline = time.monotonic() + timeout
    users = ctx.departments[:concurrency]
    for browser, _org in users:  # a first ranking may still take long (models, caches)
        browser.timeout = timeout
        browser.close()

    def first_ranking(user, rng) -> None:
        browser, org_id = user
        reply = browser.get(f"/needs/{rng.choice(ctx.data.needs_by_department[org_id])}")
        row.record(reply, content_ok=MATCH_LIST in reply.body)

    def everyone_answered() -> bool:
        answered = {
            e.pid for e in ctx.server.entries() if e.status == 200 and NEED_PAGE.match(e.path)
        }
        live = ctx.server.worker_pids()
        return bool(live) and live <= answered

    while not everyone_answered():
        if time.monotonic() > deadline:
            raise SetupFailed(
                f"workers still not warm after {timeout:.0f} s ({dict(row.codes)}); "
                f"server log: {ctx.server.last_messages(5)}"
            )
        closed_loop(users, first_ranking, 1.0, 10**6)
    for browser, _org in users:
        browser.timeout = Browser.DEFAULT_TIMEOUT
        browser.close()
    first: dict[int, float] = {}
    for entry in ctx.server.entries():
        if NEED_PAGE.match(entry.path) and entry.status == 200:
            first.setdefault(entry.pid, entry.ms)
    return {
        "seconds": round(time.perf_counter() - started, 1),
        "index_ready_s": round(index_ready_s, 1),
        "requests": row.requests,
        "errors": row.errors,
        "concurrency": len(users),
        "first_match_ms_per_worker": sorted(round(v) for v in first.values()),
        "worker_rss_mb": ctx.server.worker_rss_mb(),
        "worker_timeouts": ctx.server.problems()["worker_timeouts"],
        "sign_in_p50_ms": setup.percentile(50),
    }


@dataclass(frozen=True)
class Spec:
    """One measured kind of request: its row's name and target, and how to find it in the
    server's access log."""

    name: str
    target_ms: float | None
    method: str
    pattern: re.Pattern
    expected: tuple[int, ...] = (200,)


def _scenario(ctx: Context, specs: list[Spec], users: list, make_step) -> None:
    """Measure a scenario once per phase; `make_step(rows)` gives the step recording into rows
    (one per spec, in order)."""
    for phase in ctx.phases:
        rows = [
            Row(
                f"{spec.name} — {phase.label}" if phase.label else spec.name,
                spec.target_ms if phase.has_target else None,
                spec.expected,
            )
            for spec in specs
        ]
        pairs = zip(rows, specs, strict=True)
        patterns = {row.name: (spec.method, spec.pattern) for row, spec in pairs}
        _measure(ctx, rows, users, make_step(rows), patterns, phase)


def _measure(
    ctx: Context, rows: list[Row], users: list, step, patterns: dict, phase: Phase
) -> None:
    """Run one closed-loop phase and attach the server-side times of its requests."""
    ctx.server.mark()
    result = closed_loop(users, step, phase.duration, ctx.max_requests, think=phase.think)
    if result.failures:
        raise SetupFailed(f"load generator failed: {result.failures[:3]}")
    entries = ctx.server.entries()
    for row in rows:
        row.elapsed = result.elapsed
        method, pattern = patterns[row.name]
        row.server_ms = [e.ms for e in entries if e.method == method and pattern.match(e.path)]
        ctx.rows.append(row)


def run_pages(ctx: Context) -> None:
    """The ceiling, the list with search, a need page and the match list, one scenario each."""
    anonymous = [ctx.browser(n) for n in range(ctx.users)]
    terms = itertools.cycle(SEARCH_TERMS)
    term_lock = threading.Lock()
    need_ids = ctx.data.need_ids
    trivial = re.compile(re.escape(ctx.trivial_path) + "$")

    def ceiling(rows):
        return lambda b, rng: rows[0].record(b.get(ctx.trivial_path))

    def search(rows):
        def step(browser, rng) -> None:
            with term_lock:
                term = next(terms)
            reply = browser.get(f"/needs?q={quote(term)}")
            rows[0].record(reply, content_ok='class="result-count"' in reply.body)

        return step

    def need_page(rows):
        return lambda b, rng: rows[0].record(b.get(f"/needs/{rng.choice(need_ids)}"))

    def match_list(rows):
        def step(user, rng) -> None:
            browser, org_id = user
            reply = browser.get(f"/needs/{rng.choice(ctx.data.needs_by_department[org_id])}")
            rows[0].record(reply, content_ok=MATCH_LIST in reply.body)

        return step

    name = f"trivial endpoint {ctx.trivial_path} (ceiling)"
    _scenario(ctx, [Spec(name, None, "GET", trivial)], anonymous, ceiling)
    name = "needs list with search (/needs?q=…)"
    _scenario(ctx, [Spec(name, PAGE_MS, "GET", re.compile("^/needs$"))], anonymous, search)
    name = "need page (/needs/<id>, public)"
    _scenario(ctx, [Spec(name, PAGE_MS, "GET", NEED_PAGE)], anonymous, need_page)
    name = "match list of a need (department staff)"
    _scenario(ctx, [Spec(name, MATCH_MS, "GET", NEED_PAGE)], ctx.departments, match_list)
    for browser in anonymous:
        browser.close()


def run_login(ctx: Context) -> None:
    """Each iteration a new visitor signs in as the next distinct account."""
    accounts = itertools.cycle(ctx.data.accounts.login_emails)
    used = []
    lock = threading.Lock()

    def make_step(rows):
        page, post = rows

        def step(number, rng) -> None:
            with lock:
                email = next(accounts)
                used.append(email)
            browser = ctx.browser(number)
            reply_page, reply = browser.sign_in(email, ctx.data.accounts.password)
            page.record(reply_page, content_ok=bool(reply_page.csrf_token()))
            if reply_page.status == 200:
                post.record(reply, content_ok=reply.location_path != "/login")
            browser.close()

        return step

    login_path = re.compile("^/login$")
    specs = [
        Spec("login page (GET /login)", PAGE_MS, "GET", login_path),
        Spec("login (POST /login, scrypt check)", None, "POST", login_path, expected=(302,)),
    ]
    _scenario(ctx, specs, list(range(ctx.users)), make_step)
    distinct = len(set(used))
    ctx.notes.append(
        f"Login: {len(used)} sign-ins over {distinct} distinct accounts"
        + ("" if distinct == len(used) else " (the account pool was used more than once)")
        + "; a successful sign-in does not count towards the login limits."
    )
