"""A local JSONL corpus read by byte ranges: indexed by worker processes, parsed on demand.

`DocumentReader.jsonl_corpus` cuts each local, uncompressed JSONL file into byte ranges
that start at a line's start (`READ_CHUNK` bytes each), has `jobs` processes count their
lines and then index them (each document's offset, length, line, characters and id; with
a sketch, its signature written into an array shared with the main process), and joins
the indexes into a `JsonlCorpus`: a sequence of the same documents `read` yields, each
parsed from its line when it is asked for, so a million texts never sit in memory and no
text crosses a process boundary. Kept apart from `readers` (which parses records) because
this is the parallel, seek-based path only plain local files can take.
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from itertools import accumulate, pairwise
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from dedup.config import DedupConfig
from dedup.document import Document, LazySequence
from dedup.io.formats import with_text, written_back
from dedup.parallel import map_while

if TYPE_CHECKING:
    from dedup.io.readers import DocumentReader, SkippedRecord

READ_CHUNK = 8 << 20  # bytes of a local JSONL file per reading task (with jobs > 1)


def _line_ranges(path: str, size: int) -> list[tuple[int, int]]:
    """Byte ranges of about `size` covering the file, each starting at a line's start.

    Example:
        >>> import tempfile, pathlib
        >>> p = pathlib.Path(tempfile.mkdtemp()) / "a.jsonl"
        >>> _ = p.write_bytes(b"aaaa\\nbb\\ncccccc\\nd")
        >>> _line_ranges(str(p), 3)
        [(0, 5), (5, 8), (8, 15), (15, 16)]
    """
    total = os.path.getsize(path)
    cuts = [0]
    with open(path, "rb") as fh:
        while cuts[-1] + size < total:
            fh.seek(cuts[-1] + size - 1)
            fh.readline()  # to the end of the line the cut falls in
            if fh.tell() >= total:
                break
            cuts.append(fh.tell())
    cuts.append(total)
    return [(a, b) for a, b in pairwise(cuts) if b > a]


@dataclass(frozen=True)
class ByteRanges:
    """A JSONL file's byte ranges `(start, end, number of the first line)`, and its lines."""

    ranges: list[tuple[int, int, int]]
    lines: int


def range_tasks(
    paths: Sequence[str], jobs: int, meanwhile: Callable[[], None] | None = None
) -> dict[str, ByteRanges]:
    """Byte ranges of JSONL files, each with the number of its first line; the lines of
    each range are counted by `jobs` processes while this one runs `meanwhile`."""
    spans = {path: _line_ranges(path, READ_CHUNK) for path in paths}
    work = [(path, span) for path, path_spans in spans.items() for span in path_spans]
    counts = iter(map_while(_count_lines, work, meanwhile, jobs=jobs))
    out = {}
    for path, path_spans in spans.items():
        firsts = list(accumulate((next(counts) for _ in path_spans), initial=1))
        ranges = [
            (start, end, first) for (start, end), first in zip(path_spans, firsts[:-1], strict=True)
        ]
        out[path] = ByteRanges(ranges, firsts[-1] - 1)
    return out


def _read_span(path: str, start: int, end: int) -> bytes:
    with open(path, "rb") as fh:
        fh.seek(start)
        return fh.read(end - start)


def _count_lines(work: tuple[str, tuple[int, int]]) -> int:
    """Lines in one byte range of a file (the last one of a file may lack its newline)."""
    path, (start, end) = work
    data = _read_span(path, start, end)
    return data.count(b"\n") + (not data.endswith(b"\n"))


def parse_range(
    reader: DocumentReader, path: str, tasks: list[tuple[int, int, int]]
) -> tuple[list[Document], list[SkippedRecord]]:
    """The documents and skipped records of one byte range whose first line is `first`."""
    start, end, first = tasks[0]
    docs = list(reader._read_jsonl(io.BytesIO(_read_span(path, start, end)), path, first))
    return docs, reader.skipped


@dataclass(frozen=True)
class JsonlIndex:
    """Where the documents of one JSONL file (or byte range) are, and what they are."""

    offsets: npt.NDArray[np.int64]  # byte offset of each document's line
    lengths: npt.NDArray[np.int64]  # its length in bytes
    lines: npt.NDArray[np.int64]  # its line number (from 1)
    chars: npt.NDArray[np.int64]  # its text's length in characters
    ids: list[str]
    skipped: list[SkippedRecord] = field(default_factory=list)
    signatures: npt.NDArray[np.uint32] | None = None  # when signed while indexed

    @classmethod
    def join(cls, parts: Sequence[JsonlIndex]) -> JsonlIndex:
        """The parts one after the other (their `skipped` left out); one part is not copied."""
        if len(parts) == 1:
            return replace(parts[0], skipped=[])

        def cat(name: str) -> Any:
            arrays = [getattr(p, name) for p in parts]
            return np.concatenate(arrays) if arrays and arrays[0] is not None else None

        ids = [i for p in parts for i in p.ids]
        if not parts:
            none = np.zeros(0, np.int64)
            return cls(none, none, none, none, ids)
        found = (cat("offsets"), cat("lengths"), cat("lines"), cat("chars"))
        return cls(*found, ids, [], cat("signatures"))


