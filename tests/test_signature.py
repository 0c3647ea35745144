"""Signatures equal datasketch's for the same shingles, seed, scheme and hash function."""

from __future__ import annotations

import numpy as np
import pytest
from datasketch import MinHash
from hypothesis import given, settings
from hypothesis import strategies as st

from dedup import _kernel, signature
from dedup.config import DedupConfig, ShingleConfig
from dedup.document import Document
from dedup.normalize import split_words
from dedup.shingle import hash_shingle, ngram_hashes, shingle_hashes, shingle_texts, word_hashes
from dedup.signature import (
    compute_signatures,
    gram_windows,
    passage_windows,
    permutations,
    text_shingles,
    window_signatures,
    word_shingles,
)

WORDS = st.lists(st.text(alphabet="abcdeé漢", min_size=1, max_size=6), min_size=0, max_size=60)


def _datasketch(shingles: list[bytes], num_perm: int, seed: int) -> np.ndarray:
    m = MinHash(num_perm=num_perm, seed=seed, hashfunc=hash_shingle)
    m.update_batch(shingles)
    return m.hashvalues


def test_seed_signature_equals_datasketch(seed_texts):
    for text in seed_texts.values():
        words = split_words(text).words
        config = ShingleConfig()
        ours = compute_signatures([shingle_hashes(words, config)], 128, 1)[0]
        assert (ours == _datasketch(shingle_texts(words, config), 128, 1)).all()


@settings(max_examples=60, deadline=None)
@given(words=WORDS, size=st.integers(1, 6), seed=st.integers(0, 2**32 - 1))
def test_signature_equals_datasketch_property(words, size, seed):
    config = ShingleConfig(size=size)
    ours = compute_signatures([shingle_hashes(words, config)], 32, seed)[0]
    assert (ours == _datasketch(shingle_texts(words, config), 32, seed)).all()


@settings(max_examples=40, deadline=None)
@given(words=WORDS)
def test_batch_equals_one_by_one(words):
    config = ShingleConfig(size=2)
    parts = [shingle_hashes(words[i:], config) for i in range(0, len(words) + 1, 7)]
    batch = compute_signatures(parts, 16, 3)
    for row, part in zip(batch, parts, strict=True):
        assert (row == compute_signatures([part], 16, 3)[0]).all()


def test_window_signature_equals_datasketch_of_window(seed_texts):
    words = split_words(seed_texts["004"]).words
    config = ShingleConfig(size=3)
    hashes, texts = shingle_hashes(words, config), shingle_texts(words, config)
    sigs, starts = window_signatures(hashes, window=10, stride=5, num_perm=64, seed=1)
    for row, start in zip(sigs[:5], starts[:5], strict=True):
        assert (row == _datasketch(texts[start : start + 10], 64, 1)).all()


TEXTS = st.lists(
    st.text(alphabet="aB c,\n1_é ẞﬁ\u00a0x'’-", min_size=0, max_size=80), min_size=1, max_size=8
)


@settings(max_examples=80, deadline=None)
@given(texts=TEXTS, size=st.integers(1, 6), seed=st.integers(0, 2**32 - 1), fold=st.booleans())
def test_text_signatures_fast_equals_numpy_and_datasketch(texts, size, seed, fold):
    from dedup import _kernel
    from dedup.config import DedupConfig, NormalizeConfig
    from dedup.signature import text_signatures

    config = DedupConfig(
        num_perm=16,
        seed=seed,
        shingle=ShingleConfig(size=size),
        normalize=NormalizeConfig(casefold=fold),
    )
    slow = text_signatures(texts, config, fast=False)
    for text, row in zip(texts, slow, strict=True):
        words = split_words(text, config.normalize).words
        assert (row == _datasketch(shingle_texts(words, config.shingle), 16, seed)).all()
    if _kernel.AVAILABLE:
        assert (text_signatures(texts, config, fast=True) == slow).all()


@settings(max_examples=40, deadline=None)
@given(texts=TEXTS)
def test_text_shingle_sets_fast_equals_numpy(texts):
    from dedup import _kernel
    from dedup.signature import text_shingle_sets

    slow = text_shingle_sets(texts, fast=False)
    assert all(np.array_equal(s, np.unique(s)) for s in slow)
    if _kernel.AVAILABLE:
        fast = text_shingle_sets(texts, fast=True)
        assert all(np.array_equal(a, b) for a, b in zip(fast, slow, strict=True))


