"""Passage scan in bounded memory: the stages of `passages.find_reuse`, spilled to disk.

`find_reuse` holds every document's window signatures (256 bytes a window, ~87 windows a
2.5 KB document) and alignment arrays at once: ~22 bytes a character, 55 GB for a million
news articles. Past a memory budget it runs here instead, stage by stage:

1. **words**: each document's word n-gram hashes (4 bytes a word, a twelfth of its
   signatures) and window starts go to files in a temporary folder. Signatures are never
   stored: a window's signature is recomputed from its n-grams (`signature.gram_windows`)
   each time a stage needs it, because the disk holds less than the signatures of a
   million documents (22 GB) and recomputing is cheaper than reading them.
2. **band join**: a group of bands at a time (as many as half the budget holds), the
   bands' values of every window are recomputed into memory and each band is joined by
   `lsh.shared_band_pairs`, the in-memory join itself, in parts of rows split by a hash of their
   values (`_band_parts`: a bucket never straddles two parts), so buckets and the bucket
   cap are the same; the pairs go to files by block of rows (`_Blocks`). Then each block
   pair's window pairs are gated (`candidates.min_equal`) with both blocks' signatures
   recomputed, and the candidates of each block are sorted as
   `candidates.candidate_pairs` sorts them. numpy, not DuckDB: the join must be
   `shared_band_pairs` itself (a full bucket pairs its first members in row order) to give the
   same candidates, and a SQL join would be a second copy of that rule.
3. **alignment**: `candidates.strong_pairs` over every document pair (int32, ranked by
   ranges of documents: 12 bytes a pair and ~100 MB besides), then the kept pairs are
   aligned a chunk at a time, each chunk preparing only the documents it holds
   (`prepare.prepare_range`; those the next chunk needs again are copied out of their
   preparation batch, which they would otherwise hold whole), by the same
   `_align_groups`. What is found is kept as numbers (`dedup.found`).

What stays as long as the corpus: 4 bytes a window (its document), 13 bytes a candidate
document pair (its documents and window-pair count as int32, and whether it is aligned),
and the result as numbers: 60 bytes a passage (`FoundPassages`, whose `PassageMatch`es
and their texts are made from `docs` when read) and 57 bytes a document pair with a
passage (`FoundOverlaps`). The result equals `find_reuse`'s in memory, in the same order,
for any `jobs` (tests force a tiny budget on real text). Temporary files go under
`tmp_dir` (else TMPDIR) and are removed at the end, also on error.
"""

from __future__ import annotations

import errno
import re
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import partial
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from dedup.candidates import (
    MAX_BUCKET,
    Candidates,
    KeptPairs,
    by_document_pair,
    copy_pairs,
    equal_values,
    min_equal,
    selected,
    strong_pairs,
)
from dedup.config import DedupConfig
from dedup.document import Document, LazySequence
from dedup.errors import ConfigError, InputError
from dedup.found import FoundOverlaps, FoundPassages
from dedup.lsh import row_keys, shared_band_pairs, unique_pairs, window_bands
from dedup.normalize import split_words
from dedup.parallel import map_shared, ranges, shared_array, weighted_cuts
from dedup.prepare import PREPARE_BATCH, Batch, Prepared, _word_ids, prepare_range
from dedup.progress import counted
from dedup.shingle import ngram_hashes
from dedup.signature import gram_windows

if TYPE_CHECKING:
    from dedup.passages import Reuse

# Bytes of memory per window while a band is joined: the sort order and bucket arrays of
# `shared_band_pairs` (~40), the window's document (4) and the pairs it makes.
JOIN_BYTES_PER_WINDOW = 64
# Bytes per window held across a whole band while its parts are joined: the window's
# document (4), its part (4, then the order of the rows by part: 8).
WHOLE_BAND_BYTES = 16
# Bytes per character of a prepared document (alignment arrays, normalized text): the
# in-memory path's 22 less the window signatures.
PREPARED_BYTES_PER_CHAR = 12
SIGN_BATCH = 1024  # documents per worker task when words or signatures are computed
MIN_PART_ROWS = 1024  # fewest windows per part of a band join (each part costs a few passes)

