"""Readers and writers for every input format: round trips, compression, bad records."""

from __future__ import annotations

import bz2
import csv
import gzip
import io
import json
import lzma
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import zstandard

from dedup.document import Document
from dedup.errors import InputError
from dedup.io.compression import open_read
from dedup.io.formats import detect_format
from dedup.io.readers import DocumentReader, read_documents
from dedup.io.writers import write_like
from dedup.progress import ProgressLine, activity, progress_enabled, track
from dedup.render import RunSummary, clean_summary, scan_summary

ROWS = [
    {"id": "n1", "text": "The council approved the new budget on Tuesday.", "year": 2021},
    {
        "id": "n2",
        "text": "Rain is expected across the region, with «gusts» — up to 80 km/h.",
        "year": 2022,
    },
    {"id": "n3", "text": "Line one\nline two, with a comma", "year": 2023},
]
COMPRESS = {"": lambda b: b, ".gz": gzip.compress, ".zst": zstandard.ZstdCompressor().compress}


def _jsonl(rows) -> bytes:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows).encode("utf-8")


def _csv(rows, delimiter=",") -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, ["id", "text", "year"], delimiter=delimiter)
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def _parquet(rows) -> bytes:
    sink = io.BytesIO()
    pq.write_table(pa.Table.from_pylist(rows), sink)
    return sink.getvalue()


def _read(*paths, **options):
    reader = DocumentReader(**options)
    return list(reader.read([str(p) for p in paths])), reader


@pytest.mark.parametrize("suffix", ["", ".gz", ".zst"])
@pytest.mark.parametrize(
    ("name", "encode"), [("c.jsonl", _jsonl), ("c.csv", _csv), ("c.parquet", _parquet)]
)
def test_records_round_trip_with_default_ids(tmp_path, name, encode, suffix):
    path = tmp_path / (name + suffix)
    path.write_bytes(COMPRESS[suffix](encode(ROWS)))
    docs, reader = _read(path)
    assert [d.id for d in docs] == [f"{path}:{i}" for i in (1, 2, 3)]
    assert [d.text for d in docs] == [r["text"] for r in ROWS]
    year = docs[1].meta["year"]
    assert str(year) == "2022"
    assert docs[1].meta["id"] == "n2"
    assert "text" not in docs[1].meta
    assert reader.skipped == []
    assert (
        reader.formats[str(path)].compression == {"": None, ".gz": "gzip", ".zst": "zstd"}[suffix]
    )


@pytest.mark.parametrize("name", ["c.jsonl.gz", "c.csv.zst", "c.parquet"])
def test_id_field_and_text_field(tmp_path, name):
    rows = [{"key": r["id"], "body": r["text"]} for r in ROWS]
    encoded = {"jsonl": _jsonl, "csv": _csv_generic, "parquet": _parquet}[detect_format(name).kind](
        rows
    )
    path = tmp_path / name
    path.write_bytes(COMPRESS[Path(name).suffix if Path(name).suffix in COMPRESS else ""](encoded))
    docs, _ = _read(path, text_field="body", id_field="key")
    assert [(d.id, d.text) for d in docs] == [(r["key"], r["body"]) for r in rows]


def _csv_generic(rows) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def test_compressed_text_file_and_tsv(tmp_path):
    (tmp_path / "a.txt.gz").write_bytes(gzip.compress("Café au lait.\r\n".encode()))
    (tmp_path / "b.tsv").write_bytes(_csv(ROWS, delimiter="\t"))
    docs, _ = _read(tmp_path)
    assert docs[0] == Document(
        str(tmp_path / "a.txt.gz"), "Café au lait.\r\n", str(tmp_path / "a.txt.gz")
    )
    assert [d.text for d in docs[1:]] == [r["text"] for r in ROWS]


