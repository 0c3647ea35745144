"""Coverage-guided fuzzing of the readers with atheris: any exception but a one-line
`DedupError` is a crash.

Each input is written as a file of one of the supported formats (chosen by its first byte,
which also picks `--encoding auto` half the time), read through `DocumentReader`, and every
document read must encode as UTF-8. Run by hand
(`pip install atheris`), for as long as you like:

    .venv/bin/python benchmarks/fuzz_readers.py -max_total_time=180 -rss_limit_mb=4096
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import atheris

with atheris.instrument_imports():
    from dedup.errors import DedupError
    from dedup.io.readers import DocumentReader

NAMES = ("a.jsonl", "a.txt", "a.csv", "a.tsv", "a.jsonl.gz", "a.csv.zst", "a.jsonl.xz", "a.json")
NAMES += ("a.parquet", "a.jsonl.bz2", "README")
ROOT = Path(tempfile.mkdtemp(prefix="dedup-fuzz-"))


def one_input(data: bytes) -> None:
    if not data:
        return
    path = ROOT / NAMES[data[0] % len(NAMES)]
    path.write_bytes(data[1:])
    encoding = "auto" if data[0] & 0x80 else "utf-8"  # half the runs detect the encoding
    try:
        docs = list(DocumentReader(encoding=encoding).read([str(path)]))
    except DedupError as ex:
        if "\n" in str(ex):
            msg = f"a many-line error: {ex!r}"
            raise AssertionError(msg) from ex
        return
    for doc in docs:
        doc.text.encode("utf-8")


if __name__ == "__main__":
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()
