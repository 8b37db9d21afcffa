"""Placeholder blueprint; replaced by the admin feature."""
from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.route("/users")
def users():
    return "users"
