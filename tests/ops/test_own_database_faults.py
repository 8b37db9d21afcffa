"""Faults on a database of the test's own, with committed data another process sees: a write
blocked by a lock past the timeout is a 503 that saves nothing; a server killed with SIGKILL in
the middle of a submission leaves the whole proposal or nothing, and everything it acknowledged
is readable after a restart."""

from __future__ import annotations

import hashlib
import json
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy import event, select

from matchmaker import create_app
from matchmaker.accounts.models import OrgKind, Role
from matchmaker.extensions import db
from matchmaker.proposals.models import Proposal, ProposalStatus
from matchmaker.uploads.models import Attachment
from tests.conftest import ON_POSTGRES, CSRFClient, build_app
from tests.factories import make_org, make_user
from tests.ops import killed_child
from tests.ops.own_database import committing_session, own_database
from tests.proposals.helpers import make_call, proposal_form
from tests.test_faults import assert_retry_page

ROOT = Path(__file__).resolve().parents[2]


# --- an own database with committed data: locks and killed servers ---------------------------


@dataclass
class World:
    app: object
    url: str
    folder: Path
    call_id: int
    providers: list[tuple[int, str]]  # (organization id, Flask-Login id)


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    folder = tmp_path_factory.mktemp("faults")
    with own_database(folder, "faults") as url:
        app = build_app(url, folder / "instance")
        app.test_client_class = CSRFClient
        with committing_session(), app.app_context():
            call = make_call(make_org(OrgKind.DEPARTMENT))
            users = [make_user(Role.PROVIDER, org=make_org(OrgKind.STARTUP)) for _ in range(4)]
            db.session.commit()
            world = World(
                app, url, folder, call.id, [(u.organization_id, u.get_id()) for u in users]
            )
        yield world
        with app.app_context():
            db.engine.dispose()


def proposals_of(org_id: int) -> list[Proposal]:
    return db.session.scalars(select(Proposal).where(Proposal.organization_id == org_id)).all()


def test_a_write_blocked_past_the_lock_timeout_is_a_503_and_saves_nothing(world):
    org_id, login_id = world.providers[3]
    form = f"/calls/{world.call_id}/proposals/new"
    with committing_session(), world.app.app_context():
        engine = db.engine

        def short_wait(dbapi_connection, _record):
            cursor = dbapi_connection.cursor()
            if engine.dialect.name == "sqlite":
                cursor.execute("PRAGMA busy_timeout=300")
            else:
                cursor.execute("SET lock_timeout = '300ms'")
            cursor.close()

        event.listen(engine, "connect", short_wait)
        engine.dispose()
        blocker = engine.connect()
        try:
            if ON_POSTGRES:  # reads go on; inserts into proposals wait for the lock
                blocker.exec_driver_sql("LOCK TABLE proposals IN EXCLUSIVE MODE")
            else:
                blocker.exec_driver_sql("UPDATE calls SET title = title")  # the write lock
            client = world.app.test_client()
            with client.session_transaction() as sess:
                sess.update({"_user_id": login_id, "_fresh": True, "lang": "en"})
            response = client.post(
                form, data=proposal_form(), headers={"Referer": f"http://localhost{form}"}
            )
            assert_retry_page(response, form, "Back to the form")
        finally:
            blocker.rollback()
            blocker.close()
            event.remove(engine, "connect", short_wait)
            engine.dispose()
        assert proposals_of(org_id) == []
        assert client.post(form, data=proposal_form()).status_code == 302  # the retry works
        db.session.rollback()  # a new snapshot
        assert len(proposals_of(org_id)) == 1


# --- a server killed with SIGKILL in the middle of a submission ------------------------------