def test_text_signatures_on_seeds_fast_equals_numpy(seed_texts):
    from dedup.signature import text_signatures

    texts = list(seed_texts.values())
    assert (text_signatures(texts, fast=True) == text_signatures(texts, fast=False)).all()


EMPTY_SIGNATURE = (1 << 32) - 1  # datasketch's value for a MinHash that saw nothing


@pytest.mark.parametrize("cells", [16, 40, 100, 1 << 22])
def test_signatures_do_not_depend_on_the_chunk_size(cells, monkeypatch):
    # Chunks of a few rows each (16 cells = one row of 16 permutations) must give the
    # signatures one document at a time through datasketch gives.
    monkeypatch.setattr(signature, "_CHUNK_CELLS", cells)
    config = ShingleConfig(size=2)
    words = [f"w{k % 13}" for k in range(40)]
    docs = [words[:n] for n in (0, 1, 2, 3, 9, 0, 25, 40, 2)]
    sigs = compute_signatures([shingle_hashes(d, config) for d in docs], 16, 5)
    assert sigs.shape == (len(docs), 16)
    assert sigs.dtype == np.uint32
    for row, doc in zip(sigs, docs, strict=True):
        expected = _datasketch(shingle_texts(doc, config), 16, 5) if doc else EMPTY_SIGNATURE
        assert (row == expected).all()


def test_default_signature_is_128_permutations_seed_1():
    parts = [shingle_hashes(["a", "b", "c", "d", "e", "f", "g"], ShingleConfig())]
    assert (
        compute_signatures(parts)
        == _datasketch(shingle_texts(["a", "b", "c", "d", "e", "f", "g"], ShingleConfig()), 128, 1)
    ).all()
    none = compute_signatures([])
    assert (none.shape, none.dtype) == ((0, 128), np.uint32)


@pytest.mark.parametrize("count", [0, 3, 10, 12, 23, 25])
def test_every_window_is_datasketch_of_its_shingles(count):
    hashes = shingle_hashes([f"w{k}" for k in range(count + 2)], ShingleConfig(size=3))[:count]
    texts = shingle_texts([f"w{k}" for k in range(count + 2)], ShingleConfig(size=3))[:count]
    sigs, starts = window_signatures(hashes, window=10, stride=5, num_perm=32, seed=1)
    # a window starts every 5 shingles while more than its first block is left; the last
    # one is cut short at the end, and a short document has one window
    assert starts.tolist() == ([s for s in range(0, count, 5) if s + 5 < count] or [0])
    assert starts.dtype == np.int64
    for row, start in zip(sigs, starts.tolist(), strict=True):
        window = texts[start : start + 10]
        assert (row == (_datasketch(window, 32, 1) if window else EMPTY_SIGNATURE)).all()


@settings(max_examples=40, deadline=None)
@given(
    count=st.integers(0, 60),
    lo=st.integers(0, 63),
    width=st.integers(1, 8),
    fast=st.booleans(),
    seed=st.integers(1, 5),
)
def test_window_signature_columns_are_those_of_the_whole_signature(count, lo, width, fast, seed):
    # A spilled band join signs with its bands' permutations only: the same values.
    hashes = shingle_hashes([f"w{k}" for k in range(count + 2)], ShingleConfig(size=3))[:count]
    whole, starts = window_signatures(
        hashes, window=10, stride=5, num_perm=64, seed=seed, fast=fast
    )
    cols = slice(lo, min(64, lo + width))
    part, part_starts = window_signatures(
        hashes, window=10, stride=5, num_perm=64, seed=seed, fast=fast, columns=cols
    )
    assert part.shape == (len(whole), len(range(64)[cols]))
    assert (part == whole[:, cols]).all()
    assert part_starts.tolist() == starts.tolist()


