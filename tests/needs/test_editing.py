"""Creating and editing needs: validation, stored fields, versions, back-to-review, audit."""

from __future__ import annotations

import pytest

from matchmaker.audit.models import AuditEvent
from matchmaker.extensions import db
from matchmaker.needs.models import Need, NeedStatus
from tests.needs.conftest import new_need, valid_form

S = NeedStatus


def need_count() -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(Need))


def test_create_stores_every_field_as_a_draft(client, login_as, owner_user):
    login_as(user=owner_user)
    response = client.post("/needs/new", data=valid_form())
    assert response.status_code == 302
    need = db.session.scalars(db.select(Need)).one()
    assert response.location.endswith(f"/needs/{need.id}")
    assert need.status is S.DRAFT
    assert need.organization_id == owner_user.organization_id
    assert need.created_by_id == owner_user.id
    assert need.title == "防災情報の多言語配信"
    assert need.policy_areas == ["disaster_prevention", "international"]
    assert need.sdg_goals == [11, 13]
    assert (need.budget_min, need.budget_max, need.budget_currency) == (1_000_000, 5_000_000, "JPY")
    assert need.min_trl == 5 and need.language == "ja"
    assert need.contact_email == "bousai@example.org"
    assert need.title_translated == "Multilingual disaster information"
    # search text holds the fields and both languages' policy area labels
    for fragment in ("防災情報", "外国人住民", "disaster prevention", "国際交流", "multilingual"):
        assert fragment in need.search_text
    event = db.session.scalars(
        db.select(AuditEvent).where(AuditEvent.action == "need_create")
    ).one()
    assert event.actor_id == owner_user.id and event.object_id == need.id
    assert event.details == {"from": None, "to": "draft"}


def test_optional_fields_may_be_blank(client, login_as, owner_user):
    login_as(user=owner_user)
    form = valid_form(
        problem="",
        budget_min="",
        budget_max="",
        min_trl="",
        contact_email="",
        title_translated="",
        summary_translated="",
        sdg_goals=None,
    )
    assert client.post("/needs/new", data=form).status_code == 302
    need = db.session.scalars(db.select(Need)).one()
    assert need.budget_min is None and need.min_trl is None and need.sdg_goals == []
    assert need.title_translated is None


@pytest.mark.parametrize(
    "overrides,message",
    [
        ({"title": None}, "This field is required"),
        ({"title": "   "}, "This field is required"),
        ({"summary": None}, "This field is required"),
        ({"title": "x" * 201}, "200"),
        ({"summary": "x" * 1001}, "1000"),
        ({"policy_areas": None}, "at least one policy area"),
        ({"policy_areas": ["no_such_area"]}, "valid choice"),
        ({"sdg_goals": ["18"]}, "valid choice"),
        ({"sdg_goals": ["abc"]}, "Invalid choice"),
        ({"min_trl": "12"}, "between 1 and 9"),
        ({"min_trl": "0"}, "between 1 and 9"),
        ({"min_trl": "five"}, "Not a valid integer"),
        ({"budget_min": "5000000", "budget_max": "1000000"}, "at least the lower budget"),
        ({"budget_min": "-1"}, "between 0 and"),
        ({"budget_max": "9" * 30}, "between"),
        ({"contact_email": "not an address"}, "Invalid email"),
        ({"language": "fr"}, "valid choice"),
    ],
)
def test_invalid_input_is_a_form_error_and_stores_nothing(
    client, login_as, owner_user, overrides, message
):
    login_as(user=owner_user)
    response = client.post("/needs/new?lang=en", data=valid_form(**overrides))
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert need_count() == 0


def test_huge_title_is_refused_without_a_500(client, login_as, owner_user):
    login_as(user=owner_user)
    response = client.post("/needs/new", data=valid_form(title="長" * (5 * 1024 * 1024)))
    assert response.status_code in (200, 400, 413)
    assert need_count() == 0


def test_nul_characters_are_stripped(client, login_as, owner_user):
    login_as(user=owner_user)
    assert client.post("/needs/new", data=valid_form(title="防災\x00計画")).status_code == 302
    assert db.session.scalars(db.select(Need)).one().title == "防災計画"


def test_create_without_csrf_token_is_refused(client, login_as, owner_user):
    login_as(user=owner_user)
    assert client.post("/needs/new", data=valid_form(), csrf=False).status_code == 400
    assert need_count() == 0


def test_hidden_fields_cannot_assign_status_or_organization(
    client, login_as, owner_user, department
):
    from tests.factories import make_org

    other = make_org()
    login_as(user=owner_user)
    form = valid_form(status="published", organization_id=str(other.id), version="77")
    assert client.post("/needs/new", data=form).status_code == 302
    need = db.session.scalars(db.select(Need)).one()
    assert need.status is S.DRAFT and need.organization_id == department.id


