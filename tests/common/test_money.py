"""Amounts read the way each language writes them."""

import pytest

from matchmaker.common.money import format_money


@pytest.mark.parametrize(
    "amount,currency,locale,expected",
    [
        (1_500_000, "JPY", "ja", "1,500,000円"),
        (1_500_000, "JPY", "en", "¥1,500,000"),
        (300_000, "USD", "en", "$300,000"),
        (300_000, "USD", "ja", "$300,000"),
        (0, "JPY", "ja", "0円"),
        (None, "JPY", "ja", ""),
    ],
)
def test_amounts_follow_the_reader_language(app, amount, currency, locale, expected):
    with app.test_request_context():
        assert format_money(amount, currency, locale) == expected


def test_call_budget_is_shown_in_yen(client, app):
    from matchmaker.accounts.models import OrgKind
    from tests.factories import make_org
    from tests.proposals.helpers import make_call

    call = make_call(make_org(OrgKind.DEPARTMENT), budget_max=3_000_000, budget_currency="JPY")
    ja = client.get(f"/calls/{call.id}?lang=ja").get_data(as_text=True)
    assert "3,000,000円" in ja
    en = client.get(f"/calls/{call.id}?lang=en").get_data(as_text=True)
    assert "¥3,000,000" in en
