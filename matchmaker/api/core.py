"""The API's plumbing: problem+json errors, the documented responses, bearer auth per request."""

from __future__ import annotations

import hashlib
import http

from flask import current_app, g, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import AnonymousUserMixin
from flask_smorest import Api, Blueprint
from marshmallow import Schema, fields
from webargs.core import is_json
from werkzeug.exceptions import HTTPException

from matchmaker.api import tokens
from matchmaker.common.errors import DomainError
from matchmaker.extensions import csrf, limiter
from matchmaker.web import problem

PROBLEM_TYPE = "application/problem+json"
BEARER = [{"bearerAuth": []}]
BEARER_OR_ANONYMOUS = [{}, {"bearerAuth": []}]
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class ProblemSchema(Schema):
    """RFC 9457 problem details; `errors` maps a field to its messages (422)."""

    type = fields.String(required=True)
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String()
    request_id = fields.String()
    errors = fields.Dict(keys=fields.String(), values=fields.List(fields.String()))


class MatchmakerApi(Api):
    """flask-smorest with problem+json error responses and no app-wide error handler: the
    site's HTML error pages stay as web.py renders them; API blueprints handle their own."""

    ERROR_SCHEMA = ProblemSchema

    def _register_error_handlers(self):
        return None

    def _register_responses(self):
        for status in http.HTTPStatus:
            if status >= 400:
                body = {"schema": self.ERROR_SCHEMA}
                response = {"description": status.phrase, "content": {PROBLEM_TYPE: body}}
                self.spec.components.response(status.name, response, lazy=True)
        default = {"description": "Error", "content": {PROBLEM_TYPE: {"schema": ProblemSchema}}}
        self.spec.components.response(self.DEFAULT_ERROR_RESPONSE_NAME, default, lazy=True)


TITLES = {
    400: _l("Bad request"),
    401: _l("Authentication required"),
    403: _l("Not allowed"),
    404: _l("Not found"),
    405: _l("Method not allowed"),
    409: _l("Conflict"),
    413: _l("Request too large"),
    415: _l("Unsupported media type"),
    422: _l("Invalid request body"),
    429: _l("Too many requests"),
}


def _title(status: int) -> str:
    return str(TITLES[status]) if status in TITLES else http.HTTPStatus(status).phrase


def flatten_errors(messages, prefix: str = "") -> dict[str, list[str]]:
    """webargs nests messages by location and list index; clients get `field.0: [...]`."""
    if isinstance(messages, dict):
        if set(messages) <= {"json", "query", "querystring", "view_args"} and not prefix:
            out: dict[str, list[str]] = {}
            for value in messages.values():
                out.update(flatten_errors(value))
            return out
        out = {}
        for key, value in messages.items():
            out.update(flatten_errors(value, f"{prefix}.{key}" if prefix else str(key)))
        return out
    if isinstance(messages, list) and all(isinstance(m, str) for m in messages):
        return {prefix or "_body": list(messages)}
    if isinstance(messages, list):
        out = {}
        for index, value in enumerate(messages):
            out.update(flatten_errors(value, f"{prefix}.{index}" if prefix else str(index)))
        return out
    return {prefix or "_body": [str(messages)]}


def api_problem(status: int, detail: str | None = None, headers: dict | None = None, **extra):
    g.rollback = True
    response = problem(status, _title(status), detail, request_id=g.get("request_id"), **extra)
    response.headers.update(headers or {})
    return response


def unauthorized(detail: str, invalid: bool = False):
    challenge = 'Bearer realm="matchmaker"' + (', error="invalid_token"' if invalid else "")
    return api_problem(401, detail, {"WWW-Authenticate": challenge})


class TokenRequired(DomainError):
    """The operation acts for an account, so it needs a bearer token."""

    status_code = 401


def require_token():
    """The token's user; a 401 problem without a token."""
    if g.get("api_token") is None:
        raise TokenRequired(_("Send an API token: Authorization: Bearer <token>."))
    return g.api_user


def _http_problem(exc: HTTPException):
    status = exc.code or 500
    data = getattr(exc, "data", None) or {}
    extra, detail = {}, exc.description
    if "messages" in data:
        extra["errors"] = flatten_errors(data["messages"])
        detail = _("Some fields are not valid: see errors.")
    headers = {"Retry-After": "60"} if status == 429 else {}
    if status == 429:
        detail = _("Too many requests. Wait a minute and try again.")
    return api_problem(status, detail, headers, **extra)


def _too_deep(exc: RecursionError):
    """JSON nested deeper than the parser's recursion limit is a bad request, not a crash."""
    return api_problem(400, _("The request body is nested too deeply."))


def _domain_problem(exc: DomainError):
    """A refused request; a domain rule on the body (plain DomainError) is a 422."""
    if exc.status_code == 400:
        return api_problem(422, exc.message, errors={"_body": [exc.message]})
    if exc.status_code == 401:
        return unauthorized(exc.message)
    return api_problem(exc.status_code, exc.message)


def _authenticate():
    """Bearer token only: session cookies are never read, so a signed-in browser is anonymous."""
    g.api_user, g.api_token = AnonymousUserMixin(), None
    header = request.headers.get("Authorization")
    if header is not None:
        scheme, _sep, raw = header.strip().partition(" ")
        token = tokens.authenticate(raw.strip()) if scheme.lower() == "bearer" else None
        if token is None:
            return unauthorized(_("The API token is missing, unknown, expired or revoked."), True)
        g.api_user, g.api_token = token.user, token
    if request.method in WRITE_METHODS:
        if g.api_token is None:
            return unauthorized(_("Send an API token: Authorization: Bearer <token>."))
        has_body = bool(request.content_length) or "chunked" in request.headers.get(
            "Transfer-Encoding", ""
        )
        if (has_body or request.mimetype) and not is_json(request.mimetype):
            return api_problem(415, _("Send the body as application/json."))
    return None


def current_api_user():
    """The token's user, or an anonymous user (never the session's user)."""
    return g.api_user


def _rate_limit() -> str:
    return current_app.config.get("MATCHMAKER_API_RATE_LIMIT") or "600 per minute"


def _rate_key() -> str:
    """Per token for token holders; per address for everyone else."""
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer " + tokens.TOKEN_PREFIX):
        return "api-token:" + hashlib.sha256(header.encode()).hexdigest()[:32]
    return "api-ip:" + (request.remote_addr or "unknown")


class ApiBlueprint(Blueprint):
    """An API resource: bearer auth, CSRF-exempt, rate-limited, problem+json errors."""

    def __init__(self, name: str, import_name: str, **kwargs):
        kwargs.setdefault("url_prefix", "/api/v1")
        super().__init__(name, import_name, **kwargs)
        self.before_request(_authenticate)
        self.register_error_handler(HTTPException, _http_problem)
        self.register_error_handler(DomainError, _domain_problem)
        self.register_error_handler(RecursionError, _too_deep)
        csrf.exempt(self)
        limiter.shared_limit(_rate_limit, scope="api", key_func=_rate_key)(self)

    def documented(self, *codes: int, anonymous: bool = True):
        """Declare the security and the problem responses an operation may return."""
        security = BEARER_OR_ANONYMOUS if anonymous else BEARER
        codes = tuple(sorted({*codes, 401, 429}))

        def decorator(func):
            for code in codes:
                func = self.alt_response(code, response=http.HTTPStatus(code).name)(func)
            return self.doc(security=security)(func)

        return decorator
