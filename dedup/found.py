"""Found passages as numbers: the passage search's result at ~60 bytes a passage.

A `PassageMatch` with its two spans' texts takes ~0.6-1 KB, and a news corpus holds ~7.5
passages a document: 5-8 GB for a million documents, on top of any memory budget. So the
search keeps what it found as a row of numbers (`Found`: the two documents' positions,
the offsets, similarity, words and sentence overlap) in numpy arrays, and makes each
`PassageMatch` when it is read, its ids and texts taken from the documents then. The
overlap of each document pair with a passage is kept the same way (`FoundOverlaps`: 57
bytes a pair, not the ~450 of a dict entry with its tuples).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence

import numpy as np
import numpy.typing as npt

from dedup.document import Document, LazySequence
from dedup.parallel import uncollected
from dedup.report import PassageColumns, PassageMatch, Span

# A verified passage as plain numbers, which cross process boundaries 40x faster than
# PassageMatch objects: (doc a, doc b, a start, a end, b start, b end, similarity, words,
# overlap); the overlap is -1.0 for a passage of aligned words, else it is `rewritten`.
Found = tuple[int, int, int, int, int, int, float, int, float]
# (doc a, doc b, (Jaccard, containment a, containment b[, sentence containment a, b]))
# and how many passages the per-pair cap left out.
Overlap = tuple[int, int, tuple[float, ...], int]

# One `Found` as a numpy row: 60 bytes (a tuple of nine Python numbers is ~330).
FOUND = np.dtype(
    [("doc_a", "<i4"), ("doc_b", "<i4"), ("a_start", "<i8"), ("a_end", "<i8"),
     ("b_start", "<i8"), ("b_end", "<i8"), ("similarity", "<f8"), ("words", "<i4"),
     ("overlap", "<f8")]
)  # fmt: skip
# One document pair's overlap as a numpy row: its 3 or 5 measures, padded to 5.
OVERLAP = np.dtype([("doc_a", "<i4"), ("doc_b", "<i4"), ("width", "u1"), ("values", "<f8", (5,))])
_READ_ROWS = 4096  # rows turned into Python tuples at a time while iterating
_RECENT_DOCS = 256  # documents kept while iterating, for the passages next to each other


def passage(docs: Sequence[Document], found: Found) -> PassageMatch:
    """The `PassageMatch` of `found`, its spans' ids and texts read from `docs`.

    Example:
        >>> docs = [Document("a", "Hello world"), Document("b", "Say hello")]
        >>> passage(docs, (0, 1, 0, 5, 4, 9, 1.0, 1, -1.0)).b
        Span(doc='b', start=4, end=9, text='hello')
    """
    return _match(docs[found[0]], docs[found[1]], found)


def _match(doc_a: Document, doc_b: Document, found: Found) -> PassageMatch:
    _, _, a_start, a_end, b_start, b_end, sim, words, overlap = found
    return PassageMatch(
        Span(doc_a.id, a_start, a_end, doc_a.text[a_start:a_end]),
        Span(doc_b.id, b_start, b_end, doc_b.text[b_start:b_end]),
        sim,
        words,
        None if overlap < 0 or sim >= 1.0 else "rewritten",
        None if overlap < 0 else overlap,
    )


class FoundPassages(LazySequence[PassageMatch]):
    """Passages kept as `FOUND` rows, each made a `PassageMatch` from `docs` when read.

    `docs` is read by position (a `JsonlCorpus` parses the line then), so it must stay as
    it was while the passages are used. Equal to any sequence of the same passages.

    Example:
        >>> found = FoundPassages([Document("a", "Hello world"), Document("b", "Say hello")])
        >>> found.extend([(0, 1, 0, 5, 4, 9, 1.0, 1, -1.0)])
        >>> len(found), found[0].a.text, found == [found[0]], found.rows.nbytes
        (1, 'Hello', True, 60)
    """

    def __init__(self, docs: Sequence[Document], *, made: bool = False) -> None:
        self.docs = docs
        self._rows: npt.NDArray[np.void] = np.zeros(0, FOUND)
        self._parts: list[npt.NDArray[np.void]] = []
        # With `made`, each passage is made as it is added, not when read: a caller that
        # reads them all (`find_passages`) has them made while workers still align.
        self._made: list[PassageMatch] | None = [] if made else None

    def extend(self, found: Sequence[Found]) -> None:
        """Append `found`, in order."""
        if found:
            self._parts.append(np.array(found, dtype=FOUND))
            if self._made is not None:
                with uncollected():
                    self._made.extend(passage(self.docs, f) for f in found)

    @property
    def rows(self) -> npt.NDArray[np.void]:
        """Every passage as a `FOUND` row, in order."""
        if self._parts:
            self._rows = np.concatenate([self._rows, *self._parts])
            self._parts = []
        return self._rows

    def __len__(self) -> int:
        return len(self._rows) + sum(len(p) for p in self._parts)

    @property
    def nbytes(self) -> int:
        """Bytes the passages hold."""
        return len(self) * FOUND.itemsize

    def _item(self, i: int) -> PassageMatch:
        if self._made is not None:
            return self._made[i]
        return passage(self.docs, self.rows[i].item())

    def columns(self, ids: Sequence[str]) -> PassageColumns:
        """Every passage as `PassageColumns`, documents by position in `ids` (each
        document's id, by position): what a report's caps and reuse figures read, made
        without reading one document or making one object per passage.

        Example:
            >>> found = FoundPassages([Document("a", "Hello world"), Document("b", "Say hello")])
            >>> found.extend([(0, 1, 0, 5, 4, 9, 1.0, 1, -1.0)])
            >>> cols = found.columns(["a", "b"])
            >>> cols.doc_b.tolist(), cols.b_start.tolist(), cols.words.tolist()
            ([1], [4], [1])
        """
        rows = self.rows

        def column(name: str) -> npt.NDArray[np.int64]:
            return rows[name].astype(np.int64)

        return PassageColumns(
            ids, *map(column, ("doc_a", "doc_b", "a_start", "a_end", "b_start", "b_end", "words"))
        )

    def pick(self, positions: Sequence[int]) -> list[PassageMatch]:
        """The passages at `positions` (increasing), with their texts."""
        return list(self._read(self.rows[np.asarray(positions, dtype=np.int64)]))

    def __iter__(self) -> Iterator[PassageMatch]:
        if self._made is not None:
            return iter(self._made)
        return self._read(self.rows)

    def _read(self, rows: npt.NDArray[np.void]) -> Iterator[PassageMatch]:
        # Passages come by document pair: a document read for one (a `JsonlCorpus` parses
        # its line) serves the next ones too.
        recent = dict[int, Document]()

        def doc(i: int) -> Document:
            if i not in recent:
                if len(recent) >= _RECENT_DOCS:
                    recent.clear()
                recent[i] = self.docs[i]
            return recent[i]

        for lo in range(0, len(rows), _READ_ROWS):
            for found in rows[lo : lo + _READ_ROWS].tolist():
                yield _match(doc(found[0]), doc(found[1]), found)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence):
            return NotImplemented
        return len(self) == len(other) and all(p == q for p, q in zip(self, other, strict=True))

    __hash__ = None  # type: ignore[assignment]  # mutable, compared by value


class FoundOverlaps(Mapping[tuple[int, int], tuple[float, ...]]):
    """`Reuse.overlaps` as `OVERLAP` rows: (position of a, position of b) -> measures.

    Pairs are added in any order, each once; they are read in order of the pair.

    Example:
        >>> found = FoundOverlaps()
        >>> found.add([(3, 4, (0.5, 0.25, 1.0), 0), (0, 2, (1.0, 1.0, 1.0, 1.0, 1.0), 0)])
        >>> list(found), found[(3, 4)], (1, 2) in found, found == {(0, 2): (1.0,) * 5,
        ...                                                        (3, 4): (0.5, 0.25, 1.0)}
        ([(0, 2), (3, 4)], (0.5, 0.25, 1.0), False, True)
    """

    def __init__(self) -> None:
        self._rows: npt.NDArray[np.void] = np.zeros(0, OVERLAP)
        self._keys: npt.NDArray[np.int64] = np.zeros(0, np.int64)
        self._parts: list[npt.NDArray[np.void]] = []

    def add(self, overlaps: Sequence[Overlap]) -> None:
        """Add the pairs of `overlaps` (their counts left out are not kept here)."""
        if overlaps:
            rows = np.zeros(len(overlaps), OVERLAP)
            rows["doc_a"], rows["doc_b"] = ([o[k] for o in overlaps] for k in (0, 1))
            rows["width"] = [len(o[2]) for o in overlaps]
            for i, (_, _, values, _) in enumerate(overlaps):
                rows["values"][i, : len(values)] = values
            self._parts.append(rows)

    def _sorted(self) -> tuple[npt.NDArray[np.void], npt.NDArray[np.int64]]:
        if self._parts:
            rows = np.concatenate([self._rows, *self._parts])
            keys = rows["doc_a"].astype(np.int64) << 32 | rows["doc_b"].astype(np.int64)
            order = np.argsort(keys, kind="stable")
            self._rows, self._keys, self._parts = rows[order], keys[order], []
        return self._rows, self._keys

    def __getitem__(self, pair: tuple[int, int]) -> tuple[float, ...]:
        rows, keys = self._sorted()
        key = int(pair[0]) << 32 | int(pair[1])
        at = int(np.searchsorted(keys, key))
        if at == len(keys) or int(keys[at]) != key:
            raise KeyError(pair)
        width, values = rows[at]["width"], rows[at]["values"]
        return tuple(values[:width].tolist())

    def __iter__(self) -> Iterator[tuple[int, int]]:
        rows, _ = self._sorted()
        return zip(rows["doc_a"].tolist(), rows["doc_b"].tolist(), strict=True)

    def __len__(self) -> int:
        return len(self._rows) + sum(len(p) for p in self._parts)

    @property
    def nbytes(self) -> int:
        """Bytes the overlaps hold (with the sorted keys)."""
        return len(self) * (OVERLAP.itemsize + 8)
