"""Hostile values in the need forms: create, edit, and the coordinator's change request."""

from __future__ import annotations

from matchmaker.accounts.models import Role
from matchmaker.common import taxonomy
from matchmaker.extensions import db
from matchmaker.needs.forms import MAX_BUDGET, MAX_LONG_TEXT
from matchmaker.needs.models import Need, NeedStatus
from tests.factories import make_need
from tests.security.helpers import Field, FormTarget, run_form

CATEGORY = "Forms: needs"

NEED_FIELDS = [
    Field("title", limit=200, required=True, shown=True),
    Field("summary", limit=1000, required=True),
    Field("problem", limit=MAX_LONG_TEXT),
    Field("desired_outcome", limit=MAX_LONG_TEXT),
    Field("constraints", limit=MAX_LONG_TEXT),
    Field("demo_site", limit=500),
    Field("timeline", limit=1000),
    Field("contact_name", limit=120),
    Field("contact_email", limit=254, strict=False),  # also an e-mail address check
    Field("title_translated", limit=200),
    Field("summary_translated", limit=1000),
    Field("budget_min", kind="int", low=0, high=MAX_BUDGET),
    Field("budget_max", kind="int", low=0, high=MAX_BUDGET),
    Field("min_trl", kind="int", low=1, high=9),
    Field("language", kind="choice", choices=tuple(taxonomy.LANGUAGES), required=True),
    Field("policy_areas", kind="choice", choices=tuple(taxonomy.POLICY_AREAS), attr=""),
    Field("sdg_goals", kind="choice", choices=tuple(range(1, 18)), coerce=int, attr=""),
]


def base_payload() -> dict:
    return {
        "title": "防災情報の多言語配信",
        "summary": "災害時に外国人住民へ避難情報を届ける仕組み。",
        "policy_areas": ["disaster_prevention"],
        "language": "ja",
    }


def stored_need(response) -> Need:
    need_id = int(response.headers["Location"].rstrip("/").rsplit("/", 1)[-1])
    return db.session.get(Need, need_id)


def test_create_need_form(client, login_as):
    login_as(Role.DEPARTMENT)
    run_form(
        FormTarget(
            CATEGORY,
            client,
            url=lambda: "/needs/new",
            payload=base_payload,
            stored=stored_need,
            page=lambda need: f"/needs/{need.id}",
            fields=NEED_FIELDS,
        )
    )


def test_edit_need_form(client, login_as):
    user = login_as(Role.DEPARTMENT)
    need = make_need(org=user.organization, status=NeedStatus.DRAFT)

    def payload():
        db.session.refresh(need)
        return {**base_payload(), "version": str(need.version)}

    run_form(
        FormTarget(
            CATEGORY,
            client,
            url=lambda: f"/needs/{need.id}/edit",
            payload=payload,
            stored=lambda r: db.session.get(Need, need.id),
            page=lambda n: f"/needs/{n.id}",
            fields=[
                *NEED_FIELDS,
                Field("version", kind="int", low=1, high=2**31 - 1, attr="", strict=False),
            ],
        )
    )


def test_request_changes_comment(client, login_as):
    login_as(Role.COORDINATOR)
    need = make_need(status=NeedStatus.IN_REVIEW)

    def reset():
        need.status = NeedStatus.IN_REVIEW
        db.session.flush()

    run_form(
        FormTarget(
            CATEGORY,
            client,
            url=lambda: f"/needs/{need.id}/request-changes",
            payload=dict,
            stored=lambda r: db.session.get(Need, need.id),
            before_each=reset,
            fields=[Field("comment", limit=5000, required=True, attr="review_comment")],
        )
    )