def index_range(
    state: tuple[DocumentReader, str, npt.NDArray[np.uint32] | None],
    task: tuple[int, int, int],
    sign: DedupConfig | None = None,
) -> JsonlIndex:
    """Parse one byte range (its first line is number `first`) and index its documents;
    with `sign`, write their signatures into the shared `rows`, at the row of their line."""
    shared, path, rows = state
    reader = replace(shared, skipped=[])  # this range's own (a worker runs many ranges)
    start, end, first = task
    offsets, lengths, lines, chars, ids, texts = [], [], [], [], [], []
    at = start
    for line_no, raw in enumerate(io.BytesIO(_read_span(path, start, end)), start=first):
        for doc in reader._read_jsonl([raw], path, line_no):  # type: ignore[arg-type]
            offsets.append(at)
            lengths.append(len(raw))
            lines.append(line_no)
            chars.append(doc.chars)
            ids.append(doc.id)
            if sign is not None:
                texts.append(doc.text)
        at += len(raw)

    def arr(values: list[int]) -> npt.NDArray[np.int64]:
        return np.array(values, dtype=np.int64)

    found = (arr(offsets), arr(lengths), arr(lines), arr(chars))
    if sign is not None and rows is not None and texts:
        from dedup.signature import text_signatures  # the sketch is not a reader's concern

        rows[found[2] - 1] = text_signatures(texts, sign)
    return JsonlIndex(*found, ids, reader.skipped)


class JsonlCorpus(LazySequence[Document]):
    """The documents of local JSONL files, each parsed from its line when it is asked for.

    Built by `DocumentReader.jsonl_corpus`. `corpus[i]` is exactly the document `read`
    yields i-th (the same parser runs on the same line); `ids`, `sources` and `chars` are
    at hand without parsing. Lines are read with `os.pread`, so processes forked from
    this one share the open files safely.
    """

    def __init__(
        self,
        reader: DocumentReader,
        paths: list[str],
        index: JsonlIndex,
        files: Any,
        signed: DedupConfig | None = None,
    ):
        self._reader = replace(reader, skipped=[], passed_over=[], formats={}, jobs=1, strict=False)
        self._paths = paths
        self._index = index
        self._file = files  # file number of each document
        self._signed = signed
        self._signatures = index.signatures
        self._fds: dict[int, int] = {}

    @classmethod
    def join(
        cls,
        reader: DocumentReader,
        indexes: Sequence[tuple[str, JsonlIndex]],
        signed: DedupConfig | None = None,
    ) -> JsonlCorpus:
        """One corpus of several files' indexes, in order."""
        paths = [name for name, _ in indexes]
        sizes = [len(index.ids) for _, index in indexes]
        files = np.repeat(np.arange(len(paths), dtype=np.int32), sizes)
        index = JsonlIndex.join([index for _, index in indexes])
        corpus = cls(reader, paths, replace(index, signatures=None), files, signed)
        corpus._signatures = index.signatures
        return corpus

    def take_signatures(self, config: DedupConfig) -> npt.NDArray[np.uint32] | None:
        """The documents' signatures computed while reading, handed over once: None when
        they were computed with other sketch settings than `config`, or already taken.

        The caller owns the array (the scan overwrites it), so the corpus keeps no copy: a
        second scan of the same corpus signs the documents again.
        """
        made, sigs = self._signed, self._signatures
        if made is None or sigs is None or _sketch(made) != _sketch(config):
            return None
        self._signatures = None
        return sigs

    def __len__(self) -> int:
        return len(self._index.ids)

    def _item(self, i: int) -> Document:
        raw, path = self._line(i), self._paths[int(self._file[i])]
        docs = self._reader._read_jsonl([raw], path, int(self._index.lines[i]))  # type: ignore[arg-type]
        return next(docs)

    def verbatim_line(self, i: int, text_field: str) -> bytes | None:
        """The line of document `i` as `clean` writes back its record unchanged
        (`written_back`: the bytes read), when its text is under `text_field`, the field it
        was read from; None otherwise."""
        if text_field != self._reader.text_field:
            return None
        return written_back(self._line(i), int(self._index.lines[i]))

    def line_with_text(self, i: int, text_field: str, text: str) -> bytes | None:
        """The line of document `i` with its text replaced (`with_text`), when its text is
        under `text_field`; None otherwise, or when the line cannot be edited."""
        if text_field != self._reader.text_field:
            return None
        return with_text(self._line(i), int(self._index.lines[i]), text_field, text)

    def _line(self, i: int) -> bytes:
        f = int(self._file[i])
        fd = self._fds.get(f)
        if fd is None:
            fd = self._fds[f] = os.open(self._paths[f], os.O_RDONLY)
        return os.pread(fd, int(self._index.lengths[i]), int(self._index.offsets[i]))

    @property
    def ids(self) -> list[str]:
        """Every document's id, in order."""
        return self._index.ids

    @property
    def paths(self) -> list[str]:
        """The files read, in order."""
        return self._paths

    @property
    def file_of(self) -> npt.NDArray[np.int32]:
        """Every document's file, as a position in `paths`."""
        return self._file  # type: ignore[no-any-return]

    @property
    def sources(self) -> Sequence[str]:
        """Every document's source (`path:LINE`), in order, each made when asked for."""
        return _Sources(self._paths, self._file, self._index.lines)

    @property
    def chars(self) -> npt.NDArray[np.int64]:
        """Every document's length in characters, in order."""
        return self._index.chars

    def close(self) -> None:
        """Close the files this process opened."""
        for fd in self._fds.values():
            os.close(fd)
        self._fds.clear()


class _Sources(LazySequence[str]):
    """`path:LINE` of documents by file number and line number, made when asked for."""

    def __init__(self, paths: list[str], files: Any, lines: npt.NDArray[np.int64]) -> None:
        self._paths, self._files, self._lines = paths, files, lines

    def __len__(self) -> int:
        return len(self._lines)

    def _item(self, i: int) -> str:
        return f"{self._paths[int(self._files[i])]}:{int(self._lines[i])}"


def _sketch(config: DedupConfig) -> tuple[Any, ...]:
    """The settings a document signature depends on."""
    return (config.normalize, config.shingle, config.num_perm, config.seed)
