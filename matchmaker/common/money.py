"""Amounts as each language writes them: 1,500,000円 in Japanese, ¥1,500,000 in English."""

from __future__ import annotations

from babel.numbers import format_currency
from flask_babel import get_locale


def format_money(amount: int | None, currency: str = "JPY", locale: str | None = None) -> str:
    """Whole amounts with the currency's sign; yen in Japanese end in 円."""
    if amount is None:
        return ""
    locale = locale or str(get_locale() or "ja")
    if currency == "JPY" and locale == "ja":
        return f"{amount:,}円"
    return format_currency(amount, currency, locale=locale, format="¤#,##0", currency_digits=False)
