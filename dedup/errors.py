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


def first_line(ex: BaseException) -> str:
    """The first line of an exception's message (or its type name): for a one-line error.

    Example:
        >>> first_line(ValueError("bad page\\ndetails")), first_line(KeyError())
        ('bad page', 'KeyError')
    """
    text = str(ex).strip()
    return text.splitlines()[0] if text else type(ex).__name__
