"""The list pages' count: only the key is read, but DISTINCT and GROUP BY still decide the rows."""

from sqlalchemy import select

from matchmaker.common.listing import apply_search, count_of, paginate
from matchmaker.needs.models import Need, NeedPolicyArea
from tests.factories import make_need, make_org


def test_count_matches_the_rows_of_a_search(db_session):
    org = make_org()
    for title in ("防災の訓練", "防災アプリ", "介護の記録"):
        make_need(org, title=title)
    stmt = apply_search(
        select(Need).where(Need.organization_id == org.id), Need.search_text, "防災"
    )
    page = paginate(stmt.order_by(Need.id), 1, 1)
    assert page.total == 2 and len(page.items) == 1 and page.pages == 2


def test_count_respects_distinct_and_group_by(db_session):
    org = make_org()
    make_need(org, policy_areas=("disaster", "elderly_care"))
    make_need(org, policy_areas=("disaster",))
    joined = select(Need.id).join(NeedPolicyArea).where(Need.organization_id == org.id)
    assert count_of(joined) == 3
    assert count_of(joined.distinct()) == 2
    by_code = select(NeedPolicyArea.code).join(Need).where(Need.organization_id == org.id)
    assert count_of(by_code.group_by(NeedPolicyArea.code)) == 2
