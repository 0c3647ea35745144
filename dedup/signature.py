"""The sketch: text -> shingle hashes -> MinHash signatures of documents and passage windows.

This module is the one home of the sketch: the scan (`cluster`, `prepare`), the persistent
index (`store`) and `verify.document_jaccard` all shingle and sign through it; bands, rows
and band keys live next door in `lsh`.


datasketch 2.x's default scheme ("affine32") pre-mixes each 32-bit shingle hash with the
MurmurHash3 32-bit finalizer and applies permutations `a * h + b` in wrapping uint32
arithmetic. We take `a` and `b` from datasketch itself, so a signature computed here equals
`datasketch.MinHash(num_perm, seed, hashfunc=hash_shingle).hashvalues` for the same shingles.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import cache, lru_cache, partial
from typing import Any

import numpy as np
import numpy.typing as npt

from dedup.config import DedupConfig
from dedup.document import Document
from dedup.normalize import load_tables, split_words
from dedup.parallel import map_shared, ranges
from dedup.progress import counted
from dedup.shingle import ngram_hashes, shingle_hashes, sorted_unique

U32 = np.uint32
EMPTY = np.iinfo(np.uint32).max  # the value of an empty datasketch MinHash (affine32)
SCHEME = "affine32"
_CHUNK_CELLS = 1 << 22  # rows x permutations per vector step: bounds temporary memory
BATCH = 2048  # documents per signature batch (per worker task)
Signatures = npt.NDArray[np.uint32]


@lru_cache(maxsize=16)
def permutations(num_perm: int, seed: int) -> tuple[npt.NDArray[np.uint32], npt.NDArray[np.uint32]]:
    """The (a, b) permutation parameters datasketch uses for `num_perm` and `seed`.

    Drawn exactly as datasketch 2.x's `MinHash._init_permutations` draws them for
    "affine32" (an odd `a`, any `b`; tests hold the two equal) rather than read from a
    `MinHash`: importing datasketch takes ~0.3 s (it loads scipy), which every scan paid.

    Example:
        >>> a, b = permutations(4, 1)
        >>> bool((a % 2 == 1).all()), a.dtype.name
        (True, 'uint32')
    """
    gen = np.random.RandomState(seed)
    a = gen.randint(0, 1 << 31, num_perm, dtype=U32) * U32(2) + U32(1)
    b = gen.randint(0, 1 << 32, num_perm, dtype=U32)
    return a, b


def fmix32(h: npt.NDArray[np.uint32]) -> npt.NDArray[np.uint32]:
    """MurmurHash3's 32-bit finalizer, as datasketch applies it before permuting."""
    with np.errstate(over="ignore"):
        h = h ^ (h >> U32(16))
        h = h * U32(0x85EBCA6B)
        h = h ^ (h >> U32(13))
        h = h * U32(0xC2B2AE35)
        return h ^ (h >> U32(16))