def test_edit_draft_updates_fields_and_search_text(client, login_as, owner_user):
    need = new_need(owner_user)
    login_as(user=owner_user)
    page = client.get(f"/needs/{need.id}/edit").get_data(as_text=True)
    assert 'name="version"' in page and "高齢者の見守りサービス" in page
    response = client.post(
        f"/needs/{need.id}/edit",
        data=valid_form(
            title="介護記録の電子化", policy_areas=["nursing_care_work"], version=str(need.version)
        ),
    )
    assert response.status_code == 302
    need = db.session.get(Need, need.id)
    assert need.title == "介護記録の電子化" and need.status is S.DRAFT
    assert need.policy_areas == ["nursing_care_work"]
    assert "介護記録" in need.search_text and "高齢者の見守りサービス" not in need.search_text
    event = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "need_edit")).one()
    assert event.details == {"from": "draft", "to": "draft"}


def test_editing_a_published_need_sends_it_back_to_review(client, login_as, owner_user):
    need = new_need(owner_user, S.PUBLISHED, title="公開済みのニーズ")
    login_as(user=owner_user)
    page = client.get(f"/needs/{need.id}/edit").get_data(as_text=True)
    assert "sends it back to review" in page
    response = client.post(
        f"/needs/{need.id}/edit", data=valid_form(title="公開後に修正", version=str(need.version))
    )
    assert response.status_code == 302
    need = db.session.get(Need, need.id)
    assert need.status is S.IN_REVIEW and need.title == "公開後に修正"
    event = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "need_edit")).one()
    assert event.details == {"from": "published", "to": "in_review"}
    # no longer public
    client.post("/logout", data={})
    assert client.get(f"/needs/{need.id}").status_code == 404


def test_editing_in_review_stays_in_review(client, login_as, owner_user):
    need = new_need(owner_user, S.IN_REVIEW)
    login_as(user=owner_user)
    response = client.post(f"/needs/{need.id}/edit", data=valid_form(version=str(need.version)))
    assert response.status_code == 302
    assert db.session.get(Need, need.id).status is S.IN_REVIEW


def test_stale_version_is_a_conflict_and_changes_nothing(client, login_as, owner_user):
    need = new_need(owner_user, title="元のタイトル")
    stale = need.version
    need.summary = "同僚が先に保存した"
    db.session.flush()
    login_as(user=owner_user)
    response = client.post(
        f"/needs/{need.id}/edit", data=valid_form(title="私の変更", version=str(stale))
    )
    assert response.status_code == 409
    assert "Someone else changed this need" in response.get_data(as_text=True)
    need = db.session.get(Need, need.id)
    assert need.title == "元のタイトル" and need.summary == "同僚が先に保存した"


def test_edit_without_version_is_a_form_error(client, login_as, owner_user):
    need = new_need(owner_user, title="元のタイトル")
    login_as(user=owner_user)
    response = client.post(f"/needs/{need.id}/edit", data=valid_form(title="変更"))
    assert response.status_code == 200
    assert "reload the page" in response.get_data(as_text=True)
    assert db.session.get(Need, need.id).title == "元のタイトル"


def test_invalid_edit_changes_nothing(client, login_as, owner_user):
    need = new_need(owner_user, title="元のタイトル")
    login_as(user=owner_user)
    response = client.post(
        f"/needs/{need.id}/edit", data=valid_form(title="", min_trl="12", version=str(need.version))
    )
    assert response.status_code == 200
    need = db.session.get(Need, need.id)
    assert need.title == "元のタイトル" and need.min_trl is None


@pytest.mark.parametrize("status", [S.CLOSED, S.ARCHIVED])
def test_closed_and_archived_needs_cannot_be_edited(client, login_as, owner_user, status):
    need = new_need(owner_user, status, title="終わったニーズ")
    login_as(user=owner_user)
    response = client.post(
        f"/needs/{need.id}/edit", data=valid_form(title="変更", version=str(need.version))
    )
    assert response.status_code == 409
    assert "not possible" in response.get_data(as_text=True)
    assert db.session.get(Need, need.id).title == "終わったニーズ"


def test_other_department_cannot_edit_a_published_need(client, login_as, owner_user):
    from matchmaker.accounts.models import Role

    need = new_need(owner_user, S.PUBLISHED, title="他部署のニーズ")
    login_as(Role.DEPARTMENT)
    response = client.post(
        f"/needs/{need.id}/edit", data=valid_form(title="乗っ取り", version=str(need.version))
    )
    assert response.status_code == 403
    assert db.session.get(Need, need.id).title == "他部署のニーズ"
