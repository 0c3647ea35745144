"""The batch preparation (`prepare_range`) against its per-document reference."""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from dedup import DedupConfig, Document
from dedup.config import PassageConfig, ShingleConfig
from dedup.prepare import Batch, prepare_range, prepare_reference
from dedup.shingle import joined_hashes, word_hashes

SAMPLES = Path(__file__).parent.parent / "samples"
SEEDS = [
    (SAMPLES / f"{name}.txt").read_text()
    for name in ("000_4ff9758f249b83b0", "004_35cd667b6f9468cb")
]

CONFIGS = [
    DedupConfig(),
    DedupConfig(shingle=ShingleConfig(unit="char", size=4)),
    DedupConfig(passage=PassageConfig(min_words=1, ngram=4, window=4, stride=2)),
]


def _assert_same(got: Batch, want: Batch) -> None:
    assert np.array_equal(got.lengths, want.lengths)
    assert len(got.arrays) == len(want.arrays)
    for a, b in zip(got.arrays, want.arrays, strict=True):
        assert a.dtype == b.dtype
        assert np.array_equal(a, b)
    assert got.norms == want.norms
    for a, b in ((got.windows.sigs, want.windows.sigs), (got.windows.starts, want.windows.starts),
                 (got.window_doc, want.window_doc)):  # fmt: skip
        assert a.dtype == b.dtype
        assert np.array_equal(a, b)


def _pieces(text: str, cuts: list[int]) -> list[str]:
    """`text` cut at the given offsets (real prose split into documents of any size)."""
    bounds = sorted({0, len(text), *(c % (len(text) + 1) for c in cuts)})
    return [text[lo:hi] for lo, hi in pairwise(bounds)]


ODD = st.text(alphabet="aBß İKﬁ Å ’“—_-.!?…\n\t Σσς é ǅ ١٢ 漢字 ｆｕｌｌ\"')]", max_size=60)


@settings(max_examples=60, deadline=None)
@given(
    cuts=st.lists(st.integers(0, 20_000), max_size=12),
    odd=st.lists(ODD, max_size=4),
    config=st.sampled_from(CONFIGS),
    windows=st.booleans(),
    start=st.integers(0, 3),
)
def test_batch_preparation_is_the_per_document_reference(cuts, odd, config, windows, start):
    # Real prose (the seed files) cut into documents of any length, mixed with short odd
    # texts (empty, one word, non-ASCII words whose case folding changes their length).
    texts = [*_pieces(SEEDS[0] + SEEDS[1], cuts), *odd]
    docs = [Document(str(k), t) for k, t in enumerate(texts)]
    positions = range(min(start, len(docs) - 1), len(docs))  # a task holds a document
    got = prepare_range(docs, positions, config, windows=windows)
    _assert_same(got, prepare_reference(docs, positions, config, windows=windows))


def test_batch_preparation_of_the_seeds_has_windows_and_sentences():
    docs = [Document(str(k), t) for k, t in enumerate(SEEDS)]
    got = prepare_range(docs, range(2), DedupConfig())
    _assert_same(got, prepare_reference(docs, range(2), DedupConfig()))
    assert set(got.window_doc.tolist()) == {0, 1}
    assert (got.lengths[:, 3] > 10).all()  # sentences per document


@given(st.lists(st.text(alphabet="abé漢\u0391xß", min_size=1, max_size=6), max_size=8))
def test_joined_hashes_are_the_word_hashes_with_character_starts(words):
    # Normalized words: never empty, never holding a space.

    hashes, starts = joined_hashes(" ".join(words), len(words))
    assert np.array_equal(hashes, word_hashes(words))
    lengths = np.array([len(w) for w in words], dtype=np.int64)
    assert starts.tolist() == (np.cumsum(lengths + 1) - lengths - 1).tolist()
