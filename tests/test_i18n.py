"""Every user-visible string has a Japanese translation, and the UI switches language."""

from __future__ import annotations

import os
import re
import tempfile
from collections import Counter
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "matchmaker" / "translations"
JA_PO = TRANSLATIONS / "ja" / "LC_MESSAGES" / "messages.po"
METHOD_MAP = [("matchmaker/**.py", "python"), ("templates/**.html", "jinja2")]
KEYWORDS = {
    "_": None,
    "_l": None,
    "gettext": None,
    "lazy_gettext": None,
    "ngettext": (1, 2),
    "lazy_ngettext": (1, 2),
}
# %(name)s, %(n)d, %s … and the escaped %% (printf-style conversions, as Python formats them).
PLACEHOLDER = re.compile(r"%(?:\([^)]*\))?[#0 +-]*(?:\d+|\*)?(?:\.(?:\d+|\*))?[diouxXeEfFgGcrsa%]")


def compile_catalogues() -> None:
    """Write each .mo next to its .po when it is missing or older, as `make translations` does.

    This runs when pytest imports the module, i.e. during collection and before any test sends
    a request: Flask-Babel caches a locale's translations on first use, so a catalogue
    compiled during the run would come too late for the session's app.
    """
    for po_path in TRANSLATIONS.glob("*/LC_MESSAGES/*.po"):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as f:
            catalog = read_po(f)
        fd, tmp = tempfile.mkstemp(dir=mo_path.parent, suffix=".mo.tmp")
        try:
            with os.fdopen(fd, "wb") as f:
                write_mo(f, catalog)
            os.chmod(tmp, 0o644)  # mkstemp makes it private; pybabel's .mo is world-readable
            os.replace(tmp, mo_path)
        except BaseException:
            os.unlink(tmp)
            raise


compile_catalogues()


def japanese_catalogue():
    with JA_PO.open("rb") as f:
        return read_po(f)


def extracted_msgids() -> set[str]:
    ids = set()
    for _file, _line, message, _comments, _ctx in extract_from_dir(
        str(ROOT),
        METHOD_MAP,
        keywords=KEYWORDS,
        options_map={"templates/**.html": {"extensions": "jinja2.ext.i18n"}},
    ):
        ids.add(message[0] if isinstance(message, tuple) else message)
    return {m for m in ids if m}


def placeholders(text: str) -> Counter:
    return Counter(PLACEHOLDER.findall(text))


def test_every_string_is_in_the_japanese_catalogue():
    catalog = japanese_catalogue()
    missing = sorted(
        m
        for m in extracted_msgids()
        if not (catalog.get(m) and catalog.get(m).string)
        or (catalog.get(m) and catalog.get(m).fuzzy)
    )
    assert missing == [], f"{len(missing)} strings lack a Japanese translation: {missing[:20]}"


def test_the_catalogue_is_complete_and_not_fuzzy():
    catalog = japanese_catalogue()
    assert catalog.num_plurals == 1
    assert not catalog.fuzzy, "the header is marked fuzzy"
    fuzzy = [m.id for m in catalog if m.id and m.fuzzy]
    assert fuzzy == []
    for message in catalog:
        if not message.id:
            continue
        forms = message.string if message.pluralizable else (message.string,)
        assert len(forms) == catalog.num_plurals, message.id
        assert all(form.strip() for form in forms), f"empty translation for {message.id!r}"


def test_placeholders_are_kept():
    mismatched = []
    for message in japanese_catalogue():
        if not message.id:
            continue
        if message.pluralizable:
            # Japanese has a single form, used for every count: it must fit the plural msgid
            singular, plural = message.id
            assert placeholders(singular) == placeholders(plural), message.id
            pairs = [(plural, form) for form in message.string]
        else:
            pairs = [(message.id, message.string)]
        for source, translation in pairs:
            if placeholders(source) != placeholders(translation):
                mismatched.append((source, translation))
    assert mismatched == [], f"placeholders differ in {len(mismatched)} entries"


def test_translations_format_like_their_msgids():
    """Babel's own checks: python-format flags, placeholder types, plural counts."""
    problems = [
        (message.id, [str(e) for e in errors]) for message, errors in japanese_catalogue().check()
    ]
    assert problems == []


def test_interface_switches_language(client):
    assert "ログイン".encode() in client.get("/login?lang=ja").data
    english = client.get("/login?lang=en").data
    assert b"Sign in" in english
    assert b"Sign in" in client.get("/login").data  # the choice is remembered


def test_accept_language_is_the_default(client):
    response = client.get("/login", headers={"Accept-Language": "en-US,en;q=0.9"})
    assert b"Sign in" in response.data
    response = client.get("/login", headers={"Accept-Language": "ja"})
    assert "ログイン".encode() in response.data


def test_form_library_messages_follow_the_language(client):
    """WTForms' own messages come from a per-process cache; each request still gets its language."""
    japanese = client.post("/login?lang=ja", data={"email": "", "password": ""})
    assert "このフィールドは必須です。" in japanese.get_data(as_text=True)
    english = client.post("/login?lang=en", data={"email": "", "password": ""})
    assert "This field is required." in english.get_data(as_text=True)
    assert "このフィールドは必須です。" in client.post(
        "/login?lang=ja", data={"email": "", "password": ""}
    ).get_data(as_text=True)


@pytest.mark.parametrize(
    ("path", "japanese"),
    [
        ("/", "ニーズ（課題）"),
        ("/needs", "条件をクリア"),
        ("/seeds", "シーズ（技術・アイデア）"),
        ("/register", "新規登録"),
    ],
)
def test_public_pages_render_in_japanese(client, path, japanese):
    page = client.get(path, query_string={"lang": "ja"}).get_data(as_text=True)
    assert '<html lang="ja">' in page
    assert japanese in page
    assert "Sign in" not in page
