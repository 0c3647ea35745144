"""Word alignment: chains of equal runs, where they break, and snapping to sentences.

Expected offsets are worked out by hand from how the test builds its word lists.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dedup.align import Layout, WordMatch, align_words, snap_span, snap_spans
from dedup.normalize import split_sentences, split_words

X = [f"x{i}" for i in range(8)]
Y = [f"y{i}" for i in range(8)]


def _edit(n: int, tag: str = "e") -> list[str]:
    return [f"{tag}{i}" for i in range(n)]


def test_eight_equal_words_are_a_passage_seven_are_not():
    assert align_words(X, X) == [WordMatch(0, 8, 0, 8, 8)]
    assert align_words(X[:7], X[:7]) == []


def test_an_edit_of_max_gap_words_joins_two_runs_one_more_splits_them():
    # a = X, 4 (then 5) inserted words, Y; b = X Y.
    assert align_words(X + _edit(4) + Y, X + Y) == [WordMatch(0, 20, 0, 16, 16)]
    assert align_words(X + _edit(5) + Y, X + Y) == [
        WordMatch(0, 8, 0, 8, 8),
        WordMatch(13, 21, 8, 16, 8),
    ]


TWO_EDITS = (X + _edit(2) + Y, [*X, "f0", *Y])  # Y starts at word 10 of a, 9 of b
SPLIT = [WordMatch(0, 8, 0, 8, 8), WordMatch(10, 18, 9, 17, 8)]


@pytest.mark.parametrize(
    ("breaks", "expected"),
    [
        ({}, [WordMatch(0, 18, 0, 17, 16)]),  # a reworded phrase inside one sentence
        ({"a_breaks": [9]}, SPLIT),  # a sentence starts inside a's edit
        ({"a_breaks": [10]}, SPLIT),  # ... or right where the next run starts
        ({"a_breaks": [8]}, [WordMatch(0, 18, 0, 17, 16)]),  # at the edit's start: same one
        ({"b_breaks": [9]}, SPLIT),
        ({"b_breaks": [8]}, [WordMatch(0, 18, 0, 17, 16)]),
    ],
)
def test_an_edit_across_a_sentence_end_on_both_sides_splits(breaks, expected):
    assert align_words(*TWO_EDITS, **breaks) == expected


def test_a_sentence_dropped_on_one_side_stays_inside_the_passage():
    assert align_words(X + _edit(2) + Y, X + Y, a_breaks=[9]) == [WordMatch(0, 18, 0, 16, 16)]
    assert align_words(X + Y, [*X, "f0", *Y], b_breaks=[9]) == [WordMatch(0, 16, 0, 17, 16)]


def test_a_two_word_run_at_the_start_belongs_to_the_chain():
    assert align_words(["p", "q", "e", *X], ["p", "q", "f", *X]) == [WordMatch(0, 11, 0, 11, 10)]
    assert align_words([*X, "e", "p", "q"], [*X, "f", "p", "q"]) == [WordMatch(0, 11, 0, 11, 10)]


TEXT = (
    "One two three talks will resume in Geneva. "
    "Then four five six seven eight nine words follow here."
)
SECOND = TEXT[TEXT.index("Then") :]


def _snap(text: str, first: str, last: str, **kw) -> str:
    words = split_words(text)
    layout = Layout.of(words, split_sentences(text))
    start, end = words.words.index(first), words.words.index(last) + 1
    s, e = snap_span(layout, start, end, **kw)
    return text[s:e]


def test_a_span_snaps_to_its_sentence_when_at_most_three_words_are_left_out():
    # 'talks' has three words before it in the first sentence: it snaps to 'One'.
    assert _snap(TEXT, "talks", "resume") == "One two three talks will resume in Geneva."
    assert _snap(TEXT, "talks", "resume", slack=2) == "talks will resume in Geneva."
    # 'four' has one word before it, 'nine' three after; 'seven' four before and five after.
    assert _snap(TEXT, "four", "nine") == SECOND
    assert _snap(TEXT, "seven", "seven") == "seven"
    assert _snap(TEXT, "seven", "seven", slack=4) == "Then four five six seven"
    assert _snap(TEXT, "seven", "seven", slack=5) == SECOND


def _snap_reference(layout: Layout, start: int, end: int, slack: int) -> tuple[int, int]:
    """snap_span as it was written before it ran on arrays, one passage at a time."""
    s_char, e_char = int(layout.word_starts[start]), int(layout.word_ends[end - 1])
    seg = int(layout.sentence_starts.searchsorted(s_char, side="right")) - 1
    if seg >= 0 and s_char < layout.sentence_ends[seg]:
        seg_start = int(layout.sentence_starts[seg])
        if layout.words_between(seg_start, s_char) <= slack:
            s_char = seg_start
    seg = int(layout.sentence_starts.searchsorted(e_char, side="left")) - 1
    if seg >= 0 and e_char <= layout.sentence_ends[seg]:
        seg_end = int(layout.sentence_ends[seg])
        if layout.words_between(e_char, seg_end) <= slack:
            e_char = seg_end
    return s_char, e_char


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.sampled_from(["word", "Word.", "x", "«quoted»", "end!", "a", "  ", "\n", "said,"]),
        min_size=1,
        max_size=40,
    ),
    st.data(),
)
def test_spans_snap_on_arrays_as_one_at_a_time(pieces, data):
    text = " ".join(pieces)
    words = split_words(text)
    if not len(words.words):
        return
    layout = Layout.of(words, split_sentences(text))
    n = len(words.words)
    spans = data.draw(
        st.lists(st.tuples(st.integers(0, n - 1), st.integers(1, n)), min_size=1, max_size=8)
    )
    spans = [(min(a, b - 1), max(a + 1, b)) for a, b in spans]
    slack = data.draw(st.integers(0, 4))
    starts, ends = np.array([s for s, _ in spans]), np.array([e for _, e in spans])
    got = snap_spans(layout, starts, ends, slack=slack)
    want = [_snap_reference(layout, s, e, slack) for s, e in spans]
    assert list(zip(got[0].tolist(), got[1].tolist(), strict=True)) == want


def test_a_one_word_edit_in_a_against_a_sentence_end_in_b_splits():
    # a rewords one word; b ends a sentence inside a two-word edit: two different reuses.
    a, b = [*X, "e0", *Y], [*X, "f0", "f1", *Y]
    assert align_words(a, b, b_breaks=[9]) == [
        WordMatch(0, 8, 0, 8, 8),
        WordMatch(9, 17, 10, 18, 8),
    ]
    assert align_words(a, b) == [WordMatch(0, 17, 0, 18, 16)]


def test_words_between_counts_only_words_wholly_inside_the_span():
    # "ab cd  ef": words at [0, 2), [3, 5) and [7, 9), counted by hand.
    text = "ab cd  ef"
    layout = Layout.of(split_words(text), split_sentences(text))
    assert layout.words_between(0, 9) == 3
    assert layout.words_between(2, 3) == 0  # the space between two words
    assert layout.words_between(5, 7) == 0  # a wider gap
    assert layout.words_between(1, 9) == 2  # "ab" is cut, so it does not count
    assert layout.words_between(3, 5) == 1


def test_with_no_slack_a_span_snaps_only_over_punctuation():
    # slack=0: no word may be left out. 'four'..'nine' leaves out 'Then' before and three
    # words after, so it stays as it is; 'then'..'here' leaves out no word, so it takes the
    # sentence's closing period.
    assert _snap(TEXT, "four", "nine", slack=0) == "four five six seven eight nine"
    assert _snap(TEXT, "then", "here", slack=0) == SECOND
    assert SECOND.endswith("here.")


def test_a_long_passage_with_one_word_added_is_edited_not_verbatim():
    # A new-user trial: 30,000 random words and the same with " changed " in the middle came
    # back `verbatim 1.0` over spans of different lengths: the ratio rounded up to 1.
    from dedup import Document, compare

    words = [f"w{(i * 7919) % 10007}" for i in range(30_000)]
    a, b = " ".join(words), " ".join([*words[:15_000], "changed", *words[15_000:]])
    (passage,) = compare(Document("a", a), Document("b", b)).passages
    assert (passage.kind, passage.similarity) == ("edited", 0.9999)
    assert (passage.a.end, passage.b.end) == (len(a), len(b))
