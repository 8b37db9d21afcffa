"""The export zip: contents, data dictionary, no private data; the Challenge.gov round trip."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import timedelta

from sqlalchemy import func, select

from matchmaker.accounts.models import Organization, OrgKind, Role, User
from matchmaker.calls.models import Call, CallStatus
from matchmaker.db import utcnow
from matchmaker.extensions import db
from matchmaker.needs.models import Need, NeedStatus
from matchmaker.opendata.datasets import DATASETS
from matchmaker.opendata.importer import import_feed
from matchmaker.projects.models import ProjectStatus
from matchmaker.seeds.models import SeedStatus
from tests.factories import make_need, make_org, make_seed, make_user
from tests.opendata.conftest import make_result

SECRETS = (
    "DRAFT-NEED-SECRET",
    "REVIEW-NEED-SECRET",
    "PRIVATE-REVIEW-COMMENT",
    "DRAFT-SEED-SECRET",
    "DRAFT-CALL-SECRET",
    "UNPUBLISHED-RESULT",
    "PRIVATE-APPROACH-TEXT",
    "PRIVATE-FINAL-REPORT",
    "LONELY-ORG",
    "secret-user@example.org",
)


def read_zip(response) -> dict[str, bytes]:
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    return {name: archive.read(name) for name in archive.namelist()}


def read_csv(data: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


def public_and_private_records():
    department = make_org(OrgKind.DEPARTMENT, name="Public Works Bureau")
    make_user(Role.DEPARTMENT, org=department, email="secret-user@example.org")
    published = make_need(
        org=department,
        title="Flood sensors",
        summary="=HYPERLINK(1)",
        review_comment="PRIVATE-REVIEW-COMMENT",
        budget_max=5_000_000,
        contact_email="floods@city.example.jp",
    )
    make_need(org=department, status=NeedStatus.DRAFT, title="DRAFT-NEED-SECRET")
    make_need(org=department, status=NeedStatus.IN_REVIEW, title="REVIEW-NEED-SECRET")
    make_seed(title="Radar fall sensor")
    make_seed(status=SeedStatus.DRAFT, title="DRAFT-SEED-SECRET")
    now = utcnow()
    for status, title in ((CallStatus.OPEN, "Open call"), (CallStatus.DRAFT, "DRAFT-CALL-SECRET")):
        db.session.add(
            Call(
                need=published,
                organization=department,
                status=status,
                title=title,
                opens_at=now - timedelta(days=1),
                closes_at=now + timedelta(days=30),
            )
        )
    make_org(OrgKind.STARTUP, name="LONELY-ORG")
    result = make_result()
    make_result(published=False, title="UNPUBLISHED-RESULT")
    make_result(published=True, status=ProjectStatus.RUNNING, title="UNPUBLISHED-RESULT")
    db.session.flush()
    return published, result


def test_export_zip_has_every_public_dataset_as_csv_and_json(client):
    need, result = public_and_private_records()
    response = client.get("/opendata/export.zip")
    assert response.status_code == 200
    assert response.mimetype == "application/zip"
    assert "attachment" in response.headers["Content-Disposition"]
    files = read_zip(response)
    for dataset in DATASETS:
        assert f"{dataset.name}.csv" in files and f"{dataset.name}.json" in files
    assert {"README.md", "data-dictionary.csv", "challenge-gov.json"} <= set(files)

    needs = read_csv(files["needs.csv"])
    assert [row["title"] for row in needs] == ["Flood sensors"] + ["高齢者の見守り"] * 3
    flood = needs[0]
    assert flood["url"] == f"http://localhost/needs/{need.id}"
    assert flood["budget_max"] == "5000000" and flood["budget_currency"] == "JPY"
    assert flood["summary"] == "'=HYPERLINK(1)"  # spreadsheets must not run it
    assert json.loads(files["needs.json"])[0]["summary"] == "=HYPERLINK(1)"  # JSON is exact
    call_titles = [row["title"] for row in read_csv(files["calls.csv"])]
    assert call_titles == ["Open call"] + ["Call for fall sensors"] * 3  # decided calls too
    assert [row["title"] for row in read_csv(files["seeds.csv"])] == ["Radar fall sensor"]

    results = json.loads(files["results.json"])
    assert [r["id"] for r in results] == [result.id]
    assert results[0]["outcome"] == "Falls were noticed within 2 minutes"
    assert results[0]["status"] == "adopted"
    kpis = read_csv(files["result_kpis.csv"])
    assert [(k["project_id"], k["name"], k["target"], k["actual"], k["met"]) for k in kpis] == [
        (str(result.id), "Response minutes", "5.0", "2.0", "true")
    ]
    assert read_csv(files["result_milestones.csv"])[0]["title"] == "Install sensors"
    org_names = {row["name"] for row in read_csv(files["organizations.csv"])}
    assert "Public Works Bureau" in org_names and "LONELY-ORG" not in org_names


def test_no_private_field_or_draft_leaks_into_the_export(client):
    public_and_private_records()
    files = read_zip(client.get("/opendata/export.zip"))
    blob = b"\n".join(files.values()).decode("utf-8")
    for secret in SECRETS:
        assert secret not in blob, secret
    for email, password_hash in db.session.execute(select(User.email, User.password_hash)):
        assert email not in blob and password_hash not in blob
    forbidden = {"review_comment", "search_text", "created_by_id", "version", "final_report"}
    for dataset in DATASETS:
        header = next(csv.reader(io.StringIO(files[f"{dataset.name}.csv"].decode("utf-8-sig"))))
        assert not forbidden & set(header), dataset.name


def test_data_dictionary_describes_every_column_of_every_file(client):
    public_and_private_records()
    files = read_zip(client.get("/opendata/export.zip"))
    dictionary = read_csv(files["data-dictionary.csv"])
    described = {(row["file"], row["column"]) for row in dictionary if row["description"].strip()}
    readme = files["README.md"].decode()
    for dataset in DATASETS:
        header = next(csv.reader(io.StringIO(files[f"{dataset.name}.csv"].decode("utf-8-sig"))))
        assert header
        for column in header:
            assert (f"{dataset.name}.csv / {dataset.name}.json", column) in described, column
        for row in json.loads(files[f"{dataset.name}.json"]):
            assert list(row) == header
        assert f"{dataset.name}.csv" in readme


def test_needs_round_trip_through_challenge_gov_json_into_an_empty_database(client):
    savepoint = db.session.begin_nested()
    tokyo = make_org(OrgKind.DEPARTMENT, name="東京都 デジタルサービス局")
    originals = [
        make_need(
            org=tokyo,
            title="高齢者の見守り",
            summary="一人暮らしの高齢者を & <見守る> 仕組み",
            problem="First paragraph.\n\nSecond <b>paragraph</b> & more.",
            budget_min=1_000_000,
            budget_max=3_000_000,
            policy_areas=("elderly_care", "health"),
        ),
        make_need(
            org=tokyo,
            title="Flood early warning",
            summary="Warn residents before rivers overflow",
            language="en",
            budget_max=250_000,
            budget_currency="USD",
            policy_areas=("disaster_prevention",),
            status=NeedStatus.CLOSED,
            closed_at=utcnow(),
        ),
        make_need(org=tokyo, title="No budget", summary="Nothing stated"),
    ]
    make_need(org=tokyo, status=NeedStatus.DRAFT, title="DRAFT-NEED-SECRET")
    fields = (
        "title",
        "summary",
        "problem",
        "budget_min",
        "budget_max",
        "budget_currency",
        "language",
        "status",
        "policy_areas",
    )
    expected = sorted(tuple(getattr(n, f) for f in fields) for n in originals)

    response = client.get("/opendata/challenge-gov.json")
    assert response.status_code == 200
    assert response.mimetype == "application/feed+json"
    document = response.get_json(force=True)
    assert document["version"] == "https://jsonfeed.org/version/1"
    assert len(document["_challenge"]) == 3
    usd = next(e for e in document["_challenge"] if e["challenge-title"] == "Flood early warning")
    assert usd["total-prize-offered-cash"] == "$250,000" and usd["challenge_status"] == "closed"

    savepoint.rollback()  # back to a database without needs or organizations
    assert db.session.scalar(select(func.count(Need.id))) == 0
    assert db.session.scalar(select(func.count(Organization.id))) == 0

    summary = import_feed(response.data)
    assert summary.created == 3 and not summary.skipped
    copies = db.session.scalars(select(Need)).all()
    assert sorted(tuple(getattr(n, f) for f in fields) for n in copies) == expected
    assert {n.organization.name for n in copies} == {"東京都 デジタルサービス局"}