def test_directory_is_recursive_sorted_and_ignores_other_files(tmp_path):
    (tmp_path / "z").mkdir()
    (tmp_path / "z" / "a.md").write_text("Deep.", encoding="utf-8")
    (tmp_path / "b.csv.gz").write_bytes(gzip.compress(_csv(ROWS[:1])))
    (tmp_path / "a.txt").write_text("Top.", encoding="utf-8")
    (tmp_path / "image.png").write_bytes(b"\x89PNG")
    docs, _ = _read(tmp_path)
    assert [Path(d.source).name for d in docs] == ["a.txt", "b.csv.gz:1", "a.md"]


def test_magic_bytes_decide_over_a_plain_suffix(tmp_path):
    path = tmp_path / "c.jsonl"
    path.write_bytes(gzip.compress(_jsonl(ROWS)))
    docs, _ = _read(path)
    assert len(docs) == 3


@pytest.mark.parametrize("suffix", [".gz", ".xz", ".bz2", ".zst", ""])
def test_closing_a_decompressed_file_closes_the_file(tmp_path, seed_texts, suffix):
    # A walked folder's .gz files stayed open after reading (GzipFile leaves its stream
    # open): a ResourceWarning per file, an error where warnings are errors.
    text = next(iter(seed_texts.values()))
    pack = {".xz": lzma.compress, ".bz2": bz2.compress, **COMPRESS}[suffix]
    path = tmp_path / f"a.txt{suffix}"
    path.write_bytes(pack(text.encode("utf-8")))
    raw = path.open("rb")
    with open_read(path, lambda: raw) as fh:
        assert fh.read().decode("utf-8") == text
    assert raw.closed


def test_suffix_promising_compression_on_plain_data_is_an_error(tmp_path):
    path = tmp_path / "c.jsonl.gz"
    path.write_bytes(_jsonl(ROWS))
    with pytest.raises(InputError, match="not gzip"):
        _read(path)


def test_damaged_gzip_is_one_input_error(tmp_path):
    path = tmp_path / "c.jsonl.gz"
    path.write_bytes(gzip.compress(_jsonl(ROWS * 50))[:-30])
    with pytest.raises(InputError, match="damaged"):
        _read(path)


def test_bad_jsonl_records_are_skipped_counted_and_kept_raw(tmp_path):
    path = tmp_path / "c.jsonl"
    path.write_bytes(
        b'{"text": "good one"}\n{oops\n[1, 2]\n{"text": 5}\n{"body": "x"}\n'
        b'{"text": "caf\xe9"}\n\n{"text": "good two"}\n'
    )
    docs, reader = _read(path)
    assert [d.text for d in docs] == ["good one", "good two"]
    assert [s.source.rsplit(":", 1)[1] for s in reader.skipped] == ["2", "3", "4", "5", "6"]
    reasons = [s.reason for s in reader.skipped]
    assert reasons[0].startswith("not valid JSON")
    assert "UTF-8" in reasons[4]
    assert reader.skipped[0].raw == "{oops"
    assert reader.skipped[4].raw == '{"text": "caf\\xe9"}'
    with pytest.raises(InputError, match=r"c.jsonl:2: not valid JSON .*drop --strict"):
        _read(path, strict=True)


def test_bad_csv_rows_are_skipped_and_the_next_rows_read(tmp_path):
    path = tmp_path / "c.csv"
    path.write_bytes(b'id,text\n1,first\n2,too,many\n3,caf\xe9\n4,"last, row"\n')
    docs, reader = _read(path)
    assert [d.text for d in docs] == ["first", "last, row"]
    assert [(s.source.rsplit(":", 1)[1], s.reason) for s in reader.skipped] == [
        ("2", "has 3 fields, the header has 2"),
        ("3", "not valid UTF-8"),
    ]
    assert reader.skipped[0].raw == "2,too,many"


def test_large_csv_field_is_read(tmp_path):
    text = "word " * 60_000  # over the csv module's default 128 KiB field limit
    path = tmp_path / "c.csv"
    path.write_bytes(_csv_generic([{"text": text}]))
    assert _read(path)[0][0].text == text


