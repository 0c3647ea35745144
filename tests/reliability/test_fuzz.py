"""Hypothesis fuzz over the readers (JSONL, CSV, text, Parquet; gzip, xz, bz2, zstd) and the
CLI: random bytes and mutated valid files either read or fail with one line, never a
traceback. (`benchmarks/fuzz_readers.py` runs the readers under atheris, by hand.)"""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import os
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dedup.errors import DedupError
from dedup.io.readers import DocumentReader
from reliability.battery import TALLY, accounted, run

# More by hand: DEDUP_FUZZ_EXAMPLES=20000 (benchmarks/reliability_battery.py --fuzz 20000).
READER_EXAMPLES = int(os.environ.get("DEDUP_FUZZ_EXAMPLES", "400"))
NAMES = ["a.jsonl", "a.txt", "a.csv", "a.tsv", "a.json", "a.parquet"]
PACKED = ["a.jsonl.gz", "a.csv.xz", "a.jsonl.bz2", "a.jsonl.zst", "a.parquet.gz"]
SEEDS = {
    "jsonl": b'{"text": "one"}\n{"text": "two", "id": 2}\n',
    "csv": b'id,text\n1,"one, quoted"\n2,two\n',
}


def _parquet_seed() -> bytes:
    import pyarrow as pa
    import pyarrow.parquet as pq

    buf = io.BytesIO()
    pq.write_table(pa.table({"text": ["one", "two"], "id": [1, 2]}), buf)
    return buf.getvalue()


def _pack(name: str, data: bytes) -> bytes:
    import zstandard

    packers = {
        ".gz": gzip.compress,
        ".xz": lzma.compress,
        ".bz2": bz2.compress,
        ".zst": zstandard.ZstdCompressor().compress,
    }
    packer = packers.get(Path(name).suffix)
    return packer(data) if packer else data


@st.composite
def files(draw: st.DrawFn) -> tuple[str, bytes]:
    """A file name and contents: random bytes, or a valid file with bytes flipped, cut or
    inserted (before or after compression)."""
    name = draw(st.sampled_from(NAMES + PACKED))
    if draw(st.booleans()):
        return name, draw(st.binary(max_size=400))
    inner = name.split(".")[1]
    seed = _parquet_seed() if inner == "parquet" else SEEDS.get(inner, SEEDS["jsonl"])
    raw = bytearray(seed if draw(st.booleans()) else _pack(name, seed))
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, max(0, len(raw) - 1)))
        action = draw(st.sampled_from(["flip", "cut", "insert"]))
        if action == "flip" and raw:
            raw[at] ^= draw(st.integers(1, 255))
        elif action == "cut":
            del raw[at:]
        else:
            raw[at:at] = draw(st.binary(min_size=1, max_size=8))
    return name, bytes(raw)


@settings(
    max_examples=READER_EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(file=files())
def test_readers_either_read_or_say_why_in_one_line(
    tmp_path: Path, file: tuple[str, bytes]
) -> None:
    name, data = file
    path = tmp_path / name
    path.write_bytes(data)
    TALLY.reader_examples += 1
    message = ""
    try:
        docs = list(DocumentReader(encoding="auto").read([str(path)]))
    except DedupError as ex:
        message, docs = str(ex), []
    except Exception:
        TALLY.reader_crashes += 1
        raise
    assert "\n" not in message  # one line, for stderr
    for doc in docs:
        doc.text.encode("utf-8")  # every text read can be written back


@settings(
    max_examples=max(1, READER_EXAMPLES // 5),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    file=files(),
    command=st.sampled_from(["scan", "check", "clean", "index"]),
)
def test_the_cli_on_fuzzed_files_never_shows_a_traceback(
    tmp_path: Path, file: tuple[str, bytes], command: str
) -> None:
    name, data = file
    path = tmp_path / name
    path.write_bytes(data)
    out = tmp_path / "out"
    args = {
        "scan": ("scan", path, "-q"),
        "check": ("check", path),
        "clean": ("clean", path, "-o", out, "-q"),
        "index": ("index", "build", path, "-o", f"{out}.idx"),
    }[command]
    outcome = run(*args, "--no-passages", "--allow-empty", inputs=[path])
    if command == "clean" and outcome.code == 0:
        reader = DocumentReader()
        read = sum(1 for _ in reader.read([str(path)])) + len(reader.skipped)
        accounted(out, read)  # every record read is written or rejected
