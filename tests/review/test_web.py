"""The review queue page: ranking with explanations, single and bulk actions, notes, invitations,
the decided section, status tabs and the learner's ordering."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import func, select

from matchmaker.accounts.models import AccountStatus, Role
from matchmaker.calls.models import Call, CallStatus
from matchmaker.db import utcnow
from matchmaker.extensions import db
from matchmaker.matching.models import MatchDecision
from matchmaker.needs.models import NeedStatus
from matchmaker.notifications.models import Notification
from matchmaker.review.models import PairNote, PairReview, PairReviewEvent, PairStatus
from matchmaker.seeds.models import SeedStatus
from tests.factories import make_need, make_org, make_seed, make_user
from tests.review.conftest import decide, queue_url

PAIR = re.compile(r'<li class="card match review-pair" id="pair-(\d+)">')


def page(client, need, **params) -> str:
    response = client.get(queue_url(need, **params))
    assert response.status_code == 200
    return response.get_data(as_text=True)


def section(html: str, name: str) -> str:
    return html.split(f'<section id="{name}"', 1)[1].split("</section>", 1)[0]


def ranked_ids(html: str) -> list[int]:
    return [int(i) for i in PAIR.findall(section(html, "ranked"))]


def pair(need, seed) -> PairReview | None:
    return db.session.scalar(
        select(PairReview).where(PairReview.need_id == need.id, PairReview.seed_id == seed.id)
    )


def test_the_queue_ranks_and_explains(client, coordinator, corpus):
    need = corpus.needs["watch_ja"]
    html = page(client, need)
    ids = ranked_ids(html)
    assert ids[0] == corpus.seeds["fall_en"].id
    assert sorted(ids) == sorted(s.id for s in corpus.seeds.values())
    first = section(html, "ranked").split('class="card match review-pair"')[1]
    assert "Best-matching sentence of this need" in first and "<meter" in first
    assert "Score " in first and "New" in first
    assert "Ordered by the tuned fusion" in html
    for action in ("Shortlist", "Dismiss", "Invite to apply"):
        assert f">{action}</button>" in first
    assert ">Reopen</button>" not in first


def test_filters_apply_before_the_cut(client, coordinator, corpus):
    html = page(client, corpus.needs["watch_ja"], match=1, language="ja")
    names = {s.id: k for k, s in corpus.seeds.items()}
    assert {names[i] for i in ranked_ids(html)} == {"flood_ja", "school_ja", "solar_ja"}


def test_shortlist_records_the_decision_and_the_label(client, coordinator, corpus):
    need, seed = corpus.needs["watch_ja"], corpus.seeds["fall_en"]
    response = decide(client, need, seed, "shortlist", reason="strong fit", status="new")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"?status=new#pair-{seed.id}")
    row = pair(need, seed)
    assert row.status is PairStatus.SHORTLISTED and row.updated_by_id == coordinator.id
    assert row.signals and row.score is not None
    event = db.session.scalar(select(PairReviewEvent))
    assert (event.from_status, event.to_status, event.actor_id) == (
        "new",
        "shortlisted",
        coordinator.id,
    )
    label = db.session.scalar(select(MatchDecision))
    assert (label.need_id, label.seed_id, label.accepted) == (need.id, seed.id, True)
    assert label.signals == row.signals and "multilingual" in label.signals
    html = page(client, need)
    assert "Shortlisted: " in html
    assert ">Reopen</button>" in html


def test_dismiss_without_reason_is_refused(client, coordinator, corpus):
    need, seed = corpus.needs["watch_ja"], corpus.seeds["pay_en"]
    response = decide(client, need, seed, "dismiss", reason="  ")
    assert response.status_code == 400
    assert "Give a reason for dismissing" in response.get_data(as_text=True)
    assert pair(need, seed) is None
    assert decide(client, need, seed, "dismiss", reason="not relevant").status_code == 302
    assert pair(need, seed).status is PairStatus.DISMISSED
    assert db.session.scalar(select(MatchDecision.accepted)) is False


def test_reopen_withdraws_the_label(client, coordinator, corpus):
    need, seed = corpus.needs["watch_ja"], corpus.seeds["pay_en"]
    decide(client, need, seed, "dismiss", reason="not relevant")
    version = pair(need, seed).version
    assert decide(client, need, seed, "reopen", version=version).status_code == 302
    assert pair(need, seed).status is PairStatus.NEW
    assert db.session.scalar(select(func.count()).select_from(MatchDecision)) == 0


def test_a_refused_transition_is_a_409(client, coordinator, corpus):
    need, seed = corpus.needs["watch_ja"], corpus.seeds["pay_en"]
    response = decide(client, need, seed, "reopen")
    assert response.status_code == 409
    assert "is not possible while the pair is" in response.get_data(as_text=True)


def test_two_coordinators_cannot_both_win(client, login_as, corpus):
    need, seed = corpus.needs["watch_ja"], corpus.seeds["fall_en"]
    login_as(Role.COORDINATOR)
    html = page(client, need)
    assert f'value="{seed.id}:0"' in html  # both coordinators loaded version 0
    assert decide(client, need, seed, "shortlist", version=0).status_code == 302
    login_as(Role.ADMIN)
    response = decide(client, need, seed, "dismiss", version=0, reason="weak")
    assert response.status_code == 409
    assert "changed by someone else" in response.get_data(as_text=True)
    assert pair(need, seed).status is PairStatus.SHORTLISTED
    assert db.session.scalar(select(func.count()).select_from(PairReviewEvent)) == 1


def test_a_damaged_version_is_a_form_error(client, coordinator, corpus):
    need, seed = corpus.needs["watch_ja"], corpus.seeds["fall_en"]
    response = decide(client, need, seed, "shortlist", version="abc")
    assert response.status_code == 400
    assert pair(need, seed) is None


def test_bulk_actions_apply_to_every_selected_pair(client, coordinator, corpus):
    need = corpus.needs["watch_ja"]
    seeds = [corpus.seeds[k] for k in ("pay_en", "solar_ja", "school_ja")]
    response = client.post(
        f"/needs/{need.id}/review-queue/bulk",
        data={"pairs": [f"{s.id}:0" for s in seeds], "action": "dismiss", "reason": "off topic"},
    )
    assert response.status_code == 302
    for seed in seeds:
        row = pair(need, seed)
        assert row.status is PairStatus.DISMISSED and row.reason == "off topic"
    labels = db.session.scalars(select(MatchDecision)).all()
    assert len(labels) == 3 and not any(label.accepted for label in labels)
    assert db.session.scalar(select(func.count()).select_from(PairReviewEvent)) == 3


def test_bulk_changes_nothing_when_one_pair_refuses(client, coordinator, corpus):
    need = corpus.needs["watch_ja"]
    fall, pay = corpus.seeds["fall_en"], corpus.seeds["pay_en"]
    decide(client, need, pay, "dismiss", reason="no")
    version = pair(need, pay).version
    response = client.post(
        f"/needs/{need.id}/review-queue/bulk",
        data={"pairs": [f"{fall.id}:0", f"{pay.id}:{version}"], "action": "shortlist"},
    )
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert "Nothing was changed" in text and pay.title in text
    assert pair(need, fall) is None and pair(need, pay).status is PairStatus.DISMISSED
    assert db.session.scalar(select(func.count()).select_from(MatchDecision)) == 1


def test_bulk_without_a_reason_or_selection_is_refused(client, coordinator, corpus):
    need, seed = corpus.needs["watch_ja"], corpus.seeds["fall_en"]
    url = f"/needs/{need.id}/review-queue/bulk"
    response = client.post(url, data={"pairs": [f"{seed.id}:0"], "action": "dismiss"})
    assert response.status_code == 400 and pair(need, seed) is None
    response = client.post(url, data={"action": "shortlist"})
    assert response.status_code == 400
    assert "Select at least one seed." in response.get_data(as_text=True)
    response = client.post(url, data={"pairs": ["x:y"], "action": "shortlist"})
    assert response.status_code == 400


def test_invite_notifies_the_seed_organization_once(client, coordinator, corpus):
    need, seed = corpus.needs["watch_ja"], corpus.seeds["fall_en"]
    member = make_user(Role.PROVIDER, org=seed.organization)
    make_user(Role.PROVIDER, org=seed.organization, status=AccountStatus.SUSPENDED)
    assert decide(client, need, seed, "invite").status_code == 302
    decide(client, need, seed, "reopen", version=pair(need, seed).version)
    assert decide(client, need, seed, "invite", version=pair(need, seed).version).status_code == 302
    notes = db.session.scalars(select(Notification)).all()
    assert [(n.user_id, n.kind) for n in notes] == [(member.id, "pair_invited")]
    assert notes[0].link == f"/needs/{need.id}"
    assert notes[0].params["seed_title"] == seed.title
    assert db.session.scalar(select(MatchDecision.accepted)) is True


def test_invite_links_to_the_open_call(client, coordinator, corpus):
    need, seed = corpus.needs["flood_en"], corpus.seeds["flood_ja"]
    member = make_user(Role.PROVIDER, org=seed.organization)
    now = utcnow()
    call = Call(
        need_id=need.id,
        organization_id=need.organization_id,
        title="Flood warning pilot",
        status=CallStatus.OPEN,
        opens_at=now - timedelta(days=1),
        closes_at=now + timedelta(days=20),
    )
    db.session.add(call)
    db.session.flush()
    assert decide(client, need, seed, "invite").status_code == 302
    note = db.session.scalar(select(Notification).where(Notification.user_id == member.id))
    assert note.link == f"/calls/{call.id}"
    assert note.params["call_title"] == "Flood warning pilot"


def test_notes_are_private_to_staff(client, login_as, corpus):
    need, seed = corpus.needs["watch_ja"], corpus.seeds["fall_en"]
    author = login_as(Role.COORDINATOR)
    response = client.post(
        f"/needs/{need.id}/review-queue/{seed.id}/notes", data={"body": "Secret: call the CEO"}
    )
    assert response.status_code == 302
    note = db.session.scalar(select(PairNote))
    assert note.author_id == author.id
    html = page(client, need)
    assert "Secret: call the CEO" in html and author.name in html and " JST" in html
    assert pair(need, seed).status is PairStatus.NEW  # a note decides nothing
    login_as(Role.DEPARTMENT, org=need.organization)
    assert "Secret" not in client.get(f"/needs/{need.id}").get_data(as_text=True)
    assert client.get(queue_url(need)).status_code == 403
    login_as(Role.PROVIDER, org=seed.organization)
    assert "Secret" not in client.get(f"/seeds/{seed.id}").get_data(as_text=True)


def test_an_empty_note_is_refused(client, coordinator, corpus):
    need, seed = corpus.needs["watch_ja"], corpus.seeds["fall_en"]
    response = client.post(f"/needs/{need.id}/review-queue/{seed.id}/notes", data={"body": " "})
    assert response.status_code == 400
    assert db.session.scalar(select(func.count()).select_from(PairNote)) == 0


def test_decided_pairs_that_left_the_ranking_still_show(client, coordinator, corpus):
    need, seed = corpus.needs["watch_ja"], corpus.seeds["bus_en"]
    decide(client, need, seed, "shortlist")
    html = page(client, need, match=1, language="ja")  # bus_en is English: out of the ranking
    assert seed.id not in ranked_ids(html)
    decided = section(html, "decided")
    assert f'id="pair-{seed.id}"' in decided and "Shortlisted" in decided


def test_status_tabs(client, coordinator, corpus):
    need = corpus.needs["watch_ja"]
    decide(client, need, corpus.seeds["fall_en"], "shortlist")
    html = page(client, need, status="shortlisted")
    assert ranked_ids(html) == [corpus.seeds["fall_en"].id]
    assert "Shortlisted (1)" in html and "New (5)" in html
    assert corpus.seeds["fall_en"].id not in ranked_ids(page(client, need, status="new"))
    assert client.get(queue_url(need, status="bogus")).status_code == 400
    assert client.get(queue_url(need, min_trl="12")).status_code == 400


def test_a_seed_that_is_not_published_cannot_be_decided(client, coordinator, corpus):
    need = corpus.needs["watch_ja"]
    draft = make_seed(status=SeedStatus.DRAFT)
    assert decide(client, need, draft, "shortlist").status_code == 400
    assert pair(need, draft) is None


def _labels(count: int, accepted_share: float = 0.5) -> None:
    """Decisions where the coordinators accepted seeds OUTSIDE the need's policy area and
    rejected those inside it: a learner trained on them must push same-area seeds down."""
    needs = [make_need(status=NeedStatus.DRAFT) for _ in range(2)]  # elderly_care
    accepted = int(count * accepted_share)
    for n in range(count):
        yes = n < accepted
        area = "mobility" if yes else "elderly_care"
        seed = make_seed(status=SeedStatus.DRAFT, org=make_org(), policy_areas=(area,))
        db.session.add(
            MatchDecision(
                need_id=needs[n % 2].id,
                seed_id=seed.id,
                accepted=yes,
                signals={"multilingual": 0.5, "lexical_char": 0.1},
            )
        )
    db.session.flush()


def test_the_learner_orders_the_queue_once_trained(client, coordinator, corpus):
    _labels(40)
    html = page(client, corpus.needs["watch_ja"])
    assert "Ordered by the learner trained on 40 decisions." in html
    ids = ranked_ids(html)
    assert ids[-1] == corpus.seeds["fall_en"].id  # the only seed sharing the need's area


def test_the_fusion_order_stands_below_the_threshold(client, coordinator, corpus):
    _labels(39)
    html = page(client, corpus.needs["watch_ja"])
    assert "Ordered by the tuned fusion" in html
    assert ranked_ids(html)[0] == corpus.seeds["fall_en"].id


def test_the_need_page_and_dashboard_link_to_the_queue(client, coordinator, corpus):
    need = corpus.needs["watch_ja"]
    link = f'href="/needs/{need.id}/review-queue"'
    assert link in client.get(f"/needs/{need.id}").get_data(as_text=True)
    assert link in client.get("/dashboard").get_data(as_text=True)
