"""The unit of work: one document with a traceable id and its original text."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Document:
    """One input document; `text` is the original and is never modified.

    Attributes:
        id: stable, traceable id (`path` for a text file, `path:LINE` for JSONL by default).
        text: the text as read (UTF-8 decoded); every reported offset indexes into it.
        source: where the document came from (a path, `path:LINE`, `-:LINE` for stdin).
        meta: the other fields of a record (JSONL), kept so `clean` can write them back.

    Example:
        >>> Document(id="a", text="Hello.", source="a.txt").chars
        6
    """

    id: str
    text: str
    source: str = ""
    meta: Mapping[str, Any] = field(default_factory=dict)

    @property
    def chars(self) -> int:
        """Length of the text in Python `str` characters (code points)."""
        return len(self.text)