def test_gram_windows_are_the_passage_windows_of_the_words(seed_texts):
    config = DedupConfig()
    for text in seed_texts.values():
        ids = word_hashes(split_words(text, config.normalize).words)
        sigs, starts = passage_windows(ids, config)
        grams = ngram_hashes(ids, config.passage.ngram)
        got, got_starts = gram_windows(grams, config)
        assert (got == sigs).all()
        assert got_starts.tolist() == starts.tolist()
        assert (gram_windows(grams, config, slice(8, 10))[0] == sigs[:, 8:10]).all()


def test_char_unit_word_shingles_are_text_shingles():
    config = DedupConfig(shingle=ShingleConfig(unit="char", size=4))
    words = split_words("Hello there, world", config.normalize).words
    assert (
        word_shingles(words, word_hashes(words), config)
        == (text_shingles("Hello there, world", config))
    ).all()


def test_passage_windows_start_at_min_words():
    config = DedupConfig()
    ids = word_hashes([f"w{k}" for k in range(config.passage.min_words)])
    assert passage_windows(ids[:-1], config) is None
    assert passage_windows(ids, config) is not None


def test_shingle_sets_are_sorted_uint32_sets_of_the_shingles():
    texts = ["a b c d e f a b c d e", "", "one two"]
    for fast in (False, True):
        if fast and not _kernel.AVAILABLE:
            continue
        sets = signature.text_shingle_sets(texts, fast=fast)
        for got, text in zip(sets, texts, strict=True):
            assert got.dtype == np.uint32
            assert got.tolist() == sorted(set(text_shingles(text, DedupConfig()).tolist()))


def test_passage_windows_use_the_config_seed():
    ids = word_hashes([f"w{k}" for k in range(30)])
    config = DedupConfig(seed=7)
    sigs, starts = passage_windows(ids, config)
    pc = config.passage
    ref, ref_starts = window_signatures(
        ngram_hashes(ids, pc.ngram),
        window=pc.window,
        stride=pc.stride,
        num_perm=pc.num_perm,
        seed=7,
    )
    assert (sigs == ref).all()
    assert starts.tolist() == ref_starts.tolist()


def test_document_signatures_over_several_batches_are_each_documents_own(monkeypatch):
    texts = [f"story {k} " + "about the council budget vote " * (k % 4 + 1) for k in range(7)]
    docs = [Document(f"d{k}", t) for k, t in enumerate(texts)]
    config = DedupConfig(num_perm=16)
    monkeypatch.setattr(signature, "BATCH", 3)
    got = signature.document_signatures(docs, config)
    for row, text in zip(got, texts, strict=True):
        assert (row == compute_signatures([text_shingles(text, config)], 16, config.seed)[0]).all()


def test_char_shingles_never_take_the_word_kernel():
    config = DedupConfig(shingle=ShingleConfig(unit="char", size=4), num_perm=16)
    texts = ["Hello there, world", "Crème brûlée tonight"]
    sets = signature.text_shingle_sets(texts, config)
    sigs = signature.text_signatures(texts, config)
    for got_set, got_sig, text in zip(sets, sigs, texts, strict=True):
        shingles = text_shingles(text, config)
        assert got_set.tolist() == sorted(set(shingles.tolist()))
        assert (got_sig == compute_signatures([shingles], 16, config.seed)[0]).all()


# --- Holes found by mutation testing (benchmarks/mutation.py signature) -------------------


def test_an_empty_document_inside_a_chunk_that_starts_mid_corpus_stays_empty(monkeypatch):
    # Shingle counts 3, 3, 0, 2, 0 and chunks of about 4 rows (64 cells / 16 permutations):
    # the chunks are {0}, {1, 2} and {3, 4}, so both empty documents share a chunk that
    # starts at row 3 or 6 of the corpus, after a document with rows.
    monkeypatch.setattr(signature, "_CHUNK_CELLS", 64)
    config = ShingleConfig(size=1)
    docs = [["a", "b", "c"], ["d", "e", "f"], [], ["g", "h"], []]
    sigs = compute_signatures([shingle_hashes(d, config) for d in docs], 16, 2)
    for row, doc in zip(sigs, docs, strict=True):
        expected = _datasketch(shingle_texts(doc, config), 16, 2) if doc else EMPTY_SIGNATURE
        assert (row == expected).all()


