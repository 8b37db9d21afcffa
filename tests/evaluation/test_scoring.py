"""Scoring: every criterion 1–5 with a comment, upserted, changeable only under evaluation."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from matchmaker.accounts.models import Role
from matchmaker.calls.models import CallStatus
from matchmaker.common.errors import DomainError, IllegalTransition
from matchmaker.evaluation import scoring
from matchmaker.evaluation.models import Score
from matchmaker.extensions import db
from tests.evaluation.conftest import assign, make_call, make_proposal, score_form


def _scores(proposal):
    rows = db.session.scalars(select(Score).where(Score.proposal_id == proposal.id))
    return {s.criterion.name: (s.value, s.comment) for s in rows}


def _count():
    return db.session.scalar(select(func.count()).select_from(Score))


@pytest.fixture
def signed_in(client, login_as, call):
    reviewer = login_as(Role.REVIEWER)
    assign(call, reviewer)
    return reviewer


def test_save_then_change_scores(client, call, signed_in):
    proposal = make_proposal(call, title="Fall sensors")
    page = client.get(f"/reviews/proposals/{proposal.id}").get_data(as_text=True)
    assert "Impact" in page and "Feasibility" in page and "Save scores" in page
    response = client.post(f"/reviews/proposals/{proposal.id}", data=score_form(call, [4, 2]))
    assert response.status_code == 302
    assert _scores(proposal) == {"Impact": (4, "Solid plan"), "Feasibility": (2, "Solid plan")}
    response = client.post(
        f"/reviews/proposals/{proposal.id}", data=score_form(call, [1, 5], "Changed my mind")
    )
    assert response.status_code == 302
    assert _scores(proposal) == {
        "Impact": (1, "Changed my mind"),
        "Feasibility": (5, "Changed my mind"),
    }
    assert _count() == 2  # upserted, not duplicated
    page = client.get(f"/reviews/proposals/{proposal.id}").get_data(as_text=True)
    assert "Changed my mind" in page and "Update scores" in page


@pytest.mark.parametrize(
    "broken",
    [
        {"value": "0"},
        {"value": "6"},
        {"value": "abc"},
        {"value": None},
        {"comment": ""},
        {"comment": "   "},
        {"comment": None},
    ],
)
def test_invalid_scores_are_form_errors_and_save_nothing(client, call, signed_in, broken):
    proposal = make_proposal(call)
    data = score_form(call, [3, 3])
    first = call.criteria[0].id
    for part, value in broken.items():
        key = f"{part}_{first}"
        if value is None:
            data.pop(key)
        else:
            data[key] = value
    response = client.post(f"/reviews/proposals/{proposal.id}", data=data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "nothing was saved" in page
    assert 'class="error"' in page
    assert _count() == 0


def test_scoring_is_refused_before_evaluation(client, login_as):
    call = make_call(CallStatus.OPEN)
    reviewer = login_as(Role.REVIEWER)
    assign(call, reviewer)
    proposal = make_proposal(call)
    page = client.get(f"/reviews/proposals/{proposal.id}").get_data(as_text=True)
    assert "Scoring opens when the call closes" in page
    response = client.post(f"/reviews/proposals/{proposal.id}", data=score_form(call, [3, 3]))
    assert response.status_code == 409
    assert "Scoring opens when the call closes" in response.get_data(as_text=True)
    assert _count() == 0


def test_scores_cannot_change_after_announce(client, call, signed_in):
    proposal = make_proposal(call)
    client.post(f"/reviews/proposals/{proposal.id}", data=score_form(call, [4, 4]))
    call.status = CallStatus.DECIDED
    db.session.flush()
    response = client.post(f"/reviews/proposals/{proposal.id}", data=score_form(call, [1, 1]))
    assert response.status_code == 409
    assert "the results were announced" in response.get_data(as_text=True)
    assert _scores(proposal) == {"Impact": (4, "Solid plan"), "Feasibility": (4, "Solid plan")}


def test_service_refuses_partial_and_out_of_range(call, reviewer):
    proposal = make_proposal(call)
    first, second = (c.id for c in call.criteria)
    with pytest.raises(DomainError):
        scoring.save_scores(reviewer, proposal, [scoring.CriterionScore(first, 3, "ok")])
    with pytest.raises(DomainError):
        scoring.save_scores(
            reviewer,
            proposal,
            [scoring.CriterionScore(first, 7, "ok"), scoring.CriterionScore(second, 3, "ok")],
        )
    with pytest.raises(DomainError):
        scoring.save_scores(
            reviewer,
            proposal,
            [scoring.CriterionScore(first, 3, ""), scoring.CriterionScore(second, 3, "ok")],
        )
    call.status = CallStatus.DECIDED
    with pytest.raises(IllegalTransition):
        scoring.save_scores(
            reviewer,
            proposal,
            [scoring.CriterionScore(first, 3, "ok"), scoring.CriterionScore(second, 3, "ok")],
        )
    assert _count() == 0


def test_reviews_page_lists_pending_and_done(client, call, signed_in):
    other_call = make_call(title="Second call")
    assign(other_call, signed_in)
    first = make_proposal(call, title="First proposal")
    make_proposal(call, title="Second proposal")
    make_proposal(other_call, title="Other call proposal")
    client.post(f"/reviews/proposals/{first.id}", data=score_form(call, [3, 4]))
    page = client.get("/reviews").get_data(as_text=True)
    assert "Second call" in page and "Other call proposal" in page
    section = page.split(f'id="call-{call.id}"')[1].split("</section>")[0]
    pending = section.split('class="pending"')[1].split("</ul>")[0]
    done = section.split('class="done"')[1].split("</ul>")[0]
    assert "Second proposal" in pending and "First proposal" not in pending
    assert "First proposal" in done
    assert "Pending (1)" in section and "Done (1)" in section
