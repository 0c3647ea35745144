"""Inputs named by URL (`s3://bucket/data/*.jsonl.gz`, `hf://datasets/...`, `memory://`),
through fsspec (`pip install -e '.[remote]'`, plus the protocol's own package: s3fs,
huggingface_hub, gcsfs, ...).

A URL names a file, a directory (every file under it that a local walk would read, see
`dedup.io.formats.walk`) or a glob; its files come back sorted, each with its full URL as its
name, which is what documents ids and sources then carry. fsspec is imported only when a URL
is read.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import IO, Any

from dedup.errors import InputError, first_line

URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]+://")
GLOB = re.compile(r"[*?\[]")


def is_url(path: str) -> bool:
    """Whether `path` names a file by URL (`protocol://...`) rather than a local path.

    Example:
        >>> is_url("s3://bucket/a.jsonl"), is_url("data/a.jsonl"), is_url("C:/data")
        (True, False, False)
    """
    return URL.match(path) is not None


def remote_files(
    url: str, wanted: Callable[[str], bool]
) -> tuple[list[tuple[str, Callable[[], IO[bytes]]]], list[str]]:
    """(URL, opener of its raw bytes) of every file `url` names, sorted; and the URLs of the
    files of a directory that `wanted` (a test of the name) passes over.

    A file or glob named outright is always read.

    Raises:
        InputError: fsspec or the protocol's package is missing, the URL names nothing, or
            the store cannot be listed.
    """
    fsspec = _fsspec(url)
    try:
        fs, root = fsspec.core.url_to_fs(url)
        passed: list[str] = []
        if GLOB.search(root):
            found = sorted(fs.glob(root))
        elif fs.isdir(root):
            found = sorted(p for p in fs.find(root) if not _hidden(p, root))
            passed = [fs.unstrip_protocol(p) for p in found if not wanted(p)]
            found = [p for p in found if wanted(p)]
        elif fs.exists(root):
            found = [root]
        else:
            found = []
    except ImportError as ex:  # the protocol's package ("Install s3fs to access S3")
        msg = f"{url}: {first_line(ex)}; then run again"
        raise InputError(msg) from ex
    except (ValueError, OSError) as ex:
        msg = f"{url}: cannot be listed ({first_line(ex)}); check the URL and your access"
        raise InputError(msg) from ex
    if not found:
        msg = f"{url}: no such file or directory; check the URL"
        raise InputError(msg)
    return [(fs.unstrip_protocol(p), _opener(fs, p)) for p in found], passed


def _opener(fs: Any, path: str) -> Callable[[], IO[bytes]]:
    def open_raw() -> IO[bytes]:
        try:
            return fs.open(path, "rb")  # type: ignore[no-any-return]
        except OSError as ex:
            msg = f"{fs.unstrip_protocol(path)}: cannot be read ({first_line(ex)}); check access"
            raise InputError(msg) from ex

    return open_raw


def _hidden(path: str, root: str) -> bool:
    rel = path[len(root) :].strip("/")
    return any(part.startswith(".") for part in rel.split("/"))


def _fsspec(url: str) -> Any:
    try:
        import fsspec
    except ImportError as ex:
        msg = f"{url}: reading a URL needs fsspec: pip install -e '.[remote]'"
        raise InputError(msg) from ex
    return fsspec
