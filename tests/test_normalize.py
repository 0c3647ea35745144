"""Normalization folds what it should and always maps back to the original text."""

from __future__ import annotations

import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from dedup.normalize import normalize_text, split_lines, split_sentences, split_words

TEXT = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)) | st.sampled_from(
        list("“”‘’—–-…'\" \n\tßﬁİΑ")), max_size=200
)


def _norm_word(word: str) -> str:
    return unicodedata.normalize("NFKC", word).casefold()


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
    b = "\"Pakistan's inter agency   delegation\" - will comprise..."
    assert normalize_text(a).text == normalize_text(b).text
    assert normalize_text("ﬁnal ＡＢＣ").text == "final abc"


@settings(max_examples=100, deadline=None)
@given(text=TEXT)
def test_lines_and_sentences_are_spans_of_the_text(text):
    lines = split_lines(text)
    assert [text[s.start : s.end] for s in lines] == [ln.rstrip("\r") if ln.endswith("\r") else ln
                                                      for ln in text.split("\n")]
    for seg in split_sentences(text):
        assert 0 <= seg.start < seg.end <= len(text)
        assert text[seg.start : seg.end].strip() == text[seg.start : seg.end]
        assert "\n" not in text[seg.start : seg.end]
