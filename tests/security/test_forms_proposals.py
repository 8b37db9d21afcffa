"""Hostile values in the proposal forms (write, edit) on an open call."""

from __future__ import annotations

from types import SimpleNamespace

from matchmaker.accounts.models import OrgKind, Role
from matchmaker.extensions import db
from matchmaker.proposals.fields import CURRENCIES, MAX_BUDGET
from matchmaker.proposals.models import Proposal
from tests.factories import make_org
from tests.proposals.helpers import make_call, make_proposal
from tests.security.helpers import Field, FormTarget, run_form
from tests.security.strategies import drop_nul

CATEGORY = "Forms: proposals"

PROPOSAL_FIELDS = [
    Field("title", limit=200, required=True, clean=drop_nul, shown=True),
    Field("approach", limit=20000, clean=drop_nul),
    Field("pilot_plan", limit=20000, clean=drop_nul),
    Field("schedule", limit=5000, clean=drop_nul),
    Field("team", limit=5000, clean=drop_nul),
    Field("links", limit=6000, clean=drop_nul, attr="", strict=False),  # http(s) lines only
    Field("budget_amount", kind="int", low=0, high=MAX_BUDGET),
    Field("budget_currency", kind="choice", choices=CURRENCIES),
    Field("seed_id", kind="choice", choices=(0,), coerce=int, attr=""),
]


def base_payload() -> dict:
    return {"title": "見守りセンサーの実証", "budget_currency": "JPY", "seed_id": "0"}


def stored_proposal(response) -> Proposal:
    return db.session.get(Proposal, int(response.headers["Location"].rsplit("/", 1)[-1]))


def test_new_proposal_form(client, login_as):
    login_as(Role.PROVIDER)
    department = make_org(OrgKind.DEPARTMENT)
    state = SimpleNamespace(call=None)

    def new_call():  # one proposal per organization and call: a fresh call each time
        state.call = make_call(department)

    run_form(
        FormTarget(
            CATEGORY,
            client,
            url=lambda: f"/calls/{state.call.id}/proposals/new",
            payload=base_payload,
            stored=stored_proposal,
            page=lambda p: f"/proposals/{p.id}",
            before_each=new_call,
            fields=PROPOSAL_FIELDS,
        )
    )


def test_edit_proposal_form(client, login_as):
    user = login_as(Role.PROVIDER)
    proposal = make_proposal(make_call(make_org(OrgKind.DEPARTMENT)), user)

    def payload():
        db.session.refresh(proposal)
        return {**base_payload(), "version": str(proposal.version)}

    run_form(
        FormTarget(
            CATEGORY,
            client,
            url=lambda: f"/proposals/{proposal.id}/edit",
            payload=payload,
            stored=lambda r: db.session.get(Proposal, proposal.id),
            page=lambda p: f"/proposals/{p.id}",
            fields=[
                *PROPOSAL_FIELDS,
                Field("version", kind="int", high=2**31, attr="", strict=False),
            ],
        )
    )
