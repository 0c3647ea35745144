"""Shingle hashes: the vectorised path equals its slow, obviously correct twin, for any size."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dedup import shingle
from dedup.config import ShingleConfig
from dedup.shingle import (
    hash_char_shingle,
    hash_shingle,
    ngram_hashes,
    shingle_hashes,
    shingle_texts,
    sorted_unique,
    word_hashes,
)

word = st.text(st.characters(exclude_characters=" ", exclude_categories=["Cs"]), min_size=1)


def _twin(words: list[str], config: ShingleConfig) -> list[int]:
    slow = hash_char_shingle if config.unit == "char" else hash_shingle
    return [slow(t) for t in shingle_texts(words, config)]


def _config(unit: str, size: int) -> ShingleConfig:
    return ShingleConfig(unit=unit, size=size)  # type: ignore[arg-type]


@settings(max_examples=200, deadline=None)
@given(
    words=st.lists(word, max_size=12),
    unit=st.sampled_from(["word", "char"]),
    size=st.integers(1, 6),
)
def test_fast_hashes_equal_the_slow_twin(words, unit, size):
    config = _config(unit, size)
    fast = shingle_hashes(words, config)
    assert fast.dtype == np.uint32
    assert fast.tolist() == _twin(words, config)


def test_char_shingles_are_the_code_points_of_the_spaced_text():
    words = ["ab", "é"]
    assert shingle_texts(words, _config("char", 2)) == [b"ab", b"b ", " é".encode()]
    assert shingle_texts(words, _config("char", 9)) == ["ab é".encode()]  # all when fewer
    assert shingle_texts([], _config("char", 3)) == []
    assert shingle_texts(words, _config("word", 1)) == [b"ab", "é".encode()]


@pytest.mark.parametrize("unit", ["word", "char"])
def test_long_documents_grow_the_power_tables_correctly(unit, monkeypatch):
    # Empty tables, as in a fresh process, so that this document makes them grow past 4096.
    monkeypatch.setattr(shingle, "_pow", np.ones(1, dtype=np.uint64))
    monkeypatch.setattr(shingle, "_inv_pow", np.ones(1, dtype=np.uint64))
    words = [f"w{k % 997}" for k in range(3000)]  # ~14,000 bytes and code points
    config = _config(unit, 3)
    assert shingle_hashes(words, config).tolist() == _twin(words, config)
    assert len(shingle._pow) >= len(" ".join(words))


def test_empty_inputs_keep_their_types():
    assert word_hashes([]).dtype == np.uint64
    assert shingle_hashes([], ShingleConfig()).dtype == np.uint32
    assert ngram_hashes(word_hashes([]), 5).dtype == np.uint32


@given(st.lists(st.integers(0, 5), max_size=8))
def test_sorted_unique_is_sorted_set(values):
    got = sorted_unique(np.array(values, dtype=np.uint32))
    assert got.tolist() == sorted(set(values))
