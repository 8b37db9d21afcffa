"""Hostile values: injection strings, odd Unicode, lengths around each limit, bad numbers."""

from __future__ import annotations

import re

from hypothesis import strategies as st

SQL_INJECTION = (
    "' OR 1=1 --",
    "'; DROP TABLE users; --",
    '" OR ""="',
    "1; SELECT pg_sleep(5); --",
    "' UNION SELECT password_hash, email FROM users --",
    "%' AND 1=0 UNION SELECT NULL, NULL --",
    "\\'; DELETE FROM needs; --",
    "admin'--",
    "1' AND (SELECT COUNT(*) FROM sqlite_master) > 0 --",
)
SCRIPT_INJECTION = (
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "'><svg/onload=alert(1)>",
    "</textarea><script>alert(1)</script>",
    "</title><script>alert(1)</script>",
    '<a href="javascript:alert(1)">x</a>',
    "<iframe src=javascript:alert(1)></iframe>",
    "javascript:alert(1)",
    "{{ 7*7 }}{% raw %}",
    "${7*7}",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "<!--",
    "]]><x>",
)
ODD_TEXT = (
    "\x00",
    "a\x00b",
    "\u202etxt.exe",  # right-to-left override
    "\ufeffBOM",
    "zero\u200bwidth",
    "line\r\nbreak",
    "tab\there",
    "😀🏳️‍🌈",
    "𠮷野家",
    "e\u0301",
    "ﬁ",
    "\x1b[31mred",
    "\x7f",
    "\u2028\u2029",
    "%00%0d%0a",
    "%s%s%n",
    "../../etc/passwd",
    "NaN",
    "null",
    "[]",
    "{}",
    "   ",
)
HOSTILE = SQL_INJECTION + SCRIPT_INJECTION + ODD_TEXT
MARKUP_PAYLOADS = tuple(p for p in SCRIPT_INJECTION if "<" in p)

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

# any code point a browser can send in a form (no lone surrogates), control characters included
any_char = st.characters(codec="utf-8")


def drop_controls(value: str) -> str:
    """What the needs/calls/evaluation/review forms keep: no control characters, trimmed."""
    return _CONTROL.sub("", value).strip()


def drop_nul(value: str) -> str:
    """What the seeds/proposals/projects forms keep: no NUL, trimmed."""
    return value.replace("\x00", "").strip()


def around(limit: int) -> st.SearchStrategy[str]:
    """Strings of one character repeated just under, at, just over and far over `limit`."""
    sizes = sorted({max(1, limit - 1), limit, limit + 1, limit * 2 + 7})
    return st.builds(
        lambda ch, n: ch * n,
        st.sampled_from(["a", "界", "😀", "<", "'", "\\"]),
        st.sampled_from(sizes),
    )


def hostile_text(limit: int | None = None) -> st.SearchStrategy[str]:
    """Injection strings, arbitrary Unicode, their mixtures, and lengths around the limit."""
    parts = st.one_of(st.sampled_from(HOSTILE), st.text(any_char, max_size=12))
    options = [
        st.sampled_from(HOSTILE),
        st.text(any_char, max_size=60),
        st.lists(parts, min_size=1, max_size=5).map("".join),
    ]
    if limit:
        options.append(around(limit))
    return st.one_of(*options)


def int_strings(low: int, high: int) -> st.SearchStrategy[str]:
    """Numbers in range, at and beyond both ends, huge, negative, and things that are not ints."""
    edges = [low - 1, low, high, high + 1, -(2**63), 2**63, 10**30]
    return st.one_of(
        st.integers(low, high).map(str),
        st.sampled_from(edges).map(str),
        st.sampled_from(
            [
                "",
                " ",
                "1.5",
                "1e3",
                "0x10",
                "NaN",
                "inf",
                "-",
                "+",
                "１２",
                "1_000",
                "' OR 1=1 --",
                "²",  # from here on: digits to str.isdigit(), not all of them to int()
                "①",
                "٣",
                "½",
            ]
        ),
        st.text(any_char, max_size=8),
    )


def float_strings() -> st.SearchStrategy[str]:
    return st.one_of(
        st.floats(allow_nan=False, allow_infinity=False, width=64).map(repr),
        st.sampled_from(
            ["nan", "NaN", "inf", "-inf", "1e308", "1e309", "-1e16", "1e15", "", "0x1p3", "1,5"]
        ),
        st.text(any_char, max_size=8),
    )


def date_strings() -> st.SearchStrategy[str]:
    return st.one_of(
        st.dates().map(lambda d: d.isoformat()),
        st.sampled_from(
            [
                "0001-01-01",
                "9999-12-31",
                "10000-01-01",
                "2026-02-30",
                "2026-13-01",
                "2026-1-1",
                "20260101",
                "",
                "yesterday",
                "2026-01-01T00:00",
                "-2026-01-01",
            ]
        ),
        st.text(any_char, max_size=12),
    )


def datetime_strings() -> st.SearchStrategy[str]:
    return st.one_of(
        st.datetimes().map(lambda d: d.strftime("%Y-%m-%dT%H:%M")),
        st.sampled_from(
            [
                "0001-01-01T00:00",
                "0001-01-01T08:59",
                "9999-12-31T23:59",
                "2026-02-30T10:00",
                "2026-01-01 10:00",
                "2026-01-01T25:00",
                "",
                "now",
            ]
        ),
        st.text(any_char, max_size=16),
    )


def choice_strings(valid: list[str]) -> st.SearchStrategy[str]:
    """A valid choice, or something that is not one."""
    return st.one_of(
        st.sampled_from(valid),
        st.sampled_from(HOSTILE),
        st.sampled_from(["", "0", "-1", "2147483648", "99999999999999999999", "None"]),
        st.text(any_char, max_size=10),
    )