@pytest.mark.parametrize("count", [0, 1, 2, 5])
def test_windows_of_one_shingle_every_shingle_start_inside_the_document(count):
    # window = stride = 1: one window per shingle, at 0..count-1 and no further (an empty
    # document still gives its one, empty, window at 0).
    words = [f"w{k}" for k in range(count)]
    hashes = shingle_hashes(words, ShingleConfig(size=1))
    sigs, starts = window_signatures(hashes, window=1, stride=1, num_perm=8, seed=1)
    assert starts.tolist() == (list(range(count)) or [0])
    for row, word in zip(sigs, words, strict=False):
        assert (row == _datasketch([word.encode()], 8, 1)).all()
    if not count:
        assert (sigs == EMPTY_SIGNATURE).all()


@pytest.mark.skipif(not _kernel.AVAILABLE, reason="needs numba (the fast extra)")
@pytest.mark.parametrize(("fast", "kernel"), [(None, True), (True, True), (False, False)])
def test_fast_chooses_the_compiled_kernel(fast, kernel, monkeypatch):
    # `fast=None` picks the kernel when numba is there, True forces it, False avoids it:
    # the values are the same either way, so only the calls tell which path ran.
    calls: list[str] = []
    for name in ("signatures", "shingle_sets"):
        real = getattr(_kernel, name)
        monkeypatch.setattr(
            _kernel, name, lambda *a, _real=real, _name=name: (calls.append(_name), _real(*a))[1]
        )
    texts = ["one two three four five six", "Crème brûlée ce soir, et demain"]
    config = DedupConfig(num_perm=16)
    sigs = signature.text_signatures(texts, config, fast=fast)
    sets = signature.text_shingle_sets(texts, config, fast=fast)
    assert calls == (["signatures", "shingle_sets"] if kernel else [])
    assert sigs.dtype == np.uint32  # the kernel writes into a uint32 array
    reference = compute_signatures([text_shingles(t, config) for t in texts], 16, config.seed)
    assert (sigs == reference).all()
    assert [s.tolist() for s in sets] == [
        sorted(set(text_shingles(t, config).tolist())) for t in texts
    ]


def test_document_signatures_are_uint32_like_datasketch():
    docs = [Document("a", "one two three four five six"), Document("b", "")]
    sigs = signature.document_signatures(docs, DedupConfig(num_perm=8))
    assert sigs.dtype == np.uint32
    assert sigs[1].tolist() == [EMPTY_SIGNATURE] * 8


def test_document_signatures_count_their_progress_under_their_stage_name():
    # The progress line a user watches names the step: "signing documents", by default.
    from dedup.progress import current_stage, set_stage

    docs = [Document(str(k), f"text number {k} of a few words") for k in range(3)]
    try:
        signature.document_signatures(docs, DedupConfig(num_perm=8))
        assert current_stage() == "signing documents: 3/3 (100 %)"
        signature.document_signatures(docs, DedupConfig(num_perm=8), stage="own name")
        assert current_stage() == "own name: 3/3 (100 %)"
    finally:
        set_stage("")


@pytest.mark.parametrize(("num_perm", "seed"), [(128, 1), (64, 1), (16, 7), (256, 12345)])
def test_permutations_are_datasketchs(num_perm, seed):
    # Drawn without importing datasketch (it loads scipy), so held equal to its own here.
    a, b = permutations(num_perm, seed)
    expected_a, expected_b = MinHash(num_perm=num_perm, seed=seed, scheme="affine32").permutations
    assert a.dtype == b.dtype == np.uint32
    assert (a == expected_a).all()
    assert (b == expected_b).all()


@settings(max_examples=80, deadline=None)
@given(
    shingles=st.lists(st.integers(0, 2**32 - 1), max_size=80),
    stride=st.integers(1, 7),
    per=st.integers(1, 5),
    seed=st.integers(0, 2**32 - 1),
)
def test_compiled_window_signatures_equal_numpy(shingles, stride, per, seed):
    hashes = np.array(shingles, dtype=np.uint32)
    options = {"window": stride * per, "stride": stride, "num_perm": 16, "seed": seed}
    fast = window_signatures(hashes, **options, fast=True)
    slow = window_signatures(hashes, **options, fast=False)
    assert (fast[0] == slow[0]).all()
    assert fast[0].dtype == slow[0].dtype
    assert fast[1].tolist() == slow[1].tolist()
