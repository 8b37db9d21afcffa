"""Notification pages: the list, read marks, preferences, follows and seed subscriptions."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.routing import BuildError

from matchmaker.common.errors import NotAllowed
from matchmaker.common.listing import parse_page
from matchmaker.common.timezone import format_tokyo
from matchmaker.extensions import db
from matchmaker.notifications import follows, inbox, services, subscriptions
from matchmaker.notifications.forms import FREQUENCY_LABELS, PreferenceForm, SubscriptionForm
from matchmaker.notifications.kinds import render
from matchmaker.notifications.models import Frequency
from matchmaker.seeds.models import Seed
from matchmaker.seeds.services import can_view as can_view_seed
from matchmaker.web import is_safe_next

bp = Blueprint("notifications", __name__)
SUBJECT = "<any(need,call):subject_type>/<int:subject_id>"


def _user():
    return current_user._get_current_object()


def _locale() -> str:
    return str(get_locale() or "ja")


def _back(default: str, prefix: str = "/"):
    """Post/Redirect/Get to the page the form came from (local paths only)."""
    target = request.form.get("next", "")
    if is_safe_next(target) and target.startswith(prefix):
        return redirect(target)
    return redirect(default)


# --- template helpers ---------------------------------------------------------------------


@bp.app_context_processor
def _unread_badge():
    """The nav badge: one COUNT query, for signed-in users only."""
    if getattr(current_user, "is_authenticated", False):
        return {"unread_notifications": inbox.unread_count(current_user.id)}
    return {"unread_notifications": 0}


@bp.app_template_global("is_following")
def is_following(subject_type: str, subject_id: int) -> bool | None:
    """For follow_button: None for visitors (no button), else whether the reader follows."""
    if not getattr(current_user, "is_authenticated", False):
        return None
    return follows.is_following(current_user, subject_type, subject_id)


@bp.app_template_global("seed_subscription_state")
def seed_subscription_state(seed: Seed) -> dict | None:
    """For the seed page: the owner's subscription and form, or None for everyone else."""
    if not subscriptions.can_subscribe(current_user, seed):
        return None
    existing = subscriptions.subscription_of(current_user, seed.id)
    form = SubscriptionForm(
        formdata=None,
        threshold=existing.threshold if existing else subscriptions.DEFAULT_THRESHOLD,
    )
    return {"subscription": existing, "form": form}


# --- the list -----------------------------------------------------------------------------


@bp.get("/notifications")
@login_required
def index():
    per_page = int(current_app.config["MATCHMAKER_PAGE_SIZE"])
    page = inbox.list_notifications(_user(), parse_page(request.args.get("page")), per_page)
    locale = _locale()
    rendered = [(n, render(n.kind, n.params, locale)) for n in page.items]
    return render_template(
        "notifications/index.html", page=page, rendered=rendered, format_tokyo=format_tokyo
    )


def _own_or_404(notification_id: int):
    notification = inbox.own_notification(_user(), notification_id)
    if notification is None:
        abort(404)
    return notification


@bp.post("/notifications/<int:notification_id>/read")
@login_required
def mark_read(notification_id: int):
    inbox.mark_read(_own_or_404(notification_id))
    return _back(url_for(".index"), "/notifications")


@bp.post("/notifications/<int:notification_id>/open")
@login_required
def open_notification(notification_id: int):
    """Mark read and go to what it is about."""
    notification = _own_or_404(notification_id)
    inbox.mark_read(notification)
    if is_safe_next(notification.link):
        return redirect(notification.link)
    return redirect(url_for(".index"))


@bp.post("/notifications/read-all")
@login_required
def mark_all_read():
    count = inbox.mark_all_read(_user())
    flash(_("%(count)d notifications marked as read.", count=count), "success")
    return redirect(url_for(".index"))


# --- preferences --------------------------------------------------------------------------


@bp.route("/notifications/preferences", methods=["GET", "POST"])
@login_required
def preferences():
    user = _user()
    current = services.frequency_of(user)
    form = PreferenceForm(data={"frequency": current.value} if request.method == "GET" else None)
    if form.validate_on_submit():
        services.set_frequency(user, Frequency(form.frequency.data))
        flash(_("Your notification preferences were saved."), "success")
        return redirect(url_for(".preferences"))
    status = 422 if form.errors else 200
    return render_template(
        "notifications/preferences.html", form=form, current=current, labels=FREQUENCY_LABELS
    ), status


# --- follows ------------------------------------------------------------------------------


def _subject_page(subject_type: str, subject_id: int) -> str:
    if subject_type == "need":
        return url_for("needs.show_need", need_id=subject_id)
    try:
        return url_for("calls.show_call", call_id=subject_id)
    except BuildError:
        return f"/calls/{subject_id}"


@bp.post(f"/follow/{SUBJECT}")
@login_required
def follow(subject_type: str, subject_id: int):
    subject = follows.load_subject(subject_type, subject_id)
    if not follows.is_public(subject_type, subject):
        abort(404)
    follows.follow(_user(), subject_type, subject_id)
    flash(_("You will be notified when this changes phase."), "success")
    return _back(_subject_page(subject_type, subject_id))


@bp.post(f"/follow/{SUBJECT}/delete")
@login_required
def unfollow(subject_type: str, subject_id: int):
    """Also works for a subject that is no longer public (nothing is revealed about it)."""
    if not follows.unfollow(_user(), subject_type, subject_id):
        subject = follows.load_subject(subject_type, subject_id)
        if not follows.is_public(subject_type, subject):
            abort(404)
    flash(_("You no longer follow this."), "success")
    return _back(_subject_page(subject_type, subject_id))


# --- seed subscriptions -------------------------------------------------------------------


def _owned_seed(seed_id: int) -> Seed:
    seed = db.session.get(Seed, seed_id) if 0 < seed_id <= 2**31 - 1 else None
    if seed is None or not can_view_seed(current_user, seed):
        abort(404)
    if not subscriptions.can_subscribe(current_user, seed):
        raise NotAllowed(_("Only your organization's members can subscribe to this seed."))
    return seed


@bp.post("/notifications/seeds/<int:seed_id>/subscription")
@login_required
def subscribe(seed_id: int):
    seed = _owned_seed(seed_id)
    form = SubscriptionForm()
    if not form.validate_on_submit():
        return render_template("notifications/subscription.html", seed=seed, form=form), 422
    subscription = subscriptions.subscribe(_user(), seed, float(form.threshold.data))
    score = f"{subscription.threshold:.2f}"
    flash(
        _(
            "You will hear about new needs that fit this seed with a score of %(score)s or more.",
            score=score,
        ),
        "success",
    )
    return redirect(url_for("seeds.show_seed", seed_id=seed.id) + "#subscription")


@bp.post("/notifications/seeds/<int:seed_id>/subscription/delete")
@login_required
def unsubscribe(seed_id: int):
    seed = _owned_seed(seed_id)
    subscriptions.unsubscribe(_user(), seed)
    flash(_("You will no longer hear about new needs for this seed."), "success")
    return redirect(url_for("seeds.show_seed", seed_id=seed.id) + "#subscription")