_I64 = npt.NDArray[np.int64]
# A block's candidate document pairs: doc a, doc b, window pairs (int32 when they fit: the
# pairs of every block are held until they are ranked, 21.8 M of them for a million documents).
_Pairs = tuple[npt.NDArray[np.integer[Any]], ...]

_UNITS = {"B": 1, "KB": 2**10, "MB": 2**20, "GB": 2**30, "TB": 2**40}
_SIZE = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([KMGT]?B?)\s*", re.IGNORECASE)


def memory_limit(value: str) -> int | None:
    """`--memory-limit` as bytes: `auto` (None: half of this machine's memory), `0` (never
    spill), or a size such as `16GB`, `500MB`, `1.5GB` (powers of 1,024).

    Raises:
        ConfigError: not a size.

    Example:
        >>> memory_limit("1.5GB"), memory_limit("0"), memory_limit("auto")
        (1610612736, 0, None)
    """
    if value.strip().lower() == "auto":
        return None
    found = _SIZE.fullmatch(value)
    if found is None:
        msg = f"expected a size such as 16GB or 500MB, auto or 0, got {value!r}"
        raise ConfigError(msg)
    number, unit = found.groups()
    return int(float(number) * _UNITS[unit.upper().rstrip("B") + "B"])


@dataclass(frozen=True)
class _Words:
    """Where stage 1 put each document's word n-grams and windows (the offsets stay in
    memory). A document without a window (fewer than `passage.min_words` words) has none."""

    folder: Path
    gram_at: _I64  # document d's n-gram hashes are grams [gram_at[d], gram_at[d + 1])
    window_at: _I64  # its windows are rows [window_at[d], window_at[d + 1])

    @property
    def windows(self) -> int:
        return int(self.window_at[-1])

    def grams(self, docs: range) -> list[npt.NDArray[np.uint32]]:
        """The word n-gram hashes of each document of `docs`, read in one go."""
        lo, hi = int(self.gram_at[docs.start]), int(self.gram_at[docs.stop])
        every = np.fromfile(self.folder / "grams.u32", np.uint32, hi - lo, offset=4 * lo)
        cuts = (self.gram_at[docs.start : docs.stop + 1] - lo).tolist()
        return [every[s:e] for s, e in pairwise(cuts)]

    def starts(self, rows: _I64) -> _I64:
        """Window starts (first word) of rows `rows` (sorted)."""
        if not len(rows):
            return np.zeros(0, dtype=np.int64)
        lo, hi = int(rows[0]), int(rows[-1]) + 1
        part = np.fromfile(self.folder / "starts.i32", np.int32, hi - lo, offset=4 * lo)
        return part[rows - lo].astype(np.int64)

    def doc_of(self) -> npt.NDArray[np.int32]:
        """The document of every row (4 bytes a window: the one array as long as the
        corpus's windows that the scan holds throughout)."""
        counts = np.diff(self.window_at)
        return np.repeat(np.arange(len(counts), dtype=np.int32), counts)


