"""Signatures equal datasketch's for the same shingles, seed, scheme and hash function."""

from __future__ import annotations

import numpy as np
from datasketch import MinHash
from hypothesis import given, settings
from hypothesis import strategies as st

from dedup.config import ShingleConfig
from dedup.normalize import split_words
from dedup.shingle import hash_shingle, shingle_hashes, shingle_texts
from dedup.signature import compute_signatures, window_signatures

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
