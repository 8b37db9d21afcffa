"""The n-gram index of the needs and seeds lists: kept in step by the database whatever writes
the rows, used by the list queries, and never changing what a search finds."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matchmaker.accounts.models import OrgKind, Role
from matchmaker.common import search_index
from matchmaker.common.listing import apply_search, paginate
from matchmaker.common.ngrams import text_grams
from matchmaker.extensions import db
from matchmaker.needs import services as need_services
from matchmaker.needs.models import Need, NeedStatus
from matchmaker.needs.queries import NeedFilters, search_needs
from matchmaker.seeds.models import Seed
from matchmaker.seeds.search import SeedFilters, published_seeds_query
from tests.factories import make_need, make_org, make_user
from tests.needs.conftest import new_need
from tests.seeds.helpers import create_seed


def dialect() -> str:
    return db.session.get_bind().dialect.name


def candidates(column, term: str) -> set[int]:
    """The rows the index alone proposes (no LIKE): shows the index itself is in step."""
    clause = search_index.narrow(column, term, dialect())
    assert clause is not None, term
    return set(db.session.scalars(sa.select(column.expression.table.c.id).where(clause)))


def found(q: str, status: NeedStatus | None = None) -> list[int]:
    return [n.id for n in search_needs(NeedFilters(q=q, status=status), 1, 100).items]


def indexed_rows(table: str) -> tuple[int, int]:
    return search_index.coverage(db.session.connection(), table)


def test_the_index_is_installed_at_the_newest_revision():
    """A later batch migration that rebuilds needs or seeds would drop the SQLite triggers."""
    assert search_index.missing(db.session.connection()) == []


def test_saving_editing_and_deleting_a_need_keeps_the_index_in_step():
    user = make_user(Role.DEPARTMENT, org=make_org(OrgKind.DEPARTMENT))
    need = new_need(
        user,
        title="防災アプリの実証",
        summary="Flood sensor network for the ward",
        policy_areas=["tourism"],
    )
    for term in ("防災", "sensor", "実証", "flood", "アプリ"):
        assert need.id in candidates(Need.search_text, term)
        assert found(term, NeedStatus.DRAFT) == [need.id]
    data = need_services.NeedData(
        title="観光案内の多言語化", summary="Guide signs in ten languages", policy_areas=["tourism"]
    )
    need_services.update_need(user, need, data, need.version)
    for term in ("防災", "sensor", "実証"):
        assert need.id not in candidates(Need.search_text, term)
        assert found(term, NeedStatus.DRAFT) == []
    assert found("観光 signs", NeedStatus.DRAFT) == [need.id]
    assert indexed_rows("needs")[0] == indexed_rows("needs")[1]
    db.session.delete(need)
    db.session.flush()
    assert candidates(Need.search_text, "観光") == set()
    assert indexed_rows("needs")[0] == indexed_rows("needs")[1]


def test_a_published_seed_is_found_through_the_index():
    owner = make_user(Role.PROVIDER, org=make_org(OrgKind.STARTUP))
    seed = create_seed(owner, title="介護記録の音声入力", description="Voice drone for care homes")
    for term in ("介護", "drone", "音声入力"):
        assert seed.id in candidates(Seed.search_text, term)
        stmt = published_seeds_query(SeedFilters(q=term))
        assert list(db.session.scalars(stmt)) == [seed]


def test_a_rolled_back_save_leaves_nothing_in_the_index():
    before = indexed_rows("needs")
    savepoint = db.session.begin_nested()
    need = make_need(title="一時的な計画 zqxjv")
    assert candidates(Need.search_text, "zqxjv") == {need.id}
    savepoint.rollback()
    assert candidates(Need.search_text, "zqxjv") == set()
    assert candidates(Need.search_text, "一時的") == set()
    assert indexed_rows("needs") == before


def test_core_inserts_are_indexed_too():
    """The load database is filled with Core inserts, which no ORM event would see."""
    org = make_org(OrgKind.DEPARTMENT)
    row = {"organization_id": org.id, "title": "t", "summary": "s", "status": "published"}
    stmt = sa.insert(Need.__table__).returning(Need.id)
    new_id = db.session.execute(stmt, {**row, "search_text": "見守りセンサー qwv"}).scalar_one()
    assert candidates(Need.search_text, "見守り") == {new_id}
    assert found("qwv センサー") == [new_id]


def _statement(term: str) -> sa.Select:
    return apply_search(sa.select(Need.id), Need.search_text, term)


def test_the_list_query_uses_the_index():
    make_need(title="防災センサー")
    conn = db.session.connection()
    for term in ("センサー", "防災"):
        sql = str(_statement(term).compile(conn))
        if dialect() == "sqlite":
            assert "needs_grams MATCH" in sql
            assert ("needs_grams_vocab" in sql) is (len(term) == 2)
            plan = " ".join(str(r) for r in conn.exec_driver_sql(_explain(term, "QUERY PLAN")))
            assert "needs_grams VIRTUAL TABLE INDEX" in plan
        else:
            conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
            plan = " ".join(r[0] for r in conn.exec_driver_sql(_explain(term, "")))
            assert "ix_needs_grams" in plan
    assert "grams" not in str(_statement("ai").compile(conn))  # no gram: a plain scan


def _explain(term: str, what: str) -> str:
    literal = {"literal_binds": True}
    compiled = _statement(term).compile(db.session.connection(), compile_kwargs=literal)
    return f"EXPLAIN {what} {compiled}"


def test_reindex_rebuilds_an_emptied_index(app):
    need = make_need(title="防災訓練のアプリ")
    if dialect() == "sqlite":
        db.session.execute(sa.text("INSERT INTO needs_grams(needs_grams) VALUES ('delete-all')"))
        assert candidates(Need.search_text, "訓練の") == set()
        assert indexed_rows("needs")[1] == 0
    result = app.test_cli_runner().invoke(args=["search", "reindex"])
    assert result.exit_code == 0, result.output
    assert "Search index rebuilt" in result.output
    assert candidates(Need.search_text, "訓練の") == {need.id}
    assert candidates(Need.search_text, "防災") == {need.id}
    assert indexed_rows("needs")[0] == indexed_rows("needs")[1]
    status = app.test_cli_runner().invoke(args=["search", "status"])
    assert status.exit_code == 0 and "in the search index" in status.output


CORPUS = [
    "地域の防災訓練をデジタル化する",
    "介護記録\nelderly care records",
    "センサーで見守り",
    "xyz 防災",  # a two-character term at the very end of the text
    "防災",
    "防 災 介 護",
    "Smart SENSOR network",  # not normalised: SQLite's LIKE ignores ASCII case
    "energy-saving drones, 100% solar_powered",
    'quote "and" AND or OR near NEAR( star* col:on ^caret',
    "back\\slash and 50% off",
    "ｶﾀｶﾅ and カタカナ",
    "𠮟る 한국어 텍스트",
    "",
]
QUERIES = [
    "防災",
    "介護",
    "見守り",
    "sensor",
    "SENSOR",
    "energy drone",
    "100%",
    "solar_p",
    "_",
    "%",
    '"and"',
    "AND",
    "near(",
    "star*",
    "col:on",
    "^caret",
    "back\\slash",
    "ai",
    "防",
    "災 介",
    "カタカナ",
    "𠮟る",
    "한국",
    "xyz 防災",
    "訓練をデジタル化する",
]


def test_results_with_the_index_equal_a_plain_scan(monkeypatch):
    org = make_org(OrgKind.DEPARTMENT)
    for text in CORPUS:
        need = make_need(org)
        need.search_text = text
    db.session.flush()
    base = sa.select(Need.id).where(Need.organization_id == org.id).order_by(Need.id)

    def ids(q: str) -> list[int]:
        return db.session.scalars(apply_search(base, Need.search_text, q)).all()

    indexed = {q: ids(q) for q in QUERIES}
    monkeypatch.setattr(search_index, "narrow", lambda *args: None)
    for q in QUERIES:
        assert indexed[q] == ids(q), q
    assert sum(map(len, indexed.values())) > len(QUERIES)  # the queries do find rows


def test_pages_read_in_list_order_hold_the_same_needs(monkeypatch):
    """With many matches a page walks the list's order: the same needs on every page."""
    org = make_org(OrgKind.DEPARTMENT)
    for n in range(7):
        make_need(org, title=f"防災マップ {n}" if n % 3 else "地図アプリ")
    stmt = apply_search(
        sa.select(Need).where(Need.organization_id == org.id), Need.search_text, "防災 マップ"
    ).order_by(Need.id.desc())

    def pages() -> list[list[int]]:
        return [[n.id for n in paginate(stmt, p, 2).items] for p in (1, 2, 3, 4)]

    by_candidates = pages()
    monkeypatch.setattr(search_index, "walk_in_order", lambda total, rows: True)
    assert pages() == by_candidates
    assert [len(p) for p in by_candidates] == [2, 2, 0, 0]
    ordered = str(search_index.in_list_order(stmt).compile(db.session.connection()))
    if dialect() == "sqlite":
        assert "needs.id + 0 IN (SELECT rowid" in ordered
    else:
        assert "search_grams" not in ordered and "LIKE" in ordered


