"""The batched line features against slow, obviously correct references, float for float.

The references are the per-line and per-document code the batched versions replaced: a
faster feature must give the model the same numbers, or the findings change.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rapidfuzz import fuzz, process

from dedup.boilerplate import detect_boilerplate
from dedup.document import Document
from dedup.lexicon import keeps_words, load_lexicon, normalize_line
from dedup.linefeatures import (
    FEATURES,
    NEIGHBOURS,
    POSITION,
    SHAPE,
    ShapeMemo,
    batch_features,
    distinct_lines,
    ends_sentence,
    is_prose,
    shape_matrix,
    shape_row,
)
from dedup.linemodel import load_model

# Letters of several scripts, digits of two, marks, separators, URL and date pieces.
_PIECES = st.sampled_from(
    ["Home", "home", "the", "and", "you", "our", "Read", "www.", "http://", ".com", "@a.b",
     "#tag", "12", "3:45", "Jan 5, 2024", "2 days ago", "१२", "|", " | ", "»", "/", "–", "...",
     "…", ".", "!", "?", ":", '"', "”", "- ", "1. ", "पढ़ें", "خبر", "ÉTÉ", "ǅ", "😀", "\u2028",
     "\x00", "\ud800", " ", "  ", "\t", "By John Smith", "by", "A", "X"]
)  # fmt: skip
_LINES = st.lists(_PIECES, min_size=0, max_size=40).map("".join)


def _reference_document(texts: list[str], norms: list[str], words: np.ndarray) -> np.ndarray:
    """The per-document features as they were computed before batching."""
    n = len(texts)
    word_lists = [norm.split() for norm in norms]
    counts = [len(w) for w in word_lists]
    shapes = np.array([shape_row(t, w) for t, w in zip(texts, word_lists, strict=True)])
    prose = np.array([is_prose(t, c) for t, c in zip(texts, counts, strict=True)], dtype=float)
    short = np.array(
        [c <= 8 and not ends_sentence(t) for t, c in zip(texts, counts, strict=True)], dtype=float
    )
    titled = ((shapes[:, SHAPE.index("title-case word share")] >= 0.6) & (short > 0)) * 1.0
    index = np.arange(n, dtype=float)
    position = [
        index / max(1, n - 1), np.log1p(n - 1 - index), np.log1p(index),
        (index == 0) * 1.0, (index == n - 1) * 1.0,
        np.log1p(prose.sum() - np.cumsum(prose)), np.log1p(np.cumsum(prose) - prose),
        np.full(n, math.log1p(n)), np.full(n, prose.mean()),
    ]  # fmt: skip
    window = _around(np.ones(n))
    window[window == 0] = 1.0
    w = np.array(counts, dtype=float)
    prev_w, next_w = np.concatenate(([-1.0], w[:-1])), np.concatenate((w[1:], [-1.0]))
    neighbours = [
        np.concatenate(([0.0], prose[:-1])), np.concatenate((prose[1:], [0.0])),
        _around(short) / window, _around(titled) / window, np.log1p(_around(w) / window),
        ((w == prev_w) | (w == next_w)) * 1.0,
    ]  # fmt: skip
    after = (np.cumsum(words[::-1])[::-1] - words) / np.maximum(1, n - 1 - np.arange(n))
    context = [
        words, _around(words) / window, after,
        np.concatenate(([0.0], words[:-1])), np.concatenate((words[1:], [0.0])),
    ]  # fmt: skip
    out = np.zeros((n, len(FEATURES)))
    out[:, : len(SHAPE)] = shapes
    start = len(SHAPE)
    out[:, start : start + len(POSITION)] = np.stack(position, axis=1)
    start += len(POSITION)
    out[:, start : start + len(NEIGHBOURS)] = np.stack(neighbours, axis=1)
    out[:, -5:] = np.stack(context, axis=1)
    return out


def _around(values: np.ndarray, reach: int = 3) -> np.ndarray:
    n = len(values)
    total = np.concatenate(([0.0], np.cumsum(values)))
    index = np.arange(n)
    return total[np.minimum(n, index + reach + 1)] - total[np.maximum(0, index - reach)] - values


@settings(max_examples=300, deadline=None)
@given(st.lists(_LINES, min_size=1, max_size=30))
def test_shape_matrix_is_shape_row_of_every_line(texts):
    norms = [normalize_line(t).split() for t in texts]
    expected = np.array([shape_row(t, w) for t, w in zip(texts, norms, strict=True)])
    assert shape_matrix(texts, norms).tobytes() == expected.tobytes()


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.lists(st.tuples(_LINES, st.floats(-8, 8)), min_size=1, max_size=25),
        min_size=1,
        max_size=6,
    )
)
def test_batch_features_are_each_document_alone(docs):
    texts = [t.strip() or "x" for doc in docs for t, _ in doc]
    norms = [normalize_line(t) for t in texts]
    words = np.array([w for doc in docs for _, w in doc])
    sizes = [len(doc) for doc in docs]
    got = batch_features(texts, [n.split() for n in norms], [{}] * len(texts), sizes, words)
    lo = 0
    for size in sizes:
        part = slice(lo, lo + size)
        expected = _reference_document(texts[part], norms[part], words[part])
        assert got[part].tobytes() == expected.tobytes()
        lo += size


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(load_lexicon().lines), st.text(max_size=6), st.integers(0, 40))
def test_lexicon_match_line_is_the_whole_lexicon_search(phrase, noise, cut):
    lexicon = load_lexicon()
    norm = normalize_line(phrase[:cut] + noise + phrase[cut:])
    # The whole lexicon, searched as the rule reads it: one word against one-word phrases
    # only, and exactly; several words against the phrases of several words.
    one_word = " " not in norm
    same_words = [p for p in lexicon.lines if (" " not in p) == one_word]
    for cutoff in (0.8, 0.9, 0.95):
        bar = 1.0 if one_word else cutoff
        # The best phrase whose words the line keeps (`keeps_words`), unless it is exact.
        ranked = process.extract(
            norm, same_words, scorer=fuzz.ratio, processor=None, score_cutoff=bar * 100,
            limit=None,
        )  # fmt: skip
        whole = next((p for p, s, _ in ranked if s == 100 or keeps_words(p, norm)), None)
        found = lexicon.match_line(norm, cutoff)
        assert (found and found.phrase) == whole


@pytest.mark.filterwarnings("error")
def test_documents_without_lines_are_left_out_quietly():
    texts, norms = ["Home", "The minister resigned."], [["home"], ["the", "minister", "resigned"]]
    x = batch_features(texts, norms, [{}, {}], [0, 2, 0], np.array([0.5, -1.0]))
    alone = batch_features(texts, norms, [{}, {}], [2], np.array([0.5, -1.0]))
    assert x.tobytes() == alone.tobytes()


@pytest.mark.filterwarnings("error")
def test_blank_documents_beside_others_raise_no_warning():
    docs = [Document("a", ""), Document("b", "Home\nThe minister resigned."), Document("c", " \n")]
    assert [b.doc for b in detect_boilerplate(docs)] == ["b"]


# Real lines: whole extractor outputs of dev-split pages, several extractors of a page, so
# most lines come back as copies (as furniture and mirrored pages do in a corpus).
_PAGES = Path(__file__).resolve().parent / "data" / "tailcut_dev.jsonl"
_REAL = [
    line.strip()
    for record in map(json.loads, _PAGES.open(encoding="utf-8"))
    for line in record["text"].split("\n")
    if line.strip()
]


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from(_REAL[:400]), min_size=1, max_size=60))
def test_shape_matrix_of_copies_is_shape_row_of_every_line(texts):
    # Copies share one list of words (as `_decide` hands them over) or not.
    shared = {t: normalize_line(t).split() for t in texts}
    norms = [shared[t] if k % 2 else normalize_line(t).split() for k, t in enumerate(texts)]
    expected = np.array([shape_row(t, w) for t, w in zip(texts, norms, strict=True)])
    assert shape_matrix(texts, norms).tobytes() == expected.tobytes()


def test_distinct_lines_keep_a_text_with_other_words_apart():
    rows, inverse = distinct_lines(["A", "A", "B", "A"], [["a"], ["x"], ["b"], ["a"]])
    assert rows == [0, 1, 2]
    assert inverse.tolist() == [0, 1, 2, 0]


def test_word_scores_of_copies_are_each_line_alone():
    weights = load_model().words
    assert weights is not None
    lines = [normalize_line(t).split() for t in _REAL]
    assert len({tuple(w) for w in lines}) < 0.8 * len(lines)  # copies among them
    alone = [weights.scores([w])[0] for w in lines]
    assert weights.scores(lines).tobytes() == np.array(alone).tobytes()


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.lists(st.sampled_from(_REAL[:300]), min_size=1, max_size=40), max_size=6),
    st.integers(0, 50),
)
def test_a_shape_memo_across_batches_is_shape_row_of_every_line(batches, limit):
    # One memo for every batch, as a worker task keeps it; a small limit makes it start
    # again between batches.
    memo = ShapeMemo(limit)
    for texts in batches:
        norms = [normalize_line(t).split() for t in texts]
        expected = np.array([shape_row(t, w) for t, w in zip(texts, norms, strict=True)])
        got = memo.shapes(texts, norms)
        assert got[:, : len(SHAPE)].tobytes() == expected.tobytes()
        # The last column: a prose mark at the end (`is_prose` of a ten-word line).
        assert (got[:, -1] > 0).tolist() == [is_prose(t, 10) for t in texts]


def test_a_shape_memo_keeps_a_text_with_other_words_apart():
    memo = ShapeMemo()
    first = memo.shapes(["Read More", "Read More"], [["read", "more"], ["read", "more"]])
    other = memo.shapes(["Read More"], [["x"]])  # the same text, other words: its own row
    assert first[0].tolist() == first[1].tolist()
    assert other[0].tolist() == [*shape_row("Read More", ["x"]), 0.0]