def test_parquet_nulls_are_skipped_and_missing_columns_are_file_errors(tmp_path):
    path = tmp_path / "c.parquet"
    path.write_bytes(_parquet([{"text": "ok"}, {"text": None}]))
    docs, reader = _read(path)
    assert [d.text for d in docs] == ["ok"]
    assert reader.skipped[0].reason == "field 'text' is null, not a string"
    with pytest.raises(InputError, match=r"no column 'body'.*--text-field"):
        _read(path, text_field="body")
    numbers = tmp_path / "n.parquet"
    numbers.write_bytes(_parquet([{"text": 1}]))
    with pytest.raises(InputError, match="holds int64, not strings"):
        _read(numbers)


def test_parquet_streams_in_batches(tmp_path):
    rows = [{"text": f"document number {i}"} for i in range(2500)]
    path = tmp_path / "big.parquet"
    pq.write_table(pa.Table.from_pylist(rows), path, row_group_size=700)
    docs = DocumentReader().read([str(path)])
    first = next(docs)
    assert first.id == f"{path}:1"
    assert sum(1 for _ in docs) == 2499


@pytest.mark.parametrize(
    ("content", "match"),
    [
        (None, "no such file"),
        (b"PAR1 not really", "not a readable Parquet"),
        (b"caf\xe9", "--encoding auto"),
    ],
)
def test_file_errors_are_input_errors(tmp_path, content, match):
    name = "x.parquet" if content and content.startswith(b"PAR1") else "x.txt"
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(InputError, match=match):
        _read(path)


@pytest.mark.parametrize(
    "name", ["out.jsonl", "out.jsonl.gz", "out.csv", "out.csv.zst", "out.parquet", "out.tsv.gz"]
)
def test_write_like_round_trips_through_the_reader(tmp_path, name):
    source = tmp_path / ("in" + name.removeprefix("out"))
    encode = {"jsonl": _jsonl, "csv": _csv, "parquet": _parquet}[detect_format(name).kind]
    raw = encode(ROWS) if not name.startswith("out.tsv") else _csv(ROWS, delimiter="\t")
    suffix = Path(name).suffix
    source.write_bytes(COMPRESS[suffix if suffix in COMPRESS else ""](raw))
    docs, reader = _read(source)
    edited = [Document(d.id, d.text.upper(), d.source, d.meta) for d in docs[:2]]
    out = tmp_path / name
    assert write_like(out, edited, reader.formats[str(source)]) == 2
    again, reader2 = _read(out)
    assert [d.text for d in again] == [r["text"].upper() for r in ROWS[:2]]
    assert [dict(d.meta) for d in again] == [dict(d.meta) for d in docs[:2]]
    assert reader2.formats[str(out)].columns == reader.formats[str(source)].columns
    if name.endswith(".parquet"):
        assert pq.read_schema(out) == pq.read_schema(source)
    assert out.stat().st_mode & 0o044  # readable like any file, not mkstemp's 0600


def test_write_like_is_byte_identical_for_equal_input(tmp_path):
    docs = [Document("a", "Same text.", meta={"id": "a"})]
    for name in ("a.jsonl.gz", "b.jsonl.gz"):
        write_like(tmp_path / name, docs, detect_format(name))
    assert (tmp_path / "a.jsonl.gz").read_bytes() == (tmp_path / "b.jsonl.gz").read_bytes()


def test_empty_outputs_keep_their_columns(tmp_path):
    source = tmp_path / "in.csv"
    source.write_bytes(_csv(ROWS))
    _, reader = _read(source)
    write_like(tmp_path / "out.csv", [], reader.formats[str(source)])
    assert (tmp_path / "out.csv").read_text(encoding="utf-8") == "id,text,year\n"


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_is_off_when_not_a_terminal_or_quiet():
    assert not progress_enabled(stream=io.StringIO())
    assert not progress_enabled(quiet=True, stream=_Terminal())
    assert progress_enabled(stream=_Terminal())
    out = io.StringIO()
    assert list(track(range(5), "reading", enabled=progress_enabled(stream=out), stream=out)) == [
        0,
        1,
        2,
        3,
        4,
    ]
    assert out.getvalue() == ""


