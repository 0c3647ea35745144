"""Normalization folds what it should and always maps back to the original text."""

from __future__ import annotations

import re
import unicodedata

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from dedup.config import NormalizeConfig
from dedup.normalize import (
    _word_table,
    normalize_text,
    split_lines,
    split_sentences,
    split_words,
)

TEXT = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",))
    | st.sampled_from(list("“”‘’—–-…'\" \n\tßﬁİΑ")),
    max_size=200,
)


def _norm_word(word: str) -> str:
    # NFKC may bring in a space ("ͺ" -> " ι"); a normalized word never holds one.
    return "".join(unicodedata.normalize("NFKC", word).split()).casefold()


@settings(max_examples=200, deadline=None)
@given(text=TEXT)
def test_words_map_back_to_their_original(text):
    words = split_words(text)
    for word, start, end in zip(words.words, words.starts, words.ends, strict=True):
        assert _norm_word(text[start:end]) == word


@settings(max_examples=200, deadline=None)
@given(text=TEXT, data=st.data())
def test_normalized_spans_map_back(text, data):
    norm = normalize_text(text)
    assert norm.text.split(" ") == list(split_words(text).words) or norm.text == ""
    if not norm.text:
        return
    start = data.draw(st.integers(0, len(norm.text) - 1))
    end = data.draw(st.integers(start + 1, len(norm.text)))
    o_start, o_end = norm.original_span(start, end)
    assert 0 <= o_start <= o_end <= len(text)
    # Every whole word inside the normalized span comes from inside the original span.
    inner = norm.text[start:end].split(" ")[1:-1]
    folded = " ".join(split_words(text[o_start:o_end]).words)
    for word in inner:
        assert word in folded


def test_folding_makes_variants_equal():
    a = "“Pakistan’s inter-agency delegation” — will COMPRISE…"
    b = '"Pakistan\'s inter agency   delegation" - will comprise...'
    assert normalize_text(a).text == normalize_text(b).text
    assert normalize_text("ﬁnal ＡＢＣ").text == "final abc"


@settings(max_examples=100, deadline=None)
@given(text=TEXT)
def test_lines_and_sentences_are_spans_of_the_text(text):
    lines = split_lines(text)
    assert [text[s.start : s.end] for s in lines] == [
        ln.rstrip("\r") if ln.endswith("\r") else ln for ln in text.split("\n")
    ]
    for seg in split_sentences(text):
        assert 0 <= seg.start < seg.end <= len(text)
        assert text[seg.start : seg.end].strip() == text[seg.start : seg.end]
        assert "\n" not in text[seg.start : seg.end]


_REGEX_WORD = re.compile(r"[^\W_]+")


def _reference_words(text: str, config: NormalizeConfig) -> list[tuple[str, int, int]]:
    """The plain definition: regex words, each NFKC-normalized (less any space NFKC brings
    in) and case-folded on its own."""
    out = []
    for m in _REGEX_WORD.finditer(text):
        word = m.group()
        if config.nfkc:
            word = "".join(unicodedata.normalize("NFKC", word).split())
        out.append((word.casefold() if config.casefold else word, m.start(), m.end()))
    return out


def test_word_table_is_the_regex_class_for_every_code_point():
    table = _word_table()
    for c in range(0x110000):
        if 0xD800 <= c < 0xE000:
            continue  # lone surrogates never reach the table from a valid str
        assert table[c] == bool(_REGEX_WORD.fullmatch(chr(c))), hex(c)


@settings(max_examples=300)
@given(
    st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=80)
    | st.text(alphabet="aBß İKﬁ Å ’“—_-.Σσς é ǅ ١٢ नमस्ते 漢字 ｆｕｌｌ", max_size=80),
    st.booleans(),
    st.booleans(),
)
def test_split_words_is_the_regex_definition(text, nfkc, casefold):
    config = NormalizeConfig(nfkc=nfkc, casefold=casefold)
    got = split_words(text, config)
    expected = _reference_words(text, config)
    assert list(zip(got.words, got.starts.tolist(), got.ends.tolist(), strict=True)) == expected


def _reference_sentences(text: str) -> list[tuple[int, int]]:
    """The plain definition: cut after each sentence end, trim whitespace char by char."""
    out, start = [], 0
    cuts = [m.end() for m in re.finditer(r"[.!?\u2026]+[\"'\u201d\u2019)\]]*(?=\s)|\n", text)]
    for end in [*cuts, len(text)]:
        s, e = start, end
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e > s:
            out.append((s, e))
        start = end
    return out


@given(st.text(alphabet="ab .!?…\n\t\u2003\u201d\")'", max_size=60) | st.text(max_size=60))
def test_split_sentences_is_the_plain_definition(text):
    assert [(s.start, s.end) for s in split_sentences(text)] == _reference_sentences(text)


def test_words_where_case_or_nfkc_change_the_length():
    # 'İ' lowercases to two characters: the words after it must keep their own offsets.
    text = "İstanbul and Straße, a\u037ab"
    config = NormalizeConfig()
    got = split_words(text, config)
    assert got.words == ("i̇stanbul", "and", "strasse", "aιb")
    assert list(zip(got.words, got.starts.tolist(), got.ends.tolist(), strict=True)) == (
        _reference_words(text, config)
    )


def test_a_lone_surrogate_is_not_a_word_and_breaks_nothing():
    assert split_words("x \ud800 y").words == ("x", "y")
    assert normalize_text("x\ud800y").text == "x y"


def test_empty_spans_map_to_a_point_in_the_original():
    text = "Hello,  WORLD!"
    norm = normalize_text(text)
    assert norm.text == "hello world"
    # Offsets the test reads off the text: 'WORLD' starts at 8 and ends at 13.
    assert norm.original_span(0, 0) == (0, 0)
    assert norm.original_span(6, 6) == (text.index("WORLD"),) * 2
    assert norm.original_span(5, 5) == (len("Hello"),) * 2  # the gap starts after 'Hello'
    assert norm.original_span(11, 11) == (text.index("!"),) * 2  # past the end: the last end
    assert norm.original_span(4, 3) == (4, 4)


def test_every_character_of_a_word_maps_to_its_own_character():
    text = "ab  CD ﬁx"
    norm = normalize_text(text)
    assert norm.text == "ab cd fix"
    assert norm.original_span(3, 5) == (4, 6)
    assert norm.original_span(4, 5) == (5, 6)
    # 'ﬁx' became 'fix' (3 characters from 2): each maps to the whole original word.
    assert norm.original_span(7, 8) == (7, 9)


def test_normalize_text_follows_its_config_and_types():
    assert normalize_text("Hello World", NormalizeConfig(casefold=False)).text == "Hello World"
    empty = normalize_text("")
    assert empty.starts.dtype == empty.ends.dtype == np.int64


def test_crlf_lines_end_before_the_carriage_return():
    text = "ab\r\ncd\r\n\r\nx"
    assert [(s.start, s.end) for s in split_lines(text)] == [(0, 2), (4, 6), (8, 8), (10, 11)]


def test_word_table_is_str_isalnum_for_every_code_point():
    # Built with numpy's string classification; Python's own is the definition.
    from dedup.normalize import _word_table

    expected = np.fromiter((chr(c).isalnum() for c in range(0x110000)), dtype=np.bool_)
    assert (_word_table() == expected).all()
