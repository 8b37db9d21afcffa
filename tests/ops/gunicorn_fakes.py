"""Gunicorn settings for tests/test_serving.py: matchmaker.serving, plus fake encoders in each
worker, installed after the fork as the real models would load there."""

from __future__ import annotations

import os

from matchmaker import serving
from matchmaker.matching.config import DEFAULT_PATH
from matchmaker.serving import *  # noqa: F403  (every setting of the production module)


def post_fork(server, worker):
    serving.post_fork(server, worker)
    from tests.ops.fakes import install

    install(os.environ.get("MATCHMAKER_MATCHING_CONFIG") or str(DEFAULT_PATH))
