"""Settings: defaults, then `.env`, then `MATCHMAKER_*` environment variables, then overrides."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from dotenv import load_dotenv

ROOT = Path(__file__).resolve().parent.parent

DEFAULTS: dict[str, object] = {
    "ENV": "development",
    "DATABASE_URL": "",
    "SECRET_KEY": "",
    "TRUSTED_HOSTS": "",
    "UPLOAD_DIR": "",
    "MAX_UPLOAD_BYTES": 10 * 1024 * 1024,  # one PDF
    "ORG_UPLOAD_QUOTA_BYTES": 200 * 1024 * 1024,  # all uploads of one organization
    "QUESTION_LIMIT": "10 per hour",  # public questions on calls, per user
    "API_RATE_LIMIT": "600 per minute",  # /api/v1, per token (or per IP without one)
    "MAX_CONTENT_LENGTH": 16 * 1024 * 1024,
    "MAX_FORM_MEMORY_SIZE": 2 * 1024 * 1024,
    "MAX_FORM_PARTS": 200,
    "RATELIMIT_STORAGE_URI": "memory://",
    "LOGIN_LIMIT_PER_ACCOUNT": "5 per 5 minutes",
    "LOGIN_LIMIT_PER_IP": "20 per 5 minutes",
    "PAGE_SIZE": 20,
    "LOG_FORMAT": "",  # json or text; empty: json in production, text otherwise
    "PROXY_HOPS": 0,  # reverse proxies in front (nginx on the same host: 1); trusts X-Forwarded-*
    "DEFAULT_LOCALE": "ja",
    # e-mail: without SMTP_HOST, messages are kept in the outbox for the admin to read
    "SMTP_HOST": "",
    "SMTP_PORT": 587,
    "SMTP_USER": "",
    "SMTP_PASSWORD": "",
    "SMTP_STARTTLS": "1",
    "SMTP_FROM": "matchmaker@localhost",
    "PUBLIC_URL": "",  # e.g. https://matchmaker.example.org: makes e-mailed links absolute
}

_INT_KEYS = {
    "MAX_CONTENT_LENGTH",
    "MAX_FORM_MEMORY_SIZE",
    "MAX_FORM_PARTS",
    "PAGE_SIZE",
    "PROXY_HOPS",
    "SMTP_PORT",
    "MAX_UPLOAD_BYTES",
    "ORG_UPLOAD_QUOTA_BYTES",
}


class ConfigError(RuntimeError):
    """Raised at start-up when the configuration cannot be used safely."""


def load_config(instance_path: Path, overrides: dict | None = None) -> dict[str, object]:
    """Merge defaults, `.env`, environment and overrides; fail fast on unsafe settings."""
    load_dotenv(ROOT / ".env", override=False)
    cfg = dict(DEFAULTS)
    for key in DEFAULTS:
        value = os.environ.get(f"MATCHMAKER_{key}")
        if value is not None:
            cfg[key] = int(value) if key in _INT_KEYS else value
    cfg.update(overrides or {})

    production = cfg["ENV"] == "production"
    if not cfg["SECRET_KEY"]:
        if production:
            raise ConfigError("MATCHMAKER_SECRET_KEY must be set when MATCHMAKER_ENV=production")
        cfg["SECRET_KEY"] = _development_secret(instance_path)
    if not cfg["DATABASE_URL"]:
        cfg["DATABASE_URL"] = f"sqlite:///{instance_path / 'matchmaker.db'}"
    if not cfg["UPLOAD_DIR"]:
        cfg["UPLOAD_DIR"] = str(instance_path / "uploads")

    flask_cfg = {
        "SECRET_KEY": cfg["SECRET_KEY"],
        "SQLALCHEMY_DATABASE_URI": cfg["DATABASE_URL"],
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "MAX_CONTENT_LENGTH": cfg["MAX_CONTENT_LENGTH"],
        "MAX_FORM_MEMORY_SIZE": cfg["MAX_FORM_MEMORY_SIZE"],
        "MAX_FORM_PARTS": cfg["MAX_FORM_PARTS"],
        "UPLOAD_DIR": cfg["UPLOAD_DIR"],
        "MAX_UPLOAD_BYTES": cfg["MAX_UPLOAD_BYTES"],
        "ORG_UPLOAD_QUOTA_BYTES": cfg["ORG_UPLOAD_QUOTA_BYTES"],
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": production,
        "RATELIMIT_STORAGE_URI": cfg["RATELIMIT_STORAGE_URI"],
        "RATELIMIT_HEADERS_ENABLED": True,
        "BABEL_DEFAULT_LOCALE": cfg["DEFAULT_LOCALE"],
        "BABEL_DEFAULT_TIMEZONE": "Asia/Tokyo",
        "DEBUG": False,
    }
    if cfg["TRUSTED_HOSTS"]:
        flask_cfg["TRUSTED_HOSTS"] = [h.strip() for h in str(cfg["TRUSTED_HOSTS"]).split(",")]
    flask_cfg.update({f"MATCHMAKER_{k}": v for k, v in cfg.items()})
    flask_cfg.update({k: v for k, v in (overrides or {}).items() if k.isupper()})
    return flask_cfg


def _development_secret(instance_path: Path) -> str:
    """Generate a per-checkout secret once, so sessions survive restarts in development."""
    path = instance_path / "secret_key"
    if not path.exists():
        instance_path.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()
