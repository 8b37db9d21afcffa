"""Placeholder blueprint; replaced by the seeds feature."""
from flask import Blueprint

bp = Blueprint("seeds", __name__)


@bp.route("/seeds")
def list_seeds():
    return "seeds"


@bp.route("/seeds/new")
def new_seed():
    return "new"


@bp.route("/seeds/<int:seed_id>")
def show_seed(seed_id):
    return "seed"
