"""End-to-end journey in a real browser: a department posts a need, a coordinator approves it,
and the public sees it. Runs once per interface language."""

from __future__ import annotations

import re
import uuid

import pytest

from matchmaker.accounts.models import Role

pytestmark = pytest.mark.browser

TITLES = {
    "en": "Browser check: flood warnings for riverside schools",
    "ja": "ブラウザ確認：河川沿いの学校への洪水警報",
}
SUMMARIES = {
    "en": "Schools near rivers need earlier and clearer flood warnings for pupils and parents.",
    "ja": "河川沿いの学校では、児童と保護者への洪水警報をより早く分かりやすく届ける必要が"
    "あります。",
}


@pytest.mark.parametrize("locale", ["en", "ja"])
def test_need_goes_from_draft_to_the_public_list(browser, live_server, screenshot, locale):
    expect = pytest.importorskip("playwright.sync_api").expect
    label = live_server.label
    staff = live_server.make_user(Role.DEPARTMENT)
    coordinator = live_server.make_user(Role.COORDINATOR)
    title = f"{TITLES[locale]} {uuid.uuid4().hex[:6]}"

    department = browser.new_context(locale="en-US" if locale == "en" else "ja-JP")
    page = department.new_page()
    page.set_default_timeout(20_000)
    live_server.sign_in(page, staff, locale)
    screenshot(page, "1-dashboard")

    page.goto(f"{live_server.url}/needs/new")
    page.fill("[name=title]", title)
    page.fill("[name=summary]", SUMMARIES[locale])
    page.select_option("select[name=policy_areas]", ["disaster_prevention", "education"])
    page.select_option("select[name=language]", locale)
    screenshot(page, "2-new-need")
    page.get_by_role("button", name=label("Save draft", locale), exact=True).click()
    page.wait_for_url(re.compile(r"/needs/\d+$"))
    need_url = page.url
    expect(page.locator("h1")).to_have_text(title)
    page.get_by_role("button", name=label("Submit for review", locale), exact=True).click()
    page.wait_for_load_state()
    expect(page.locator("main")).to_contain_text(label("In review", locale))
    screenshot(page, "3-in-review")

    anonymous = browser.new_context(locale="en-US" if locale == "en" else "ja-JP")
    public = anonymous.new_page()
    public.goto(f"{live_server.url}/needs?lang={locale}")
    expect(public.locator("main")).not_to_contain_text(title)

    staff_context = browser.new_context(locale="en-US" if locale == "en" else "ja-JP")
    review = staff_context.new_page()
    review.set_default_timeout(20_000)
    live_server.sign_in(review, coordinator, locale)
    review.goto(need_url)
    review.get_by_role("button", name=label("Approve", locale), exact=True).click()
    review.wait_for_load_state()
    expect(review.locator("main")).to_contain_text(label("Published", locale))
    screenshot(review, "4-approved")

    public.goto(f"{live_server.url}/needs?lang={locale}")
    expect(public.get_by_role("link", name=title)).to_be_visible()
    screenshot(public, "5-public-list")
    public.get_by_role("link", name=title).click()
    expect(public.locator("h1")).to_have_text(title)

    for context in (department, anonymous, staff_context):
        context.close()
