"""Locale choice: ?lang=, then the remembered choice, the user's, then Accept-Language."""

from __future__ import annotations

from flask import current_app, has_request_context, request, session
from flask_login import current_user

SUPPORTED_LOCALES = ("ja", "en")


def select_locale() -> str:
    if not has_request_context():
        return "en"
    requested = request.args.get("lang")
    if requested in SUPPORTED_LOCALES:
        session["lang"] = requested
        return requested
    if session.get("lang") in SUPPORTED_LOCALES:
        return session["lang"]
    if (
        getattr(current_user, "is_authenticated", False)
        and current_user.locale in SUPPORTED_LOCALES
    ):
        return current_user.locale
    return request.accept_languages.best_match(SUPPORTED_LOCALES) or current_app.config.get(
        "BABEL_DEFAULT_LOCALE", "ja"
    )


def select_timezone() -> str:
    return "Asia/Tokyo"
