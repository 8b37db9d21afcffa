"""Home page and the per-role dashboard."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user, login_required
from sqlalchemy import func, select

from matchmaker.extensions import db
from matchmaker.needs.models import Need, NeedStatus
from matchmaker.seeds.models import Seed, SeedStatus

bp = Blueprint("main", __name__)


@bp.route("/")
def index():
    latest_needs = db.session.scalars(
        select(Need)
        .where(Need.status == NeedStatus.PUBLISHED)
        .order_by(Need.published_at.desc())
        .limit(6)
    ).all()
    latest_seeds = db.session.scalars(
        select(Seed)
        .where(Seed.status == SeedStatus.PUBLISHED)
        .order_by(Seed.published_at.desc())
        .limit(6)
    ).all()
    counts = {
        "needs": db.session.scalar(
            select(func.count()).select_from(Need).where(Need.status == NeedStatus.PUBLISHED)
        ),
        "seeds": db.session.scalar(
            select(func.count()).select_from(Seed).where(Seed.status == SeedStatus.PUBLISHED)
        ),
    }
    return render_template(
        "main/index.html", latest_needs=latest_needs, latest_seeds=latest_seeds, counts=counts
    )


@bp.route("/dashboard")
@login_required
def dashboard():
    from matchmaker.main.dashboard import dashboard_for

    return render_template("main/dashboard.html", **dashboard_for(current_user))