def test_only_dense_matches_walk_the_list_order():
    assert search_index.walk_in_order(10_000, 20) and not search_index.walk_in_order(100, 20)
    assert not search_index.walk_in_order(1_000, 200)  # a deep page: the candidates are cheaper


TEXT = st.text(st.sampled_from(list('abc防災介護ドロ한 \n"*%_')), max_size=24)  # normalised


@settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(texts=st.lists(TEXT, min_size=1, max_size=4), data=st.data())
def test_edits_in_any_order_keep_every_containing_row_a_candidate(texts, data):
    """Repeated edits of the same row exercise the triggers' delete-then-insert."""
    need = db.session.scalars(sa.select(Need).where(Need.title == "property")).first()
    need = need or make_need(title="property")
    for text in texts:
        need.search_text = text
        db.session.flush()
    text = texts[-1]
    start = data.draw(st.integers(0, len(text)))
    term = text[start : data.draw(st.integers(start, len(text)))]
    clause = search_index.narrow(Need.search_text, term, dialect())
    if clause is not None:
        assert need.id in set(db.session.scalars(sa.select(Need.id).where(clause)))
    for piece in term.split():
        assert need.id in found(piece, NeedStatus.PUBLISHED)


MIXED = 'ab9 \t\n\u3000\u2028防災介護ドロｶ한々𠮟、"%_é'


@settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(st.text(st.sampled_from(list(MIXED)), max_size=40))
def test_postgres_computes_the_same_grams_as_python(text):
    """The migration's SQL function must agree with ngrams.text_grams, which the tests prove."""
    if dialect() != "postgresql":
        pytest.skip("PostgreSQL's search_grams()")
    grams = db.session.scalar(sa.select(sa.func.search_grams(text)))
    assert set(grams) == text_grams(text)


def test_reindex_refuses_when_a_migration_dropped_part_of_the_index(app):
    dropped = "needs_grams_update" if dialect() == "sqlite" else "ix_needs_grams"
    kind = "TRIGGER" if dialect() == "sqlite" else "INDEX"
    db.session.execute(sa.text(f"DROP {kind} {dropped}"))  # rolled back with the test
    result = app.test_cli_runner().invoke(args=["search", "reindex"])
    assert result.exit_code == 1
    assert dropped in result.output and "db upgrade" in result.output
    assert "Traceback" not in result.output
