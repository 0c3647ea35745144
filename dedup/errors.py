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
