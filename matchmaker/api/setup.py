"""Wire the API into the app: the flask-smorest Api, its resources and the OpenAPI document."""

from __future__ import annotations

from flask import Flask

from matchmaker.api.core import MatchmakerApi

API_CONFIG = {
    "API_TITLE": "Matchmaker API",
    "API_VERSION": "v1",
    "OPENAPI_VERSION": "3.0.3",
    "OPENAPI_URL_PREFIX": "/api/v1",
    "OPENAPI_JSON_PATH": "openapi.json",
    "API_SPEC_OPTIONS": {
        "info": {
            "description": (
                "Read published needs, calls, seeds and results; write needs, seeds and "
                "proposals with a personal API token (Authorization: Bearer <token>), created "
                "on the account's API tokens page. Errors are application/problem+json "
                "(RFC 9457)."
            )
        }
    },
}


def init_api(app: Flask) -> MatchmakerApi:
    for key, value in API_CONFIG.items():
        app.config.setdefault(key, value)
    api = MatchmakerApi(app)
    api.spec.components.security_scheme(
        "bearerAuth",
        {"type": "http", "scheme": "bearer", "description": "A personal API token."},
    )
    from matchmaker.api.resources import calls, me, needs, proposals, results, seeds

    for module in (me, needs, calls, seeds, proposals, results):
        api.register_blueprint(module.blp)
    return api
