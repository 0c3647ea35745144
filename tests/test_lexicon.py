"""The lexicon's normalization of many lines at once against one line at a time."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from dedup.lexicon import normalize_line, normalize_lines

# Combining marks, Hangul jamo, compatibility forms, case-folding specials and controls next
# to line breaks: where normalizing a whole text could differ from normalizing each line.
_CHARS = st.sampled_from(
    [
        *"aA \t\r\n\x85\u2028\u0301\u0308\u0327\u1100\u1161\u11a8ﬁẞſİ①…—|　",
        *["\u00e9", "e\u0301", "पढ़ें", "ﷺ", "😀", "\ud800"],
    ]
)


@settings(max_examples=500, deadline=None)
@given(st.lists(_CHARS, max_size=60).map("".join))
def test_normalize_lines_is_normalize_line_of_each_line(text):
    assert normalize_lines(text) == [normalize_line(line) for line in text.split("\n")]
