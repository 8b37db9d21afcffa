"""Structured logs: one JSON object per record with the request's context, one access line
per request, and no secret in any line."""

from __future__ import annotations

import io
import json
import logging
import sys

import pytest

from matchmaker import create_app
from matchmaker.accounts.models import Role
from matchmaker.common import logs


@pytest.fixture
def log_lines(monkeypatch):
    """JSON records of the app's loggers, as `init_app` formats them in production."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logs.JsonFormatter())
    handler.addFilter(logs.RequestContext())
    logger = logging.getLogger("matchmaker")
    # Alembic's fileConfig (run by the session's migrations) disables loggers that existed then
    for name in ("matchmaker", "matchmaker.access"):
        monkeypatch.setattr(logging.getLogger(name), "disabled", False)
    monkeypatch.setattr(logger, "level", logging.INFO)
    logger.addHandler(handler)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    logger.removeHandler(handler)


def test_each_request_writes_one_access_line_with_its_context(client, login_as, log_lines):
    user = login_as(Role.PROVIDER)
    response = client.get("/needs?q=防災&token=s3cr3t-value", headers={"X-Request-Id": "req-42"})
    assert response.status_code == 200 and response.headers["X-Request-Id"] == "req-42"
    (line,) = [r for r in log_lines() if r["logger"] == "matchmaker.access"]
    assert line["request_id"] == "req-42"
    assert line["method"] == "GET" and line["path"] == "/needs" and line["status"] == 200
    assert line["user_id"] == user.id
    assert line["level"] == "INFO" and line["time"].endswith("+00:00")
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0
    assert isinstance(line["pid"], int)
    assert "s3cr3t" not in json.dumps(log_lines())  # the query string is never logged


def test_records_inside_a_request_carry_its_id_and_user(client, login_as, log_lines):
    user = login_as(Role.PROVIDER)
    response = client.get("/admin", headers={"X-Request-Id": "denied-1"})
    assert response.status_code == 403
    refused = [r for r in log_lines() if r["level"] == "WARNING"]
    assert refused and refused[0]["request_id"] == "denied-1"
    assert refused[0]["user_id"] == user.id and refused[0]["path"] == "/admin"


def test_a_request_id_that_is_not_a_plain_token_is_replaced(client, log_lines):
    response = client.get("/livez", headers={"X-Request-Id": 'x" injected=1'})
    request_id = response.headers["X-Request-Id"]
    assert request_id != 'x" injected=1' and len(request_id) == 16
    assert log_lines()[-1]["request_id"] == request_id


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("POST /login password=hunter2hunter2", "hunter2"),
        ("GET /reset?reset_token=abc123&lang=en", "abc123"),
        ("api call token=xyz789", "xyz789"),
        ("Authorization: Bearer eyJhbGciOi.payload.sig", "eyJhbGciOi"),
        ("headers: Cookie: session=.eJwlzj0OAjEM", "eJwlzj0OAjEM"),
        ("token mm_AbCdEfGh12345678 used", "AbCdEfGh12345678"),
        ("connect postgresql://app:pa55word@db.internal/matchmaker", "pa55word"),
    ],
)
def test_secrets_never_reach_a_log_line(text, secret):
    record = logging.LogRecord("matchmaker", logging.WARNING, __file__, 1, text, None, None)
    for formatter in (logs.JsonFormatter(), logs.TextFormatter()):
        line = formatter.format(record)
        assert secret not in line and "redacted" in line


def test_a_trace_goes_to_the_log_as_one_json_field():
    try:
        raise ValueError("password=hunter2hunter2 rejected")
    except ValueError:
        record = logging.LogRecord(
            "matchmaker", logging.ERROR, __file__, 1, "failed", None, sys.exc_info()
        )
    line = logs.JsonFormatter().format(record)
    assert "\n" not in line
    entry = json.loads(line)
    assert "Traceback" in entry["error"] and "hunter2" not in entry["error"]


def test_the_format_follows_the_environment():
    assert logs.choose_format(None, "production") == "json"
    assert logs.choose_format(None, "development") == "text"
    assert logs.choose_format("TEXT", "production") == "text"
    assert logs.choose_format("json", "development", testing=True) == "json"
    assert logs.choose_format(None, "production", testing=True) is None
    assert logs.choose_format("xml", "production") == "json"


def test_building_apps_installs_one_handler_on_stderr(tmp_path):
    logger = logging.getLogger("matchmaker")
    before = (list(logger.handlers), logger.level, logger.propagate)
    settings = {
        "INSTANCE_PATH": str(tmp_path),
        "DATABASE_URL": "sqlite://",
        "SECRET_KEY": "x" * 32,
        "LOG_FORMAT": "json",
    }
    try:
        create_app(settings)
        create_app(settings)
        ours = [h for h in logger.handlers if h not in before[0]]
        assert len(ours) == 1 and isinstance(ours[0].formatter, logs.JsonFormatter)
        assert logger.propagate is False and logger.level == logging.INFO
    finally:
        for handler in [h for h in logger.handlers if h not in before[0]]:
            logger.removeHandler(handler)
        logger.level, logger.propagate = before[1], before[2]
