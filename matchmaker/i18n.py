"""Locale choice: ?lang=, then the remembered choice, the user's, then Accept-Language."""

from __future__ import annotations

from functools import lru_cache

from babel import support
from flask import Flask, current_app, has_request_context, request, session
from flask_babel import get_locale
from flask_login import current_user
from wtforms.i18n import messages_path

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


@lru_cache(maxsize=8)
def wtforms_translations(locale: str) -> support.Translations:
    """WTForms' own messages, parsed once per process: Flask-WTF reads the file per request."""
    return support.Translations.load(messages_path(), [locale], domain="wtforms")


class _RequestCatalogue:
    """Looks the locale up only when a form message is translated: /livez must not load users."""

    def ugettext(self, string: str) -> str:
        return wtforms_translations(str(get_locale())).ugettext(string)

    def ungettext(self, singular: str, plural: str, n: int) -> str:
        return wtforms_translations(str(get_locale())).ungettext(singular, plural, n)


_CATALOGUE = _RequestCatalogue()


def init_app(app: Flask) -> None:
    @app.before_request
    def _share_wtforms_translations():
        # Flask-WTF looks for this attribute before loading the catalogue file itself
        request.wtforms_translations = _CATALOGUE
