"""The one atomic writer: a temporary file in the target's directory, fsync, then a rename.

Readers see the old file or the whole new one, never a part. On an error the temporary file
is removed and the target is left as it was; a failed write (no such directory, no
permission, a full disk) is an `InputError` naming the target. A replaced file keeps its
permissions; a new one gets what a plain `open()` would give it (0o666 less the umask:
0o644 under the usual umask 022), not the private 0o600 of `tempfile.mkstemp`.

A target that is not a file to replace is written in place: a device, FIFO or socket, or
the name of an open file descriptor (`-o /dev/null`, `-o /dev/stdout`, a pipe to a process);
a rename over it, as root in a CI container, made the machine's /dev/null a regular file.
A symbolic link keeps pointing where it did: the file it names is replaced.
"""

from __future__ import annotations

import os
import re
import secrets
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from contextvars import ContextVar
from pathlib import Path
from typing import IO

from dedup.errors import InputError

# Inside `all_or_nothing`, the finished temporary files and their targets, renamed together.
_PENDING: ContextVar[list[tuple[Path, Path]] | None] = ContextVar("dedup_pending", default=None)


@contextmanager
def all_or_nothing() -> Iterator[None]:
    """Atomic writes inside the block replace their targets together, when the block returns.

    `clean` writes one output per input plus its records: a failure at the third file (a full
    disk) must not leave the first two replaced and the rest old, a mix no run produced.
    Each write finishes its temporary file as usual; the renames wait for the block's end,
    and when the block raises every temporary file is deleted and no target is touched.

    Example:
        >>> import tempfile
        >>> d = Path(tempfile.mkdtemp())
        >>> try:
        ...     with all_or_nothing():
        ...         write_atomic(d / "a", "new")
        ...         raise InputError("disk full")
        ... except InputError:
        ...     pass
        >>> sorted(d.iterdir())
        []
    """
    pending: list[tuple[Path, Path]] = []
    token = _PENDING.set(pending)
    try:
        yield
    except BaseException:
        for tmp, _ in pending:
            _remove(tmp)
        raise
    finally:
        _PENDING.reset(token)
    replace_all(pending)


def replace_all(pending: list[tuple[Path, Path]]) -> None:
    """Rename each finished temporary file over its target, in order (renames only: the
    bytes are on disk already). When one rename fails, the temporary files not yet renamed
    are deleted and the failure is one `InputError` naming its target.

    Example:
        >>> import tempfile
        >>> d = Path(tempfile.mkdtemp())
        >>> _ = (d / "tmp").write_text("new")
        >>> replace_all([(d / "tmp", d / "a")])
        >>> sorted(p.name for p in d.iterdir())
        ['a']
    """
    for done, (tmp, target) in enumerate(pending):
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(tmp, target)
        except OSError as ex:
            for rest, _ in pending[done:]:
                _remove(rest)
            raise _cannot_write(target, ex) from ex


def _cannot_write(target: Path, ex: OSError) -> InputError:
    """The one-line error for a write the OS refused (no such directory, no permission, a
    full disk, ...)."""
    return InputError(
        f"cannot write {target} ({ex.strerror or ex}); check the path and the free space"
    )


# Names of an open file descriptor: written in place even when it is a regular file, which
# the shell opened (`dedup scan x -o /dev/stdout > out.txt`) and a rename would detach.
_DESCRIPTOR = re.compile(r"^/(dev/(std(in|out|err)|fd/\d+)|proc/(self|\d+)/fd/\d+)$")


def is_stream(path: str | Path) -> bool:
    """Whether `path` is written in place, never replaced: an existing device, FIFO or
    socket (/dev/null), or the name of an open file descriptor (/dev/stdout, /dev/fd/3).
    A regular file anywhere (/dev/shm included) is replaced atomically.

    Example:
        >>> is_stream("/dev/null"), is_stream("/dev/stdout"), is_stream("report.json")
        (True, True, False)
    """
    where = os.path.abspath(path)
    if _DESCRIPTOR.match(where):
        return True
    try:
        mode = os.stat(where).st_mode
    except OSError:  # missing (a new file), or a dangling link: replaced as a file
        return False
    return not stat.S_ISREG(mode) and not stat.S_ISDIR(mode)


