"""`jobs=0` means every core in every API call that takes `jobs`, with the same results as 1."""

from __future__ import annotations

from functools import partial

import pytest

from dedup import Document, find_duplicates, find_passages
from dedup.cluster import verified_pairs
from dedup.errors import ConfigError
from dedup.passages import find_reuse


@pytest.fixture(scope="module")
def corpus(seed_texts) -> list[Document]:
    """The two seeds, plus edited copies and excerpts of them: pairs and passages to find."""
    docs = [Document(key, text) for key, text in sorted(seed_texts.items())]
    for key, text in sorted(seed_texts.items()):
        words = text.split()
        docs.append(Document(f"{key}-copy", " ".join([*words[:-5], "An", "added", "ending."])))
        docs.append(Document(f"{key}-excerpt", "Intro line. " + " ".join(words[40:120])))
    return docs


def test_find_passages_jobs_0_equals_jobs_1(corpus):
    serial = find_passages(corpus, jobs=1)
    assert serial
    assert find_passages(corpus, jobs=0) == serial


def test_find_reuse_jobs_0_equals_jobs_1(corpus):
    assert find_reuse(corpus, jobs=0) == find_reuse(corpus, jobs=1)


def test_find_duplicates_jobs_0_equals_jobs_1(corpus):
    serial = find_duplicates(corpus, jobs=1)
    assert serial.clusters
    assert find_duplicates(corpus, jobs=0) == serial


def test_verified_pairs_jobs_0_equals_jobs_1(corpus):
    serial = verified_pairs(corpus, jobs=1)
    assert serial
    assert verified_pairs(corpus, jobs=0) == serial


@pytest.mark.parametrize("func", [find_passages, find_duplicates, verified_pairs])
def test_negative_jobs_is_refused(func, corpus):
    with pytest.raises(ConfigError, match="--jobs must be 0"):
        func(corpus, jobs=-1)


def _ignores_ctrl_c(_shared: object, _task: int) -> bool:
    import signal

    return signal.getsignal(signal.SIGINT) == signal.SIG_IGN


def test_workers_leave_ctrl_c_to_the_parent():
    """Ctrl-C reaches the whole process group: a worker stopped by it mid-queue could hang
    the run; the parent alone turns it into `Interrupted.` and exit 130."""
    from dedup.parallel import map_batches, map_shared

    assert all(map_shared(_ignores_ctrl_c, None, [1, 2, 3], jobs=2))
    assert all(map_batches(partial(_ignores_ctrl_c, None), [[1], [2], [3]], jobs=2))
