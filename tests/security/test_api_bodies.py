"""Hostile JSON bodies on every API write: wrong types, control characters, lengths around each
limit, injection strings, unknown fields (mass assignment), and bodies that are not JSON."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from hypothesis import given
from hypothesis import strategies as st

from matchmaker.accounts.models import OrgKind, Role
from matchmaker.common import taxonomy
from matchmaker.extensions import db
from matchmaker.needs.models import Need, NeedStatus
from matchmaker.proposals.fields import CURRENCIES, MAX_BUDGET
from matchmaker.proposals.models import Proposal
from matchmaker.seeds.models import Seed, SeedStatus
from tests.api.helpers import NEED_BODY, PROPOSAL_BODY, SEED_BODY, bearer, make_call, token_for
from tests.factories import make_need, make_org, make_seed, make_user
from tests.security import strategies as hs
from tests.security.helpers import (
    ACCEPT,
    REFUSE,
    UNKNOWN,
    changed_tables,
    check_rendered,
    fingerprint,
    given_settings,
    marker,
)
from tests.security.report import REPORT

CATEGORY = "API bodies"
AREAS = tuple(taxonomy.POLICY_AREAS)
WRONG_TYPES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=False),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)
CONTROL = {chr(c) for c in range(32)} - set("\t\n\r") | {"\x7f"}


def same_text(value: str) -> str:
    return value


def stripped(value: str) -> str:
    return value.strip()


@dataclass(frozen=True)
class ApiField:
    """One body field: its type and limits as the schema and the service enforce them."""

    name: str
    kind: str = "text"  # text | int | choice | choices | texts | any
    limit: int = 0
    required: bool = False  # non-blank
    nullable: bool = False
    low: int = 0
    high: int = 0
    choices: tuple = ()
    clean: Callable[[str], str] = same_text
    strict: bool = True

    def values(self) -> st.SearchStrategy:
        if self.kind == "text":
            return st.one_of(hs.hostile_text(self.limit), WRONG_TYPES)
        if self.kind == "int":
            edges = [self.low - 1, self.low, self.high, self.high + 1, 2**31, 2**63, -(2**63)]
            return st.one_of(
                st.integers(self.low, self.high),
                st.sampled_from(edges),
                st.sampled_from(["5", "1e3", 1.5, 7.0, True]),
                WRONG_TYPES,
            )
        if self.kind == "choice":  # no choices: a field that is not writable at all
            pool = self.choices or ("published", "selected", "draft", 1, None)
            return st.one_of(st.sampled_from(pool), hs.hostile_text(), WRONG_TYPES)
        if self.kind == "any":
            return st.one_of(st.booleans(), hs.hostile_text(), WRONG_TYPES)
        inner = st.sampled_from(self.choices) if self.kind == "choices" else hs.hostile_text(50)
        return st.one_of(st.lists(st.one_of(inner, WRONG_TYPES), max_size=4), WRONG_TYPES)

    def expect(self, value) -> tuple[str, object]:
        verdict, stored = self._expect(value)
        return (UNKNOWN if verdict == ACCEPT and not self.strict else verdict), stored

    def _expect(self, value) -> tuple[str, object]:
        if value is None:
            return (ACCEPT, None) if self.nullable else (REFUSE, None)
        if self.kind == "text":
            if not isinstance(value, str) or any(c in CONTROL for c in value):
                return REFUSE, None
            if len(value) > self.limit or (self.required and not value.strip()):
                return REFUSE, None
            return ACCEPT, self.clean(value)
        if self.kind == "int":
            if isinstance(value, bool):
                return UNKNOWN, None
            if not isinstance(value, int) or not self.low <= value <= self.high:
                return REFUSE, None
            return ACCEPT, value
        if self.kind == "choice":
            return (ACCEPT, value) if value in self.choices else (REFUSE, None)
        return UNKNOWN, None  # lists and loose booleans: only consistency is checked


NEED_FIELDS = [
    ApiField("title", limit=200, required=True),
    ApiField("summary", limit=1000, required=True),
    ApiField("problem", limit=20000),
    ApiField("desired_outcome", limit=20000),
    ApiField("constraints", limit=20000),
    ApiField("demo_site", limit=500),
    ApiField("timeline", limit=1000),
    ApiField("contact_name", limit=120),
    ApiField("contact_email", limit=254, strict=False),
    ApiField("title_translated", limit=200, nullable=True, clean=stripped, strict=False),
    ApiField("summary_translated", limit=1000, nullable=True, clean=stripped, strict=False),
    # budgets: also min <= max, against the stored value on PATCH
    ApiField("budget_min", kind="int", low=0, high=MAX_BUDGET, nullable=True, strict=False),
    ApiField("budget_max", kind="int", low=0, high=MAX_BUDGET, nullable=True, strict=False),
    ApiField("min_trl", kind="int", low=1, high=9, nullable=True),
    ApiField("language", kind="choice", choices=tuple(taxonomy.LANGUAGES)),
    ApiField("policy_areas", kind="choices", choices=AREAS),
    ApiField("sdg_goals", kind="choices", choices=tuple(range(1, 18))),
    ApiField("status", kind="choice", choices=()),  # not writable: mass assignment is refused
    ApiField("organization_id", kind="choice", choices=()),
]
SEED_FIELDS = [
    ApiField("title", limit=200, required=True, clean=stripped),
    ApiField("summary", limit=1000, required=True, clean=stripped),
    ApiField("description", limit=20000),
    ApiField("track_record", limit=20000, strict=False),
    ApiField("website", limit=500, clean=stripped, strict=False),
    ApiField("title_translated", limit=200, nullable=True, clean=stripped, strict=False),
    ApiField("trl", kind="int", low=1, high=9),
    ApiField("language", kind="choice", choices=tuple(taxonomy.LANGUAGES)),
    ApiField("keywords", kind="texts"),
    ApiField("policy_areas", kind="choices", choices=AREAS),
    ApiField("ready_for_pilot", kind="any"),  # a boolean, or "yes", "on", 1 and the like
    ApiField("status", kind="choice", choices=()),
]
PROPOSAL_FIELDS = [
    ApiField("title", limit=200, required=True, clean=stripped),
    ApiField("approach", limit=20000, strict=False),
    ApiField("pilot_plan", limit=20000, strict=False),
    ApiField("schedule", limit=5000, strict=False),
    ApiField("team", limit=5000, strict=False),
    ApiField("budget_amount", kind="int", low=0, high=MAX_BUDGET, nullable=True),
    ApiField("budget_currency", kind="choice", choices=CURRENCIES),
    ApiField("links", kind="texts"),
    ApiField("seed_id", kind="int", low=1, high=2**31 - 1, nullable=True, strict=False),
    ApiField("status", kind="choice", choices=()),
    ApiField("decision_reason", kind="choice", choices=()),
]


@dataclass
class Endpoint:
    method: str
    url: Callable[[], str]
    body: Callable[[], dict]
    model: type
    fields: list[ApiField]
    page: str  # the HTML page of the stored object, with {id}
    before_each: Callable[[], None] | None = None


def attack(client, token: str, endpoint: Endpoint, fld: ApiField, raw, mark: bool) -> None:
    REPORT.add(CATEGORY, "examples")
    if endpoint.before_each:
        endpoint.before_each()
    mark = mark and isinstance(raw, str) and fld.kind == "text"
    value = f"{marker()} {raw}" if mark else raw
    verdict, expected = fld.expect(value)
    body = {**endpoint.body(), fld.name: value}
    before = fingerprint()
    response = client.open(endpoint.url(), method=endpoint.method, json=body, headers=bearer(token))
    REPORT.response(CATEGORY, response.status_code)
    assert response.status_code < 500, (response.status_code, fld.name, value)
    if response.status_code in (200, 201):
        REPORT.add(CATEGORY, "accepted")
        assert verdict != REFUSE, f"accepted {fld.name}={value!r}"
        obj = db.session.get(endpoint.model, response.get_json()["id"])
        if verdict == ACCEPT:
            assert getattr(obj, fld.name) == expected, (getattr(obj, fld.name), value)
            assert response.get_json()[fld.name] == expected
        if isinstance(expected, str):
            page = client.get(endpoint.page.format(id=obj.id))
            REPORT.response(CATEGORY, page.status_code)
            assert page.status_code == 200
            check_rendered(CATEGORY, page.get_data(as_text=True), expected, mark, False)
        return
    REPORT.add(CATEGORY, "refused")
    assert response.mimetype == "application/problem+json", response.mimetype
    changed = changed_tables(before, fingerprint())
    if changed:
        REPORT.add(CATEGORY, "stored_after_refusal")
        raise AssertionError(f"refused {fld.name}={value!r} but {changed} changed")
    assert verdict != ACCEPT, (fld.name, value, response.status_code, response.get_json())


def run(client, token: str, endpoint: Endpoint) -> None:
    @given(data=st.data())
    @given_settings
    def check(data):
        fld = data.draw(st.sampled_from(endpoint.fields), label="field")
        raw = data.draw(fld.values(), label="value")
        attack(client, token, endpoint, fld, raw, data.draw(st.booleans(), label="marked"))

    check()


def department(login_as):
    user = make_user(Role.DEPARTMENT, org=make_org(OrgKind.DEPARTMENT))
    login_as(user=user)  # for reading the HTML pages back; the API itself ignores cookies
    return user


def provider(login_as):
    user = make_user(Role.PROVIDER, org=make_org(OrgKind.STARTUP))
    login_as(user=user)
    return user


def test_need_bodies(client, login_as):
    user = department(login_as)
    token = token_for(user)
    draft = make_need(org=user.organization, status=NeedStatus.DRAFT)
    page = "/needs/{id}"
    body = {k: v for k, v in NEED_BODY.items() if not k.startswith("budget")}  # min <= max
    run(
        client, token, Endpoint("POST", lambda: "/api/v1/needs", body.copy, Need, NEED_FIELDS, page)
    )
    run(
        client,
        token,
        Endpoint("PATCH", lambda: f"/api/v1/needs/{draft.id}", dict, Need, NEED_FIELDS, page),
    )


def test_seed_bodies(client, login_as):
    user = provider(login_as)
    token = token_for(user)
    seed = make_seed(org=user.organization, status=SeedStatus.DRAFT)
    page = "/seeds/{id}"
    run(
        client,
        token,
        Endpoint("POST", lambda: "/api/v1/seeds", SEED_BODY.copy, Seed, SEED_FIELDS, page),
    )
    run(
        client,
        token,
        Endpoint("PATCH", lambda: f"/api/v1/seeds/{seed.id}", dict, Seed, SEED_FIELDS, page),
    )


def test_proposal_bodies(client, login_as):
    user = provider(login_as)
    token = token_for(user)
    department_org = make_org(OrgKind.DEPARTMENT)
    calls = []

    def new_call():  # one proposal per organization and call
        calls.append(make_call(department_org))

    body = dict(PROPOSAL_BODY)
    run(
        client,
        token,
        Endpoint(
            "POST",
            lambda: f"/api/v1/calls/{calls[-1].id}/proposals",
            body.copy,
            Proposal,
            PROPOSAL_FIELDS,
            "/proposals/{id}",
            before_each=new_call,
        ),
    )
    new_call()
    response = client.post(
        f"/api/v1/calls/{calls[-1].id}/proposals", json=body, headers=bearer(token)
    )
    proposal_id = response.get_json()["id"]
    run(
        client,
        token,
        Endpoint(
            "PATCH",
            lambda: f"/api/v1/proposals/{proposal_id}",
            dict,
            Proposal,
            PROPOSAL_FIELDS,
            "/proposals/{id}",
        ),
    )