def spill_reuse(
    docs: Sequence[Document],
    config: DedupConfig,
    *,
    jobs: int,
    budget: int,
    tmp_dir: str | None = None,
    cluster: _I64 | None = None,
    representative: npt.NDArray[np.bool_] | None = None,
) -> Reuse:
    """`find_reuse(docs, config, jobs=jobs, ...)` within about `budget` bytes of memory.

    The same `Reuse` (passages, overlaps, counts left out, order) as the in-memory path;
    see the module docstring for the stages. `docs` is read by position more than once.
    """
    where = tmp_dir or tempfile.gettempdir()
    try:
        Path(where).mkdir(parents=True, exist_ok=True)
        folder = Path(tempfile.mkdtemp(prefix="dedup-spill-", dir=where))
    except OSError as ex:
        msg = f"--tmp-dir {where}: cannot write there ({ex.strerror}); {TMP_DIR_TEXT}"
        raise InputError(msg) from ex
    try:
        words = _write_words(docs, config, folder, jobs)
        cand_files, groups = _candidates(docs, words, config, budget, jobs, cluster, representative)
        return _align(docs, cand_files, groups, config, budget, jobs, cluster, representative)
    except OSError as ex:
        if ex.errno != errno.ENOSPC:
            raise
        msg = f"--tmp-dir {where}: the disk is full; {TMP_DIR_TEXT}"
        raise InputError(msg) from ex
    finally:
        shutil.rmtree(folder, ignore_errors=True)


TMP_DIR_TEXT = (
    "a spilled passage scan writes about 12 bytes per character of the corpus there "
    "(its word n-gram hashes and window pairs): pass --tmp-dir a folder with room, or a larger "
    "--memory-limit"
)


def size_text(size: int) -> str:
    """A byte count for people, in powers of 1,024.

    Example:
        >>> size_text(3 * 2**30), size_text(10_240), size_text(12)
        ('3.0 GB', '10 KB', '12 B')
    """
    for unit, scale in (("GB", 2**30), ("MB", 2**20), ("KB", 2**10)):
        if size >= scale:
            return f"{size / scale:.1f} {unit}" if unit == "GB" else f"{size // scale} {unit}"
    return f"{size} B"


# --------------------------------------------------------------------- stage 1: words


def _doc_words(
    docs: Sequence[Document], positions: range, config: DedupConfig
) -> tuple[npt.NDArray[np.uint32], _I64, _I64, npt.NDArray[np.int32]]:
    """Word n-gram hashes, their counts, window counts and window starts of `positions`
    (no n-gram kept for a document without a window)."""
    ids = [_word_ids(split_words(docs[pos].text, config.normalize)) for pos in positions]
    pc = config.passage
    grams = [
        ngram_hashes(i, pc.ngram) if len(i) >= pc.min_words else np.zeros(0, np.uint32) for i in ids
    ]
    starts = [gram_windows(g, config)[1] if len(g) else np.zeros(0, np.int64) for g in grams]
    return (
        np.concatenate([np.zeros(0, np.uint32), *grams]),
        np.array([len(g) for g in grams], dtype=np.int64),
        np.array([len(s) for s in starts], dtype=np.int64),
        np.concatenate([np.zeros(0, np.int64), *starts]).astype(np.int32),
    )


def _write_words(docs: Sequence[Document], config: DedupConfig, folder: Path, jobs: int) -> _Words:
    tasks = ranges(len(docs), SIGN_BATCH)
    found = map_shared(partial(_doc_words, config=config), docs, tasks, jobs=jobs)
    gram_counts, window_counts = [], []
    with (folder / "grams.u32").open("wb") as w, (folder / "starts.i32").open("wb") as s:
        for grams, n_grams, n_windows, starts in counted("passages: words to disk", found, tasks):
            grams.tofile(w)
            starts.tofile(s)
            gram_counts.append(n_grams)
            window_counts.append(n_windows)
    return _Words(folder, _offsets(gram_counts), _offsets(window_counts))


def _offsets(counts: list[_I64]) -> _I64:
    every = np.concatenate([np.zeros(0, np.int64), *counts])
    return np.concatenate(([0], np.cumsum(every))).astype(np.int64)


def _signatures(
    words: _Words, doc_range: range, config: DedupConfig, columns: slice | None = None
) -> npt.NDArray[np.uint32]:
    """The window signatures of documents `doc_range`, recomputed from their n-grams (only
    `columns` of them when given: the permutations of the others are never applied)."""
    rows = words.window_at[doc_range.stop] - words.window_at[doc_range.start]
    width = len(range(config.passage.num_perm)[columns or slice(None)])
    out = np.empty((int(rows), width), dtype=np.uint32)
    at = 0
    for grams in words.grams(doc_range):
        if len(grams):
            sigs = gram_windows(grams, config, columns)[0]
            out[at : at + len(sigs)] = sigs
            at += len(sigs)
    return out


