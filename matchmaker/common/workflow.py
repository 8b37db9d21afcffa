"""Explicit state machines: one transition table per entity, checked before any change."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from flask_babel import gettext as _

from matchmaker.common.errors import IllegalTransition
from matchmaker.common.labels import status_label


@dataclass(frozen=True)
class Transition:
    """One allowed move: action name, from-state, to-state, and the roles allowed to make it."""

    action: str
    source: StrEnum
    target: StrEnum
    roles: frozenset[str]


class Workflow:
    """A transition table; `check` refuses anything not in it."""

    def __init__(self, transitions: Iterable[Transition], action_labels: dict | None = None):
        self.transitions = tuple(transitions)
        self.action_labels = action_labels or {}
        self._by_key = {(t.action, t.source): t for t in self.transitions}

    def find(self, action: str, source: StrEnum) -> Transition | None:
        return self._by_key.get((action, source))

    def check(self, action: str, source: StrEnum) -> Transition:
        """Return the transition or raise IllegalTransition with a user-facing message."""
        transition = self.find(action, source)
        if transition is None:
            raise IllegalTransition(
                _(
                    "“%(action)s” is not possible while the status is “%(status)s”.",
                    action=self.action_labels.get(action, action),
                    status=status_label(source),
                )
            )
        return transition

    def actions_from(self, source: StrEnum) -> list[Transition]:
        return [t for t in self.transitions if t.source == source]
