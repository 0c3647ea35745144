"""Compiled kernels (numba, optional): MinHash signatures and the passage search's loops.

The word-shingle MinHash kernel: one pass per document does what `normalize.split_words`,
`shingle.shingle_hashes` and `signature.permuted_min` do with numpy, with no temporary
arrays per shingle. It is only used when numba is installed (`pip install -e '.[fast]'`);
`dedup.signature` falls back to the numpy path otherwise, and tests hold both to identical
values. Each document comes in one of two modes: 0 = raw ASCII text, tokenized here (runs
of ASCII letters and digits, lowercased when case folding is on: exactly `split_words` on
ASCII text); 1 = normalized words already joined by single spaces (any other text).

The passage search's kernels (`window_signatures`, `count_equal`, `regions`,
`chain_blocks`, `snapped_words`, `lcs_blocks`, `align_batch`, `pair_units`, `units_batch`,
`graded_parts`): the window signatures of each document, the estimate gate of window
pairs, and for each document pair the regions its window pairs make, the chaining of its
equal-word runs, its passages snapped to sentences, the alignment of a whole batch of
pairs in one call (regions, rapidfuzz's `Indel.opcodes` done over again, chaining,
overlaps, snapping), its sentence pairing (a batch of pairs in one call too) and its
sentence containment. Each replaces a
few dozen small numpy calls or a Python loop per document pair. Their numpy and Python
twins (`signature.window_signatures`, `candidates.equal_values`,
`passages._regions_python`, `align.chain_blocks`, `passages._snapped_numpy`,
`align.equal_blocks`, `passages._passages_for_pair`, `sentences._units_numpy`,
`passages._graded_numpy`) stay as the reference the tests hold them to (identical
values), and as the path taken without numba.
"""

from __future__ import annotations

from typing import Any

import numpy as np

try:
    from numba import njit
except ImportError:  # pragma: no cover - exercised where numba is absent
    njit = None  # type: ignore[assignment]

_P = np.uint64(0x100000001B3)
_M = np.uint64(0x9E3779B97F4A7C15)
_LEN = np.uint64(0xC2B2AE3D27D4EB4F)
_MASK32 = np.uint64(0xFFFFFFFF)


def _fmix64(h: Any) -> Any:
    h ^= h >> np.uint64(33)
    h *= np.uint64(0xFF51AFD7ED558CCD)
    h ^= h >> np.uint64(33)
    h *= np.uint64(0xC4CEB9FE1A85EC53)
    return h ^ (h >> np.uint64(33))


def _words(buf: Any, lo: int, hi: int, mode: int, casefold: bool, out: Any) -> int:
    """Word hashes of `buf[lo:hi]` into `out`; returns how many."""
    count = 0
    h = np.uint64(0)
    pw = np.uint64(1)
    length = 0
    inword = False
    if mode == 1 and hi == lo:
        return 0
    for i in range(lo, hi + 1):
        c = np.uint64(32) if i == hi else np.uint64(buf[i])
        if mode == 0:
            alnum = (
                (c >= np.uint64(48) and c <= np.uint64(57))
                or (c >= np.uint64(65) and c <= np.uint64(90))
                or (c >= np.uint64(97) and c <= np.uint64(122))
            )
        else:
            alnum = c != np.uint64(32)
        if alnum:
            if casefold and mode == 0 and c >= np.uint64(65) and c <= np.uint64(90):
                c += np.uint64(32)
            h += c * pw
            pw *= _P
            length += 1
            inword = True
        elif inword or mode == 1:
            out[count] = _fmix64(h + np.uint64(length) * _LEN)
            count += 1
            h = np.uint64(0)
            pw = np.uint64(1)
            length = 0
            inword = False
    return count


def _shingles(words: Any, count: int, n: int, out: Any) -> int:
    """32-bit n-gram hashes of `words[:count]` into `out`; returns how many."""
    if count == 0:
        return 0
    n = min(n, count)
    total = count - n + 1
    for i in range(total):
        acc = words[i]
        for k in range(1, n):
            acc = acc * _M + words[i + k]
        out[i] = _fmix64(acc) >> np.uint64(32)
    return total


def _minhash(shingles: Any, count: int, a: Any, b: Any, sig: Any) -> None:
    """Affine32 MinHash of `shingles[:count]` into `sig` (uint64 scratch of num_perm)."""
    sig[:] = _MASK32
    for i in range(count):
        h = shingles[i]
        h ^= h >> np.uint64(16)
        h = (h * np.uint64(0x85EBCA6B)) & _MASK32
        h ^= h >> np.uint64(13)
        h = (h * np.uint64(0xC2B2AE35)) & _MASK32
        h ^= h >> np.uint64(16)
        for p in range(len(a)):
            v = (a[p] * h + b[p]) & _MASK32
            if v < sig[p]:
                sig[p] = v