def permuted_min(
    hashes: npt.NDArray[np.uint32],
    bounds: npt.NDArray[np.int64],
    num_perm: int,
    seed: int,
    columns: slice | None = None,
) -> npt.NDArray[np.uint32]:
    """Min of the permuted hashes over each group `hashes[bounds[i]:bounds[i+1]]`.

    Args:
        hashes: 32-bit shingle hashes of many groups, concatenated.
        bounds: group boundaries, `len(groups) + 1` non-decreasing offsets into `hashes`.
        num_perm: number of permutations.
        seed: permutation seed.
        columns: only these permutations (their values are those of the full signature).

    Returns:
        A `(len(groups), width)` uint32 array (width: `num_perm`, or the columns taken);
        empty groups get the empty value.
    """
    a, b = _taken(permutations(num_perm, seed), columns)
    groups = len(bounds) - 1
    out = np.full((groups, len(a)), EMPTY, dtype=U32)
    mixed = fmix32(hashes.astype(U32, copy=False))
    step = max(1, _CHUNK_CELLS // max(1, len(a)))
    g = 0
    while g < groups:
        # Take whole groups until the chunk holds about `step` rows.
        stop = int(np.searchsorted(bounds, bounds[g] + step, side="right")) - 1
        stop = min(max(stop, g + 1), groups)
        lo, hi = int(bounds[g]), int(bounds[stop])
        if hi > lo:
            with np.errstate(over="ignore"):
                rows = mixed[lo:hi, None] * a[None, :] + b[None, :]
            starts = bounds[g:stop] - lo
            nonempty = starts < (bounds[g + 1 : stop + 1] - lo)
            # Empty groups have no rows, so from one non-empty start to the next is
            # exactly one group's rows.
            out[g:stop][nonempty] = np.minimum.reduceat(rows, starts[nonempty], axis=0)
        g = stop
    return out


def _taken(
    perms: tuple[npt.NDArray[np.uint32], npt.NDArray[np.uint32]], columns: slice | None
) -> tuple[npt.NDArray[np.uint32], npt.NDArray[np.uint32]]:
    """The (a, b) permutation parameters of `columns` only (all when None)."""
    a, b = perms
    return (a, b) if columns is None else (a[columns], b[columns])


def compute_signatures(
    shingles: Sequence[npt.NDArray[np.uint32]], num_perm: int = 128, seed: int = 1
) -> npt.NDArray[np.uint32]:
    """MinHash signatures of many documents in one vectorized pass.

    Args:
        shingles: per document, its 32-bit shingle hashes (see `dedup.shingle`).
        num_perm: number of permutations.
        seed: permutation seed (as `datasketch.MinHash(seed=...)`).

    Returns:
        A `(len(shingles), num_perm)` uint32 array of hash values.

    Example:
        >>> from datasketch import MinHash
        >>> from dedup.shingle import hash_shingle
        >>> m = MinHash(num_perm=16, seed=1, hashfunc=hash_shingle)
        >>> m.update_batch([b"a b", b"b c"])
        >>> import numpy as np
        >>> h = np.array([hash_shingle(b"a b"), hash_shingle(b"b c")], dtype=np.uint32)
        >>> bool((compute_signatures([h], 16, 1)[0] == m.hashvalues).all())
        True
    """
    lengths = np.fromiter((len(s) for s in shingles), dtype=np.int64, count=len(shingles))
    bounds = np.concatenate(([0], np.cumsum(lengths)))
    flat = np.concatenate(shingles) if len(shingles) else np.zeros(0, dtype=U32)
    return permuted_min(flat.astype(U32, copy=False), bounds, num_perm, seed)


def window_signatures(
    shingles: npt.NDArray[np.uint32],
    *,
    window: int,
    stride: int,
    num_perm: int,
    seed: int,
    fast: bool | None = None,
    columns: slice | None = None,
) -> tuple[npt.NDArray[np.uint32], npt.NDArray[np.int64]]:
    """Signatures of the sliding windows `shingles[i*stride : i*stride + window]`.

    Blocks of `stride` shingles are reduced once, then each window is the minimum of its
    `window // stride` blocks, so overlapping windows share the work. The last window is
    cut short at the end of the document; a document shorter than one window gives one.
    With `fast` (None: when numba is installed) one compiled pass does it
    (`_kernel.window_signatures`), else numpy; the values are the same. `columns` signs
    with those permutations only (a spilled band join needs one band's: 2 of 64).

    Returns:
        The window signatures and each window's first shingle index.
    """
    count = len(shingles)
    starts = np.arange(0, max(count, 1), stride, dtype=np.int64)
    per = window // stride
    windows = max(1, len(starts) - per + 1)
    if kernels() if fast is None else fast:
        a, b = _taken(permutations(num_perm, seed), columns)
        out = np.empty((windows, len(a)), dtype=U32)
        _compiled().window_signatures(
            shingles.astype(np.uint64), stride, per, a.astype(np.uint64), b.astype(np.uint64), out
        )
        return out, starts[:windows]
    bounds = np.concatenate((starts, [count]))
    blocks = permuted_min(shingles, bounds, num_perm, seed, columns)
    sigs = blocks[:windows].copy()
    for k in range(1, per):
        idx = np.minimum(np.arange(windows) + k, len(blocks) - 1)
        np.minimum(sigs, blocks[idx], out=sigs)
    return sigs, starts[:windows]


def text_shingles(text: str, config: DedupConfig) -> npt.NDArray[np.uint32]:
    """A text's shingles as 32-bit hashes (duplicates kept): normalize, split, shingle.

    The reference path every other one must agree with (the compiled kernel is tested
    against it).

    Example:
        >>> len(text_shingles("One two three four five six", DedupConfig()))
        2
    """
    return shingle_hashes(split_words(text, config.normalize).words, config.shingle)


def word_shingles(
    words: tuple[str, ...], word_ids: npt.NDArray[np.uint64], config: DedupConfig
) -> npt.NDArray[np.uint32]:
    """`text_shingles` from words already split and hashed (`shingle.word_hashes`).

    Example:
        >>> from dedup.shingle import word_hashes
        >>> words = split_words("One two three four five six", DedupConfig().normalize).words
        >>> cfg = DedupConfig()
        >>> bool((word_shingles(words, word_hashes(words), cfg) == text_shingles(
        ...     "One two three four five six", cfg)).all())
        True
    """
    if config.shingle.unit == "word":
        return ngram_hashes(word_ids, config.shingle.size)
    return shingle_hashes(words, config.shingle)


def passage_windows(
    word_ids: npt.NDArray[np.uint64], config: DedupConfig, columns: slice | None = None
) -> tuple[npt.NDArray[np.uint32], npt.NDArray[np.int64]] | None:
    """A document's passage-window signatures and each window's first word, or None.

    Word n-grams (`config.passage.ngram`) of the word hashes, signed in windows of
    `passage.window` n-grams every `passage.stride`; None when the document has fewer than
    `passage.min_words` words. A scan and an index both call this, so the same text gives
    the same windows in both. `columns`: only those permutations of each signature.

    Example:
        >>> from dedup.shingle import word_hashes
        >>> sigs, starts = passage_windows(word_hashes([f"w{i}" for i in range(30)]), DedupConfig())
        >>> sigs.shape, starts.tolist()
        ((5, 64), [0, 5, 10, 15, 20])
    """
    pc = config.passage
    if len(word_ids) < pc.min_words:
        return None
    return gram_windows(ngram_hashes(word_ids, pc.ngram), config, columns)


def gram_windows(
    grams: npt.NDArray[np.uint32], config: DedupConfig, columns: slice | None = None
) -> tuple[npt.NDArray[np.uint32], npt.NDArray[np.int64]]:
    """`passage_windows` from a document's word n-gram hashes
    (`ngram_hashes(word_ids, passage.ngram)`), for a caller that kept those: a spilled scan
    signs each document many times, and hashing its n-grams again was ~40 % of each time.

    Example:
        >>> from dedup.shingle import word_hashes
        >>> ids, cfg = word_hashes([f"w{i}" for i in range(30)]), DedupConfig()
        >>> sigs, _ = gram_windows(ngram_hashes(ids, cfg.passage.ngram), cfg)
        >>> bool((sigs == passage_windows(ids, cfg)[0]).all())
        True
    """
    pc = config.passage
    return window_signatures(
        grams, window=pc.window, stride=pc.stride, num_perm=pc.num_perm, seed=config.seed,
        columns=columns,
    )  # fmt: skip


def _encode(
    texts: Sequence[str], config: DedupConfig
) -> tuple[npt.NDArray[np.uint8], npt.NDArray[np.int64], npt.NDArray[np.uint8]]:
    """Texts as one byte buffer for the kernel: ASCII raw (mode 0), else normalized words (1)."""
    parts: list[bytes] = []
    modes = np.zeros(len(texts), dtype=np.uint8)
    for i, text in enumerate(texts):
        if text.isascii():
            parts.append(text.encode("ascii"))
        else:
            # NFKC and full Unicode case folding stay in Python; the kernel only hashes.
            parts.append(" ".join(split_words(text, config.normalize).words).encode("utf-8"))
            modes[i] = 1
    lengths = np.fromiter((len(p) for p in parts), dtype=np.int64, count=len(parts))
    bounds = np.concatenate(([0], np.cumsum(lengths))).astype(np.int64)
    buf = np.frombuffer(b"".join(parts), dtype=np.uint8)
    return buf, bounds, modes


@cache
def _compiled() -> Any:
    """The numba kernel module, imported on first use (numba takes ~0.1 s to load, which
    `dedup --help` should not pay); cached, as the passage search asks per document pair."""
    from dedup import _kernel

    return _kernel


def _use_kernel(config: DedupConfig, fast: bool | None) -> bool:
    if config.shingle.unit != "word":
        return False
    return kernels() if fast is None else fast


_NUMPY_ONLY = False  # set by `numpy_paths`


def kernels() -> bool:
    """Whether the choices that default to the compiled kernels take them: numba is
    installed and no `numpy_paths` is in force."""
    return bool(_compiled().AVAILABLE) and not _NUMPY_ONLY


@contextmanager
def numpy_paths(on: bool = True) -> Iterator[None]:
    """Within (when `on`): every choice that defaults to the compiled kernels takes the
    numpy path, which gives the same values. For a search over a few documents: the first
    run after an install compiles each kernel it calls, ~10 s for the passage kernels,
    where the numpy paths take milliseconds (`dedup compare` of the two samples: 12.9 s
    cold against 2.8 s before the passage kernels came). Forked workers inherit it."""
    global _NUMPY_ONLY
    before = _NUMPY_ONLY
    _NUMPY_ONLY = before or on
    try:
        yield
    finally:
        _NUMPY_ONLY = before


def text_signatures(
    texts: Sequence[str], config: DedupConfig | None = None, *, fast: bool | None = None
) -> npt.NDArray[np.uint32]:
    """MinHash signatures of raw texts: normalize, shingle and sign in one batch.

    With numba installed (the `fast` extra) word shingles go through a compiled kernel;
    otherwise, or with `fast=False`, through numpy. Both give identical values, equal to
    `datasketch.MinHash(num_perm, seed, hashfunc=hash_shingle)` over the shingle texts.

    Args:
        texts: the documents' original texts.
        config: normalization, shingles, `num_perm` and `seed`.
        fast: force (True) or avoid (False) the compiled kernel; None picks it when present.

    Returns:
        A `(len(texts), num_perm)` uint32 array.

    Example:
        >>> a, b = text_signatures(["The cat sat on the mat.", "the CAT sat on the mat"])
        >>> bool((a == b).all())
        True
    """
    config = config or DedupConfig()
    if not _use_kernel(config, fast):
        shingles = [text_shingles(t, config) for t in texts]
        return compute_signatures(shingles, config.num_perm, config.seed)
    buf, bounds, modes = _encode(texts, config)
    a, b = permutations(config.num_perm, config.seed)
    out = np.empty((len(texts), config.num_perm), dtype=U32)
    _compiled().signatures(
        buf,
        bounds,
        modes,
        config.shingle.size,
        config.normalize.casefold,
        a.astype(np.uint64),
        b.astype(np.uint64),
        out,
    )
    return out


def text_shingle_sets(
    texts: Sequence[str], config: DedupConfig | None = None, *, fast: bool | None = None
) -> list[npt.NDArray[np.uint32]]:
    """Each text's shingle hashes as a sorted set (unique values), for exact Jaccard.

    Example:
        >>> [len(s) for s in text_shingle_sets(["a b c d e f", "a b c d e a b c d e"])]
        [2, 5]
    """
    config = config or DedupConfig()
    if not _use_kernel(config, fast):
        return [sorted_unique(text_shingles(t, config)) for t in texts]
    buf, bounds, modes = _encode(texts, config)
    flat = np.empty(len(buf) + len(texts) + 1, dtype=np.uint64)
    sets = _compiled().shingle_sets(
        buf, bounds, modes, config.shingle.size, config.normalize.casefold, flat
    )
    flat32 = flat.astype(U32)
    return [sorted_unique(flat32[sets[i] : sets[i + 1]]) for i in range(len(texts))]


def prepare(config: DedupConfig) -> None:
    """Load what signing needs (tables, permutations, the compiled kernels) in this process.

    Call it before forking workers that sign or shingle: they inherit it all, where each
    would otherwise load numba again (~0.5 s, more on a busy machine) in every pool.
    """
    load_tables()
    permutations(config.num_perm, config.seed)
    if _use_kernel(config, None):
        # numba compiles (or loads from its cache) a kernel at its first call, not at import.
        text_signatures(["warm up"], config)
        text_shingle_sets(["warm up"], config)
        _compiled().intersection(np.zeros(1, U32), np.zeros(1, U32))


def compiled(config: DedupConfig) -> bool:
    """Whether the compiled kernels serve `config` (numba installed, word shingles):
    after `prepare`, they are loaded (see `dedup.verify.set_jaccard`'s `fast`)."""
    return _use_kernel(config, None)


def document_signatures(
    docs: Sequence[Document],
    config: DedupConfig,
    *,
    jobs: int = 1,
    stage: str = "signing documents",
) -> npt.NDArray[np.uint32]:
    """`text_signatures` of every document, in order, over `jobs` processes.

    Texts are read from `docs` one batch at a time, so a lazy sequence never has all of
    them in memory at once. The values do not depend on `jobs`. `stage` names the step on
    the progress line (with a count of the documents signed).

    Example:
        >>> docs = [Document("a", "a b c d e"), Document("b", "f g")]
        >>> document_signatures(docs, DedupConfig(num_perm=8)).shape
        (2, 8)
    """
    known = getattr(docs, "take_signatures", None)  # a JsonlCorpus signed while it was read
    made: npt.NDArray[np.uint32] | None = known(config) if known is not None else None
    if made is not None:
        return made
    prepare(config)  # before the workers fork, so they inherit it
    out = np.empty((len(docs), config.num_perm), dtype=np.uint32)
    tasks = ranges(len(docs), BATCH)
    # Forked workers read the texts from `docs` itself: nothing is pickled on the way out.
    signed = map_shared(partial(_sign_range, config=config), docs, tasks, jobs=jobs)
    for task, sigs in zip(tasks, counted(stage, signed, tasks), strict=True):
        out[task.start : task.stop] = sigs
    return out


def _sign_range(docs: Sequence[Document], task: range, config: DedupConfig) -> Signatures:
    return text_signatures([docs[i].text for i in task], config)
