"""Open data pages: public downloads, the admin-only feed upload (CSRF, size limit, bad files)."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from matchmaker.accounts.models import AccountStatus, Role
from matchmaker.extensions import db
from matchmaker.matching.models import Embedding
from matchmaker.needs.models import Need, NeedStatus
from tests.opendata.conftest import OPEN_FEED

IMPORT_URL = "/opendata/import"


def count_needs() -> int:
    return db.session.scalar(select(func.count(Need.id)))


def upload(client, data: bytes, name: str = "feed.json", **kwargs):
    return client.post(
        IMPORT_URL,
        data={"feed": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
        **kwargs,
    )


def test_open_data_page_lists_the_downloads_and_the_dictionary(client):
    response = client.get("/opendata")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'href="/opendata/export.zip"' in page
    assert 'href="/opendata/challenge-gov.json"' in page
    assert "needs.csv" in page and "result_kpis.csv" in page
    assert "budget_currency" in page  # the data dictionary is on the page
    assert IMPORT_URL not in page  # the import link is for administrators


def test_footer_links_to_open_data(client):
    assert 'href="/opendata"' in client.get("/").get_data(as_text=True)


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get(IMPORT_URL)
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert upload(client, OPEN_FEED.read_bytes()).status_code == 302
    assert count_needs() == 0


@pytest.mark.parametrize("role", [Role.PROVIDER, Role.DEPARTMENT, Role.REVIEWER, Role.COORDINATOR])
def test_only_admins_may_import(client, login_as, role):
    login_as(role)
    assert client.get(IMPORT_URL).status_code == 403
    assert upload(client, OPEN_FEED.read_bytes()).status_code == 403
    assert count_needs() == 0


def test_a_pending_admin_may_not_import(client, login_as):
    login_as(Role.ADMIN, status=AccountStatus.PENDING)
    assert upload(client, OPEN_FEED.read_bytes()).status_code == 403
    assert count_needs() == 0


def test_admin_uploads_a_feed_and_sees_the_summary(client, login_as, fake_encoders):
    login_as(Role.ADMIN)
    page = client.get(IMPORT_URL)
    assert page.status_code == 200 and 'enctype="multipart/form-data"' in page.get_data(
        as_text=True
    )

    response = upload(client, OPEN_FEED.read_bytes(), "feed-open.json")
    assert response.status_code == 302 and response.headers["Location"].endswith(IMPORT_URL)
    assert count_needs() == 29
    # matchable at once: the request layer encoded the committed needs
    encoded = db.session.scalars(select(Embedding.entity_id).where(Embedding.entity_type == "need"))
    assert len(set(encoded)) == 29
    # each need once per model; the explainer (multilingual) also encodes its sentences
    assert len(fake_encoders["semantic"].texts) == 29
    assert len(fake_encoders["multilingual"].texts) >= 29 * 2
    shown = client.get(IMPORT_URL).get_data(as_text=True)
    assert "29 created, 0 updated, 0 unchanged, 0 skipped." in shown

    upload(client, OPEN_FEED.read_bytes(), "feed-open.json")
    assert count_needs() == 29
    assert "0 created, 0 updated, 29 unchanged, 0 skipped." in client.get(IMPORT_URL).get_data(
        as_text=True
    )
    listing = client.get("/needs?q=EcoTox").get_data(as_text=True)
    assert "EcoTox TARGET Challenge" in listing  # published at once


def test_the_upload_needs_a_csrf_token(client, login_as):
    login_as(Role.ADMIN)
    response = upload(client, OPEN_FEED.read_bytes(), csrf=False)
    assert response.status_code == 400
    assert count_needs() == 0


def test_a_file_over_the_size_limit_is_refused(app, client, login_as, monkeypatch):
    login_as(Role.ADMIN)
    monkeypatch.setitem(app.config, "OPENDATA_MAX_FEED_BYTES", 1024)
    response = upload(client, OPEN_FEED.read_bytes())
    assert response.status_code == 200
    assert "The file is too large" in response.get_data(as_text=True)
    assert count_needs() == 0


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"{not json", "The file is not valid JSON"),
        (b'{"items": []}', "has no “_challenge” list"),
    ],
)
def test_a_bad_file_is_refused_with_a_clear_message(client, login_as, data, message):
    login_as(Role.ADMIN)
    response = upload(client, data)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert count_needs() == 0


def test_a_form_without_a_file_is_refused(client, login_as):
    login_as(Role.ADMIN)
    response = client.post(IMPORT_URL, data={})
    assert response.status_code == 200
    assert "Choose a feed file to import." in response.get_data(as_text=True)


def test_challenge_gov_export_holds_only_public_needs(client):
    from tests.factories import make_need

    make_need(title="Visible need", language="en")
    make_need(title="Closed need", status=NeedStatus.CLOSED)
    make_need(title="Hidden draft", status=NeedStatus.DRAFT)
    document = client.get("/opendata/challenge-gov.json").get_json(force=True)
    titles = {e["challenge-title"]: e["challenge_status"] for e in document["_challenge"]}
    assert titles == {"Visible need": "open", "Closed need": "closed"}
    assert document["feed_url"] == "http://localhost/opendata/challenge-gov.json"


def test_open_data_page_renders_in_japanese(client):
    response = client.get("/opendata?lang=ja", headers={"Accept-Language": "ja"})
    assert response.status_code == 200
    assert 'href="/opendata/export.zip"' in response.get_data(as_text=True)
