"""Search and pagination shared by the public list pages."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import Select, func, literal_column, select
from sqlalchemy.orm import InstrumentedAttribute

from matchmaker.common import search_index
from matchmaker.common.errors import DomainError
from matchmaker.common.text import normalize
from matchmaker.extensions import db

MAX_QUERY_LENGTH = 200
MAX_TERMS = 8
EARLIEST_DATE, LATEST_DATE = date(2000, 1, 1), date(2100, 12, 31)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def search_terms(query: str | None) -> list[str]:
    """Split a query on white space; each term must appear (works for 2-character Japanese)."""
    query = (query or "").strip()
    if _CONTROL.search(query):  # PostgreSQL refuses NUL in a parameter
        raise DomainError(_("The search text contains characters that are not allowed."))
    if len(query) > MAX_QUERY_LENGTH:
        raise DomainError(
            _("The search text is too long (at most %(n)d characters).", n=MAX_QUERY_LENGTH)
        )
    return [t for t in normalize(query).split() if t][:MAX_TERMS]


def apply_search(stmt: Select, column: InstrumentedAttribute, query: str | None) -> Select:
    """Substring match on the normalised search column; where the table has an n-gram index
    (needs, seeds) the index picks the candidates first and the LIKE still decides."""
    terms = search_terms(query)
    dialect = db.session.get_bind().dialect.name if terms else ""
    for term in terms:
        candidates = search_index.narrow(column, term, dialect)
        if candidates is not None:
            stmt = stmt.where(candidates)
        escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        stmt = stmt.where(column.like(f"%{escaped}%", escape="\\"))
    return stmt


@dataclass
class Page:
    items: list
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def parse_page(raw: str | None) -> int:
    if raw in (None, ""):
        return 1
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= 100_000:
        raise DomainError(_("The page number is not valid."))
    return int(raw)


def count_of(stmt: Select) -> int:
    """Rows the statement would return, without reading their columns (a search scans text)."""
    stmt = stmt.order_by(None)
    if not (stmt._distinct or stmt._group_by_clauses):  # there the columns decide the rows
        stmt = stmt.with_only_columns(literal_column("1"), maintain_column_froms=True)
    return db.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0


def paginate(stmt: Select, page: int, per_page: int) -> Page:
    total = count_of(stmt)
    offset = (page - 1) * per_page
    if total <= offset:  # nothing to show: a search need not look for it
        return Page(items=[], page=page, per_page=per_page, total=total)
    if search_index.walk_in_order(total, offset + per_page):
        stmt = search_index.in_list_order(stmt)
    items = db.session.scalars(stmt.limit(per_page).offset(offset)).all()
    return Page(items=list(items), page=page, per_page=per_page, total=total)


def date_arg(args: Mapping[str, str], name: str) -> date | None:
    """A YYYY-MM-DD query parameter; empty means no filter, anything else is refused."""
    raw = (args.get(name) or "").strip()
    if not raw:
        return None
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw):
            raise ValueError(raw)
        value = date.fromisoformat(raw)
    except ValueError:
        raise DomainError(_("“%(name)s” must be a date as YYYY-MM-DD.", name=name)) from None
    if not EARLIEST_DATE <= value <= LATEST_DATE:  # year 1 or 9999 cannot shift to UTC
        raise DomainError(_("“%(name)s” must be a date between 2000 and 2100.", name=name))
    return value