def run_servers(world, scenarios: tuple[str, ...]) -> dict[str, dict]:
    """Run one server per scenario (provider i for scenario i), one at a time; each must die
    by SIGKILL. What each knew at that moment, from its marker file."""
    specs = [
        {
            "scenario": scenario,
            "marker": str(world.folder / f"{scenario}.json"),
            "url": world.url,
            "instance": str(world.folder / "instance"),
            "uploads": world.app.config["UPLOAD_DIR"],
            "call_id": world.call_id,
            "organization_id": world.providers[i][0],
            "user": world.providers[i][1],
        }
        for i, scenario in enumerate(scenarios)
    ]
    command = [sys.executable, "-m", "tests.ops.killed_child", json.dumps(specs)]
    done = subprocess.run(  # noqa: S603  (our interpreter, our test module)
        command, cwd=ROOT, capture_output=True, text=True, timeout=180, check=False
    )
    assert done.returncode == 0, (done.stdout + done.stderr)[-3000:]
    ended = json.loads(done.stdout.strip().splitlines()[-1])
    assert ended == dict.fromkeys(scenarios, signal.SIGKILL), done.stderr[-3000:]
    return {s: json.loads((world.folder / f"{s}.json").read_text()) for s in scenarios}


def test_a_killed_server_leaves_the_whole_proposal_or_nothing(world):
    facts = run_servers(world, ("create", "attach", "submit"))
    # the kills happened where intended: rows flushed but not committed, or just committed
    assert facts["create"] == {"flushed": 1} and facts["attach"] == {"flushed": 2}
    with committing_session(), world.app.app_context():
        if db.engine.dialect.name == "sqlite":
            with db.engine.connect() as conn:
                assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
        # killed before its first commit: nothing at all
        assert proposals_of(world.providers[0][0]) == []
        # killed while attaching: the draft acknowledged before stays, with no attachment
        (draft,) = proposals_of(world.providers[1][0])
        assert draft.status is ProposalStatus.DRAFT and draft.attachments == []
        assert (
            db.session.scalar(
                select(sa.func.count())
                .select_from(Attachment)
                .where(Attachment.organization_id == world.providers[1][0])
            )
            == 0
        )
        (submitted,) = proposals_of(world.providers[2][0])
        assert facts["submit"] == {"committed": submitted.id}
    assert_readable_after_restart(world, submitted.id, world.providers[2][1])


def assert_readable_after_restart(world, proposal_id: int, login_id: str) -> None:
    """A fresh app on the same database and upload folder shows every field and file."""
    app = create_app(
        {
            "ENV": "testing",
            "TESTING": True,
            "SECRET_KEY": "test-secret-key",
            "DATABASE_URL": world.url,
            "INSTANCE_PATH": str(world.folder / "instance"),
            "UPLOAD_DIR": world.app.config["UPLOAD_DIR"],
        }
    )
    app.test_client_class = CSRFClient
    client = app.test_client()
    with client.session_transaction() as sess:
        sess.update({"_user_id": login_id, "_fresh": True, "lang": "en"})
    form = killed_child.FORM
    with committing_session(), app.app_context():
        proposal = db.session.get(Proposal, proposal_id)
        assert proposal.status is ProposalStatus.SUBMITTED
        assert proposal.title == form["title"] and proposal.approach == form["approach"]
        assert (proposal.pilot_plan, proposal.schedule, proposal.team) == (
            form["pilot_plan"],
            form["schedule"],
            form["team"],
        )
        assert proposal.budget_amount == int(form["budget_amount"])
        assert proposal.links == [form["links"]]
        items = {i.attachment.original_name: i for i in proposal.attachments}
        assert set(items) == set(killed_child.PDFS)
        page = client.get(f"/proposals/{proposal_id}").get_data(as_text=True)
        assert form["title"] in page and "Submitted" in page
        for name, body in killed_child.PDFS.items():
            item = items[name]
            assert item.attachment.sha256 == hashlib.sha256(body).hexdigest()
            download = client.get(f"/proposals/{proposal_id}/attachments/{item.id}")
            assert download.status_code == 200 and download.data == body
        db.session.remove()
        db.engine.dispose()
