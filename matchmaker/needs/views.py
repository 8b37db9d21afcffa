"""Placeholder blueprint; replaced by the needs feature."""
from flask import Blueprint

bp = Blueprint("needs", __name__)


@bp.route("/needs")
def list_needs():
    return "needs"


@bp.route("/needs/new")
def new_need():
    return "new"


@bp.route("/needs/<int:need_id>")
def show_need(need_id):
    return "need"
