"""Matchmaker: an open-innovation platform that pairs government needs with private-sector seeds."""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask

from matchmaker.config import ROOT, load_config

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


def create_app(config: dict | None = None) -> Flask:
    """Build the WSGI app: settings, extensions, blueprints, error handlers, commands."""
    instance_path = Path(
        (config or {}).get("INSTANCE_PATH")
        or os.environ.get("MATCHMAKER_INSTANCE_PATH")
        or ROOT / "instance"
    )
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder="static",
        instance_path=str(instance_path),
        instance_relative_config=True,
    )
    app.config.update(load_config(instance_path, config))
    hops = int(app.config.get("MATCHMAKER_PROXY_HOPS") or 0)
    if hops:
        from werkzeug.middleware.proxy_fix import ProxyFix

        # behind nginx the peer is the proxy: limits and audit need the client's address
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)
    from matchmaker.common.routing import IdConverter

    app.url_map.converters["int"] = IdConverter  # before any route is registered
    register_extensions(app)
    register_blueprints(app)
    from matchmaker import web

    web.init_app(app)
    from matchmaker.matching import runtime

    runtime.init_app(app)
    from matchmaker import cli

    cli.init_app(app)
    return app


def register_extensions(app: Flask) -> None:
    from matchmaker import models_registry  # noqa: F401  (every ORM class known to Alembic)
    from matchmaker.db import configure_sqlite
    from matchmaker.extensions import babel, csrf, db, limiter, login_manager, migrate
    from matchmaker.i18n import init_app as init_i18n
    from matchmaker.i18n import select_locale, select_timezone

    db.init_app(app)
    with app.app_context():
        configure_sqlite(db.engine)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    from matchmaker.web import keep_own_retry_after

    app.after_request(keep_own_retry_after)  # registered before the limiter: runs after it
    limiter.init_app(app)
    babel.init_app(
        app,
        locale_selector=select_locale,
        timezone_selector=select_timezone,
        default_translation_directories=str(ROOT / "matchmaker" / "translations"),
    )
    init_i18n(app)
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.session_protection = "basic"

    from matchmaker.accounts.services import load_user_from_session_id

    login_manager.user_loader(load_user_from_session_id)


def register_blueprints(app: Flask) -> None:
    from matchmaker.accounts.views import bp as accounts_bp
    from matchmaker.admin.views import bp as admin_bp
    from matchmaker.analytics.views import bp as analytics_bp
    from matchmaker.api.token_views import bp as api_tokens_bp
    from matchmaker.calls.views import bp as calls_bp
    from matchmaker.evaluation.views import bp as evaluation_bp
    from matchmaker.feeds.views import bp as feeds_bp
    from matchmaker.main.views import bp as main_bp
    from matchmaker.needs.views import bp as needs_bp
    from matchmaker.notifications.views import bp as notifications_bp
    from matchmaker.opendata.views import bp as opendata_bp
    from matchmaker.ops.views import bp as ops_bp
    from matchmaker.projects.views import bp as projects_bp
    from matchmaker.proposals.views import bp as proposals_bp
    from matchmaker.results.views import bp as results_bp
    from matchmaker.review.views import bp as review_bp
    from matchmaker.seeds.views import bp as seeds_bp

    for bp in (
        main_bp,
        accounts_bp,
        needs_bp,
        seeds_bp,
        admin_bp,
        calls_bp,
        proposals_bp,
        review_bp,
        evaluation_bp,
        notifications_bp,
        api_tokens_bp,
        analytics_bp,
        results_bp,
        feeds_bp,
        projects_bp,
        opendata_bp,
        ops_bp,
    ):
        app.register_blueprint(bp)
    from matchmaker.api.setup import init_api

    init_api(app)
