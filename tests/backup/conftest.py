"""Backups need committed data: an app on a database of its own (a separate PostgreSQL database
on the test server, or an SQLite file), filled with the demo data plus a row in every table."""

from __future__ import annotations

import hashlib
import io
import secrets
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest
import sqlalchemy as sa
from sqlalchemy import select

from matchmaker.accounts.models import Role, User
from matchmaker.api.models import ApiToken
from matchmaker.calls.models import Call
from matchmaker.db import utcnow
from matchmaker.evaluation.models import ConflictOfInterest
from matchmaker.extensions import db
from matchmaker.jobs.models import JobState
from matchmaker.matching.models import Embedding, IndexState
from matchmaker.needs.models import Need, NeedRevision
from matchmaker.notifications.models import Frequency, NotificationPreference, SeedSubscription
from matchmaker.proposals.models import Proposal, ProposalAttachment
from matchmaker.seeds.models import Seed
from matchmaker.uploads.services import store_pdf
from tests.conftest import build_app
from tests.ops.own_database import own_database


@pytest.fixture(autouse=True)
def db_session():
    """Override the rolled-back session: backups read and replace committed data."""
    yield db.session


@dataclass
class World:
    app: object
    archive: Path
    database: dict
    files: dict
    folder: Path

    @property
    def uploads(self) -> Path:
        return Path(self.app.config["UPLOAD_DIR"])

    def state(self) -> tuple[dict, dict]:
        return database_state(self.app), file_state(self.uploads)

    def invoke(self, *args, **kwargs):
        return self.app.test_cli_runner().invoke(args=["backup", *args], **kwargs)


def database_state(app) -> dict[str, list[tuple]]:
    """Every row of every table, ordered by primary key; every table the database holds."""
    with app.app_context(), db.engine.connect() as conn:
        present = set(sa.inspect(conn).get_table_names())
        state: dict[str, list[tuple]] = {"tables": [(name,) for name in sorted(present)]}
        for table in db.metadata.sorted_tables:
            if table.name in present:
                order = list(table.primary_key.columns) or list(table.columns)
                state[table.name] = [tuple(r) for r in conn.execute(select(table).order_by(*order))]
        if "alembic_version" in present:
            state["alembic_version"] = [
                tuple(r) for r in conn.exec_driver_sql("SELECT version_num FROM alembic_version")
            ]
    with app.app_context():
        db.engine.dispose()
    return state


def file_state(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def fill_remaining_tables() -> None:
    """A row in each table the demo data leaves empty: vectors, tokens, revisions, a PDF."""
    proposal = db.session.scalars(select(Proposal).order_by(Proposal.id)).first()
    call = db.session.get(Call, proposal.call_id)
    provider = db.session.scalars(select(User).where(User.role == Role.PROVIDER)).first()
    reviewer = db.session.scalars(select(User).where(User.role == Role.REVIEWER)).first()
    need = db.session.scalars(select(Need).order_by(Need.id)).first()
    seed = db.session.scalars(select(Seed).order_by(Seed.id)).first()
    rng = np.random.default_rng(7)
    for seed_id in db.session.scalars(select(Seed.id).order_by(Seed.id)):
        vector = rng.standard_normal(8).astype("<f4")
        db.session.add(
            Embedding(
                entity_type="seed",
                entity_id=seed_id,
                model="test-model",
                text_hash=hashlib.sha256(str(seed_id).encode()).hexdigest(),
                dim=8,
                vector=vector.tobytes(),
                revision=seed_id,
            )
        )
    db.session.add(IndexState(name="default", revision=99))
    db.session.add(JobState(name="close-calls", lease_owner="host:1", last_result="ok ✓"))
    db.session.add(
        ApiToken(
            user_id=provider.id,
            name="ci",
            token_hash=hashlib.sha256(b"token").hexdigest(),
            prefix="mm_abc",
            expires_at=utcnow() + timedelta(days=30),
        )
    )
    db.session.add(NotificationPreference(user_id=provider.id, frequency=Frequency.WEEKLY))
    db.session.add(
        NeedRevision(need_id=need.id, data={"title": "見守り（改訂）", "budget": None}, comment="")
    )
    db.session.add(SeedSubscription(seed_id=seed.id, user_id=provider.id, threshold=0.625))
    db.session.add(
        ConflictOfInterest(
            call_id=call.id,
            reviewer_id=reviewer.id,
            organization_id=proposal.organization_id,
            reason="former employer",
        )
    )
    pdf = b"%PDF-1.4\n% proposal plan \xe2\x9c\x93\n" + secrets.token_bytes(2048) + b"\n%%EOF\n"
    attachment = store_pdf(io.BytesIO(pdf), "提案書.pdf", provider, proposal.organization_id)
    db.session.add(ProposalAttachment(proposal_id=proposal.id, attachment_id=attachment.id))


@pytest.fixture(scope="session")
def world(tmp_path_factory):
    """Filled, snapshotted and backed up once; tests that destroy data restore it."""
    folder = tmp_path_factory.mktemp("backup")
    with own_database(folder, "backup") as url:
        app = build_app(url, folder / "instance")
        result = app.test_cli_runner().invoke(args=["demo", "load"])
        assert result.exit_code == 0, result.output
        with app.app_context():
            fill_remaining_tables()
            db.session.commit()
            db.session.remove()
        nested = Path(app.config["UPLOAD_DIR"]) / "exports" / "2026"
        nested.mkdir(parents=True)
        (nested / "needs.csv").write_text("id,title\n1,高齢者の見守り\n", encoding="utf-8")
        world = World(app, folder / "backup.tar.gz", database_state(app), {}, folder)
        world.files = file_state(world.uploads)
        result = world.invoke("create", "--output", str(world.archive))
        assert result.exit_code == 0, result.output
        yield world
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
