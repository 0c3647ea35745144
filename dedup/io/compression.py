"""gzip, zstd, xz and bzip2, detected by suffix and by magic bytes, for reading and writing.

Reading sniffs the first bytes, so a compressed file without a telling suffix (or a
compressed stream on stdin) still reads; a `.gz`/`.zst` suffix on data that is not
compressed is an error rather than a guess. Writing compresses by the target's suffix.
zstd needs the optional `zstandard` package (`pip install -e '.[zstd]'`); xz and bzip2 come
with Python (`lzma`, `bz2`).
"""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any, cast

from dedup.errors import InputError, first_line, unreadable
from dedup.io.atomic import open_atomic

GZIP_MAGIC = b"\x1f\x8b"
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
XZ_MAGIC = b"\xfd7zXZ\x00"
BZIP2_MAGIC = b"BZh"
SUFFIXES = {".gz": "gzip", ".gzip": "gzip", ".zst": "zstd", ".zstd": "zstd", ".xz": "xz"}
SUFFIXES |= {".bz2": "bzip2"}

# What a damaged compressed stream raises part-way through reading it.
STREAM_ERRORS: tuple[type[BaseException], ...] = (
    EOFError,
    zlib.error,
    gzip.BadGzipFile,
    lzma.LZMAError,
)
_ZSTD_ERRORS: tuple[type[BaseException], ...] = ()
try:
    import zstandard

    _ZSTD_ERRORS = (zstandard.ZstdError,)
    STREAM_ERRORS = (*STREAM_ERRORS, zstandard.ZstdError)
except ImportError:  # pragma: no cover - zstandard is in the dev extra
    zstandard = None  # type: ignore[assignment]
# What a decompressor raises on bytes that are not its format (or damaged).
_DECODE_ERRORS: tuple[type[BaseException], ...] = (OSError, ValueError, EOFError, *_ZSTD_ERRORS)


def suffix_compression(path: str | Path) -> str | None:
    """The compression a file name announces (`gzip`, `zstd`) or None.

    Example:
        >>> [suffix_compression(name) for name in ("a.jsonl.gz", "a.csv.zst", "a.csv")]
        ['gzip', 'zstd', None]
    """
    return SUFFIXES.get(Path(path).suffix.lower())


def strip_compression(path: str | Path) -> Path:
    """The path without its compression suffix, so the suffix left names the format.

    Example:
        >>> strip_compression("data/a.jsonl.gz").name
        'a.jsonl'
    """
    p = Path(path)
    return p.with_suffix("") if suffix_compression(p) else p


def magic_compression(head: bytes) -> str | None:
    """The compression the first bytes of a stream show (`gzip`, `zstd`) or None.

    Example:
        >>> magic_compression(gzip.compress(b"x")), magic_compression(b'{"text": 1}')
        ('gzip', None)
    """
    if head.startswith(GZIP_MAGIC):
        return "gzip"
    if head.startswith(ZSTD_MAGIC):
        return "zstd"
    if head.startswith(XZ_MAGIC):
        return "xz"
    if head.startswith(BZIP2_MAGIC) and head[3:4].isdigit():
        return "bzip2"
    return None


def decompressing(raw: IO[bytes], name: str, *, expected: str | None = None) -> IO[bytes]:
    """Wrap a binary stream so that reading it yields the decompressed bytes; closing the
    wrapper closes `raw`.

    Args:
        raw: a readable binary stream positioned at its start.
        name: how to name the stream in error messages.
        expected: the compression the name announces, checked against the magic bytes.

    Raises:
        InputError: the suffix promises compression the data lacks, or zstd is not installed.

    Example:
        >>> decompressing(io.BytesIO(gzip.compress(b"hi")), "a.gz").read()
        b'hi'
    """
    buffered: Any = raw if hasattr(raw, "peek") else io.BufferedReader(cast(Any, raw))
    found = magic_compression(buffered.peek(6)[:6])
    if expected is not None and found != expected:
        msg = f"{name}: the name says {expected}, but the data is not {expected}; rename the file"
        raise InputError(msg)
    if found == "gzip":
        return cast(IO[bytes], _Gzip(buffered))
    if found in ("zstd", "xz", "bzip2"):
        return io.BufferedReader(_Streams(buffered, name, found))
    return cast(IO[bytes], buffered)


class _Gzip(gzip.GzipFile):
    """A `GzipFile` that closes the stream it reads when it is closed, as `open_read`'s
    callers expect: `GzipFile` leaves a given stream open, so each `.gz` file of a walked
    folder stayed open until garbage collection (a ResourceWarning each, and an error in
    the test suite of a user who turns warnings into errors)."""

    def __init__(self, raw: IO[bytes]) -> None:
        super().__init__(fileobj=raw, mode="rb")
        self._raw = raw

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._raw.close()


