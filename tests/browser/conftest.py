"""Browser fixtures: a live server on its own SQLite file, and Debian's Chromium via Playwright.

The live server runs in another thread and must see committed data, so these tests do not use
the rolled-back session of tests/conftest.py (see DECISIONS.md).
"""

from __future__ import annotations

import os
import re
import threading
from pathlib import Path

import pytest
from flask_babel import force_locale
from flask_babel import gettext as _
from werkzeug.serving import make_server

from matchmaker.accounts.models import Role, User
from matchmaker.extensions import db
from tests import factories
from tests.conftest import build_app

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"


@pytest.fixture(autouse=True)
def db_session():
    """Override the rolled-back session: the live server commits for real."""
    yield db.session


class LiveServer:
    def __init__(self, app, url: str):
        self.app = app
        self.url = url

    def label(self, msgid: str, locale: str) -> str:
        """A UI string as the server shows it in `locale`, so journeys do not hard-code text."""
        with self.app.test_request_context(), force_locale(locale):
            return _(msgid)

    def make_user(self, role: Role, **kwargs) -> User:
        with self.app.app_context():
            user = factories.make_user(role, **kwargs)
            db.session.commit()
            db.session.refresh(user)
            db.session.expunge(user)
            return user

    def sign_in(self, page, user, locale: str) -> None:
        page.goto(f"{self.url}/login?lang={locale}")
        page.fill("input[name=email]", user.email)
        page.fill("input[name=password]", factories.PASSWORD)
        page.get_by_role("button", name=self.label("Sign in", locale), exact=True).click()
        page.wait_for_url(re.compile(r"/dashboard"))


# one server and one Chromium for every browser test: starting them is most of the cost
@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    instance = tmp_path_factory.mktemp("live")
    app = build_app(f"sqlite:///{instance / 'live.db'}", instance, TESTING=False)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield LiveServer(app, f"http://127.0.0.1:{server.server_port}")
    finally:
        server.shutdown()
        thread.join(timeout=10)
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture(scope="session")
def browser():
    in_ci = os.environ.get("CI", "").lower() in ("1", "true", "yes")
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing: install Debian's chromium (make test does)"
        if in_ci:
            pytest.fail(message)
        pytest.skip(message)
    if in_ci:
        from playwright import sync_api
    else:
        sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def screenshot(request):
    """Save a full-page screenshot under tests/artifacts/ (git-ignored)."""
    ARTIFACTS.mkdir(exist_ok=True)

    def _shot(page, name: str) -> Path:
        path = ARTIFACTS / f"{request.node.name}-{name}.png".replace("/", "_")
        page.screenshot(path=str(path), full_page=True)
        return path

    return _shot
