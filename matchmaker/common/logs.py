"""Structured logs: one JSON object per line (or one readable line in development), each record
carrying the request id, so an error page's reference leads to its log lines. Secrets never
reach the log: tokens, passwords, cookies and bearer headers are masked in every message."""

from __future__ import annotations

import json
import logging
import os
import re
import sys
from datetime import UTC, datetime

import sqlalchemy as sa
from flask import Flask, g, has_request_context, request

FORMATS = ("json", "text")
CONTEXT_FIELDS = ("request_id", "method", "path", "status", "duration_ms", "user_id")
EXTRA_FIELDS = ("remote_addr", "bytes", "pid")
_HANDLER_MARK = "_matchmaker_handler"

_SECRETS = [
    # key=value pairs in query strings, forms and messages
    (
        re.compile(
            r"(?i)\b((?:access_|api_|csrf_|reset_|session_)?token|password|passwd|secret|"
            r"api_key|session|remember_token)=([^&\s;,\"']+)"
        ),
        r"\1=[redacted]",
    ),
    (re.compile(r"(?i)\b(bearer)\s+[A-Za-z0-9._~+/=-]+"), r"\1 [redacted]"),
    (re.compile(r"\bmm_[A-Za-z0-9_-]{8,}"), "mm_[redacted]"),  # API tokens
    (re.compile(r"(?i)\b(cookie|authorization):\s*[^\r\n]+"), r"\1: [redacted]"),
    (re.compile(r"(?i)(://[^:/@\s]+:)[^@\s]+@"), r"\1[redacted]@"),  # passwords in URLs
]


def redact(text: str) -> str:
    for pattern, replacement in _SECRETS:
        text = pattern.sub(replacement, text)
    return text


def choose_format(explicit: str | None, env: str | None, testing: bool = False) -> str | None:
    """json or text as asked; otherwise JSON in production and text in development; under
    TESTING nothing is installed unless asked (pytest captures the records itself)."""
    chosen = (explicit or "").strip().lower()
    if chosen in FORMATS:
        return chosen
    if testing:
        return None
    return "json" if env == "production" else "text"


def log_format(app: Flask) -> str | None:
    """The app's choice: MATCHMAKER_LOG_FORMAT in its settings or the environment."""
    explicit = app.config.get("MATCHMAKER_LOG_FORMAT") or os.environ.get("MATCHMAKER_LOG_FORMAT")
    return choose_format(explicit, app.config.get("MATCHMAKER_ENV"), app.testing)


def current_user_id() -> int | None:
    """The signed-in (or token) user's id, read from the identity map: never a query."""
    for user in (g.get("_login_user"), g.get("api_user")):
        state = sa.inspect(user, raiseerr=False) if user is not None else None
        if state is not None and state.identity:
            return state.identity[0]
    return None


class RequestContext(logging.Filter):
    """Adds the request's id, method, path and user to every record logged inside a request."""

    def filter(self, record: logging.LogRecord) -> bool:
        if has_request_context():
            for name, value in (
                ("request_id", g.get("request_id")),
                ("method", request.method),
                ("path", request.path),
                ("user_id", g.get("log_user_id") or current_user_id()),
            ):
                if getattr(record, name, None) is None:
                    setattr(record, name, value)
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per record; fields that are unknown for this record are left out."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": redact(record.getMessage()),
        }
        for name in CONTEXT_FIELDS + EXTRA_FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                entry[name] = value
        entry.setdefault("pid", record.process)
        if record.exc_info:
            entry["error"] = redact(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """A readable line for development, with the request id when there is one."""

    def __init__(self):
        super().__init__("%(asctime)s %(levelname)s %(name)s %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        line = redact(super().format(record))
        request_id = getattr(record, "request_id", None)
        return f"{line} [{request_id}]" if request_id else line


def formatter(kind: str) -> logging.Formatter:
    return JsonFormatter() if kind == "json" else TextFormatter()


def init_app(app: Flask) -> None:
    """Send the app's records (logger "matchmaker" and its children) to stderr, once per
    process: a second app in the same process replaces the handler instead of adding one."""
    kind = log_format(app)
    if kind is None:
        return
    logger = logging.getLogger("matchmaker")
    for handler in [h for h in logger.handlers if getattr(h, _HANDLER_MARK, False)]:
        logger.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)
    setattr(handler, _HANDLER_MARK, True)
    handler.setFormatter(formatter(kind))
    handler.addFilter(RequestContext())
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False  # not twice through a root handler (Alembic installs one)
