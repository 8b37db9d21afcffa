"""The grams a term looks up are always among the grams of any text that contains it."""

from hypothesis import given, settings
from hypothesis import strategies as st

from matchmaker.common.ngrams import MAX_TERM_GRAMS, is_cjk, term_grams, text_grams
from matchmaker.common.text import normalize

# letters of each script the platform sees, white space of several kinds, punctuation that an
# FTS5 query would read as syntax, a combining mark and a character outside the BMP
ALPHABET = st.sampled_from(
    list("abcXYZ019")
    + list("防災介護見守り高齢者地域ドローンセンサーｶﾀ")
    + list("한국어")
    + list(" \t\n\u3000\u00a0\u2028")
    + list("\"'*%_\\()-:^.,、。「」")
    + ["\u0301", "\U00020b9f", "々"]
)
BOUNDED = settings(max_examples=300, deadline=None, derandomize=True, database=None)


@BOUNDED
@given(st.text(ALPHABET, max_size=60), st.data())
def test_a_terms_grams_are_a_subset_of_every_containing_texts_grams(text, data):
    start = data.draw(st.integers(0, len(text)))
    end = data.draw(st.integers(start, len(text)))
    term = text[start:end]
    assert set(term_grams(term)) <= text_grams(text)
    for piece in term.split():  # what the list search does with a query
        assert set(term_grams(piece)) <= text_grams(text)


@BOUNDED
@given(st.text(ALPHABET, max_size=60))
def test_normalised_text_keeps_the_property(text):
    """The search column and the query are both normalised; terms come from str.split()."""
    norm = normalize(text)
    grams = text_grams(norm)
    for size in (2, 3, 5):
        for piece in norm.split():
            for i in range(max(len(piece) - size + 1, 0)):
                assert set(term_grams(piece[i : i + size])) <= grams


def test_two_character_japanese_terms_have_a_bigram():
    assert term_grams("防災") == ["防災"]
    assert term_grams("介護") == ["介護"]
    assert "防災" in text_grams("地域の防災訓練") and "介護" in text_grams("在宅介護")


def test_short_latin_terms_have_none_and_fall_back_to_a_scan():
    assert term_grams("ai") == [] and term_grams("x") == [] and term_grams("防") == []
    assert term_grams("a防") == []  # one CJK character is not enough for a bigram


def test_longer_terms_use_trigrams_only():
    assert term_grams("sensor") == ["sen", "ens", "nso", "sor"]
    assert term_grams("見守り") == ["見守り"]
    assert "防災" not in term_grams("防災訓練")


def test_long_terms_keep_at_most_a_few_spread_grams():
    grams = term_grams("abcdefghijklmnopqrstuvwxyz")
    assert len(grams) == MAX_TERM_GRAMS
    assert grams[0] == "abc" and grams[-1] == "xyz"


def test_text_grams_stay_inside_runs_between_white_space():
    grams = text_grams("ab cd\nefg")
    assert grams == {"efg"}  # no gram spans a space, so none can be required by a term


def test_cjk_ranges():
    assert all(is_cjk(c) for c in "防災ひらがなカタカナｶ한々\U00020b9f")
    assert not any(is_cjk(c) for c in "aZ9 Ａ\u3000é-")