class _Streams(io.RawIOBase):
    """Decompressed bytes of one or more concatenated compressed streams (zstd frames, xz or
    bzip2 streams); a cut-off stream, or bytes after the last one that are not another
    stream, are an error.

    zstandard's `stream_reader` ends quietly where a truncated file ends, and Python's
    `LZMAFile`/`BZ2File` quietly drop what follows the first stream they cannot start: a
    damaged download or a damaged second part would be read as a shorter corpus. Zero bytes
    after the last stream are padding (xz allows it).
    """

    _CHUNK = 1 << 16

    def __init__(self, raw: IO[bytes], name: str, kind: str) -> None:
        super().__init__()
        self._raw, self._name, self._kind = raw, name, kind
        self._stream: Any = None  # the decompressor of the stream being read
        self._unit = "frame" if kind == "zstd" else "stream"
        self._pending = b""

    def readable(self) -> bool:
        return True

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._raw.close()

    def readinto(self, buffer: Any) -> int:
        while not self._pending:
            chunk = self._raw.read(self._CHUNK)
            if not chunk:
                if self._stream is not None and not self._stream.eof:
                    msg = (
                        f"{self._name}: the {self._kind} data ends inside a {self._unit} (the "
                        "file is truncated or damaged); fetch or compress it again"
                    )
                    raise InputError(msg)
                return 0
            self._pending = self._decompress(chunk)
        size = min(len(buffer), len(self._pending))
        buffer[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        return size

    def _decompress(self, data: bytes) -> bytes:
        out = b""
        while data:
            if self._stream is None or self._stream.eof:
                if not data.strip(b"\0") and self._stream is not None:
                    return out  # padding after a whole stream
                self._stream = self._decompressor()
            try:
                out += self._stream.decompress(data)
            except _DECODE_ERRORS as ex:
                msg = (
                    f"{self._name}: damaged {self._kind} data ({first_line(ex)}); "
                    "fetch or compress it again"
                )
                raise InputError(msg) from ex
            data = self._stream.unused_data if self._stream.eof else b""
        return out

    def _decompressor(self) -> Any:
        if self._kind == "zstd":
            return _zstd().ZstdDecompressor().decompressobj()
        if self._kind == "xz":
            return lzma.LZMADecompressor()
        return bz2.BZ2Decompressor()


def open_read(path: Path | str, raw: Callable[[], IO[bytes]] | None = None) -> IO[bytes]:
    """Open a file for reading its decompressed bytes (see `decompressing`).

    Args:
        path: the local file, or the name of what `raw` opens (a URL).
        raw: opens the undecompressed bytes, when they are not a local file.

    Raises:
        InputError: the file cannot be opened, or see `decompressing`.

    Example:
        >>> import pathlib, tempfile
        >>> p = pathlib.Path(tempfile.mkdtemp()) / "a.txt.gz"
        >>> _ = p.write_bytes(gzip.compress(b"Hello."))
        >>> with open_read(p) as fh:
        ...     fh.read()
        b'Hello.'
    """
    try:
        stream = raw() if raw is not None else Path(path).open("rb")  # noqa: SIM115
    except OSError as ex:
        raise unreadable(path, ex) from ex
    try:
        return decompressing(stream, str(path), expected=suffix_compression(path))
    except BaseException:
        stream.close()
        raise


@contextmanager
def open_write_atomic(path: str | Path) -> Iterator[IO[bytes]]:
    """A binary stream compressed by `path`'s suffix, written with `dedup.io.atomic.open_atomic`.

    Readers see the old file or the whole new one; on an error the temporary file is removed.
    gzip output has no timestamp or name in its header, so equal input gives equal bytes.

    Example:
        >>> import pathlib, tempfile
        >>> p = pathlib.Path(tempfile.mkdtemp()) / "out.txt.gz"
        >>> with open_write_atomic(p) as fh:
        ...     _ = fh.write(b"Hello.")
        >>> gzip.decompress(p.read_bytes())
        b'Hello.'
    """
    with open_atomic(path) as raw:
        kind = suffix_compression(path)
        if kind == "gzip":
            with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as gz:
                yield cast(IO[bytes], gz)
        elif kind == "zstd":
            with _zstd().ZstdCompressor().stream_writer(raw, closefd=False) as writer:
                yield writer
        elif kind == "xz":
            with lzma.LZMAFile(raw, mode="wb") as xz:
                yield cast(IO[bytes], xz)
        elif kind == "bzip2":
            with bz2.BZ2File(raw, mode="wb") as bz:
                yield cast(IO[bytes], bz)
        else:
            yield raw


def _zstd() -> Any:
    if zstandard is None:  # pragma: no cover - zstandard is in the dev extra
        msg = "zstd-compressed data needs the zstandard package: pip install -e '.[zstd]'"
        raise InputError(msg)
    return zstandard
