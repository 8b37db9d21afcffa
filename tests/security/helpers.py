"""The checks every hostile-input test shares: database fingerprint, escaping, the form oracle."""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from operator import attrgetter

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markupsafe import escape
from sqlalchemy import select, text

from matchmaker.db import Base
from matchmaker.extensions import db
from tests.security import strategies as hs
from tests.security.report import REPORT

DEFAULT_PROFILE = "security-default"
REDIRECTS = (301, 302, 303)
_marks = itertools.count(1)

ACCEPT, REFUSE, UNKNOWN = "accept", "refuse", "unknown"


def profile() -> settings:
    """The profile chosen with --hypothesis-profile, else the small one `make test` uses."""
    name = settings.get_current_profile_name()
    return settings.get_profile(DEFAULT_PROFILE if name == "default" else name)


def given_settings(func=None, *, cap: int | None = None):
    """Apply the active security profile to a @given test body; `cap` bounds the examples in
    `make test` for tests that also run a fixed list of edge values."""
    chosen = profile()
    extra = {}
    if cap and settings.get_current_profile_name() == "default":
        extra["max_examples"] = min(chosen.max_examples, cap)
    decorate = settings(chosen, suppress_health_check=list(HealthCheck), **extra)
    return decorate(func) if func is not None else decorate


def marker() -> str:
    """A token no page contains unless our value is rendered in it."""
    return f"Mk{next(_marks):05d}q"


# ---- database --------------------------------------------------------------------------------


def fingerprint(skip: tuple[str, ...] = ()) -> dict[str, tuple]:
    """Every row of every table, so a refused request can be shown to have changed nothing."""
    tables = [t for t in Base.metadata.sorted_tables if t.name not in skip]
    dialect = db.session.get_bind().dialect
    if dialect.name == "postgresql":  # one round trip: a count and a digest of each table
        quote = dialect.identifier_preparer.quote
        parts = [
            f"SELECT '{t.name}', count(*), md5(coalesce(string_agg(r::text, '|' "  # noqa: S608
            f"ORDER BY r::text), '')) FROM {quote(t.name)} r"  # table names from our metadata
            for t in tables
        ]
        rows = db.session.execute(text(" UNION ALL ".join(parts)))
        return {name: (n, digest) for name, n, digest in rows}
    state = {}
    for table in tables:
        rows = db.session.execute(select(table)).all()
        state[table.name] = tuple(sorted(repr(tuple(r)) for r in rows))
    return state


def changed_tables(before: dict, after: dict) -> list[str]:
    return sorted(name for name in before if before[name] != after.get(name))


def count(model) -> int:
    return db.session.scalar(select(db.func.count()).select_from(model))


# ---- escaping --------------------------------------------------------------------------------


def unescaped(html: str, value: str, marked: bool) -> str | None:
    """Why `value` shows as markup in `html`, or None when it is escaped or absent."""
    for payload in hs.MARKUP_PAYLOADS:
        if payload in value and payload in html:
            return f"raw payload {payload!r} in the page"
    if marked and "<" in value and value in html:
        return "the raw value (with '<') is in the page"
    return None


def check_rendered(category: str, html: str, value: str, marked: bool, shown: bool) -> None:
    """Accepted text appears escaped (when the page shows it verbatim) and never as markup."""
    problem = unescaped(html, value, marked)
    if problem is None and marked and shown and str(escape(value)) not in html:
        problem = "the escaped value is missing from its page"
    if problem:
        REPORT.add(category, "shown_unescaped")
        raise AssertionError(f"{problem}: {value!r}")


# ---- the form oracle -------------------------------------------------------------------------