def _sign_docs(
    words: _Words,
    config: DedupConfig,
    doc_range: range,
    *,
    jobs: int,
    columns: slice | None = None,
    out: npt.NDArray[np.uint32] | None = None,
) -> npt.NDArray[np.uint32]:
    """`_signatures` of `doc_range` over `jobs` workers, only `columns` of them if given.

    The workers write their rows into one array shared with them (`parallel.shared_array`,
    or the first rows of `out`, which must be one), so the signatures never cross a pipe
    and are never in memory twice: at a million documents the main process spent a third
    of the gating stage receiving pickled chunks and copying blocks together.
    """
    tasks = [range(r.start, r.stop) for r in _doc_chunks(doc_range, SIGN_BATCH)]
    width = len(range(config.passage.num_perm)[columns or slice(None)])
    lo = int(words.window_at[doc_range.start])
    rows = int(words.window_at[doc_range.stop]) - lo
    into = shared_array((rows, width), np.uint32) if out is None else out[:rows]
    sign = partial(_sign_into, config=config, columns=columns)
    for _ in map_shared(sign, (words, into, lo), tasks, jobs=jobs):
        pass
    return into


def _sign_into(
    shared: tuple[_Words, npt.NDArray[np.uint32], int],
    doc_range: range,
    config: DedupConfig,
    columns: slice | None,
) -> None:
    """Write `_signatures` of `doc_range` into the shared array at its rows."""
    words, into, lo = shared
    part = _signatures(words, doc_range, config, columns)
    start = int(words.window_at[doc_range.start]) - lo
    into[start : start + len(part)] = part


def _doc_chunks(doc_range: range, size: int) -> list[range]:
    return [range(lo, min(lo + size, doc_range.stop)) for lo in doc_range[::size]]


# --------------------------------------------------------------------- stage 2: band join


@dataclass(frozen=True)
class _Blocks:
    """Consecutive document ranges whose windows (rows) fit the budget, one file set each."""

    docs: list[range]
    rows: _I64  # block k is rows [rows[k], rows[k + 1])

    @classmethod
    def of(cls, words: _Words, max_rows: int) -> _Blocks:
        cuts = weighted_cuts(words.window_at, max_rows)
        docs = [range(lo, hi) for lo, hi in pairwise(cuts)]
        return cls(docs, words.window_at[cuts].astype(np.int64))

    def of_rows(self, rows: _I64) -> _I64:
        return np.searchsorted(self.rows, rows, side="right").astype(np.int64) - 1


