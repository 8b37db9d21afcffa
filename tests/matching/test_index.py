"""The in-memory index: built from stored vectors, refreshed incrementally, and consistent
across processes that share one database."""

from __future__ import annotations

import pytest

from matchmaker.accounts.models import OrgKind, Role
from matchmaker.extensions import db
from matchmaker.matching import runtime
from matchmaker.matching.index import MatchIndex
from matchmaker.matching.records import NEED, SEED, need_doc, seed_doc
from matchmaker.matching.store import sync
from matchmaker.seeds.models import Seed, SeedStatus
from tests.conftest import CSRFClient, build_app
from tests.factories import make_org, make_user
from tests.matching.conftest import add_need, add_seed, encode, ranked_ids, sentence_count


def refuse(*_args, **_kwargs):
    raise AssertionError("a full reload was not expected")


def test_the_index_is_built_from_stored_vectors_without_encoding(corpus, counting):
    add_seed("fall_en", status=SeedStatus.DRAFT)  # not published: not in the index
    index = runtime.get_index()
    assert counting.total() == 0
    assert index.size(SEED) == len(corpus.seeds) and index.size(NEED) == len(corpus.needs)
    assert index.revision is not None


def test_a_change_loads_only_the_changed_rows(corpus, counting, monkeypatch):
    index = runtime.get_index()
    monkeypatch.setattr(index, "load_all", refuse)
    seed = corpus.seeds["pay_en"]
    seed.summary = "Sensors under the bed detect when an elderly person living alone falls."
    seed.policy_area_rows = []
    db.session.flush()
    sync(db.session, SEED, [seed.id], counting.encoders)
    encoded = len(counting.encoders) + sentence_count(seed)
    assert counting.total() == encoded  # the edited seed only (and its sentences)

    assert runtime.get_index() is index
    assert counting.total() == encoded  # refreshing encodes nothing
    ranker = index.rankers[SEED]
    assert ranker.docs[ranker.row_of[seed.id]].text_hash == seed_doc(seed).text_hash
    assert index.size(SEED) == len(corpus.seeds)


def test_a_published_records_own_vectors_are_the_query(corpus, counting):
    need = corpus.needs["flood_en"]
    index = runtime.get_index()
    counting.reset()
    index.rank(NEED, need_doc(need), SEED)
    assert not any(text.startswith(need.title) for text in counting.encoders["semantic"].texts)


def test_a_counter_that_went_back_reloads_everything(corpus, monkeypatch):
    index = runtime.get_index()
    calls = []
    monkeypatch.setattr(index, "load_all", lambda session: calls.append(session))
    index.revision += 5  # as after restoring an older backup
    runtime.get_index()
    assert len(calls) == 1


def test_rows_of_an_unpublished_record_are_dropped(corpus):
    index = runtime.get_index()
    seed = corpus.seeds["bus_en"]
    seed.status = SeedStatus.ARCHIVED
    db.session.flush()
    encode(corpus.encoders, seed)
    runtime.get_index()
    assert index.size(SEED) == len(corpus.seeds) - 1
    assert not index.rankers[SEED].active[index.rankers[SEED].row_of[seed.id]]


def test_two_indexes_never_share_state(app, encoders):
    config = runtime.matching_config(runtime.config_path(app))
    first, second = MatchIndex(encoders, config), MatchIndex(encoders, config)
    assert first.rankers[SEED] is not second.rankers[SEED]


# --- two processes on one database ---------------------------------------------------------


@pytest.fixture
def two_apps(tmp_path, monkeypatch, encoders):
    """Two app instances (each with its own index) on a file database of their own."""
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    apps = [build_app(url, tmp_path / name) for name in ("one", "two")]
    # the test session is bound to the rolled-back test connection; these apps use their own
    monkeypatch.setattr(db, "session", db._make_scoped_session({}))
    for each in apps:
        each.test_client_class = CSRFClient
    yield apps
    db.session.remove()
    for each in apps:
        with each.app_context():
            db.engine.dispose()


def sign_in(client, user_id: str) -> None:
    with client.session_transaction() as sess:
        sess["_user_id"] = user_id
        sess["_fresh"] = True


def test_an_edit_in_one_process_is_seen_by_the_others_ranking(two_apps, encoders, monkeypatch):
    first, second = two_apps
    with first.app_context():
        department = make_org(OrgKind.DEPARTMENT)
        staff = make_user(Role.DEPARTMENT, org=department)
        need = add_need("watch_ja", org=department)
        provider = make_user(Role.PROVIDER, org=make_org(OrgKind.STARTUP))
        bus = add_seed("bus_en", org=provider.organization)
        fall = add_seed("fall_en", org=provider.organization, status=SeedStatus.DRAFT)
        encode(encoders, need, bus, fall)
        db.session.commit()
        ids = {"need": need.id, "bus": bus.id, "fall": fall.id, "version": fall.version}
        staff_id, provider_id = staff.get_id(), provider.get_id()
        db.session.remove()

    reader, writer = second.test_client(), first.test_client()
    sign_in(reader, staff_id)
    sign_in(writer, provider_id)

    def ranking() -> list[int]:
        response = reader.get(f"/needs/{ids['need']}")
        assert response.status_code == 200
        return ranked_ids(response.get_data(as_text=True))

    assert ranking() == [ids["bus"]]
    index = runtime.state(second).index
    monkeypatch.setattr(index, "load_all", refuse)  # from now on only changed rows are loaded

    published = writer.post(f"/seeds/{ids['fall']}/publish", data={"version": ids["version"]})
    assert published.status_code == 302
    assert ranking() == [ids["fall"], ids["bus"]]
    assert runtime.state(first).index is None  # the writer never ranked: it only encoded

    with first.app_context():
        version = db.session.get(Seed, ids["fall"]).version
        db.session.remove()
    assert writer.post(f"/seeds/{ids['fall']}/unpublish", data={"version": version}).status_code
    assert ranking() == [ids["bus"]]
    assert runtime.state(second).index is index