@dataclass(frozen=True)
class Field:
    """One form field, what it accepts and where the accepted value is stored."""

    name: str
    kind: str = "text"  # text | int | float | date | datetime | choice
    limit: int | None = None
    required: bool = False
    clean: Callable[[str], str] = hs.drop_controls
    attr: str | None = None  # attribute of the stored object; "" = not compared
    shown: bool = False  # rendered verbatim on the object's page
    strict: bool = True  # a valid value must be accepted (no other rule can refuse it)
    unique: bool = False  # a unique column: always carry a marker, so no value repeats
    mirror: str | None = None  # a field that must repeat the value (password confirmation)
    low: float = 0
    high: float = 0
    choices: tuple = ()
    coerce: Callable = str

    def values(self) -> st.SearchStrategy[str]:
        if self.kind == "text":
            return hs.hostile_text(self.limit)
        if self.kind == "int":  # low/high may be infinite: any whole number
            return hs.int_strings(int(max(self.low, -(2**63))), int(min(self.high, 2**63)))
        if self.kind == "float":
            return hs.float_strings()
        if self.kind == "date":
            return hs.date_strings()
        if self.kind == "datetime":
            return hs.datetime_strings()
        return hs.choice_strings([str(c) for c in self.choices])

    def expect(self, raw: str) -> tuple[str, object]:
        """(ACCEPT / REFUSE / UNKNOWN, the value that would be stored)."""
        verdict, value = self._expect(raw)
        if verdict == ACCEPT and not self.strict:
            verdict = UNKNOWN
        return verdict, value

    def _expect(self, raw: str) -> tuple[str, object]:
        blank = not raw.strip()
        if self.kind == "text":
            value = self.clean(raw)
            if (self.required and not value) or (self.limit and len(value) > self.limit):
                return REFUSE, value
            return ACCEPT, value
        if blank:  # an optional field left empty; an empty choice depends on the field
            if self.required:
                return REFUSE, None
            return (UNKNOWN if self.kind == "choice" else ACCEPT), None
        try:
            if self.kind == "int":
                value = int(raw)
            elif self.kind == "float":
                value = float(raw)
                if not math.isfinite(value):
                    return REFUSE, None
            elif self.kind == "date":
                value = datetime.strptime(raw, "%Y-%m-%d").date()
            elif self.kind == "datetime":
                value = datetime.strptime(raw, "%Y-%m-%dT%H:%M")
            else:
                value = self.coerce(raw)
        except (ValueError, TypeError):
            return REFUSE, None
        if self.kind in ("int", "float") and not self.low <= value <= self.high:
            return REFUSE, value
        if self.kind == "choice" and value not in self.choices:
            return REFUSE, value
        return ACCEPT, value


def same(stored, expected) -> bool:
    """Stored equals expected; empty text may be stored as NULL, dates as date or datetime."""
    if isinstance(expected, str) and expected == "":
        return stored in ("", None)
    if isinstance(expected, date) and isinstance(stored, datetime):
        return stored.date() == expected
    if hasattr(stored, "value") and not isinstance(stored, str | int | float):
        stored = stored.value
    return stored == expected


@dataclass
class FormTarget:
    """A form to attack: where it posts, a valid payload, and how to find what it stored."""

    category: str
    client: object
    url: Callable[[], str]
    payload: Callable[[], dict]
    stored: Callable[[object], object]  # response -> the object the form wrote
    page: Callable[[object], str] | None = None  # object -> the page that shows it
    accepted: Callable[[object], bool] = lambda r: r.status_code in REDIRECTS
    skip_tables: tuple[str, ...] = ()
    before_each: Callable[[], None] | None = None
    on_accept: Callable[[Field, str], None] | None = None
    fields: list[Field] = field(default_factory=list)


def attack(target: FormTarget, fld: Field, raw: str, mark: bool) -> None:
    """Send one hostile value in one field and check the outcome against the oracle."""
    category = target.category
    REPORT.add(category, "examples")
    if target.before_each:
        target.before_each()
    mark = fld.kind == "text" and (mark or fld.unique)
    value = f"{marker()} {raw}" if mark else raw
    verdict, expected = fld.expect(value)
    payload = target.payload()
    payload[fld.name] = value
    if fld.mirror:
        payload[fld.mirror] = value
    url = target.url()
    before = fingerprint(target.skip_tables)
    response = target.client.post(url, data=payload)
    REPORT.response(category, response.status_code)
    assert response.status_code < 500, f"{response.status_code} for {fld.name}={value!r}"
    if target.accepted(response):
        REPORT.add(category, "accepted")
        assert verdict != REFUSE, f"accepted {fld.name}={value!r} (expected a refusal)"
        obj = target.stored(response)
        attr = fld.name if fld.attr is None else fld.attr
        if attr:
            stored = attrgetter(attr)(obj)
            assert same(stored, expected), f"{fld.name}: stored {stored!r}, sent {value!r}"
        if target.on_accept:
            target.on_accept(fld, value)
        if target.page is not None and isinstance(expected, str):
            page = target.client.get(target.page(obj))
            REPORT.response(category, page.status_code)
            assert page.status_code == 200, page.status_code
            check_rendered(category, page.get_data(as_text=True), expected, mark, fld.shown)
        return
    REPORT.add(category, "refused")
    after = fingerprint(target.skip_tables)
    changed = changed_tables(before, after)
    if changed:
        REPORT.add(category, "stored_after_refusal")
        raise AssertionError(f"refused {fld.name}={value!r} but {changed} changed")
    assert verdict != ACCEPT, (
        f"refused a valid {fld.name}={value!r} with {response.status_code}: "
        f"{response.get_data(as_text=True)[:2000]}"
    )


def run_form(target: FormTarget) -> None:
    """Hypothesis over every declared field of the form: one field per example."""

    @given(data=st.data())
    @given_settings
    def check(data):
        fld = data.draw(st.sampled_from(target.fields), label="field")
        raw = data.draw(fld.values(), label="value")
        mark = data.draw(st.booleans(), label="marked") if fld.kind == "text" else False
        attack(target, fld, raw, mark)

    check()