def _candidates(
    docs: Sequence[Document],
    words: _Words,
    config: DedupConfig,
    budget: int,
    jobs: int,
    cluster: _I64 | None,
    representative: npt.NDArray[np.bool_] | None,
) -> tuple[list[Path], list[_Pairs]]:
    """Candidate files per block (sorted as `candidate_pairs` sorts), and each block's
    document pairs with their window-pair counts."""
    n = words.windows
    bands, rows = window_bands(config)
    need = min_equal(config)
    # Two blocks of signatures, their concatenation and the gated pairs fit the budget.
    blocks = _Blocks.of(words, max(1, budget // (5 * config.passage.num_perm * 4)))
    doc_of = words.doc_of()
    joined_rows: _I64 | None = None
    copies = np.zeros((0, 2), dtype=np.int64)
    if cluster is not None and representative is not None and n:
        copies, joined_rows = _copies(words, config, doc_of, cluster, representative, jobs)
    # The values of as many bands as half the budget holds are recomputed in one pass; a
    # band is joined in as many parts as the other half needs (`_band_parts`).
    per_pass = max(1, (budget // 2 - n * WHOLE_BAND_BYTES) // max(1, n * 4 * rows))
    parts = -(-n * JOIN_BYTES_PER_WINDOW // max(1, budget // 2))
    parts = max(1, min(parts, n // MIN_PART_ROWS))
    pair_files = words.folder / "pairs"
    pair_files.mkdir()
    band_groups = ranges(bands, per_pass)
    for group in counted("passages: band join on disk", iter(band_groups), band_groups):
        columns = slice(group.start * rows, group.stop * rows)
        every = range(len(words.window_at) - 1)
        values = _sign_docs(words, config, every, jobs=jobs, columns=columns)
        for k in range(len(group)):
            band = values[:, k * rows : (k + 1) * rows]
            for pairs in _band_parts(band, joined_rows, parts):
                different = doc_of[pairs[:, 0]] != doc_of[pairs[:, 1]]
                _write_pairs(pairs[different], blocks, pair_files)
        del values
    return _gate_blocks(words, config, blocks, pair_files, copies, need, jobs, doc_of)


def _band_parts(
    band: npt.NDArray[np.uint32], joined_rows: _I64 | None, parts: int
) -> Iterator[_I64]:
    """`lsh.shared_band_pairs` of `band` (rows `joined_rows` of it, or all), in `parts` pieces of
    rows split by a hash of their values (`lsh.row_keys`), as rows of `band`.

    Equal values hash alike, so every bucket lies whole in one piece, and each piece keeps
    the rows' order: a capped bucket keeps the same first members. The pairs are those of
    one join of the whole band, in a fraction of its memory.
    """
    values = band if joined_rows is None else band[joined_rows]
    if parts <= 1:
        pairs = shared_band_pairs(values, MAX_BUCKET)
        yield pairs if joined_rows is None else joined_rows[pairs]
        return
    piece = (row_keys(values) % np.uint64(parts)).astype(np.int32)
    order = np.argsort(piece, kind="stable")  # each piece's rows stay in order
    cuts = np.concatenate(([0], np.cumsum(np.bincount(piece, minlength=parts)))).tolist()
    del piece
    for lo, hi in pairwise(cuts):
        at = order[lo:hi]
        pairs = shared_band_pairs(values[at], MAX_BUCKET)
        rows = at if joined_rows is None else joined_rows[at]
        yield rows[pairs]


def _copies(
    words: _Words,
    config: DedupConfig,
    doc_of: npt.NDArray[np.int32],
    cluster: _I64,
    representative: npt.NDArray[np.bool_],
    jobs: int,
) -> tuple[_I64, _I64]:
    """`candidate_pairs`'s copy pairs (rows of the whole corpus) and the rows that join
    the corpus (those of documents alone, representatives, and members' windows their
    representative lacks), from the signatures of the clustered documents alone."""
    bands, rows = window_bands(config)
    clustered = np.flatnonzero(cluster >= 0)
    at = np.flatnonzero(cluster[doc_of] >= 0)
    sigs = np.concatenate(
        [np.zeros((0, config.passage.num_perm), np.uint32)]
        + [_signatures(words, range(d, d + 1), config) for d in clustered.tolist()]
    )
    sub = doc_of[at]
    found = copy_pairs(sigs, cluster[sub], representative[sub], bands, rows, min_equal(config))
    copies = at[found]
    covered = np.zeros(len(doc_of), dtype=np.bool_)
    covered[copies.ravel()] = True
    alone = (cluster[doc_of] < 0) | representative[doc_of]
    return copies.astype(np.int64), np.flatnonzero(alone | ~covered).astype(np.int64)


def _write_pairs(pairs: _I64, blocks: _Blocks, folder: Path) -> None:
    """Append window pairs to the file of their block pair, as uint32 when rows fit."""
    if not len(pairs):
        return
    width = len(blocks.docs)
    key = blocks.of_rows(pairs[:, 0]) * width + blocks.of_rows(pairs[:, 1])
    order = np.argsort(key, kind="stable")
    key, pairs = key[order], pairs[order]
    cuts = np.flatnonzero(np.diff(key)) + 1
    dtype = np.uint32 if int(blocks.rows[-1]) < 2**32 else np.int64
    for lo, hi in zip([0, *cuts.tolist()], [*cuts.tolist(), len(key)], strict=True):
        a, b = divmod(int(key[lo]), width)
        with (folder / f"{a}-{b}").open("ab") as f:
            pairs[lo:hi].astype(dtype).tofile(f)


def _read_pairs(path: Path, rows: int) -> _I64:
    if not path.exists():
        return np.zeros((0, 2), dtype=np.int64)
    dtype = np.uint32 if rows < 2**32 else np.int64
    return np.fromfile(path, dtype=dtype).reshape(-1, 2).astype(np.int64)


def _gate_blocks(
    words: _Words,
    config: DedupConfig,
    blocks: _Blocks,
    folder: Path,
    copies: _I64,
    need: int,
    jobs: int,
    doc_of: npt.NDArray[np.int32],
) -> tuple[list[Path], list[_Pairs]]:
    """Gate every block pair's window pairs; per block a, its candidates as
    `candidate_pairs` gives them (document pair, then rows) and its document pairs."""
    n, width = words.windows, config.passage.num_perm
    files, groups = [], []
    copy_block = blocks.of_rows(copies[:, 0]) if len(copies) else np.zeros(0, np.int64)
    for a, doc_range in enumerate(
        counted("passages: gating window pairs", iter(blocks.docs), blocks.docs)
    ):
        names = [folder / f"{a}-{b}" for b in range(a, len(blocks.docs))]
        kept = [copies[copy_block == a]]
        if any(p.exists() for p in names):
            # Block a's signatures, then each block b's written after them in place.
            both = shared_array((2 * int(np.diff(blocks.rows).max()), width), np.uint32)
            sig_a = _sign_docs(words, config, doc_range, jobs=jobs, out=both)
            for b, path in enumerate(names, start=a):
                pairs = unique_pairs([_read_pairs(path, n)], n)
                if not len(pairs):
                    continue
                kept.append(_gated(words, config, blocks, (a, b), both, pairs, need, jobs))
                path.unlink()
            del sig_a, both
        cand = _sorted_candidates(words, unique_pairs(kept, n), doc_of)
        path = folder / f"cand-{a}.npz"
        np.savez(path, doc_a=cand.doc_a, doc_b=cand.doc_b, at_a=cand.at_a, at_b=cand.at_b,
                 bounds=cand.bounds)  # fmt: skip
        files.append(path)
        first = cand.bounds[:-1]
        groups.append(
            tuple(_narrow(x) for x in (cand.doc_a[first], cand.doc_b[first], np.diff(cand.bounds)))
        )
    return files, groups


def _narrow(values: _I64) -> npt.NDArray[np.integer[Any]]:
    """`values` as int32 when they fit (half the memory), else as they are."""
    fits = not len(values) or (int(values.min()) >= -(2**31) and int(values.max()) < 2**31)
    return values.astype(np.int32) if fits else values


def _gated(
    words: _Words,
    config: DedupConfig,
    blocks: _Blocks,
    block_pair: tuple[int, int],
    both: npt.NDArray[np.uint32],
    pairs: _I64,
    need: int,
    jobs: int,
) -> _I64:
    """The window pairs of blocks (a, b) with `need` equal signature values; `both` holds
    block a's signatures in its first rows, and block b's are written after them."""
    a, b = block_pair
    lo_a, lo_b = int(blocks.rows[a]), int(blocks.rows[b])
    rows_a = int(blocks.rows[a + 1]) - lo_a
    if a == b:
        sigs, local = both[:rows_a], pairs - lo_a
    else:
        sig_b = _sign_docs(words, config, blocks.docs[b], jobs=jobs, out=both[rows_a:])
        sigs = both[: rows_a + len(sig_b)]
        local = np.stack((pairs[:, 0] - lo_a, pairs[:, 1] - lo_b + rows_a), axis=1)
    passed: _I64 = pairs[equal_values(sigs, local) >= need]
    return passed


def _sorted_candidates(words: _Words, pairs: _I64, doc_of: npt.NDArray[np.int32]) -> Candidates:
    """`candidate_pairs`'s ordering of window pairs (rows, sorted)."""
    doc_a, doc_b = doc_of[pairs[:, 0]].astype(np.int64), doc_of[pairs[:, 1]].astype(np.int64)
    at_a, at_b = _starts(words, pairs[:, 0]), _starts(words, pairs[:, 1])
    return by_document_pair(doc_a, doc_b, at_a, at_b, docs=len(words.window_at))


def _starts(words: _Words, rows: _I64) -> _I64:
    order = np.argsort(rows, kind="stable")
    out = np.empty(len(rows), dtype=np.int64)
    out[order] = words.starts(rows[order])
    return out


# --------------------------------------------------------------------- stage 3: alignment


class _Picked(LazySequence[Document]):
    """The documents of `docs` at `positions`, by their rank in `positions`."""

    def __init__(self, docs: Sequence[Document], positions: _I64) -> None:
        self.docs, self.positions = docs, positions

    def __len__(self) -> int:
        return len(self.positions)

    def _item(self, i: int) -> Document:
        return self.docs[int(self.positions[i])]


class _Sparse(LazySequence[Prepared]):
    """Prepared documents by corpus position, for the positions `positions` only."""

    def __init__(self, positions: _I64, prepared: list[Prepared], size: int) -> None:
        self.positions, self.prepared, self.size = positions, prepared, size

    def __len__(self) -> int:
        return self.size

    def _item(self, i: int) -> Prepared:
        return self.prepared[int(np.searchsorted(self.positions, i))]

    def kept(self, needed: _I64) -> _Sparse:
        """The documents of `needed` (sorted) held here, copied into arrays of their own:
        as views, one document kept from an earlier chunk holds its whole preparation
        batch alive (50,000 documents, a 0.3 GB budget: a cache of 29 MB held 455 MB)."""
        have = needed[np.isin(needed, self.positions)]
        preps = [self[int(d)] for d in have.tolist()]
        if preps:
            preps = Batch.pack(range(len(preps)), [(p, None) for p in preps]).unpack()
        return _Sparse(have, preps, self.size)


def _align(
    docs: Sequence[Document],
    files: list[Path],
    groups: list[_Pairs],
    config: DedupConfig,
    budget: int,
    jobs: int,
    cluster: _I64 | None,
    representative: npt.NDArray[np.bool_] | None,
) -> Reuse:
    """The candidates of each block (`files`) that `strong_pairs` keeps among all document
    pairs (`groups`), aligned a chunk of documents at a time, in order."""
    # Imported here: `passages` imports this module to branch into it.
    from dedup.passages import ALIGN_BATCH, Reuse, _add_overlaps, _align_groups

    keep, left, members = _strong(groups, config, cluster, representative)
    passages, measured = FoundPassages(docs), FoundOverlaps()
    reuse = Reuse(passages, measured, pairs_left_out=left, member_pairs_left_out=members)
    chars = getattr(docs, "chars", None)
    mean = float(chars.mean()) if chars is not None and len(chars) else 2500.0
    doc_bytes = PREPARED_BYTES_PER_CHAR * max(mean, 1.0)
    pair_bytes = keep.nbytes + sum(x.nbytes for g in groups for x in g)
    at = 0
    cache = _Sparse(np.zeros(0, np.int64), [], len(docs))
    align = partial(_align_groups, config=config)
    cuts = np.cumsum([0, *(len(g[0]) for g in groups)]).tolist()
    tasks = [range(lo, hi) for lo, hi in pairwise(cuts)]  # document pairs of each block
    for path in counted("passages: aligning document pairs", iter(files), tasks):
        with np.load(path) as saved:
            cand = Candidates(*(saved[k] for k in ("doc_a", "doc_b", "at_a", "at_b", "bounds")))
        mine = keep[at : at + len(cand)]
        at += len(cand)
        cand = selected(cand, mine)
        # The budget holds the document pairs, the result so far and the prepared documents.
        held = pair_bytes + cand.doc_a.nbytes * 4 + passages.nbytes + measured.nbytes
        for chunk in _chunks(cand, max(2, int((budget - held) // doc_bytes))):
            part = _slice(cand, chunk)
            needed = np.unique(np.concatenate((part.doc_a, part.doc_b)))
            cache = cache.kept(needed)  # the rest of the last chunk's documents let go
            cache = _prepare_needed(docs, needed, config, jobs, cache)
            batches = ranges(len(part), ALIGN_BATCH)
            for found, overlaps in map_shared(align, (cache, part), batches, jobs=jobs):
                passages.extend(found)
                _add_overlaps(measured, reuse, overlaps)
    return reuse


def _strong(
    groups: list[_Pairs],
    config: DedupConfig,
    cluster: _I64 | None,
    representative: npt.NDArray[np.bool_] | None,
) -> KeptPairs:
    """`strong_pairs` of every block's document pairs, gathered as int32 when every block's
    are (`_narrow`: 12 bytes a pair, not 24) and ranked by parts: 21.8 M pairs, a million
    news articles, in ~0.5 GB."""
    none = np.zeros(0, np.int32)  # one int64 block makes the whole column int64
    ga, gb, sizes = (np.concatenate([none, *(g[k] for g in groups)]) for k in range(3))
    return strong_pairs(ga, gb, sizes, config.passage.max_partners, cluster, representative)


def _chunks(cand: Candidates, max_docs: int) -> list[range]:
    """Consecutive ranges of document pairs of `cand`, each holding at most `max_docs`
    documents (or one pair)."""
    first = cand.bounds[:-1]
    ga, gb = cand.doc_a[first].tolist(), cand.doc_b[first].tolist()
    out: list[range] = []
    start, seen = 0, set[int]()
    for g, (a, b) in enumerate(zip(ga, gb, strict=True)):
        new = (a not in seen) + (b not in seen and b != a)
        if seen and len(seen) + new > max_docs:
            out.append(range(start, g))
            start, seen = g, set()
        seen.update((a, b))
    if start < len(ga):
        out.append(range(start, len(ga)))
    return out


def _slice(cand: Candidates, groups: range) -> Candidates:
    lo, hi = int(cand.bounds[groups.start]), int(cand.bounds[groups.stop])
    return Candidates(
        cand.doc_a[lo:hi],
        cand.doc_b[lo:hi],
        cand.at_a[lo:hi],
        cand.at_b[lo:hi],
        cand.bounds[groups.start : groups.stop + 1] - lo,
    )


def _prepare_needed(
    docs: Sequence[Document], needed: _I64, config: DedupConfig, jobs: int, cache: _Sparse
) -> _Sparse:
    """The prepared documents `needed` (sorted): those of `cache`, the rest prepared now
    (chunks follow each other in document order, and so do their partners in a corpus
    whose reuse is local)."""
    have = np.isin(needed, cache.positions)
    todo = needed[~have]
    prepare = partial(prepare_range, config=config, windows=False)
    tasks = ranges(len(todo), PREPARE_BATCH)
    made = map_shared(prepare, _Picked(docs, todo), tasks, jobs=jobs)
    fresh = iter([p for batch in made for p in batch.unpack()])
    kept = iter([cache[int(d)] for d in needed[have]])
    prepared = [next(kept) if h else next(fresh) for h in have.tolist()]
    return _Sparse(needed, prepared, len(docs))
