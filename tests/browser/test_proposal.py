"""A solution provider answers an open call in a real browser: writes a proposal, uploads a PDF
through the file input, submits, and sees the status and the attachment. Once per language."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from matchmaker.accounts.models import OrgKind, Role
from matchmaker.calls import services as calls
from matchmaker.calls.models import CallStatus
from matchmaker.db import utcnow
from matchmaker.extensions import db
from matchmaker.proposals.models import Proposal, ProposalStatus
from tests import factories

pytestmark = pytest.mark.browser

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
TEXT = {
    "en": {
        "title": "Browser check: river sensors for school routes",
        "approach": "Water-level sensors along the river send alerts to schools.",
    },
    "ja": {
        "title": "ブラウザ確認：通学路の河川センサー",
        "approach": "河川沿いの水位センサーが学校に警報を送ります。",
    },
}


def open_call(app, title: str) -> int:
    """A published need of a department and a call on it, open now (set up as the department
    would through the services, committed so that the live server sees it)."""
    with app.app_context():
        department = factories.make_org(OrgKind.DEPARTMENT)
        owner = factories.make_user(Role.DEPARTMENT, org=department)
        need = factories.make_need(org=department)
        now = utcnow()
        data = calls.CallData(
            title=title,
            opens_at=now - timedelta(hours=1),
            closes_at=now + timedelta(days=7),
            criteria=[calls.CriterionData(name="Impact", weight=100)],
            budget_max=5_000_000,
        )
        call = calls.create_call(owner, need, data)
        calls.perform_call_action(call, "publish", owner)
        assert call.status is CallStatus.OPEN
        db.session.commit()
        return call.id


@pytest.mark.parametrize("locale", ["en", "ja"])
def test_provider_submits_a_proposal_with_a_pdf(browser, live_server, screenshot, tmp_path, locale):
    expect = pytest.importorskip("playwright.sync_api").expect
    label = live_server.label
    suffix = uuid.uuid4().hex[:6]
    call_id = open_call(live_server.app, f"Call {suffix}")
    provider = live_server.make_user(Role.PROVIDER)
    title = f"{TEXT[locale]['title']} {suffix}"
    pdf = tmp_path / "pilot-plan.pdf"
    pdf.write_bytes(PDF)

    context = browser.new_context(locale="en-US" if locale == "en" else "ja-JP")
    page = context.new_page()
    page.set_default_timeout(20_000)
    live_server.sign_in(page, provider, locale)

    page.goto(f"{live_server.url}/calls/{call_id}")
    page.get_by_role("link", name=label("Write a proposal", locale), exact=True).click()
    page.wait_for_url(re.compile(rf"/calls/{call_id}/proposals/new$"))
    page.fill("[name=title]", title)
    page.fill("[name=approach]", TEXT[locale]["approach"])
    page.fill("[name=pilot_plan]", "3 months, 2 schools.")
    page.fill("[name=schedule]", "2027-04 to 2027-06")
    page.fill("[name=budget_amount]", "3000000")
    page.fill("[name=team]", "2 engineers")
    page.get_by_role("button", name=label("Save draft", locale), exact=True).click()
    page.wait_for_url(re.compile(r"/proposals/\d+$"))
    expect(page.locator("h1")).to_have_text(title)

    page.set_input_files("input[name=files]", str(pdf))
    page.get_by_role("button", name=label("Upload", locale), exact=True).click()
    attachment = page.locator("#attachments").get_by_role("link", name="pilot-plan.pdf")
    expect(attachment).to_be_visible()
    screenshot(page, "1-draft-with-pdf")

    page.get_by_role("button", name=label("Submit", locale), exact=True).click()
    expect(page.locator("article .badge").first).to_have_text(label("Submitted", locale))
    expect(attachment).to_be_visible()
    expect(page.get_by_role("button", name=label("Withdraw", locale), exact=True)).to_be_visible()
    screenshot(page, "2-submitted")
    context.close()

    with live_server.app.app_context():
        proposal = db.session.scalars(select(Proposal).where(Proposal.call_id == call_id)).one()
        assert proposal.status is ProposalStatus.SUBMITTED and proposal.title == title
        assert proposal.organization_id == provider.organization_id
        assert [a.attachment.original_name for a in proposal.attachments] == ["pilot-plan.pdf"]
        assert proposal.attachments[0].attachment.size == len(PDF)
