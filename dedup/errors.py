"""Errors raised by dedup: one base class, a few specific ones.

The CLI turns every `DedupError` into a one-line message and exit code 2, so each message
names what was wrong and what to do next.
"""

from __future__ import annotations


class DedupError(Exception):
    """Base class of every error dedup raises on purpose."""


class ConfigError(DedupError, ValueError):
    """A configuration value is out of range or inconsistent."""


class InputError(DedupError):
    """An input is missing, unreadable, undecodable or malformed."""


class BadFile(InputError):
    """A file whose content cannot be read as a whole: bytes that do not decode, damaged
    compression, a damaged Parquet file. `reason` says why and what to do, without the
    path: a file found by walking a directory or matching a glob is then skipped as a bad
    record (`DocumentReader`), where a file the user named is this one-line error."""

    def __init__(self, path: str, reason: str, *, sep: str = ": ") -> None:
        super().__init__(f"{path}{sep}{reason}")
        self.reason = reason


def first_line(ex: BaseException) -> str:
    """The first line of an exception's message (or its type name): for a one-line error.

    Example:
        >>> first_line(ValueError("bad page\\ndetails")), first_line(KeyError())
        ('bad page', 'KeyError')
    """
    text = str(ex).strip()
    return text.splitlines()[0] if text else type(ex).__name__


def unreadable(path: object, ex: OSError) -> InputError:
    """The one-line error for a path the OS will not let dedup read: a file that cannot be
    opened, or a folder that cannot be listed or entered (no permission, ...).

    Example:
        >>> unreadable("d/sub", PermissionError(13, "Permission denied"))
        InputError('d/sub: cannot be read (Permission denied); check the path and its permissions')
    """
    msg = f"{path}: cannot be read ({ex.strerror or ex}); check the path and its permissions"
    return InputError(msg)
