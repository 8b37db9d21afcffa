"""The cast and the camera of the browser journey: actors with their own signed-in browser
contexts, UI labels in the journey's language, status checks and screenshots."""

from __future__ import annotations

from datetime import datetime, timedelta
from types import SimpleNamespace

import pytest

from matchmaker.accounts.models import OrgKind, Role
from matchmaker.calls.models import Call
from matchmaker.common.timezone import TOKYO
from matchmaker.extensions import db
from matchmaker.jobs.services import run_jobs
from matchmaker.matching import runtime
from tests import factories
from tests.browser.conftest import ARTIFACTS

# what the actors type; the need is Japanese with an English translation, the seed English
NEED = {
    "title": "一人暮らし高齢者の見守り",
    "summary": "一人暮らしの高齢者が自宅で転倒したときに、すぐに家族やケアスタッフに知らせる"
    "仕組みを探しています。",
    "problem": "転倒に気づくまで時間がかかる。",
    "desired_outcome": "転倒から数分以内に通知が届く。",
    "title_translated": "Watching over older people who live alone",
    "summary_translated": "We look for a way to alert family and care staff at once when an "
    "older person living alone falls at home.",
}
SEED = {
    "title": "AI fall detection sensor for seniors living alone",
    "summary": "A radar sensor detects when an elderly person living alone falls at home and "
    "alerts family members and care staff within seconds.",
    "keywords": "fall detection, elderly, radar",
}
CALL_TITLE = "見守りセンサーの実証公募"
PROPOSAL_TITLE = "Radar fall detection pilot in Setagaya"
QUESTION = "Can the pilot include homes outside Setagaya?"
ANSWER = "はい、都内であればどの区でも構いません。"
OUTCOME = "転倒の95%が5分以内に通知され、全区への展開を決めました。"
AREA = "elderly_care"
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def use_matcher(app) -> str:
    """The real models when they are installed; otherwise the fake encoders the import tests
    use, installed for the live app's configuration. Returns which one the journey runs on."""
    path = runtime.config_path(app)
    if runtime.check_configuration(path) is None:
        return "real"
    from tests.opendata.conftest import FakeEncoder

    signals = runtime.matching_config(path)["encoders"]
    runtime.use_encoders(path, {s: FakeEncoder(f"fake-{s}") for s in signals})
    return "fake"


def make_cast(app, suffix: str) -> SimpleNamespace:
    """A department, a coordinator, a startup's member and a reviewer, committed for the live
    server; returned as plain values (email, name, organization name)."""
    with app.app_context():
        department_org = factories.make_org(OrgKind.DEPARTMENT, name=f"福祉局 {suffix}")
        provider_org = factories.make_org(OrgKind.STARTUP, name=f"Sensorica {suffix}")
        users = {
            "department": factories.make_user(Role.DEPARTMENT, org=department_org),
            "coordinator": factories.make_user(Role.COORDINATOR),
            "provider": factories.make_user(Role.PROVIDER, org=provider_org),
            "reviewer": factories.make_user(Role.REVIEWER),
        }
        db.session.commit()
        cast = {
            key: SimpleNamespace(
                email=u.email, name=u.name, org=u.organization and u.organization.name
            )
            for key, u in users.items()
        }
        db.session.remove()
    return SimpleNamespace(**cast)


def close_call(app, call_id: int) -> str:
    """The scheduled job, told that it is one second after the call's deadline."""
    with app.app_context():
        closes_at = db.session.get(Call, call_id).closes_at
        result = run_jobs(["calls.close_due"], now=closes_at + timedelta(seconds=1))
        db.session.remove()
    return result["calls.close_due"]


def tokyo_minute(moment: datetime) -> datetime:
    """A wall-clock time in Tokyo, as a datetime-local input takes it."""
    return moment.astimezone(TOKYO).replace(tzinfo=None, second=0, microsecond=0)


class Journey:
    """One run of the journey in one interface language."""

    def __init__(self, browser, server, locale: str, tmp_path):
        self.browser, self.server, self.locale = browser, server, locale
        self.expect = pytest.importorskip("playwright.sync_api").expect
        self.contexts = []
        self.pdf = tmp_path / "pilot-plan.pdf"
        self.pdf.write_bytes(PDF)

    def _(self, msgid: str) -> str:
        return self.server.label(msgid, self.locale)

    def open(self, user=None):
        """A fresh browser (own cookies) for one actor, signed in when a user is given."""
        context = self.browser.new_context(locale="en-US" if self.locale == "en" else "ja-JP")
        self.contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(60_000)
        if user is None:
            page.goto(f"{self.server.url}/?lang={self.locale}")
        else:
            self.server.sign_in(page, user, self.locale)
        return page

    def close(self) -> None:
        for context in self.contexts:
            context.close()

    def button(self, page, msgid: str, scope=None):
        return (scope or page).get_by_role("button", name=self._(msgid), exact=True)

    def link(self, page, name: str, scope=None, translate: bool = True):
        """A link by its visible name; `name` is a msgid unless translate=False."""
        text = self._(name) if translate else name
        return (scope or page).get_by_role("link", name=text, exact=True)

    def press(self, page, msgid: str, scope=None) -> None:
        self.button(page, msgid, scope).click()

    def follow(self, page, name: str, scope=None, translate: bool = True) -> None:
        self.link(page, name, scope, translate).first.click()

    def status_is(self, page, msgid: str) -> None:
        """The page's own status badge (the first in the main content) shows `msgid`."""
        self.expect(page.locator("main .badge").first).to_have_text(self._(msgid))

    def shot(self, page, step: str) -> None:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"journey-{self.locale}-{step}.png"), full_page=True)
