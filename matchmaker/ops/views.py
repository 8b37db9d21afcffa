"""/livez answers as long as the process serves requests; /healthz says whether it can do its
work (database and matcher). Both are public, CSRF-exempt and never cached."""

from __future__ import annotations

from flask import Blueprint, jsonify

from matchmaker.extensions import csrf
from matchmaker.ops.checks import readiness

bp = Blueprint("ops", __name__)
csrf.exempt(bp)

NO_STORE = {"Cache-Control": "no-store"}


@bp.route("/livez")
def livez():
    """No database, no template: also the load test's ceiling endpoint."""
    return "ok\n", 200, {**NO_STORE, "Content-Type": "text/plain; charset=utf-8"}


@bp.route("/healthz")
def healthz():
    ready, checks = readiness()
    response = jsonify({"status": "ok" if ready else "fail", "checks": checks})
    response.status_code = 200 if ready else 503
    response.headers.update(NO_STORE)
    return response