def test_progress_draws_on_a_terminal_and_erases_itself():
    term = _Terminal()
    assert sum(track(range(5), "reading", enabled=True, stream=term, delay=0)) == 10
    drawn = term.getvalue()
    assert "reading: 1 docs" in drawn
    assert drawn.endswith("\r")
    line = ProgressLine("x", stream=term)
    line.close()  # never drawn: nothing to erase
    assert term.getvalue() == drawn


def test_activity_shows_elapsed_time_on_a_terminal():
    term = _Terminal()
    import time

    with activity("scanning", enabled=True, stream=term, delay=0):
        time.sleep(0.05)
    assert "scanning: 0 s" in term.getvalue()


def test_summary_tables():
    s = scan_summary({"documents": 10, "duplicate_documents": 3}, skipped=2, seconds=4.0)
    assert s == RunSummary(10, 3, 7, None, 2, 4.0)
    table = dict(line.split(maxsplit=1) for line in s.render().splitlines())
    assert table == {
        "documents": "10",
        "duplicates": "3",
        "kept": "7",
        "rejected": "-",
        "unreadable": "2",
        "time": "4.00 s",
        "docs/s": "2",
    }
    counts = {"read": 12, "written": 8, "rejected": 4, "near_duplicates": 3, "unreadable": 1}
    assert clean_summary(counts, 1.0) == RunSummary(11, 3, 8, 4, 1, 1.0)


def test_a_categorical_parquet_text_column_is_read_and_written_back_as_it_was(tmp_path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    from dedup.clean import clean
    from dedup.io.readers import DocumentReader

    texts = ["The council met on Monday about the budget.", "The river bridge opens in May."]
    path = tmp_path / "cat.parquet"  # what pandas writes for a category column
    pq.write_table(pa.table({"text": pa.array(texts).dictionary_encode()}), path)
    assert [d.text for d in DocumentReader().read([str(path)])] == texts
    clean([str(path)], tmp_path / "out")
    back = pq.read_table(tmp_path / "out" / "cat.parquet")
    assert back.schema == pq.read_table(path).schema
    assert back.column("text").to_pylist() == texts


def test_a_bad_json_record_says_what_is_wrong_and_where(tmp_path):
    # A string left open runs into the line's end: the record is "Unterminated", and the
    # reason names the column, not "Invalid control character at" with nothing after it.
    path = tmp_path / "c.jsonl"
    path.write_text('{"id": "bad1", "text": "unterminated\n{"text": "fine"}\n', encoding="utf-8")
    reader = DocumentReader()
    assert [d.text for d in reader.read([str(path)])] == ["fine"]
    reason = reader.skipped[0].reason
    assert reason == "not valid JSON (Unterminated string starting at column 24)"


_ENCODED = Path(__file__).parent / "data" / "encodings"
# chardet 5.x (what readability-lxml of the `labels` extra pins) reads these two as Latin-1.
_NEEDS_CHARDET_7 = {"pl_apropos.1.iso8859_2.txt", "tr_chage.1.cp1254.txt"}


@pytest.mark.parametrize("name", sorted(p.name for p in _ENCODED.iterdir()))
def test_encoding_auto_reads_real_legacy_files_as_written(tmp_path, name):
    """Real files in legacy encodings (Debian changelogs in Latin-1 with a few accented
    names, man pages in Latin-1, Latin-2, cp1251, KOI8-R, cp1254; the encoding they were
    written in is in the name): `auto` gives the text they hold. charset-normalizer read
    every one of them wrong (Big5 for the PAM changelog, a new-user trial)."""
    import chardet

    if name in _NEEDS_CHARDET_7 and int(chardet.__version__.split(".")[0]) < 7:
        pytest.skip("chardet < 7 guesses Latin-1 for this one")
    raw = (_ENCODED / name).read_bytes()
    written_in = name.rsplit(".", 2)[-2]
    (doc,) = read_documents([str(_ENCODED / name)], encoding="auto")  # the API, as --encoding
    assert doc.text == raw.decode(written_in)
    assert raw.decode(doc.meta["encoding"]) == doc.text  # what `clean` writes back with


def test_a_walk_names_what_it_does_not_follow_or_open(tmp_path, monkeypatch):
    # A linked folder (data/2024 -> another disk), a FIFO and a broken link were passed over
    # without a word: their documents were missing from the output and nothing said so.
    import os

    from dedup.io.formats import walk
    from dedup.io.readers import passed_over_note

    data = tmp_path / "data"
    (data / "sub").mkdir(parents=True)
    (data / "a.txt").write_text("a document")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "b.txt").write_text("another document")
    (data / "linked").symlink_to(elsewhere)
    (data / "sub" / "loop").symlink_to(data)
    (data / "broken.txt").symlink_to(tmp_path / "gone.txt")
    os.mkfifo(data / "pipe.txt")
    (data / "logo.png").write_bytes(b"\0logo")  # no signature: only its suffix is known
    read, passed = walk(data)
    assert [p.name for p in read] == ["a.txt"]
    assert sorted(p.name for p in passed) == [
        "broken.txt",
        "linked",
        "logo.png",
        "loop",
        "pipe.txt",
    ]
    monkeypatch.chdir(tmp_path)
    note = passed_over_note(sorted(str(p.relative_to(tmp_path)) for p in passed))
    assert note.splitlines() == [
        "note: not read (not a corpus format; name a file to read it as text): data/logo.png",
        "note: not read (a link to a folder, not followed; name it to read it): data/linked, "
        "data/sub/loop",
        "note: not read (not a regular file: a FIFO, socket or device): data/pipe.txt",
        "note: not read (a broken link): data/broken.txt",
    ]


