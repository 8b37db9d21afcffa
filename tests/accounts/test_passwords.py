"""Password rules (ASVS 2.1): 12–128 characters, no common passwords, not the e-mail or name."""

import re

import pytest
from sqlalchemy import func, select

from matchmaker.accounts.models import Organization, Role, User
from matchmaker.accounts.passwords import MAX_LENGTH, MIN_LENGTH, password_problems
from matchmaker.extensions import db
from tests.factories import PASSWORD, make_user

PHRASE = "plum tiger lantern 7 harbour quiet orbit "
TOO_SHORT = "Use at least 12 characters."
TOO_LONG_SERVICE = "Use at most 128 characters."
TOO_LONG_FORM = "Field cannot be longer than 128 characters."
COMMON = "This password is too common; choose another."
PERSONAL = "Do not use your e-mail address or name as a password."


@pytest.fixture
def english(client):
    with client.session_transaction() as sess:
        sess["lang"] = "en"


@pytest.fixture
def request_context(app):
    with app.test_request_context("/?lang=en"):
        yield


def of_length(n: int) -> str:
    return (PHRASE * 5)[:n]


@pytest.mark.usefixtures("request_context")
class TestRules:
    def test_bounds(self):
        assert (MIN_LENGTH, MAX_LENGTH) == (12, 128)
        assert password_problems(of_length(12)) == []
        assert password_problems(of_length(128)) == []
        assert password_problems(of_length(11)) == [TOO_SHORT]
        assert password_problems(of_length(129)) == [TOO_LONG_SERVICE]

    def test_no_composition_rules(self):
        assert password_problems("violet hound") == []  # lower case and a space only
        assert password_problems("ながいながいあいことば") == [TOO_SHORT]  # 11 characters
        assert password_problems("ながいながいあいことばだよ") == []

    @pytest.mark.parametrize("password", ["1q2w3e4r1234", "1Q2W3E4R1234", "123456789qwerty"])
    def test_common_passwords(self, password):
        assert COMMON in password_problems(password)

    @pytest.mark.parametrize("password", ["aaaaaaaaaaaaaaaa", "abababababababab", "abcabcabcabc"])
    def test_too_few_distinct_characters(self, password):
        assert COMMON in password_problems(password)

    def test_email_local_part_and_name(self):
        email = "hanako.tanaka@example.org"
        assert PERSONAL in password_problems("my-HANAKO.TANAKA-2026", email=email)
        assert password_problems("my-hanako-2026-garden", email=email) == []
        assert password_problems("ab-is-not-checked-x", email="ab@example.org") == []
        assert PERSONAL in password_problems("Hanako Tanaka Yamada", name="hanako tanaka yamada")


def register(client, password, confirm=None, email="hanako@mimamori.example"):
    return client.post(
        "/register",
        data={
            "role": "provider",
            "name": "Hanako Yamada",
            "email": email,
            "password": password,
            "password_confirm": password if confirm is None else confirm,
            "organization_name": "Mimamori Tech",
            "organization_kind": "startup",
        },
    )


def field_errors(html: str, field_id: str) -> list[str]:
    """Errors rendered inside the field's own block, i.e. beside the input."""
    for block in re.findall(r'<div class="field[^"]*">(.*?)</div>', html, re.S):
        if f'id="{field_id}"' in block:
            return re.findall(r'<p class="error" role="alert">(.*?)</p>', block, re.S)
    raise AssertionError(f"no field {field_id}")


def stored():
    return (
        db.session.scalar(select(func.count()).select_from(User)),
        db.session.scalar(select(func.count()).select_from(Organization)),
    )


@pytest.mark.usefixtures("english")
@pytest.mark.parametrize(
    "password,message",
    [
        ("short pass", TOO_SHORT),
        ("1q2w3e4r1234", COMMON),
        ("aaaaaaaaaaaaaaaa", COMMON),
        (of_length(129), TOO_LONG_FORM),
        ("hanako-likes-tea", PERSONAL),
    ],
)
def test_registration_refuses_bad_passwords_beside_the_field(client, password, message):
    response = register(client, password)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert message in field_errors(html, "password")
    assert field_errors(html, "email") == []
    assert stored() == (0, 0)
    assert password not in html  # never echoed back


@pytest.mark.usefixtures("english")
def test_twelve_characters_are_accepted(client):
    assert register(client, of_length(12)).status_code == 302
    user = db.session.scalar(select(User))
    assert user.check_password(of_length(12))


@pytest.mark.usefixtures("english")
def test_128_characters_are_accepted(client):
    assert register(client, of_length(128)).status_code == 302


@pytest.mark.usefixtures("english")
def test_confirmation_must_match(client):
    response = register(client, PASSWORD, confirm=PASSWORD + "x")
    assert "The passwords differ." in field_errors(
        response.get_data(as_text=True), "password_confirm"
    )
    assert stored() == (0, 0)


def test_passwords_are_hashed_with_scrypt(client):
    register(client, PASSWORD)
    user = db.session.scalar(select(User))
    assert user.password_hash.startswith("scrypt:") and PASSWORD not in user.password_hash


@pytest.mark.usefixtures("english")
def test_change_password_applies_the_rules(client, login_as):
    user = login_as(Role.PROVIDER)
    old_hash = user.password_hash
    response = client.post(
        "/account",
        data={
            "current_password": PASSWORD,
            "new_password": "1q2w3e4r1234",
            "new_password_confirm": "1q2w3e4r1234",
        },
    )
    assert response.status_code == 200
    assert COMMON in field_errors(response.get_data(as_text=True), "new_password")
    db.session.refresh(user)
    assert user.password_hash == old_hash


@pytest.mark.usefixtures("english")
def test_change_password_needs_the_current_one(client, login_as):
    user = login_as(Role.PROVIDER)
    response = client.post(
        "/account",
        data={
            "current_password": "not my password at all",
            "new_password": "a brand new passphrase 7",
            "new_password_confirm": "a brand new passphrase 7",
        },
    )
    assert "The current password is wrong." in field_errors(
        response.get_data(as_text=True), "current_password"
    )
    db.session.refresh(user)
    assert user.check_password(PASSWORD)


def test_factory_user_password_is_the_shared_one():
    assert make_user(Role.PROVIDER).check_password(PASSWORD)
