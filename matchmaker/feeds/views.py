"""Atom feed routes; readers find them through <link rel="alternate"> on the list pages."""

from __future__ import annotations

from flask import Blueprint, Response, request
from flask_babel import get_locale

from matchmaker.feeds import atom, services

bp = Blueprint("feeds", __name__, url_prefix="/feeds")


def _respond(feed: atom.Feed) -> Response:
    response = Response(atom.render(feed), mimetype=atom.MIMETYPE)
    response.add_etag()
    return response.make_conditional(request)


@bp.get("/calls.atom")
def calls():
    return _respond(services.calls_feed(str(get_locale() or "ja")))


@bp.get("/results.atom")
def results():
    return _respond(services.results_feed(str(get_locale() or "ja")))
