"""Request layer: one commit per request, security headers, error pages, template helpers."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from urllib.parse import urlsplit

from flask import Flask, abort, current_app, g, jsonify, render_template, request
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException

from matchmaker.common import labels, taxonomy
from matchmaker.common.errors import DomainError
from matchmaker.common.money import format_money
from matchmaker.common.persistence import is_write_conflict
from matchmaker.extensions import db

log = logging.getLogger("matchmaker")

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'"
)


def is_safe_next(target: str | None) -> bool:
    """Only local paths are followed after login (no scheme, no host, no backslash tricks)."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return False
    if "\\" in target or any(ord(c) < 32 for c in target):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


def guard_page(allowed: Callable[[object], bool], area: str):
    """Deny by default: anonymous visitors sign in first, a signed-in user not allowed gets 403."""
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()
    if not allowed(current_user):
        log.warning("%s refused user_id=%s path=%s", area, current_user.id, request.path)
        abort(403)
    return None


def wants_json() -> bool:
    return request.path.startswith("/api/") or (
        request.accept_mimetypes.best_match(["application/json", "text/html"]) == "application/json"
    )


def problem(status: int, title: str, detail: str | None = None, **extra):
    """RFC 9457 problem details response."""
    body = {"type": "about:blank", "title": title, "status": status}
    if detail:
        body["detail"] = detail
    body.update(extra)
    response = jsonify(body)
    response.status_code = status
    response.mimetype = "application/problem+json"
    return response


def init_app(app: Flask) -> None:
    @app.before_request
    def _request_id():
        g.request_id = request.headers.get("X-Request-Id", "")[:64] or uuid.uuid4().hex[:16]

    @app.after_request
    def _commit_and_secure(response):
        if response.status_code < 400 and not g.get("rollback"):
            db.session.commit()
        else:
            db.session.rollback()
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CSP)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("X-Request-Id", g.get("request_id", ""))
        if request.is_secure:
            headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        return response

    @app.teardown_request
    def _rollback_on_error(exc):
        if exc is not None:
            db.session.rollback()

    def render_error(status: int, title: str, detail: str | None = None):
        g.rollback = True
        if wants_json():
            return problem(status, title, detail, request_id=g.get("request_id"))
        return (
            render_template("errors/error.html", status=status, title=title, detail=detail),
            status,
        )

    @app.errorhandler(DomainError)
    def _domain_error(exc: DomainError):
        return render_error(exc.status_code, _("Request refused"), exc.message)

    @app.errorhandler(OperationalError)
    def _locked(exc: OperationalError):
        if not is_write_conflict(exc):
            return _unexpected(exc)
        db.session.rollback()
        return render_error(
            409,
            _("Conflict"),
            _("Someone else changed this at the same moment. Reload the page and try again."),
        )

    @app.errorhandler(CSRFError)
    def _csrf_error(exc: CSRFError):
        return render_error(400, _("The form expired"), _("Reload the page and try again."))

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        titles = {
            400: _("Bad request"),
            403: _("Not allowed"),
            404: _("Not found"),
            405: _("Method not allowed"),
            409: _("Conflict"),
            413: _("Request too large"),
            415: _("Unsupported media type"),
            429: _("Too many attempts"),
        }
        detail = exc.description if exc.code in (400, 409) else None
        if exc.code == 429:
            detail = _("Too many attempts. Wait a few minutes and try again.")
        response = render_error(exc.code or 500, titles.get(exc.code, exc.name), detail)
        if exc.code == 429:
            response = app.make_response(response)
            response.headers.setdefault("Retry-After", "60")
        return response

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        log.exception("unhandled error request_id=%s", g.get("request_id"))
        if app.config.get("MATCHMAKER_RAISE_ERRORS"):
            raise exc
        return render_error(
            500,
            _("Something went wrong"),
            _("Quote this reference if you contact us: %(id)s", id=g.get("request_id")),
        )

    @app.context_processor
    def _template_helpers():
        locale = str(get_locale() or "ja")
        return {
            "locale": locale,
            "policy_area_label": lambda code: taxonomy.label(taxonomy.POLICY_AREAS, code, locale),
            "sdg_label": lambda n: taxonomy.label(taxonomy.SDG_GOALS, n, locale),
            "language_label": lambda c: taxonomy.label(taxonomy.LANGUAGES, c, locale),
            "request_id": g.get("request_id"),
            "status_label": labels.status_label,
            "role_label": labels.role_label,
            "account_status_label": labels.account_status_label,
            "org_kind_label": labels.org_kind_label,
            "money": lambda amount, currency="JPY": format_money(amount, currency, locale),
        }
