"""The whole journey in a real browser, once per interface language (issue 6): a department's
Japanese need becomes a call, a provider's English seed finds it, the proposal is selected, a
demonstration project runs and an anonymous reader finds its published result. Every actor
clicks through the pages; only the call's closing is the scheduled job, run with a later clock.
Screenshots of the key pages go to tests/artifacts/journey-<locale>-<step>.png."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from matchmaker.common import taxonomy
from matchmaker.common.money import format_money
from matchmaker.extensions import db
from matchmaker.projects.models import Project, ProjectStatus
from tests.browser.journey import (
    ANSWER,
    AREA,
    CALL_TITLE,
    NEED,
    OUTCOME,
    PROPOSAL_TITLE,
    QUESTION,
    SEED,
    Journey,
    close_call,
    make_cast,
    tokyo_minute,
    use_matcher,
)

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def matcher(live_server):
    return use_matcher(live_server.app)


@pytest.mark.parametrize("locale", ["ja", "en"])
def test_journey(browser, live_server, matcher, tmp_path, locale):
    suffix = uuid.uuid4().hex[:6]
    j = Journey(browser, live_server, locale, tmp_path)
    cast = make_cast(live_server.app, suffix)
    need_title, call_title = f"{NEED['title']} {suffix}", f"{CALL_TITLE} {suffix}"
    proposal_title, seed_title = f"{PROPOSAL_TITLE} {suffix}", f"{SEED['title']} {suffix}"
    # the need is in Japanese and its author gave an English translation: English readers get it
    shown_need = need_title if locale == "ja" else f"{NEED['title_translated']} {suffix}"
    expect = j.expect
    try:
        # --- 1. the department writes the need in Japanese and submits it for review --------
        department = j.open(cast.department)
        j.follow(department, "Post a new need")
        for name in ("summary", "problem", "desired_outcome", "summary_translated"):
            department.fill(f"[name={name}]", NEED[name])
        department.fill("[name=title]", need_title)
        department.fill("[name=title_translated]", f"{NEED['title_translated']} {suffix}")
        department.select_option("select[name=policy_areas]", [AREA])
        department.select_option("select[name=language]", "ja")
        department.fill("[name=min_trl]", "5")
        j.press(department, "Save draft")
        expect(department.locator("h1")).to_have_text(shown_need)
        j.status_is(department, "Draft")
        if locale == "en":
            expect(department.locator(".translation-note")).to_have_text(
                j._("Translation provided by the author")
            )
        j.press(department, "Submit for review")
        j.status_is(department, "In review")
        j.shot(department, "1-need")

        # --- 2. a coordinator approves it and opens a call, times typed in Tokyo -------------
        coordinator = j.open(cast.coordinator)
        j.follow(coordinator, shown_need, translate=False)  # the dashboard shows it translated
        j.press(coordinator, "Approve")
        j.status_is(coordinator, "Published")
        j.follow(coordinator, "Open a call")
        now = datetime.now(UTC)
        opens, closes = (
            tokyo_minute(now - timedelta(hours=1)),
            tokyo_minute(now + timedelta(days=3)),
        )
        coordinator.fill("[name=title]", call_title)
        coordinator.fill("[name=description]", "高齢者宅での転倒検知センサーの実証")
        coordinator.fill("[name=eligibility]", "都内に拠点のある事業者")
        coordinator.select_option("select[name=language]", "ja")
        coordinator.fill("[name=opens_at]", f"{opens:%Y-%m-%dT%H:%M}")
        coordinator.fill("[name=closes_at]", f"{closes:%Y-%m-%dT%H:%M}")
        coordinator.fill("[name=budget_max]", "5000000")
        for row, (name, weight) in enumerate((("Impact", "70"), ("Cost", "30"))):
            coordinator.fill(f"[name=criteria-{row}-name]", name)
            coordinator.fill(f"[name=criteria-{row}-weight]", weight)
        j.press(coordinator, "Save draft")
        expect(coordinator.locator("h1")).to_have_text(call_title)
        j.status_is(coordinator, "Draft")
        facts = coordinator.locator("dl.facts")
        expect(facts).to_contain_text(f"{opens:%Y-%m-%d %H:%M} JST")
        expect(facts).to_contain_text(f"{closes:%Y-%m-%d %H:%M} JST")
        expect(facts).to_contain_text(format_money(5_000_000, "JPY", locale))
        expect(coordinator.locator("table.criteria")).to_contain_text("70%")
        j.press(coordinator, "Publish")  # the opening time has passed: it opens at once
        j.status_is(coordinator, "Open")
        call_id = int(re.search(r"/calls/(\d+)", coordinator.url).group(1))
        j.shot(coordinator, "2-call")

        # --- 3. the provider registers an English seed, publishes it, sees the need ----------
        provider = j.open(cast.provider)
        j.follow(provider, "Register a new seed")
        provider.fill("[name=title]", seed_title)
        provider.fill("[name=summary]", SEED["summary"])
        provider.fill("[name=keywords]", SEED["keywords"])
        provider.select_option("select[name=trl]", "7")
        provider.select_option("select[name=policy_areas]", [AREA])
        provider.select_option("select[name=language]", "en")
        provider.check("[name=ready_for_pilot]")
        j.press(provider, "Save draft")
        expect(provider.locator("h1")).to_have_text(seed_title)
        j.status_is(provider, "Draft")
        j.press(provider, "Publish")
        j.status_is(provider, "Published")
        seed_id = re.search(r"/seeds/(\d+)", provider.url).group(1)
        matches = provider.locator("#matches ol.match-list")
        recommended = j.link(provider, shown_need, matches, translate=False)
        expect(recommended).to_be_visible(timeout=180_000)  # the first ranking loads the models
        j.shot(provider, "3-matches")
        recommended.click()
        expect(provider.locator("h1")).to_have_text(shown_need)
        j.follow(provider, call_title, provider.locator("#calls"), translate=False)
        expect(provider.locator("h1")).to_have_text(call_title)

        # --- 4. asks a question, writes the proposal with a PDF and submits it --------------
        provider.fill("#questions [name=body]", QUESTION)
        j.press(provider, "Ask a question")
        question = provider.locator(".question", has_text=QUESTION)
        expect(question).to_contain_text(
            j._("Waiting for an answer; only you and the department see this question.")
        )
        coordinator.reload()
        pending = coordinator.locator(".question", has_text=QUESTION)
        pending.locator("textarea[name=answer]").fill(ANSWER)
        j.press(coordinator, "Publish answer", pending)
        expect(coordinator.locator(".question", has_text=QUESTION)).to_contain_text(ANSWER)

        j.follow(provider, "Write a proposal")
        provider.fill("[name=title]", proposal_title)
        provider.fill("[name=approach]", "Radar sensors in 50 homes alert care staff.")
        provider.fill("[name=pilot_plan]", "Six months in 50 homes; falls reported in 5 min.")
        provider.fill("[name=schedule]", "2027-04 to 2027-09")
        provider.fill("[name=budget_amount]", "4500000")
        provider.fill("[name=team]", "Two engineers and a care adviser.")
        provider.select_option("select[name=seed_id]", seed_id)
        j.press(provider, "Save draft")
        expect(provider.locator("h1")).to_have_text(proposal_title)
        provider.set_input_files("input[name=files]", str(j.pdf))
        j.press(provider, "Upload")
        attachment = provider.locator("#attachments").get_by_role("link", name="pilot-plan.pdf")
        expect(attachment).to_be_visible()
        j.press(provider, "Submit")
        j.status_is(provider, "Submitted")
        expect(provider.locator("dl.facts")).to_contain_text(seed_title)
        expect(j.button(provider, "Withdraw")).to_be_visible()
        j.shot(provider, "4-proposal")

        # --- 5. the deadline passes: the job closes the call ----------------------------------
        assert re.fullmatch(r"closed [1-9]\d* call\(s\)", close_call(live_server.app, call_id))
        provider.reload()
        j.status_is(provider, "Submitted")
        expect(j.button(provider, "Withdraw")).to_have_count(0)
        coordinator.reload()
        j.status_is(coordinator, "Under evaluation")

        # --- 6. the coordinator puts a reviewer on the panel ---------------------------------
        j.follow(coordinator, "Evaluation")
        j.follow(coordinator, "Manage reviewers")
        coordinator.get_by_label(re.compile(re.escape(cast.reviewer.email))).check()
        j.press(coordinator, "Assign the selected reviewers")
        expect(coordinator.locator("table.panel")).to_contain_text(cast.reviewer.email)
        expect(coordinator.locator("table.panel")).to_contain_text(j._("Reviewing"))

        # --- 7. the reviewer scores every criterion and marks the review done ---------------
        reviewer = j.open(cast.reviewer)
        j.follow(reviewer, "My reviews")
        j.follow(reviewer, call_title, translate=False)
        j.follow(reviewer, proposal_title, reviewer.locator("ul.pending"), translate=False)
        expect(reviewer.locator("h1")).to_have_text(proposal_title)
        for criterion, score in (("Impact", "4"), ("Cost", "5")):
            fieldset = reviewer.locator(".score-form fieldset", has_text=criterion)
            fieldset.locator(f"input[type=radio][value='{score}']").check()
            fieldset.locator("textarea").fill(f"{criterion}: convincing trial data.")
        j.press(reviewer, "Save scores")
        expect(reviewer.locator("ul.done")).to_contain_text(proposal_title)
        j.press(reviewer, "Mark my review as done")
        expect(reviewer.locator("main .badge").nth(1)).to_have_text(j._("Review done"))

        # --- 8. the coordinator ranks, selects and announces --------------------------------
        j.follow(coordinator, "Evaluation")
        row = coordinator.locator("table.ranking tbody tr", has_text=proposal_title)
        expect(row.locator("td.weighted")).to_have_text("4.30")  # 0.7 × 4 + 0.3 × 5
        expect(row.locator("td.reviews")).to_have_text("1")
        j.shot(coordinator, "5-ranking")
        row.locator("select[name$=decision]").select_option("selected")
        row.locator("textarea[name$=reason]").fill("Best impact for the budget.")
        j.press(coordinator, "Record decision", row)
        expect(row.locator(".badge").first).to_have_text(j._("Selected"))
        j.press(coordinator, "Announce results")
        j.status_is(coordinator, "Decided")

        # --- 9. the department starts the project: agreement, a KPI, start ------------------
        j.follow(department, "Dashboard", department.get_by_role("navigation", name=j._("Main")))
        j.follow(department, "Calls you manage")
        j.follow(department, call_title, translate=False)
        j.status_is(department, "Decided")
        j.follow(department, "Evaluation")
        j.press(department, "Start demonstration project")
        expect(department.locator("h1")).to_have_text(proposal_title)
        j.status_is(department, "Planned")
        j.follow(department, "Edit agreement and dates")
        department.fill("[name=agreement_date]", "2027-03-20")
        department.fill("[name=starts_on]", "2027-04-01")
        department.fill("[name=ends_on]", "2027-09-30")
        department.set_input_files("input[name=agreement_file]", str(j.pdf))
        j.press(department, "Save")
        expect(department.locator("#agreement")).to_contain_text("pilot-plan.pdf")
        j.follow(department, "Add a KPI")
        department.fill("[name=name]", "Falls reported within 5 minutes")
        department.fill("[name=unit]", "%")
        department.select_option("select[name=direction]", "increase")
        department.fill("[name=baseline]", "40")
        department.fill("[name=target]", "90")
        j.press(department, "Save")
        expect(department.locator("table.kpis")).to_contain_text("Falls reported within 5 minutes")
        j.press(department, "Start the pilot")
        j.status_is(department, "Running")

        # --- 10. the provider reports the KPI and the final report, and completes -----------
        j.follow(provider, "Dashboard", provider.get_by_role("navigation", name=j._("Main")))
        j.follow(provider, "Our proposals and their status")
        j.follow(provider, proposal_title, translate=False)
        j.status_is(provider, "Selected")
        j.follow(provider, "Demonstration project")
        j.status_is(provider, "Running")
        j.follow(provider, "Record value")
        provider.fill("[name=actual]", "95")
        provider.fill("[name=measured_on]", "2027-09-20")
        j.press(provider, "Save")
        expect(provider.locator("table.kpis .kpi-result")).to_have_text(j._("Met"))
        j.follow(provider, "Write the final report")
        provider.fill("[name=final_report]", "95% of falls were reported within 5 minutes.")
        provider.set_input_files("input[name=report_file]", str(j.pdf))
        j.press(provider, "Save")
        j.press(provider, "Mark as completed")
        j.status_is(provider, "Completed")

        # --- 11. the department decides adoption, writes the outcome and publishes ----------
        department.reload()
        j.status_is(department, "Completed")
        department.select_option("#decision select[name=decision]", "adopt")
        department.fill("#decision [name=reason]", "The pilot met its target; roll it out.")
        j.press(department, "Record the decision")
        j.status_is(department, "Adopted")
        j.follow(department, "Edit the public result")
        department.fill("[name=outcome]", OUTCOME)
        department.fill("[name=contact_name]", "見守り推進課")
        department.fill("[name=contact_email]", "mimamori@example.org")
        j.press(department, "Save")
        j.press(department, "Publish the result")
        expect(department.locator("main .badge").nth(1)).to_have_text(j._("Result published"))
        j.shot(department, "6-project")

        # --- 12. an anonymous reader finds the result by policy area and opens it -----------
        reader = j.open()
        j.follow(reader, "Results", reader.get_by_role("navigation", name=j._("Main")))
        area = taxonomy.POLICY_AREAS[AREA][0 if locale == "ja" else 1]
        areas = reader.get_by_role("navigation", name=j._("Policy areas"))
        areas.get_by_role("link", name=re.compile(rf"^{re.escape(area)} \(\d+\)$")).click()
        expect(reader).to_have_url(re.compile(rf"/results\?area={AREA}$"))
        j.follow(reader, proposal_title, reader.locator("ul.cards"), translate=False)
        expect(reader.locator("h1")).to_have_text(proposal_title)
        j.status_is(reader, "Adopted")
        main = reader.locator("main")
        expect(main).to_contain_text(need_title)
        expect(main).to_contain_text(OUTCOME)
        expect(main).to_contain_text(cast.department.org)
        expect(main).not_to_contain_text("95% of falls were reported")  # the report stays private
        j.shot(reader, "7-result")
    finally:
        j.close()

    with live_server.app.app_context():
        project = db.session.query(Project).filter_by(title=proposal_title).one()
        assert project.status is ProjectStatus.ADOPTED and project.is_public
        assert [(k.actual, k.is_met) for k in project.kpis] == [(95, True)]
        db.session.remove()
