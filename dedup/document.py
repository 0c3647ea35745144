"""The unit of work: one document with a traceable id and its original text."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from os import PathLike
from typing import Any, Generic, Protocol, TypeVar, overload

from dedup.errors import ConfigError, InputError


@dataclass(frozen=True, slots=True)
class Document:
    """One input document; `text` is the original and is never modified.

    Attributes:
        id: stable, traceable id (`path` for a text file, `path:LINE` for JSONL by default).
        text: the text as read (UTF-8 decoded); every reported offset indexes into it.
        source: where the document came from (a path, `path:LINE`, `-:LINE` for stdin).
        meta: the other fields of a record (JSONL), kept so `clean` can write them back.
        text_at: where the text field sat among the record's keys, when not last (None);
            `record` puts it back there, so a cleaned corpus keeps its records' key order
            (C4 and the Pile put "text" first), and a record nothing was cut from comes back
            byte for byte when it was encoded as `json.dumps(..., ensure_ascii=False)` does.

    Example:
        >>> Document(id="a", text="Hello.", source="a.txt").chars
        6
    """

    id: str
    text: str
    source: str = ""
    meta: Mapping[str, Any] = field(default_factory=dict)
    text_at: int | None = None

    @property
    def chars(self) -> int:
        """Length of the text in Python `str` characters (code points)."""
        return len(self.text)

    def record(self, text_field: str = "text") -> dict[str, Any]:
        """The record to write back: `meta` with the text as `text_field`, in the place the
        text had when read (`text_at`), else last.

        A `meta` that holds `text_field` itself (a document made by hand) has its value
        replaced where it stands, as a plain `{**meta, text_field: text}` would.

        Example:
            >>> doc = Document("a", "Hi", meta={"id": 7, "url": "u"}, text_at=0)
            >>> doc.record(), Document("b", "Hi", meta={"id": 7}).record("body")
            ({'text': 'Hi', 'id': 7, 'url': 'u'}, {'id': 7, 'body': 'Hi'})
        """
        if self.text_at is None or text_field in self.meta:
            return {**self.meta, text_field: self.text}
        items = list(self.meta.items())
        items.insert(self.text_at, (text_field, self.text))
        return dict(items)


class _Named(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def source(self) -> str: ...


def document_ids(docs: Sequence[_Named]) -> Sequence[str]:
    """Every document's id, in order; a corpus that knows them (`JsonlCorpus.ids`, a
    report's `DocumentTable`) is not parsed.

    Example:
        >>> document_ids([Document("a", "x"), Document("b", "y")])
        ['a', 'b']
    """
    ids: Sequence[str] | None = getattr(docs, "ids", None)
    return ids if ids is not None else [d.id for d in docs]


def document_chars(docs: Sequence[Document]) -> Sequence[int]:
    """Every document's length in characters, in order; a corpus that knows them
    (`JsonlCorpus.chars`) is not parsed.

    Example:
        >>> list(document_chars([Document("a", "xy"), Document("b", "")]))
        [2, 0]
    """
    known: Sequence[int] | None = getattr(docs, "chars", None)
    return known if known is not None else [d.chars for d in docs]


def require_documents(docs: object, caller: str) -> None:
    """Refuse a path or a text where `caller` takes Documents, saying how to make them.

    The CLI's `dedup scan PATH...` makes `dedup.scan(["corpus/"])` a natural first call;
    it failed deep inside with "'str' object has no attribute 'id'". Only the first item is
    looked at: a corpus read lazily from disk is not read for this.

    Raises:
        TypeError: `docs` is a str or path, or its first item is not a `Document`.

    Example:
        >>> try:
        ...     require_documents(["corpus/"], "dedup.scan")
        ... except TypeError as ex:
        ...     print(str(ex).split(": ")[0])
        dedup.scan takes Documents, got a str ('corpus/')
    """
    if isinstance(docs, str | PathLike):
        first: object = docs
    elif isinstance(docs, Sequence) and len(docs):
        first = docs[0]
    else:
        return
    if not isinstance(first, Document):
        shown = repr(str(first) if isinstance(first, PathLike) else first)
        shown = shown if len(shown) <= 60 else f"{shown[:57]}..."
        msg = (
            f"{caller} takes Documents, got a {type(first).__name__} ({shown}): read files "
            "with dedup.read_documents(paths), or make one with Document(id, text)"
        )
        raise TypeError(msg)


def require_unique_id(doc: _Named, seen: dict[str, str]) -> None:
    """Record `doc.id` in `seen` (id -> source), or raise if an earlier document had it.

    Findings name documents by id, so two documents with one id would make them ambiguous.

    Raises:
        InputError: the id was seen before.

    Example:
        >>> seen: dict[str, str] = {}
        >>> require_unique_id(Document("a", "x", "f:1"), seen)
        >>> require_unique_id(Document("a", "y", "f:2"), seen)  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        dedup.errors.InputError: document id 'a' appears twice (f:1 and f:2); ...
        >>> require_unique_id(Document("a", "y", "f:1"), seen)
        Traceback (most recent call last):
        dedup.errors.InputError: f:1 is read twice; name each input once
    """
    if doc.id in seen:
        if seen[doc.id] == doc.source:  # one input named twice: no field would help
            msg = f"{doc.source} is read twice; name each input once"
        else:
            msg = (
                f"document id {doc.id!r} appears twice ({seen[doc.id]} and {doc.source}); "
                "give --id-field a field of unique values, or leave --id-field out to name "
                "each record by its file and line"
            )
        raise InputError(msg)
    seen[doc.id] = doc.source


def require_field(docs: Sequence[Document], name: str, option: str, found: bool) -> None:
    """A field option (`--site-field`, `--date-field`) no document carries is a typo, not a
    choice: raise, naming the fields that do exist. Text files have no fields: nothing to
    check there.

    Example:
        >>> docs = [Document("a", "x", meta={"site": "a.org"})]
        >>> require_field(docs, "sitee", "--site-field", False)
        Traceback (most recent call last):
        dedup.errors.ConfigError: --site-field 'sitee' is in no document; fields: site
    """
    if found:
        return
    fields = sorted({k for d in docs[:1000] for k in d.meta})
    if fields:
        msg = f"{option} {name!r} is in no document; fields: {', '.join(fields)}"
        raise ConfigError(msg)


class TextsById(Mapping[str, str]):
    """The texts of `docs` by id, each fetched when asked for (so a `JsonlCorpus` parses
    only the lines a report shows).

    Example:
        >>> TextsById([Document("a", "x"), Document("b", "y")])["b"]
        'y'
    """

    def __init__(self, docs: Sequence[Document]) -> None:
        self._docs = docs
        self._at: dict[str, int] | None = None

    def _positions(self) -> dict[str, int]:
        if self._at is None:
            self._at = {doc_id: i for i, doc_id in enumerate(document_ids(self._docs))}
        return self._at

    def __getitem__(self, key: str) -> str:
        return self._docs[self._positions()[key]].text

    def __iter__(self) -> Iterator[str]:
        return iter(self._positions())

    def __len__(self) -> int:
        return len(self._positions())


T = TypeVar("T")


class LazySequence(Sequence[T], Generic[T]):
    """A sequence whose items are made when asked for (`_item`), from columns or a file, so
    a million of them never sit in memory at once. A slice is the items made one by one,
    gathered by `_gather` (a list; a subclass standing in for a tuple gathers a tuple).

    Example:
        >>> class Squares(LazySequence[int]):
        ...     def __len__(self) -> int:
        ...         return 4
        ...     def _item(self, i: int) -> int:
        ...         return range(4)[i] ** 2
        >>> Squares()[1], Squares()[1:3], list(Squares())
        (1, [1, 4], [0, 1, 4, 9])
    """

    _gather: Callable[[Iterable[T]], Sequence[T]] = list

    def _item(self, i: int) -> T:
        raise NotImplementedError

    @overload
    def __getitem__(self, i: int) -> T: ...
    @overload
    def __getitem__(self, i: slice) -> Sequence[T]: ...
    def __getitem__(self, i: int | slice) -> T | Sequence[T]:
        if isinstance(i, slice):
            return type(self)._gather(self._item(k) for k in range(*i.indices(len(self))))
        return self._item(i)
