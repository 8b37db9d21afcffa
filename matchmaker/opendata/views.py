"""Open data pages: the downloads for everyone, the feed import for administrators."""

from __future__ import annotations

import io
import json

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from matchmaker.accounts.permissions import is_admin
from matchmaker.common.errors import DomainError
from matchmaker.db import utcnow
from matchmaker.extensions import db, limiter
from matchmaker.opendata import export
from matchmaker.opendata.datasets import DATASETS
from matchmaker.opendata.forms import DEFAULT_MAX_FEED_BYTES, FeedUploadForm, read_limited
from matchmaker.opendata.importer import import_feed
from matchmaker.web import guard_page

bp = Blueprint("opendata", __name__, url_prefix="/opendata")
MAX_SKIPPED_SHOWN = 10
DOWNLOAD_LIMIT = "60 per minute"  # each download is built from the whole database


def _base_url() -> str:
    return current_app.config.get("MATCHMAKER_PUBLIC_URL") or request.url_root


@bp.get("")
def index():
    return render_template(
        "opendata/index.html", datasets=DATASETS, dictionary=export.dictionary_rows()
    )


@bp.get("/export.zip")
@limiter.limit(DOWNLOAD_LIMIT)
def export_zip():
    data = export.build_export(_base_url())
    name = f"matchmaker-open-data-{utcnow():%Y%m%d}.zip"
    return send_file(
        io.BytesIO(data), mimetype="application/zip", as_attachment=True, download_name=name
    )


@bp.get("/challenge-gov.json")
@limiter.limit(DOWNLOAD_LIMIT)
def challenge_gov():
    feed = export.challenge_gov_feed(_base_url())
    body = json.dumps(feed, ensure_ascii=False, indent=1)
    return Response(body, mimetype="application/feed+json")


def _require_admin():
    return guard_page(is_admin, "opendata import")


@bp.route("/import", methods=["GET", "POST"])
def import_challenge_gov():
    refused = _require_admin()
    if refused is not None:
        return refused
    form = FeedUploadForm()
    limit = int(current_app.config.get("OPENDATA_MAX_FEED_BYTES", DEFAULT_MAX_FEED_BYTES))
    if form.validate_on_submit():
        raw = read_limited(form.feed.data.stream, limit)
        if raw is None:
            form.feed.errors.append(
                _("The file is too large (at most %(mb)d MB).", mb=max(1, limit // 2**20))
            )
        else:
            try:
                summary = import_feed(raw, current_user._get_current_object())
            except DomainError as exc:
                db.session.rollback()
                form.feed.errors.append(exc.message)
            else:
                flash(_("Feed imported: %(summary)s", summary=summary.line()), "success")
                for external_id, reason in summary.skipped[:MAX_SKIPPED_SHOWN]:
                    flash(_("Skipped %(id)s: %(reason)s", id=external_id, reason=reason), "info")
                return redirect(url_for("opendata.import_challenge_gov"))
    return render_template("opendata/import.html", form=form, limit_mb=max(1, limit // 2**20))