def unwritable_folder(folder: str | Path) -> str | None:
    """Why no file can be made in `folder` (which may not exist yet: its missing parts are
    made later, so the nearest folder that exists above it is tried), or None when one can.

    Said before any work: /proc, a read-only mount or a path through a file must fail a run
    at its start, not after an hour's scan.

    Example:
        >>> unwritable_folder(tempfile.mkdtemp()) is None
        True
    """
    where = Path(folder).absolute()
    while not where.exists() and where != where.parent:
        where = where.parent
    if not where.is_dir():
        return f"{where} is a file, not a folder"
    try:
        with tempfile.TemporaryFile(dir=where):
            pass
    except OSError as ex:
        return f"{ex.strerror or ex} in {where}"
    return None


@contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """A fresh temporary path next to `path`; whatever the block writes there replaces `path`.

    The block writes the file, created empty (a SQLite database, say); when it returns, the file
    is synced to disk, given the permissions described in the module docstring, and
    renamed over `path`. When the block raises, the temporary file is deleted.

    Example:
        >>> import tempfile
        >>> p = Path(tempfile.mkdtemp()) / "db"
        >>> with atomic_path(p) as tmp:
        ...     _ = tmp.write_bytes(b"new")
        >>> p.read_bytes(), sorted(x.name for x in p.parent.iterdir())
        (b'new', ['db'])
    """
    if is_stream(path):
        try:
            yield Path(path)
        except OSError as ex:  # -o /dev/full, a pipe whose reader went away
            raise _cannot_write(Path(path), ex) from ex
        return
    target = Path(os.path.realpath(path)) if os.path.islink(path) else Path(path)
    tmp = target.with_name(f".{target.name}.{secrets.token_hex(6)}.tmp")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp.touch(exist_ok=False)  # here, so that a directory we cannot write to is named
        yield tmp
        _sync(tmp)
        os.chmod(tmp, _mode(target))
        pending = _PENDING.get()
        if pending is None:
            os.replace(tmp, target)
        else:
            pending.append((tmp, target))
    except BaseException as ex:
        _remove(tmp)
        if isinstance(ex, OSError):
            raise _cannot_write(target, ex) from ex
        raise


def _remove(tmp: Path) -> None:
    with suppress(OSError):  # the directory itself is gone or read-only: nothing is left
        tmp.unlink(missing_ok=True)


@contextmanager
def open_atomic(path: str | Path) -> Iterator[IO[bytes]]:
    """A binary stream whose bytes replace `path` when the block succeeds (see `atomic_path`).

    Example:
        >>> import tempfile
        >>> p = Path(tempfile.mkdtemp()) / "out.bin"
        >>> with open_atomic(p) as fh:
        ...     _ = fh.write(b"x")
        >>> p.read_bytes()
        b'x'
    """
    with atomic_path(path) as tmp, tmp.open("wb") as fh:
        yield fh


def write_atomic(path: str | Path, text: str) -> None:
    """Write `text` (UTF-8) to `path` atomically (see `atomic_path`).

    Example:
        >>> import tempfile
        >>> p = Path(tempfile.mkdtemp()) / "r.json"
        >>> write_atomic(p, "{}")
        >>> p.read_text()
        '{}'
    """
    with open_atomic(path) as fh:
        fh.write(text.encode("utf-8"))


def _sync(path: Path) -> None:
    """Flush the file's data to disk, so the rename never exposes an empty file after a crash."""
    fd = os.open(path, os.O_RDWR)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _mode(target: Path) -> int:
    try:
        return stat.S_IMODE(target.stat().st_mode)
    except FileNotFoundError:
        # The umask can only be read by setting it; this runs in the main thread of a CLI.
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask
