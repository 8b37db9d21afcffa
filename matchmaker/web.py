"""Request layer: one commit per request, security headers, error pages, template helpers."""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable
from urllib.parse import urlsplit

from flask import Flask, abort, current_app, g, jsonify, render_template, request, session
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from markupsafe import escape
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import HTTPException

from matchmaker.common import labels, logs, taxonomy
from matchmaker.common.errors import DomainError
from matchmaker.common.money import format_money
from matchmaker.common.persistence import is_unavailable, is_write_conflict
from matchmaker.extensions import db

log = logging.getLogger("matchmaker")
access_log = logging.getLogger("matchmaker.access")

REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
RETRY_AFTER_S = 5
# shown when even the error template cannot be rendered: no database, no session, no template
FALLBACK_UNAVAILABLE = (
    '<!doctype html><html><head><meta charset="utf-8"><title>503</title></head><body>'
    "<h1>503 Service unavailable</h1><p>The database is busy or unavailable. Nothing was "
    'saved; try again in a few seconds.</p><p><a href="{retry}">Try again</a></p>'
    "<p>Reference: {request_id}</p></body></html>"
)

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


def retry_url() -> str:
    """Where the 503 page's button leads: the same page for a read, the form for a write."""
    if request.method in ("GET", "HEAD"):
        target = request.full_path.rstrip("?")
    else:
        parts = urlsplit(request.referrer or "")
        same_site = parts.netloc == request.host
        target = parts.path + (f"?{parts.query}" if parts.query else "") if same_site else ""
        target = target or request.path
    return target if is_safe_next(target) else "/"


def _rollback_quietly() -> None:
    try:
        db.session.rollback()
    except SQLAlchemyError:  # the connection is gone: the pool replaces it next time
        log.warning("rollback failed; the connection is discarded", exc_info=True)


def _log_access(response) -> None:
    started = g.get("request_started")
    access_log.info(
        "%s %s %s",
        request.method,
        request.path,
        response.status_code,
        extra={
            "status": response.status_code,
            "duration_ms": round((time.perf_counter() - started) * 1000, 1) if started else None,
            "remote_addr": request.remote_addr,
        },
    )


def keep_own_retry_after(response):
    """Flask-Limiter writes its window's reset into Retry-After on every response of a limited
    route; only a 429 means that, and a 503 keeps the retry time its page promised."""
    own = g.get("retry_after")
    if own is not None:
        response.headers["Retry-After"] = own
    elif response.status_code not in (429, 503):
        response.headers.pop("Retry-After", None)
    return response


def init_app(app: Flask) -> None:
    logs.init_app(app)

    def _request_id():
        g.request_started = time.perf_counter()
        incoming = request.headers.get("X-Request-Id", "")
        g.request_id = incoming if REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex[:16]

    # first of all, so that CSRF and rate-limit refusals carry the id and are timed too
    app.before_request_funcs.setdefault(None, []).insert(0, _request_id)

    @app.after_request
    def _commit_and_secure(response):
        if response.status_code < 400 and not g.get("rollback"):
            try:
                db.session.commit()
            except SQLAlchemyError as exc:  # nothing is saved: say so, never a bare 500
                response = app.make_response(database_error(exc))
        else:
            _rollback_quietly()
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CSP)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("X-Request-Id", g.get("request_id", ""))
        if request.is_secure:
            headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        _log_access(response)
        return response

    @app.teardown_request
    def _rollback_on_error(exc):
        if exc is not None:
            _rollback_quietly()

    def render_error(status: int, title: str, detail: str | None = None):
        g.rollback = True
        if wants_json():
            return problem(status, title, detail, request_id=g.get("request_id"))
        return (
            render_template("errors/error.html", status=status, title=title, detail=detail),
            status,
        )

    def unavailable():
        """503 with Retry-After, as seen by a visitor: loading the user would need the DB."""
        g.rollback = True
        g._login_user = app.login_manager.anonymous_user()
        target = retry_url()
        reading = request.method in ("GET", "HEAD")
        try:
            title = _("Service unavailable")
            detail = _(
                "The database is busy or unavailable. Nothing was saved; try again in a few "
                "seconds."
            )
            if wants_json():
                response = problem(503, title, detail, request_id=g.get("request_id"))
            else:
                body = render_template(
                    "errors/unavailable.html",
                    status=503,
                    title=title,
                    detail=detail,
                    retry_url=target,
                    retry_label=_("Try again") if reading else _("Back to the form"),
                )
                response = app.response_class(body, 503, mimetype="text/html")
        except Exception:
            log.exception("the 503 page could not be rendered")
            body = FALLBACK_UNAVAILABLE.format(
                retry=escape(target), request_id=escape(g.get("request_id", ""))
            )
            response = app.response_class(body, 503, mimetype="text/html")
        g.retry_after = str(RETRY_AFTER_S)
        response.headers["Retry-After"] = g.retry_after
        response.headers["Cache-Control"] = "no-store"
        return response

    def database_error(exc: SQLAlchemyError):
        _rollback_quietly()
        session.pop("_flashes", None)  # "saved" messages of the request that was not saved
        if is_write_conflict(exc):
            return render_error(
                409,
                _("Conflict"),
                _("Someone else changed this at the same moment. Reload the page and try again."),
            )
        if is_unavailable(exc):
            log.warning(
                "database unavailable: %s: %s",
                type(exc).__name__,
                getattr(exc, "orig", None) or exc,
            )
            return unavailable()
        return _unexpected(exc)

    @app.errorhandler(DomainError)
    def _domain_error(exc: DomainError):
        return render_error(exc.status_code, _("Request refused"), exc.message)

    @app.errorhandler(SQLAlchemyError)
    def _database_error(exc: SQLAlchemyError):
        """Lost races are a 409 Conflict; a busy or unreachable database is a 503 with a retry."""
        return database_error(exc)

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