def _deny(monkeypatch, locked: Path, *, listing: bool) -> None:
    """Make `locked` a folder the OS will not let us list (`listing`) or enter, as
    `chmod 000` / `chmod 644` would for a user other than root (whom no mode stops)."""
    import os

    def inside(path) -> bool:
        return Path(path) == locked or locked in Path(path).parents

    def scandir(path="."):
        if inside(path):
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    def is_file(self) -> bool:
        if locked in self.parents:
            raise PermissionError(13, "Permission denied", str(self))
        return real_is_file(self)

    real_scandir, real_is_file = os.scandir, Path.is_file
    if listing:
        monkeypatch.setattr(os, "scandir", scandir)
    else:
        monkeypatch.setattr(Path, "is_file", is_file)


@pytest.mark.parametrize("listing", [True, False], ids=["mode 000", "mode 644"])
def test_a_folder_the_walk_cannot_read_is_an_error_naming_it(tmp_path, monkeypatch, listing):
    # `dedup clean DIR -o out` with `chmod 000 DIR/locked` exited 0 and rejects.jsonl did
    # not name the folder: the walk (rglob) passed over it without a word. A file the walk
    # cannot open is one error line ("cannot be read (Permission denied)"), and so is it.
    from dedup.io.formats import walk

    (tmp_path / "a.txt").write_text("a document", encoding="utf-8")
    locked = tmp_path / "locked"
    locked.mkdir()
    (locked / "b.txt").write_text("a document no one may read", encoding="utf-8")
    _deny(monkeypatch, locked, listing=listing)
    named = locked if listing else locked / "b.txt"
    with pytest.raises(InputError) as raised:
        walk(tmp_path)
    assert str(raised.value) == (
        f"{named}: cannot be read (Permission denied); check the path and its permissions"
    )
    for path in (tmp_path, locked):  # as the walk's root too, and through the reader
        with pytest.raises(InputError, match=r": cannot be read \(Permission denied\); check"):
            list(DocumentReader().read([str(path)]))


def test_a_path_through_a_folder_that_cannot_be_entered_is_an_error(tmp_path, monkeypatch):
    # `dedup scan locked/b.txt` (or a glob in it) was a PermissionError traceback.
    locked = tmp_path / "locked"
    real_exists = Path.exists

    def exists(self) -> bool:
        if locked in self.parents:
            raise PermissionError(13, "Permission denied", str(self))
        return real_exists(self)

    monkeypatch.setattr(Path, "exists", exists)
    for name in ("b.txt", "*.txt"):
        with pytest.raises(InputError, match=r": cannot be read \(Permission denied\); check"):
            list(DocumentReader().read([str(locked / name)]))


