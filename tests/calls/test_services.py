"""The call transition table (every transition allowed and refused), permissions, rules."""

from __future__ import annotations

from datetime import timedelta

import pytest

from matchmaker.accounts.models import Role
from matchmaker.calls import services
from matchmaker.calls.models import CallStatus
from matchmaker.common.errors import DomainError, IllegalTransition, NotAllowed
from matchmaker.needs.models import NeedStatus
from tests.calls.conftest import NOW, make_call
from tests.factories import make_need, make_user

S = CallStatus
ALLOWED = {
    ("edit", S.DRAFT): S.DRAFT,
    ("edit", S.SCHEDULED): S.SCHEDULED,
    ("publish", S.DRAFT): S.SCHEDULED,
    ("open", S.SCHEDULED): S.OPEN,
    ("close", S.OPEN): S.UNDER_EVALUATION,
    ("announce", S.UNDER_EVALUATION): S.DECIDED,
    ("cancel", S.DRAFT): S.CANCELLED,
    ("cancel", S.SCHEDULED): S.CANCELLED,
    ("cancel", S.OPEN): S.CANCELLED,
}
ACTIONS = sorted({a for a, _ in ALLOWED})
SYSTEM_ACTIONS = {"open", "close"}
STEP_ACTIONS = [a for a in ACTIONS if a != "edit"]


def test_the_table_is_exactly_the_documented_one():
    table = {(t.action, t.source): t.target for t in services.CALL_WORKFLOW.transitions}
    assert table == ALLOWED


@pytest.mark.parametrize("action,source", sorted(k for k in ALLOWED if k[0] != "edit"))
def test_each_transition_is_allowed_for_its_actor(need, owner, action, source):
    # the call opens in the future so "publish" schedules rather than opens
    call = make_call(need, source, opens_at=NOW + timedelta(days=1))
    actor = None if action in SYSTEM_ACTIONS else owner
    services.perform_call_action(call, action, actor, now=NOW)
    assert call.status is ALLOWED[(action, source)]


REFUSED = [(a, s) for a in STEP_ACTIONS for s in S if (a, s) not in ALLOWED]


@pytest.mark.parametrize("action,source", REFUSED)
def test_every_other_transition_is_refused(need, owner, action, source):
    call = make_call(need, source)
    actor = None if action in SYSTEM_ACTIONS else owner
    with pytest.raises(IllegalTransition):
        services.perform_call_action(call, action, actor, now=NOW)
    assert call.status is source


@pytest.mark.parametrize("action,source", sorted(k for k in ALLOWED if k[0] in SYSTEM_ACTIONS))
def test_system_transitions_are_refused_to_people(need, owner, action, source):
    call = make_call(need, source)
    for user in (owner, make_user(Role.COORDINATOR)):
        with pytest.raises(NotAllowed):
            services.perform_call_action(call, action, user, now=NOW)
    assert call.status is source


@pytest.mark.parametrize("action,source", sorted(k for k in ALLOWED if k[0] not in SYSTEM_ACTIONS))
def test_manager_transitions_are_refused_to_others(need, action, source):
    call = make_call(need, source)
    for actor in (None, make_user(Role.DEPARTMENT), make_user(Role.PROVIDER)):
        with pytest.raises(NotAllowed):
            services.check_call_action(actor, call, action)
    assert call.status is source


def test_coordinator_manages_any_call(need):
    call = make_call(need, S.DRAFT, opens_at=NOW + timedelta(days=2))
    services.perform_call_action(call, "publish", make_user(Role.COORDINATOR), now=NOW)
    assert call.status is S.SCHEDULED and call.published_at == NOW


def test_publishing_after_the_opening_time_opens_at_once(need, owner):
    call = make_call(need, S.DRAFT, opens_at=NOW - timedelta(hours=1))
    services.perform_call_action(call, "publish", owner, now=NOW)
    assert call.status is S.OPEN and call.opened_at == NOW


