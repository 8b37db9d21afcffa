"""What each kind of notification says, rendered in the reader's language when needed.

Feature packages register their kinds in their own `notices.py` with `@notice_kind(...)`;
a renderer takes the stored params and returns (subject, body) in the active locale.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass

from flask_babel import force_locale
from flask_babel import gettext as _

Renderer = Callable[[dict], tuple[str, str]]
KINDS: dict[str, Renderer] = {}


def notice_kind(kind: str) -> Callable[[Renderer], Renderer]:
    def register(renderer: Renderer) -> Renderer:
        KINDS[kind] = renderer
        return renderer

    return register


@dataclass(frozen=True)
class Rendered:
    subject: str
    body: str


def render(kind: str, params: dict, locale: str | None = None) -> Rendered:
    """Subject and body of one notification in `locale` (the reader's), or the active one."""
    renderer = KINDS.get(kind)
    with force_locale(locale) if locale else nullcontext():
        if renderer is None:
            return Rendered(_("Update on Matchmaker"), "")
        subject, body = renderer(params)
        return Rendered(subject, body)