def test_a_walk_reads_folders_depth_first_in_name_order(tmp_path):
    # The order of sorted(rglob("*")), which the walk had: outputs and ids depend on it.
    from dedup.io.formats import walk

    for name in ("b.txt", "a/z.txt", "a/b/c.txt", "a.txt", ".hidden/x.txt", "a/.git/y.txt"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("text", encoding="utf-8")
    read, passed = walk(tmp_path)
    assert [p.relative_to(tmp_path).as_posix() for p in read] == [
        "a/b/c.txt",
        "a/z.txt",
        "a.txt",
        "b.txt",
    ]
    assert passed == []


def test_a_walk_reads_a_packages_documents_whatever_their_suffix(tmp_path):
    # A new-user trial's walk of /usr/share/doc passed over 95 of 303 files: every
    # changelog.Debian.gz, README.Debian, NEWS.Debian.gz. A name of a package's document
    # is read when it is text; other suffixes are still passed over.
    import gzip

    from dedup.io.formats import walk

    (tmp_path / "README.Debian").write_text("Notes for Debian.\n", encoding="utf-8")
    (tmp_path / "changelog.Debian.gz").write_bytes(gzip.compress(b"pkg (1.0) unstable\n"))
    (tmp_path / "NEWS.Debian.gz").write_bytes(gzip.compress(b"Changes.\n"))
    (tmp_path / "README.pdf").write_bytes(b"%PDF-1.4\0binary")
    (tmp_path / "script.pl").write_text("print 1;\n", encoding="utf-8")
    read, passed = walk(tmp_path)
    assert [p.name for p in read] == ["NEWS.Debian.gz", "README.Debian", "changelog.Debian.gz"]
    assert sorted(p.name for p in passed) == ["README.pdf", "script.pl"]


def test_an_id_that_is_not_a_string_or_a_number_is_a_bad_record(tmp_path):
    # Such ids became Python reprs ("{'a': 1}", "True"), names no JSON tool would match.
    path = tmp_path / "ids.jsonl"
    rows = [{"id": [1, 2]}, {"id": {"a": 1}}, {"id": True}, {"id": 7}, {"id": 1.5}, {"id": "x"}]
    path.write_text("".join(json.dumps({**r, "text": "some words"}) + "\n" for r in rows))
    reader = DocumentReader(id_field="id")
    assert [d.id for d in reader.read([str(path)])] == ["7", "1.5", "x"]
    assert [(s.source.rsplit(":", 1)[1], s.reason) for s in reader.skipped] == [
        ("1", "field 'id' is a list, not a string or a number; pass another --id-field"),
        ("2", "field 'id' is an object, not a string or a number; pass another --id-field"),
        ("3", "field 'id' is true, not a string or a number; pass another --id-field"),
    ]


def test_a_jsonl_record_notes_where_its_text_was_unless_last(tmp_path):
    rows = [{"text": "a", "id": 1, "url": "u"}, {"id": 2, "text": "b", "url": "u"}, ROWS[0]]
    rows.append({"id": 3, "url": "u", "text": "c"})
    path = tmp_path / "c.jsonl"
    path.write_bytes(_jsonl(rows))
    docs, _ = _read(path)
    assert [d.text_at for d in docs] == [0, 1, 1, None]
    assert [list(d.record()) for d in docs] == [list(r) for r in rows]
    assert docs[0].record("body") == {"body": "a", "id": 1, "url": "u"}  # the place, renamed


def test_csv_and_parquet_rows_keep_their_columns_order_not_a_text_place(tmp_path):
    for name, encode in (("c.csv", _csv), ("c.parquet", _parquet)):
        path = tmp_path / name
        path.write_bytes(encode(ROWS))
        docs, reader = _read(path)
        assert {d.text_at for d in docs} == {None}  # the writers follow the header or schema
        out = tmp_path / f"out-{name}"
        write_like(out, docs, reader.formats[str(path)])
        assert reader.formats[str(path)].columns == ("id", "text", "year")
        assert _read(out)[1].formats[str(out)].columns == ("id", "text", "year")