def test_publishing_after_the_closing_time_is_refused(need, owner):
    call = make_call(
        need, S.DRAFT, opens_at=NOW - timedelta(days=3), closes_at=NOW - timedelta(days=1)
    )
    with pytest.raises(DomainError):
        services.perform_call_action(call, "publish", owner, now=NOW)
    assert call.status is S.DRAFT


def test_accepting_proposals_only_inside_the_window(need):
    call = make_call(need, S.OPEN, opens_at=NOW, closes_at=NOW + timedelta(hours=1))
    assert services.is_accepting_proposals(call, NOW)
    assert services.is_accepting_proposals(call, NOW + timedelta(minutes=59, seconds=59))
    assert not services.is_accepting_proposals(call, NOW - timedelta(seconds=1))
    assert not services.is_accepting_proposals(call, NOW + timedelta(hours=1))
    assert not services.is_accepting_proposals(call, NOW + timedelta(hours=1, seconds=1))
    for status in set(S) - {S.OPEN}:
        call.status = status
        assert not services.is_accepting_proposals(call, NOW)


def data(**overrides) -> services.CallData:
    values = {
        "title": "実証公募",
        "opens_at": NOW + timedelta(days=1),
        "closes_at": NOW + timedelta(days=30),
        "criteria": [services.CriterionData("効果", 60), services.CriterionData("費用", 40)],
    }
    values.update(overrides)
    return services.CallData(**values)


def test_create_call_on_own_published_need(need, owner):
    call = services.create_call(owner, need, data())
    assert call.status is S.DRAFT and call.organization_id == need.organization_id
    assert [(c.position, c.name, c.weight) for c in call.criteria] == [
        (1, "効果", 60),
        (2, "費用", 40),
    ]
    assert "実証公募" in call.search_text and "効果" in call.search_text


@pytest.mark.parametrize(
    "overrides",
    [
        {"title": " "},
        {"closes_at": NOW + timedelta(days=1)},
        {"criteria": []},
        {"criteria": [services.CriterionData("x", 0)]},
        {"criteria": [services.CriterionData("x", 101)]},
        {"criteria": [services.CriterionData("x", 1)] * 7},
        {"budget_max": -1},
        {"budget_currency": "XXX"},
    ],
)
def test_create_call_refuses_bad_data(need, owner, overrides):
    with pytest.raises(DomainError):
        services.create_call(owner, need, data(**overrides))


def test_only_the_needs_department_or_staff_open_calls(need, owner):
    assert services.can_open_call(owner, need)
    assert services.can_open_call(make_user(Role.COORDINATOR), need)
    assert services.can_open_call(make_user(Role.ADMIN), need)
    for role in (Role.DEPARTMENT, Role.PROVIDER, Role.REVIEWER):
        assert not services.can_open_call(make_user(role), need)
    with pytest.raises(NotAllowed):
        services.create_call(make_user(Role.DEPARTMENT), need, data())
    for status in set(NeedStatus) - {NeedStatus.PUBLISHED}:
        draft = make_need(org=need.organization, status=status)
        assert not services.can_open_call(owner, draft)


def test_update_replaces_criteria(need, owner):
    call = services.create_call(owner, need, data())
    criteria = [services.CriterionData("新しい基準", 5)]
    services.update_call(owner, call, data(title="改訂", criteria=criteria), call.version)
    assert call.title == "改訂"
    assert [(c.position, c.name, c.weight) for c in call.criteria] == [(1, "新しい基準", 5)]


def test_open_calls_are_not_edited(need, owner):
    call = make_call(need, S.OPEN)
    with pytest.raises(IllegalTransition):
        services.update_call(owner, call, data(), None)


def test_drafts_are_visible_to_managers_only(need, owner):
    call = make_call(need, S.DRAFT)
    assert services.can_view_call(owner, call)
    assert not services.can_view_call(make_user(Role.PROVIDER), call)
    assert not services.can_view_call(make_user(Role.DEPARTMENT), call)
    call.status = S.OPEN
    assert services.can_view_call(make_user(Role.PROVIDER), call)


def test_criterion_shares_are_percentages(need):
    call = make_call(need, weights=(1, 3))
    assert [share for _, share in services.criterion_shares(call)] == [25.0, 75.0]
