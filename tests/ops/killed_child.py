"""The servers of the kill tests (tests/ops/test_own_database_faults.py). This program imports
the app once, then forks one server process per scenario, one after the other (like gunicorn's
preload: nothing is connected or running yet when it forks). Each server builds the app on the
given database, submits a proposal through the test client as a provider would, and SIGKILLs
itself inside the request's commit (before it, or right after it returned). The program prints
how each server ended."""

from __future__ import annotations

import io
import json
import os
import signal
import sys
import traceback
from pathlib import Path

from sqlalchemy import func, select

from matchmaker import create_app
from matchmaker.extensions import db
from matchmaker.proposals.models import Proposal, ProposalAttachment
from tests.conftest import CSRFClient
from tests.proposals.helpers import proposal_form

# the proposal the child writes; the parent compares every field after the "restart"
FORM = proposal_form(
    title="停電時の見守り実証 — kill test",
    approach="Battery-backed sensors in 30 homes report to the ward office.",
    links="https://example.org/kill-test",
)
PDFS = {
    "plan.pdf": b"%PDF-1.4\n% plan\n" + bytes(range(256)) * 8 + b"\n%%EOF\n",
    "budget.pdf": b"%PDF-1.4\n% budget \xe2\x9c\x93\n" + b"0123456789" * 300 + b"\n%%EOF\n",
}


def _kill(marker: Path, facts: dict) -> None:
    marker.write_text(json.dumps(facts))
    os.kill(os.getpid(), signal.SIGKILL)


def _die_before_commit(marker: Path, model, **where) -> None:
    """Replace the request's commit: prove the rows are flushed in this transaction, die."""

    def commit():
        flushed = db.session.scalar(select(func.count()).select_from(model).filter_by(**where))
        _kill(marker, {"flushed": flushed})

    db.session.commit = commit


def _die_after_commit(marker: Path, proposal_id: int) -> None:
    real = db.session.commit

    def commit():
        real()
        _kill(marker, {"committed": proposal_id})

    db.session.commit = commit


def _upload(client, proposal_id: int):
    files = [(io.BytesIO(body), name) for name, body in PDFS.items()]
    return client.post(
        f"/proposals/{proposal_id}/attachments",
        data={"files": files},
        content_type="multipart/form-data",
    )


def build(spec: dict):
    return create_app(
        {
            "ENV": "testing",
            "TESTING": True,
            "SECRET_KEY": "test-secret-key",
            "DATABASE_URL": spec["url"],
            "INSTANCE_PATH": spec["instance"],
            "UPLOAD_DIR": spec["uploads"],
        }
    )


def serve(app, spec: dict) -> None:
    marker, call_id = Path(spec["marker"]), spec["call_id"]
    app.test_client_class = CSRFClient
    client = app.test_client()
    with client.session_transaction() as sess:
        sess.update({"_user_id": spec["user"], "_fresh": True, "lang": "en"})
    with app.app_context():
        if spec["scenario"] == "create":
            _die_before_commit(
                marker, Proposal, call_id=call_id, organization_id=spec["organization_id"]
            )
        response = client.post(f"/calls/{call_id}/proposals/new", data=FORM)
        assert response.status_code == 302, response.status_code
        proposal_id = int(response.location.rstrip("/").rsplit("/", 1)[-1])
        if spec["scenario"] == "attach":
            _die_before_commit(marker, ProposalAttachment, proposal_id=proposal_id)
        assert _upload(client, proposal_id).status_code == 302
        _die_after_commit(marker, proposal_id)
        client.post(f"/proposals/{proposal_id}/submit", data={})
    raise AssertionError("the server should have been killed")


def main() -> None:
    specs = json.loads(sys.argv[1])
    app = build(specs[0])  # imports everything once; opens no connection
    ended = {}
    for spec in specs:
        pid = os.fork()
        if pid == 0:
            try:
                serve(app, spec)
            except BaseException:
                traceback.print_exc()
            os._exit(1)  # only reached when the scenario failed before its kill
        _pid, status = os.waitpid(pid, 0)
        ended[spec["scenario"]] = os.WTERMSIG(status) if os.WIFSIGNALED(status) else None
    print(json.dumps(ended))


if __name__ == "__main__":
    main()