def _signatures(
    buf: Any, bounds: Any, modes: Any, n: int, casefold: bool, a: Any, b: Any, out: Any
) -> None:
    longest = 1
    for d in range(len(modes)):
        longest = max(longest, bounds[d + 1] - bounds[d] + 1)
    words = np.empty(longest, dtype=np.uint64)
    shingles = np.empty(longest, dtype=np.uint64)
    sig = np.empty(len(a), dtype=np.uint64)
    for d in range(len(modes)):
        count = _words(buf, bounds[d], bounds[d + 1], modes[d], casefold, words)
        count = _shingles(words, count, n, shingles)
        _minhash(shingles, count, a, b, sig)
        for p in range(len(a)):
            out[d, p] = sig[p]


def _shingle_sets(buf: Any, bounds: Any, modes: Any, n: int, casefold: bool, out: Any) -> Any:
    """Flat shingle hashes of every document into `out`; returns the per-document bounds."""
    words = np.empty(len(buf) + len(modes) + 1, dtype=np.uint64)
    result = np.zeros(len(modes) + 1, dtype=np.int64)
    pos = 0
    for d in range(len(modes)):
        count = _words(buf, bounds[d], bounds[d + 1], modes[d], casefold, words)
        count = _shingles(words, count, n, out[pos:])
        pos += count
        result[d + 1] = pos
    return result


def _intersection(a: Any, b: Any) -> int:
    """How many values two sorted sets share (one merge pass)."""
    i = j = n = 0
    while i < len(a) and j < len(b):
        if a[i] < b[j]:
            i += 1
        elif a[i] > b[j]:
            j += 1
        else:
            n += 1
            i += 1
            j += 1
    return n


