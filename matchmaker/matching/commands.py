"""`flask --app matchmaker match reindex|status`: re-encode what changed, report the index."""

from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy import func, select

from matchmaker.extensions import db
from matchmaker.matching import runtime
from matchmaker.matching.models import Embedding
from matchmaker.matching.records import NEED, SEED, published_ids
from matchmaker.matching.store import current_revision, plan_sync, sync

match_cli = AppGroup("match", help="The matcher's stored embeddings.")
CHUNK = 256


def _encoders() -> dict:
    try:
        return runtime.get_encoders()
    except runtime.MatchingUnavailable as exc:
        raise click.ClickException(f"Matching is unavailable: {exc.reason}") from None


@match_cli.command("reindex")
@click.option("--force", is_flag=True, help="Encode every published record again.")
def reindex(force: bool) -> None:
    """Encode published needs and seeds whose text or model changed since they were stored, and
    the sentence vectors of explanations where they are missing or stale."""
    encoders = _encoders()
    session = db.session
    work = {kind: published_ids(session, kind) for kind in (NEED, SEED)}
    steps = sum(plan_sync(session, kind, ids, encoders, force).steps for kind, ids in work.items())
    totals = {"encoded": 0, "skipped": 0, "sentences": 0}
    try:
        with click.progressbar(length=steps, label="Encoding", show_pos=True) as bar:
            for kind, ids in work.items():
                for start in range(0, len(ids), CHUNK):
                    result = sync(
                        session,
                        kind,
                        ids[start : start + CHUNK],
                        encoders,
                        force=force,
                        touch=False,
                        progress=bar.update,
                    )
                    session.commit()  # each chunk is kept even if a later one fails
                    totals["encoded"] += result.encoded
                    totals["skipped"] += result.skipped
                    totals["sentences"] += result.sentences
    except BaseException:
        session.rollback()
        raise
    click.echo(
        f"Encoded {totals['encoded']} records, skipped {totals['skipped']} unchanged "
        f"(models: {', '.join(e.name for e in encoders.values())}); "
        f"sentence vectors of {totals['sentences']} records."
    )


@match_cli.command("status")
def status() -> None:
    """Show the configuration, whether the models load, and how many records are up to date."""
    path = runtime.config_path()
    click.echo(f"Configuration: {path}")
    problem = runtime.check_configuration(path)
    revision, stamp = current_revision(db.session)
    click.echo(
        f"Index revision: {revision}" + (f" (updated {stamp:%Y-%m-%d %H:%M})" if stamp else "")
    )
    rows = db.session.execute(
        select(Embedding.entity_type, Embedding.model, func.count()).group_by(
            Embedding.entity_type, Embedding.model
        )
    ).all()
    for kind, model, count in sorted(rows):
        click.echo(f"Stored {kind} embeddings under {model}: {count}")
    if problem:
        click.echo(f"Matching is unavailable: {problem}")
        return
    encoders = _encoders()
    for signal, encoder in encoders.items():
        click.echo(f"Encoder {signal}: {encoder.name} ({encoder.dim} dimensions)")
    for kind in (NEED, SEED):
        ids = published_ids(db.session, kind)
        plan = plan_sync(db.session, kind, ids, encoders)
        stale = len(plan.encoded_ids)
        click.echo(
            f"Published {kind}s: {len(ids)}, up to date {len(ids) - stale}, to encode {stale}, "
            f"sentence vectors to encode {len(plan.sentences)}"
        )
