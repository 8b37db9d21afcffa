"""Hostile `version` values on the workflow buttons (optimistic locking): a refused press
changes nothing, an accepted one changes the status it names."""

from __future__ import annotations

from matchmaker.accounts.models import OrgKind, Role
from matchmaker.calls.models import Call, CallStatus
from matchmaker.extensions import db
from matchmaker.needs.models import Need, NeedStatus
from matchmaker.proposals.models import Proposal, ProposalStatus
from matchmaker.seeds.models import Seed, SeedStatus
from tests.calls.conftest import make_call
from tests.factories import make_need, make_org, make_seed
from tests.proposals.helpers import make_call as make_open_call
from tests.proposals.helpers import make_proposal
from tests.security.helpers import Field, FormTarget, run_form

CATEGORY = "Forms: workflow buttons"
VERSION = Field("version", kind="int", high=2**31, attr="", strict=False)


def press(client, url: str, model, row, reset) -> FormTarget:
    """The button at `url`; `reset` puts the row back in the status the button acts on."""
    return FormTarget(
        CATEGORY,
        client,
        url=lambda: url,
        payload=dict,
        stored=lambda r: db.session.get(model, row.id),
        before_each=reset,
        fields=[VERSION],
    )


def back_to(row, status):
    def reset():
        row.status = status
        db.session.flush()

    return reset


def test_need_submit_button(client, login_as):
    user = login_as(Role.DEPARTMENT)
    need = make_need(org=user.organization, status=NeedStatus.DRAFT)
    url = f"/needs/{need.id}/submit"
    run_form(press(client, url, Need, need, back_to(need, NeedStatus.DRAFT)))


def test_call_publish_button(client, login_as):
    user = login_as(Role.DEPARTMENT)
    call = make_call(need=make_need(org=user.organization), status=CallStatus.DRAFT)
    url = f"/calls/{call.id}/publish"
    run_form(press(client, url, Call, call, back_to(call, CallStatus.DRAFT)))


def test_seed_publish_button(client, login_as):
    user = login_as(Role.PROVIDER)
    seed = make_seed(org=user.organization, status=SeedStatus.DRAFT)
    url = f"/seeds/{seed.id}/publish"
    run_form(press(client, url, Seed, seed, back_to(seed, SeedStatus.DRAFT)))


def test_proposal_submit_button(client, login_as):
    user = login_as(Role.PROVIDER)
    proposal = make_proposal(make_open_call(make_org(OrgKind.DEPARTMENT)), user)
    url = f"/proposals/{proposal.id}/submit"
    run_form(press(client, url, Proposal, proposal, back_to(proposal, ProposalStatus.DRAFT)))