def _window_signatures(shingles: Any, stride: int, per: int, a: Any, b: Any, out: Any) -> None:
    """`signature.window_signatures` into `out` (windows x num_perm, uint32): each block
    of `stride` shingles signed once, each window the minimum of its `per` blocks."""
    count = len(shingles)
    blocks = max(1, (count + stride - 1) // stride)
    signed = np.empty((blocks, len(a)), dtype=np.uint64)
    sig = np.empty(len(a), dtype=np.uint64)
    for k in range(blocks):
        lo = k * stride
        _minhash(shingles[lo:], max(0, min(count, lo + stride) - lo), a, b, sig)
        signed[k] = sig
    for w in range(out.shape[0]):
        for p in range(len(a)):
            v = signed[w, p]
            for k in range(w + 1, min(w + per, blocks)):
                v = min(v, signed[k, p])
            out[w, p] = v


def _count_equal(sigs: Any, pairs: Any, out: Any) -> None:
    """Equal values of rows `pairs[k, 0]` and `pairs[k, 1]` of `sigs`, into `out[k]`."""
    for k in range(len(pairs)):
        x, y = sigs[pairs[k, 0]], sigs[pairs[k, 1]]
        n = 0
        for p in range(len(x)):
            n += x[p] == y[p]
        out[k] = n


def _unit_cover(sentences: Any, lo: int, hi: int, units: int, out: Any) -> int:
    """The units `u < units` (sentences u and u + 1) holding any of the sorted sentences
    `sentences[lo:hi]`, ascending and distinct, into `out`; returns how many."""
    n = 0
    for k in range(lo, hi):
        i = sentences[k]
        for u in (i - 1, i):
            if 0 <= u < units and (n == 0 or out[n - 1] < u):
                out[n] = u
                n += 1
    return n


def _sentence_hits(
    a_words: Any, a_of: Any, b_words: Any, b_of: Any, single: Any, a_pairs: Any, b_pairs: Any
) -> int:
    """Shared content words of every unit pair of two texts, added into the zeroed
    matrices as `sentences._hits` computes them; returns how many words are shared.

    `a_words`/`a_of` (and b's) are `SentenceWords.words`/`.sentence`: sorted by word,
    then sentence, so one merge pass visits each shared word's sentences on both sides.
    """
    na, nb = single.shape
    a_units = np.empty(len(a_words) + 1, dtype=np.int64)
    b_units = np.empty(len(b_words) + 1, dtype=np.int64)
    i = j = shared = 0
    while i < len(a_words) and j < len(b_words):
        if a_words[i] < b_words[j]:
            i += 1
        elif a_words[i] > b_words[j]:
            j += 1
        else:
            i_end, j_end = i, j
            while i_end < len(a_words) and a_words[i_end] == a_words[i]:
                i_end += 1
            while j_end < len(b_words) and b_words[j_end] == b_words[j]:
                j_end += 1
            shared += 1
            for x in range(i, i_end):
                for y in range(j, j_end):
                    single[a_of[x], b_of[y]] += 1
            n_a = _unit_cover(a_of, i, i_end, na - 1, a_units)
            n_b = _unit_cover(b_of, j, j_end, nb - 1, b_units)
            for u in range(n_a):
                for y in range(j, j_end):
                    a_pairs[a_units[u], b_of[y]] += 1
            for x in range(i, i_end):
                for u in range(n_b):
                    b_pairs[a_of[x], b_units[u]] += 1
            i, j = i_end, j_end
    return shared


def _best_units(
    single: Any,
    pairs: Any,
    x_sizes: Any,
    x_pair_sizes: Any,
    y_sizes: Any,
    min_overlap: float,
    min_shared: int,
    out: Any,
) -> bool:
    """`sentences._best_units` for every column j: `out[j]` = (start, end, overlap
    x 10^4, shared words) of the best unit of x, start -1 for none.

    Returns False when an overlap lies too near a rounding tie for `round(v, 4)` to be
    sure here (the caller then asks the reference): elsewhere rounding v x 10^4 to the
    nearest integer is exactly Python's `round(v, 4)` x 10^4.
    """
    rows, cols = single.shape
    for j in range(cols):
        best_k, best_hits, best_start, best_end = -1, -1, -1, -1
        for span in (1, 2):
            for i in range(rows if span == 1 else rows - 1):
                if span == 1:
                    hits = single[i, j]
                    if hits < min_shared:
                        continue
                    size = x_sizes[i]
                else:
                    hits = pairs[i, j]
                    if hits < min_shared:
                        continue
                    first, second = single[i, j], single[i + 1, j]
                    if first < 2 or second < 2 or hits < first + 2:
                        continue
                    size = x_pair_sizes[i]
                scaled = hits / max(1.0, np.sqrt(np.float64(y_sizes[j] * size))) * 10000.0
                frac = scaled - np.floor(scaled)
                if abs(frac - 0.5) < 1e-6:
                    return False
                k = int(np.floor(scaled + 0.5))
                if k / 10000.0 < min_overlap:
                    continue
                better = k > best_k or (k == best_k and hits > best_hits)
                tie = k == best_k and hits == best_hits
                if (
                    better
                    or (tie and i < best_start)
                    or (tie and i == best_start and i + span > best_end)
                ):
                    best_k, best_hits, best_start, best_end = k, hits, i, i + span
        out[j, 0], out[j, 1], out[j, 2], out[j, 3] = best_start, best_end, best_k, best_hits
    return True


def _row_contained(single: Any, pairs: Any, sizes: Any, min_shared: int, out: Any) -> None:
    """`sentences._contained` of each row: its most shared words in one column of `single`
    or `pairs` over its size, rounded to 4 places as `np.round` does (x 10^4, rint, / 10^4),
    0 under `min_shared`."""
    for i in range(single.shape[0]):
        top = 0
        for j in range(single.shape[1]):
            top = max(top, single[i, j])
        for j in range(pairs.shape[1]):
            top = max(top, pairs[i, j])
        share = np.rint(top / max(sizes[i], 1) * 10000.0) / 10000.0
        out[i] = share if top >= min_shared else 0.0


def _pair_units(
    a_words: Any,
    a_of: Any,
    a_sizes: Any,
    a_pair_sizes: Any,
    b_words: Any,
    b_of: Any,
    b_sizes: Any,
    b_pair_sizes: Any,
    min_overlap: float,
    min_shared: int,
    min_contained: int,
    for_b: Any,
    for_a: Any,
    contained_a: Any,
    contained_b: Any,
) -> int:
    """`sentences._units` of two texts in one call: 0 when they share no word, 2 when an
    overlap is too near a rounding tie (see `best_units`), else 1 with the outputs filled.
    """
    na, nb = len(a_sizes), len(b_sizes)
    single = np.zeros((na, nb), dtype=np.int64)
    a_pairs = np.zeros((max(0, na - 1), nb), dtype=np.int64)
    b_pairs = np.zeros((na, max(0, nb - 1)), dtype=np.int64)
    if not _sentence_hits(a_words, a_of, b_words, b_of, single, a_pairs, b_pairs):
        return 0
    if not _best_units(
        single, a_pairs, a_sizes, a_pair_sizes, b_sizes, min_overlap, min_shared, for_b
    ):
        return 2
    if not _best_units(
        single.T, b_pairs.T, b_sizes, b_pair_sizes, a_sizes, min_overlap, min_shared, for_a
    ):
        return 2
    _row_contained(single, b_pairs, a_sizes, min_contained, contained_a)
    _row_contained(single.T, a_pairs.T, b_sizes, min_contained, contained_b)
    return 1


def _below(edges: Any, sums: Any, x: int) -> int:
    """Characters below `x` inside spans starting (or ending) at the sorted `edges`:
    sum of x - edge over the edges under x (`sums`: their running sums, from 0)."""
    lo, hi = 0, len(edges)
    while lo < hi:
        mid = (lo + hi) // 2
        if edges[mid] < x:
            lo = mid + 1
        else:
            hi = mid
    below: int = lo * x - sums[lo]
    return below


def _graded_parts(
    breaks: Any,
    size: int,
    word_starts: Any,
    word_ends: Any,
    contained: Any,
    spans: Any,
    score: Any,
    length: Any,
) -> int:
    """`passages._graded`'s per-sentence scores and lengths, for sentences holding a word,
    into `score` and `length`; returns how many (the caller sums them)."""
    starts, ends = np.sort(spans[:, 0]), np.sort(spans[:, 1])
    start_sums = np.zeros(len(starts) + 1, dtype=np.int64)
    end_sums = np.zeros(len(ends) + 1, dtype=np.int64)
    for k in range(len(starts)):
        start_sums[k + 1] = start_sums[k] + starts[k]
        end_sums[k + 1] = end_sums[k] + ends[k]
    n = 0
    for t in range(len(breaks)):
        lo = breaks[t]
        hi = breaks[t + 1] if t + 1 < len(breaks) else size
        if hi <= lo:
            continue
        first, last = word_starts[lo], word_ends[hi - 1]
        inside = _below(starts, start_sums, last) - _below(ends, end_sums, last)
        inside -= _below(starts, start_sums, first) - _below(ends, end_sums, first)
        span = np.float64(last - first)
        score[n] = max(contained[t] * span, min(np.float64(inside), span))
        length[n] = span
        n += 1
    return n


def _regions(a: Any, b: Any, span: int, out: Any) -> int:
    """`passages._regions_python` over window pairs sorted by (a, b), into `out` (one
    row per pair at most); returns how many regions."""
    n = 0
    open_ = np.empty(len(a), dtype=np.int64)  # the regions still open, oldest first
    n_open = 0
    last = -1
    for k in range(len(a)):
        x, y = a[k], b[k]
        if x != last:
            kept = 0
            for t in range(n_open):
                if out[open_[t], 1] + span >= x:
                    open_[kept] = open_[t]
                    kept += 1
            n_open, last = kept, x
        for t in range(n_open):
            reg = out[open_[t]]
            near = x <= reg[1] + span and y <= reg[3] + span
            if near and x + 2 * span >= reg[0] and y + 2 * span >= reg[2]:
                reg[0], reg[1] = min(reg[0], x), max(reg[1], x + span)
                reg[2], reg[3] = min(reg[2], y), max(reg[3], y + span)
                break
        else:
            out[n, 0], out[n, 1], out[n, 2], out[n, 3] = x, x + span, y, y + span
            open_[n_open] = n
            n_open += 1
            n += 1
    return n


def _bisect(values: Any, x: int, right: bool) -> int:
    """`values.searchsorted(x, side="right" if right else "left")`."""
    lo, hi = 0, len(values)
    while lo < hi:
        mid = (lo + hi) // 2
        if values[mid] < x or (right and values[mid] == x):
            lo = mid + 1
        else:
            hi = mid
    return lo


def _snapped_words(
    word_starts: Any,
    word_ends: Any,
    seg_starts: Any,
    seg_ends: Any,
    starts: Any,
    ends: Any,
    slack: int,
    out: Any,
) -> None:
    """`align.snap_spans` of word spans `[starts[k], ends[k])`, then the words wholly inside
    each snapped span (`Layout.word_range`): `out[k]` = char start, char end, lo, hi."""
    for k in range(len(starts)):
        s_char, e_char = word_starts[starts[k]], word_ends[ends[k] - 1]
        start, end = s_char, e_char
        if len(seg_starts):
            seg = _bisect(seg_starts, s_char, True) - 1
            head = seg_starts[max(seg, 0)]
            before = _bisect(word_ends, s_char, True) - _bisect(word_starts, head, False)
            if seg >= 0 and s_char < seg_ends[max(seg, 0)] and before <= slack:
                start = head
            seg = _bisect(seg_starts, e_char, False) - 1
            tail = seg_ends[max(seg, 0)]
            after = _bisect(word_ends, tail, True) - _bisect(word_starts, e_char, False)
            if seg >= 0 and e_char <= tail and after <= slack:
                end = tail
        out[k, 0], out[k, 1] = start, end
        out[k, 2] = _bisect(word_starts, start, False)
        out[k, 3] = _bisect(word_ends, end, True)


def _close_chain(
    blocks: Any, lo: int, hi: int, min_words: int, offsets: Any, out: Any, n: int
) -> int:
    """`align._close` of the chain `blocks[lo:hi]`: a match into `out[n]` (moved by
    `offsets`, a then b) when it holds `min_words`; returns the new count."""
    while lo < hi and blocks[lo, 1] - blocks[lo, 0] < 2:
        lo += 1
    while lo < hi and blocks[hi - 1, 1] - blocks[hi - 1, 0] < 2:
        hi -= 1
    if lo >= hi:
        return n
    matched, reach = 0, blocks[lo, 0]
    for k in range(lo, hi):  # words of a, each once (runs can share an edge word)
        matched += max(0, blocks[k, 1] - max(blocks[k, 0], reach))
        reach = max(reach, blocks[k, 1])
    if matched < min_words:
        return n
    out[n, 0], out[n, 1] = blocks[lo, 0] + offsets[0], blocks[hi - 1, 1] + offsets[0]
    out[n, 2], out[n, 3] = blocks[lo, 2] + offsets[1], blocks[hi - 1, 3] + offsets[1]
    out[n, 4] = matched
    return n + 1


def _chain_blocks(
    blocks: Any,
    max_gap: int,
    min_words: int,
    a_breaks: Any,
    b_breaks: Any,
    offsets: Any,
    out: Any,
) -> int:
    """`align.chain_blocks` of equal-word runs `blocks` (a start, a end, b start, b end),
    whose words are `offsets` (a, b) past the start of the sorted `a_breaks`/`b_breaks`'
    texts; matches into `out` (a start, a end, b start, b end, matched, moved by
    `offsets`); returns how many."""
    n, first = 0, 0
    for k in range(1, len(blocks) + 1):
        if k < len(blocks):
            gap_a, gap_b = blocks[k, 0] - blocks[k - 1, 1], blocks[k, 2] - blocks[k - 1, 3]
            if max(gap_a, gap_b) <= max_gap:
                ends_a = _bisect(a_breaks, blocks[k, 0] + offsets[0], True) > _bisect(
                    a_breaks, blocks[k - 1, 1] + offsets[0], True
                )
                ends_b = _bisect(b_breaks, blocks[k, 2] + offsets[1], True) > _bisect(
                    b_breaks, blocks[k - 1, 3] + offsets[1], True
                )
                if not ((ends_a and gap_b > 0) or (ends_b and gap_a > 0)):
                    continue
        n = _close_chain(blocks, first, k, min_words, offsets, out, n)
        first = k
    return n


# Python's hash of a non-negative int is its value modulo this prime: rapidfuzz compares the
# hashes of a list's items, so the compiled alignment compares bigram ids the same way.
HASH_MODULUS = np.uint64((1 << 61) - 1)


def _lcs_blocks(a: Any, b: Any, out: Any) -> int:
    """The equal runs of rapidfuzz's `Indel.opcodes(a, b)` over hash values `a`, `b`, as
    word ranges (`align.equal_blocks`), into `out` (`min(len(a), len(b))` rows at most);
    returns how many.

    rapidfuzz's own steps, so the same longest common subsequence among the many: the
    common prefix and suffix are matches; between them Hyyro's bit-parallel LCS matrix of
    `a` (the bit dimension) against `b`, then its backtrace from the end, which takes a
    deletion, else an insertion, before a match.
    """
    la, lb = len(a), len(b)
    pre = 0
    while pre < la and pre < lb and a[pre] == b[pre]:
        pre += 1
    suf = 0
    while suf < la - pre and suf < lb - pre and a[la - 1 - suf] == b[lb - 1 - suf]:
        suf += 1
    n1, n2 = la - pre - suf, lb - pre - suf
    cells = np.empty((min(n1, n2) + 1, 2), dtype=np.int64)  # inner matches, last first
    nc = 0
    if n1 > 0 and n2 > 0:
        matrix = _lcs_matrix(a[pre : pre + n1], b[pre : pre + n2])
        one = np.uint64(1)
        col, row = n1, n2
        while row > 0 and col > 0:
            if (matrix[row - 1, (col - 1) >> 6] >> np.uint64((col - 1) & 63)) & one:
                col -= 1  # deletion
                continue
            row -= 1
            if row > 0 and not (matrix[row - 1, (col - 1) >> 6] >> np.uint64((col - 1) & 63)) & one:
                continue  # insertion
            col -= 1
            cells[nc, 0], cells[nc, 1] = col + pre, row + pre
            nc += 1
    n, last_i, last_j = 0, -2, -2
    for k in range(pre + nc + suf):
        if k < pre:
            i, j = k, k
        elif k < pre + nc:
            i, j = cells[nc - 1 - (k - pre), 0], cells[nc - 1 - (k - pre), 1]
        else:
            i, j = k - nc + n1, k - nc + n2
        if n and i == last_i + 1 and j == last_j + 1:
            out[n - 1, 1], out[n - 1, 3] = i + 2, j + 2  # a run of k bigrams: k + 1 words
        else:
            out[n, 0], out[n, 1], out[n, 2], out[n, 3] = i, i + 2, j, j + 2
            n += 1
        last_i, last_j = i, j
    return n


def _lcs_matrix(a: Any, b: Any) -> Any:
    """The bit matrix S of Hyyro's LCS of `a` against `b`: row r holds S after `b[r]`, bit i
    of it (words of 64 bits, lowest first) set where `a[i]` is not yet matched."""
    n1, words = len(a), (len(a) + 63) // 64
    order = np.argsort(a, kind="mergesort")
    group = np.empty(n1, dtype=np.int64)  # the rank of each word's value among the distinct
    values = np.empty(n1, dtype=np.uint64)
    k = -1
    for t in range(n1):
        if t == 0 or a[order[t]] != values[k]:
            k += 1
            values[k] = a[order[t]]
        group[order[t]] = k
    values = values[: k + 1]
    masks = np.zeros((k + 1, words), dtype=np.uint64)  # where each distinct value is in a
    for i in range(n1):
        masks[group[i], i >> 6] |= np.uint64(1) << np.uint64(i & 63)
    state = np.full(words, ~np.uint64(0), dtype=np.uint64)
    if n1 % 64:
        state[words - 1] = (np.uint64(1) << np.uint64(n1 % 64)) - np.uint64(1)
    matrix = np.empty((len(b), words), dtype=np.uint64)
    for r in range(len(b)):
        g = np.searchsorted(values, b[r])
        if g < len(values) and values[g] == b[r]:
            carry = np.uint64(0)
            for w in range(words):
                x = state[w]
                u = x & masks[g, w]
                low = x + carry
                total = low + u
                carry = np.uint64(1) if (low < x or total < low) else np.uint64(0)
                state[w] = total | (x - u)
        matrix[r, :] = state
    return matrix


def _stable_order(k1: Any, k2: Any, k3: Any) -> Any:
    """Indices sorting rows by (k1, k2, k3), ties in index order (Python's stable sort)."""
    order = np.argsort(k3, kind="mergesort")
    order = order[np.argsort(k2[order], kind="mergesort")]
    return order[np.argsort(k1[order], kind="mergesort")]


def _half_covered(covered: Any, lo: int, hi: int) -> bool:
    """Whether half or more of `covered[lo:hi]` (clipped as a slice is) is set."""
    lo, hi = min(lo, len(covered)), min(hi, len(covered))
    set_ = 0
    for i in range(lo, hi):
        set_ += covered[i]
    return 2 * set_ >= max(0, hi - lo)


def _room(rows: Any, n: int, more: int) -> Any:
    """`rows` (its first `n` filled) with room for `more` rows after them: itself, or a
    copy twice the size needed."""
    if n + more <= len(rows):
        return rows
    grown = np.empty((2 * (n + more), rows.shape[1]), dtype=rows.dtype)
    grown[:n] = rows[:n]
    return grown


def _pair_matches(
    win_a: Any,
    win_b: Any,
    a_ids: Any,
    b_ids: Any,
    a_breaks: Any,
    b_breaks: Any,
    sizes: Any,
    params: Any,
) -> Any:
    """`passages._passages_for_pair`'s matches before scoring: the regions of the window
    pairs `win_a`/`win_b` (sorted), each aligned (`lcs_blocks`, `chain_blocks`; past
    `many` regions the largest first, skipping those mostly covered), then the strongest
    of overlapping matches; rows (a start, a end, b start, b end, matched) by a, then b.

    `params`: span, max_gap, min_words, many regions; `sizes`: the two texts' words.
    """
    span, max_gap, min_words, many = params[0], params[1], params[2], params[3]
    regs = np.empty((len(win_a), 4), dtype=np.int64)
    n_regs = regions(win_a, win_b, span, regs)
    regs = regs[:n_regs]
    cover_a = np.zeros(sizes[0] + 1, dtype=np.int64)
    cover_b = np.zeros(sizes[1] + 1, dtype=np.int64)
    many_regions = n_regs > many
    if many_regions:
        regs = regs[
            _stable_order(regs[:, 0] - regs[:, 1] - regs[:, 3] + regs[:, 2], regs[:, 0], regs[:, 2])
        ]
    found = np.empty((16, 5), dtype=np.int64)
    n = 0
    offsets = np.empty(2, dtype=np.int64)
    for r in range(n_regs):
        a_lo, a_hi, b_lo, b_hi = regs[r, 0], regs[r, 1], regs[r, 2], regs[r, 3]
        if (
            many_regions
            and _half_covered(cover_a, a_lo, a_hi)
            and _half_covered(cover_b, b_lo, b_hi)
        ):
            continue
        a0, a1 = max(0, a_lo - span), min(sizes[0], a_hi + span)
        b0, b1 = max(0, b_lo - span), min(sizes[1], b_hi + span)
        a_part, b_part = a_ids[a0 : max(a0, a1 - 1)], b_ids[b0 : max(b0, b1 - 1)]
        blocks = np.empty((min(len(a_part), len(b_part)) + 1, 4), dtype=np.int64)
        n_blocks = lcs_blocks(a_part, b_part, blocks)
        if not n_blocks:
            continue
        chained = np.empty((n_blocks, 5), dtype=np.int64)
        offsets[0], offsets[1] = a0, b0
        got = chain_blocks(
            blocks[:n_blocks], max_gap, min_words, a_breaks, b_breaks, offsets, chained
        )
        found = _room(found, n, got)
        for k in range(got):
            found[n] = chained[k]
            n += 1
            if many_regions:
                cover_a[chained[k, 0] : chained[k, 1]] = 1
                cover_b[chained[k, 2] : chained[k, 3]] = 1
    found = found[:n]
    if n < 2:
        return found
    order = _stable_order(-found[:, 4], found[:, 0], found[:, 2])
    kept = np.empty(n, dtype=np.int64)
    n_kept = 0
    for k in order:
        m = found[k]
        clash = False
        for t in range(n_kept):
            o = found[kept[t]]
            if m[0] < o[1] and o[0] < m[1] and m[2] < o[3] and o[2] < m[3]:
                clash = True
                break
        if not clash:
            kept[n_kept] = k
            n_kept += 1
    rows = found[kept[:n_kept]]
    return rows[_stable_order(rows[:, 0], rows[:, 2], np.zeros(n_kept, dtype=np.int64))]


def _align_batch(
    bounds: Any,
    win_a: Any,
    win_b: Any,
    pair_docs: Any,
    docs: Any,
    ids: Any,
    breaks: Any,
    word_starts: Any,
    word_ends: Any,
    norm_starts: Any,
    seg_starts: Any,
    seg_ends: Any,
    norm_lengths: Any,
    params: Any,
) -> Any:
    """`_pair_matches` of every document pair of a batch, snapped to sentences.

    Pair p has window pairs `[bounds[p], bounds[p + 1])` of `win_a`/`win_b` (sorted) and
    documents `pair_docs[p]` (rows of `docs`, -1: skip the pair); row d of `docs` holds
    where document d's slices start and end in the concatenated arrays: bigram hash ids
    (0, 1), sentence starts (2, 3), words (4, 5; `word_starts`, `word_ends` and
    `norm_starts`, where each word starts in the normalized text), sentences (6, 7);
    `norm_lengths[d]`, the length of its normalized text. `params`: as for
    `_pair_matches`, then the snapping slack.

    Returns rows (a start, a end, b start, b end as characters; then the normalized text
    of the words wholly inside each snapped span, `Prepared.norm_between`, as slices of
    `norm`: a start, a end, b start, b end; then matched words) and each pair's first row
    (`len(pairs) + 1` bounds).
    """
    out = np.empty((64, 9), dtype=np.int64)
    first = np.zeros(len(pair_docs) + 1, dtype=np.int64)
    sizes = np.empty(2, dtype=np.int64)
    n = 0
    for p in range(len(pair_docs)):
        first[p] = n
        if pair_docs[p, 0] < 0:
            continue
        da, db = docs[pair_docs[p, 0]], docs[pair_docs[p, 1]]
        sizes[0], sizes[1] = da[5] - da[4], db[5] - db[4]
        lo, hi = bounds[p], bounds[p + 1]
        found = _pair_matches(
            win_a[lo:hi],
            win_b[lo:hi],
            ids[da[0] : da[1]],
            ids[db[0] : db[1]],
            breaks[da[2] : da[3]],
            breaks[db[2] : db[3]],
            sizes,
            params,
        )
        out = _room(out, n, len(found))
        for side, d, col in ((0, da, 0), (1, db, 2)):
            norm_length = norm_lengths[pair_docs[p, side]]
            snapped = np.empty((len(found), 4), dtype=np.int64)
            snapped_words(
                word_starts[d[4] : d[5]],
                word_ends[d[4] : d[5]],
                seg_starts[d[6] : d[7]],
                seg_ends[d[6] : d[7]],
                found[:, col],
                found[:, col + 1],
                params[4],
                snapped,
            )
            starts = norm_starts[d[4] : d[5]]
            for k in range(len(found)):
                lo, hi = snapped[k, 2], snapped[k, 3]
                row = out[n + k]
                row[2 * side], row[2 * side + 1] = snapped[k, 0], snapped[k, 1]
                row[4 + 2 * side] = starts[lo] if hi > lo else 0
                row[5 + 2 * side] = (
                    0 if hi <= lo else starts[hi] - 1 if hi < len(starts) else norm_length
                )
        out[n : n + len(found), 8] = found[:, 4]
        n += len(found)
    first[len(pair_docs)] = n
    return out[:n], first


def _units_batch(
    pair_docs: Any,
    docs: Any,
    words: Any,
    sentence: Any,
    sizes: Any,
    pair_sizes: Any,
    min_overlap: float,
    min_shared: int,
    min_contained: int,
    first_a: Any,
    first_b: Any,
    status: Any,
    for_b: Any,
    for_a: Any,
    contained_a: Any,
    contained_b: Any,
) -> None:
    """`pair_units` of every text pair `pair_docs[p]` (rows of `docs`, -1: skip, status 0)
    of a batch, its status into `status[p]` and its outputs into rows
    `[first_a[p], first_a[p + 1])` of `for_a`/`contained_a` (b's likewise).

    Row d of `docs`: where text d's slices start and end in the concatenated
    `SentenceWords` arrays: words and sentence (0, 1), sizes (2, 3), pair sizes (4, 5).
    """
    for p in range(len(pair_docs)):
        status[p] = 0
        if pair_docs[p, 0] < 0:
            continue
        da, db = docs[pair_docs[p, 0]], docs[pair_docs[p, 1]]
        a0, a1, b0, b1 = first_a[p], first_a[p + 1], first_b[p], first_b[p + 1]
        status[p] = pair_units(
            words[da[0] : da[1]],
            sentence[da[0] : da[1]],
            sizes[da[2] : da[3]],
            pair_sizes[da[4] : da[5]],
            words[db[0] : db[1]],
            sentence[db[0] : db[1]],
            sizes[db[2] : db[3]],
            pair_sizes[db[4] : db[5]],
            min_overlap,
            min_shared,
            min_contained,
            for_b[b0:b1],
            for_a[a0:a1],
            contained_a[a0:a1],
            contained_b[b0:b1],
        )


if njit is not None:
    _bisect = njit(cache=True, inline="always")(_bisect)
    snapped_words = njit(cache=True)(_snapped_words)
    _close_chain = njit(cache=True)(_close_chain)
    chain_blocks = njit(cache=True)(_chain_blocks)
    _lcs_matrix = njit(cache=True)(_lcs_matrix)
    lcs_blocks = njit(cache=True)(_lcs_blocks)
    _stable_order = njit(cache=True)(_stable_order)
    _room = njit(cache=True)(_room)
    _half_covered = njit(cache=True, inline="always")(_half_covered)
    _pair_matches = njit(cache=True)(_pair_matches)
    align_batch = njit(cache=True)(_align_batch)
    regions = njit(cache=True)(_regions)
    _below = njit(cache=True, inline="always")(_below)
    graded_parts = njit(cache=True)(_graded_parts)
    window_signatures = njit(cache=True)(_window_signatures)
    count_equal = njit(cache=True)(_count_equal)
    _unit_cover = njit(cache=True, inline="always")(_unit_cover)
    _sentence_hits = njit(cache=True)(_sentence_hits)
    _best_units = njit(cache=True)(_best_units)
    _row_contained = njit(cache=True)(_row_contained)
    pair_units = njit(cache=True)(_pair_units)
    units_batch = njit(cache=True)(_units_batch)
    intersection = njit(cache=True)(_intersection)
    _fmix64 = njit(cache=True, inline="always")(_fmix64)
    _words = njit(cache=True)(_words)
    _shingles = njit(cache=True)(_shingles)
    _minhash = njit(cache=True)(_minhash)
    signatures = njit(cache=True)(_signatures)
    shingle_sets = njit(cache=True)(_shingle_sets)
    AVAILABLE = True
else:  # pragma: no cover
    signatures = _signatures
    shingle_sets = _shingle_sets
    intersection = _intersection
    window_signatures = _window_signatures
    count_equal = _count_equal
    pair_units = _pair_units
    units_batch = _units_batch
    graded_parts = _graded_parts
    regions = _regions
    snapped_words = _snapped_words
    chain_blocks = _chain_blocks
    lcs_blocks = _lcs_blocks
    align_batch = _align_batch
    AVAILABLE = False
