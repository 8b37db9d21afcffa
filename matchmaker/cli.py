"""Flask commands that work on the application's database."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register command groups."""
