"""Password rules (ASVS 2.1): length 12–128, no composition rules, not a common password."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from flask_babel import gettext as _

MIN_LENGTH = 12
MAX_LENGTH = 128


@cache
def common_passwords() -> frozenset[str]:
    path = Path(__file__).with_name("common_passwords.txt")
    return frozenset(line.strip().casefold() for line in path.read_text().splitlines() if line)


def password_problems(password: str, *, email: str = "", name: str = "") -> list[str]:
    """Return the reasons a password is refused; an empty list means it is acceptable."""
    problems = []
    if len(password) < MIN_LENGTH:
        problems.append(_("Use at least %(n)d characters.", n=MIN_LENGTH))
    if len(password) > MAX_LENGTH:
        problems.append(_("Use at most %(n)d characters.", n=MAX_LENGTH))
    folded = password.casefold()
    if folded in common_passwords() or len(set(folded)) < 4:
        problems.append(_("This password is too common; choose another."))
    local = email.split("@")[0].casefold()
    if (len(local) >= 4 and local in folded) or (name and name.casefold() == folded):
        problems.append(_("Do not use your e-mail address or name as a password."))
    return problems
