"""Writing outputs atomically: a temporary file in the target directory, then a rename.

Text documents go one file each under a root directory; records go to JSONL.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any


def write_atomic(path: str | Path, text: str) -> None:
    """Write `text` to `path` so that readers see either the old file or the whole new one.

    Example:
        >>> import tempfile, pathlib
        >>> p = pathlib.Path(tempfile.mkdtemp()) / "r.json"
        >>> write_atomic(p, "{}")
        >>> p.read_text()
        '{}'
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        # mkstemp makes the file private (0600); outputs get the usual 0644 or keep the old mode.
        os.chmod(tmp, target.stat().st_mode & 0o777 if target.exists() else 0o644)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_text_documents(root: str | Path, texts: Iterable[tuple[str, str]]) -> list[Path]:
    """Write `(relative_name, text)` pairs under `root`, each file atomically.

    Returns:
        The paths written, in order.

    Example:
        >>> import tempfile, pathlib
        >>> d = pathlib.Path(tempfile.mkdtemp())
        >>> [p.name for p in write_text_documents(d, [("sub/a.txt", "Hello.")])]
        ['a.txt']
        >>> (d / "sub" / "a.txt").read_text()
        'Hello.'
    """
    written = []
    for name, text in texts:
        target = Path(root) / name
        write_atomic(target, text)
        written.append(target)
    return written


def write_jsonl(path: str | Path, records: Iterable[Mapping[str, Any]]) -> int:
    """Write one JSON object per line (UTF-8, not ASCII-escaped) atomically; return the count.

    Example:
        >>> import tempfile, pathlib
        >>> p = pathlib.Path(tempfile.mkdtemp()) / "out.jsonl"
        >>> write_jsonl(p, [{"id": 1, "text": "é"}])
        1
        >>> p.read_text(encoding="utf-8")
        '{"id": 1, "text": "é"}\\n'
    """
    lines = [json.dumps(record, ensure_ascii=False) + "\n" for record in records]
    write_atomic(path, "".join(lines))
    return len(lines)
