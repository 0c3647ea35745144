"""Accepted findings: the baseline file of `dedup check --write-baseline`, and stable keys.

A finding's key hashes its kind, its document's id and its evidence text (and the indexed
document's id, for a finding against an index: `check.Finding.key`). A document id that
holds a file path (`data/a.txt`, `data/eval.jsonl:7`) enters the key with that path relative
to the file's project root (`project_id`), so a baseline written from the repository root is
honoured from a subdirectory (`dedup check .` in `data/`) and with absolute paths. A
baseline entry no finding matches any more is stale: `dedup check` reports it, and
`--prune-baseline` rewrites the file without it.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dedup.config import project_root
from dedup.document import Document
from dedup.errors import InputError
from dedup.io.formats import json_value, source_path
from dedup.report import amount

if TYPE_CHECKING:
    from dedup.check import Finding

BASELINE_SCHEMA = "dedup.baseline/1"


@dataclass(frozen=True, slots=True)
class Baseline:
    """The accepted findings of a baseline file, by key (a collection of keys).

    Attributes:
        entries: key -> the row written for it (rule, kind, doc, path, line, message).
        path: the file it was read from, if any.

    Example:
        >>> "k1" in Baseline({"k1": {"key": "k1"}}), len(Baseline())
        (True, 0)
    """

    entries: Mapping[str, dict[str, Any]] = field(default_factory=dict)
    path: str | None = None

    def __contains__(self, key: object) -> bool:
        return key in self.entries

    def __iter__(self) -> Iterator[str]:
        return iter(self.entries)

    def __len__(self) -> int:
        return len(self.entries)

    def stale(self, findings: Iterable[Finding]) -> list[dict[str, Any]]:
        """The entries no finding matches any more (fixed data, or a changed text)."""
        found = {k for f in findings for k in (f.key, *f.aliases)}
        return [row for key, row in self.entries.items() if key not in found]


def read_baseline(path: str | Path) -> Baseline:
    """The accepted findings of a baseline file written by `baseline_text`.

    Raises:
        InputError: the file is missing or is not a dedup baseline.
    """
    try:
        data = json_value(Path(path).read_text(encoding="utf-8"))
    except OSError as ex:
        msg = f"{path}: cannot read the baseline ({ex.strerror}); write one with --write-baseline"
        raise InputError(msg) from ex
    except ValueError as ex:  # not JSON, not UTF-8, or nested past Python's stack
        msg = f"{path} is not a dedup baseline (not JSON); write one with --write-baseline"
        raise InputError(msg) from ex
    if not isinstance(data, dict) or data.get("schema") != BASELINE_SCHEMA:
        msg = f"{path} is not a {BASELINE_SCHEMA} file; write one with --write-baseline"
        raise InputError(msg)
    rows = data.get("findings", [])
    if not isinstance(rows, list) or not all(isinstance(r, dict) and "key" in r for r in rows):
        msg = f"{path}: every finding needs a key; write the file again with --write-baseline"
        raise InputError(msg)
    return Baseline({str(row["key"]): row for row in rows}, str(path))


def baseline_text(findings: Iterable[Finding]) -> str:
    """`findings` as a baseline file (sorted, so reruns give the same bytes).

    Each row names the finding's document and line as the project sees them, so a person
    reading the file (or a stale-entry message) knows what was accepted.
    """
    rows = sorted(
        (
            {
                "key": f.key,
                "rule": f.rule,
                "kind": f.kind,
                "doc": f.doc,
                "path": _shown_path(f.path),
                "line": f.line,
                "message": f.message,
            }
            for f in findings
        ),
        key=lambda row: (row["rule"], row["path"], row["line"], row["key"]),
    )
    unique = list({row["key"]: row for row in rows}.values())
    return json.dumps({"schema": BASELINE_SCHEMA, "findings": unique}, indent=1) + "\n"


def pruned_text(baseline: Baseline, findings: Iterable[Finding]) -> str:
    """The baseline without its stale entries (the others unchanged, in file order)."""
    stale = {row["key"] for row in baseline.stale(findings)}
    rows = [row for key, row in baseline.entries.items() if key not in stale]
    return json.dumps({"schema": BASELINE_SCHEMA, "findings": rows}, indent=1) + "\n"


def stale_line(baseline: Baseline, stale: list[dict[str, Any]]) -> str:
    """One line on the stale entries of a baseline, naming the first few.

    Example:
        >>> rows = [{"key": "k", "path": "b.txt", "line": 3, "rule": "max-reused-ratio"}]
        >>> print(stale_line(Baseline(path="bl.json"), rows))  # doctest: +ELLIPSIS
        bl.json: 1 accepted finding no longer found (stale): b.txt:3 [max-reused-ratio]; --prune...
    """
    # One place per line and rule, with its count: the accepted lines of one page are many
    # findings at one place, and naming that place three times said nothing more.
    places = Counter(
        f"{row.get('path') or row.get('doc', '?')}:{row.get('line', '?')} [{row.get('rule', '?')}]"
        for row in stale
    )
    named = ", ".join(
        place if count == 1 else f"{place} ({count})" for place, count in list(places.items())[:3]
    )
    left = len(places) - 3
    more = f" and {amount(left, 'more place')}" if left > 0 else ""
    one = len(stale) == 1
    # "44 accepted findings ...: a:38, b:39, c:7 and 33 more places" added up to 36, not 44
    # (a new-user trial): the places are counted too when they are fewer.
    at = f" at {amount(len(places), 'place')}" if len(places) < len(stale) else ""
    return (
        f"{baseline.path}: {amount(len(stale), 'accepted finding')} no longer found "
        f"(stale){at}: {named}{more}; --prune-baseline drops {'it' if one else 'them'}"
    )


# --------------------------------------------------------------------- stable ids


def project_id(doc: Document) -> str:
    """`doc.id` with the file path it starts with made relative to that file's project root
    (`config.project_root`; absolute outside any project), in `/` form; any other id
    unchanged.

    Example:
        >>> import tempfile
        >>> root = Path(tempfile.mkdtemp())
        >>> _ = (root / "pyproject.toml").write_text("")
        >>> (root / "data").mkdir()
        >>> _ = (root / "data" / "a.jsonl").write_text("{}")
        >>> record = str(root / "data" / "a.jsonl") + ":1"
        >>> project_id(Document(record, "t", record))
        'data/a.jsonl:1'
        >>> project_id(Document("q7", "t", "eval.jsonl:1"))
        'q7'
    """
    if not doc.source:
        return doc.id
    file = doc.source if os.path.isfile(doc.source) else source_path(doc.source)
    if not doc.id.startswith(file) or not os.path.isfile(file):
        return doc.id
    return _relative_to_project(os.path.abspath(file)) + doc.id[len(file) :]


@cache
def _relative_to_project(file: str) -> str:
    """`file` relative to its project root; absolute outside any project (still stable).

    Cached: a check asks for every finding. `forget_projects` empties the cache (each check
    starts afresh, so a pyproject.toml written since is seen).
    """
    path = Path(file).resolve()
    root = project_root(path.parent)
    return (path.relative_to(root) if root else path).as_posix()


def forget_projects() -> None:
    """Forget the project roots found so far (`_relative_to_project`'s cache)."""
    _relative_to_project.cache_clear()


def _shown_path(path: str) -> str:
    """A finding's file as the project names it (relative to its root), else as given."""
    return _relative_to_project(os.path.abspath(path)) if os.path.isfile(path) else path
