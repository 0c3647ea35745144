"""The CLI over every input format: stdin, --strict, --quiet, the summary, clean's outputs."""

from __future__ import annotations

import csv
import gzip
import json
import os

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from cli_helpers import run_cli
from click.testing import CliRunner

from dedup.cli import cli


def _run(*args: str, input: str | bytes | None = None):
    return CliRunner().invoke(cli, list(args), input=input)


def _rows(seed_texts):
    rows = [{"id": k, "text": v, "lang": "en"} for k, v in seed_texts.items()]
    return [*rows, {"id": "copy", "text": rows[0]["text"], "lang": "en"}]


def test_scan_reads_parquet_and_reports_the_copy(tmp_path, seed_texts):
    path = tmp_path / "c.parquet"
    pq.write_table(pa.Table.from_pylist(_rows(seed_texts)), path)
    result = _run("scan", str(path), "--id-field", "id", "--format", "json", "--no-passages")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert [d["id"] for d in report["documents"]] == [*seed_texts, "copy"]
    assert report["summary"]["duplicate_documents"] == 1


def test_stdin_jsonl_plain_and_gzipped(seed_texts):
    lines = "".join(json.dumps({"text": t}) + "\n" for t in seed_texts.values())
    for data in (lines, gzip.compress(lines.encode("utf-8"))):
        result = _run("scan", "-", "--format", "json", "--quiet", input=data)
        assert result.exit_code == 0, result.output
        ids = [d["id"] for d in json.loads(result.stdout)["documents"]]
        assert ids == [f"-:{i}" for i in range(1, len(seed_texts) + 1)]


def test_bad_records_skip_and_count_or_strict_exit_2(tmp_path):
    path = tmp_path / "c.csv"
    path.write_bytes(b'id,text\n1,"A short note about rain."\n2,oops,extra\n3,"caf\xe9"\n')
    result = _run("scan", str(path), "--no-passages")
    assert result.exit_code == 0, result.output
    assert "skipped " + str(path) + ":2 has 3 fields" in result.stderr
    summary = dict(line.split(maxsplit=1) for line in result.stderr.splitlines()[-7:])
    assert summary["documents"] == "1"
    assert summary["unreadable"] == "2"
    strict = _run("scan", str(path), "--strict")
    assert strict.exit_code == 2
    assert "Traceback" not in strict.output
    assert f"{path}:2: has 3 fields, the header has 2 (drop --strict" in strict.output


def test_quiet_prints_nothing_on_stderr_and_progress_is_off_in_a_pipe(tmp_path):
    path = tmp_path / "c.jsonl"
    path.write_text('{"text": "One line of text."}\nnot json\n', encoding="utf-8")
    quiet = _run("scan", str(path), "--quiet", "--format", "json")
    assert quiet.exit_code == 0, quiet.output
    assert quiet.stderr == ""
    loud = _run("scan", str(path), "--format", "json")
    assert "documents" in loud.stderr
    assert "\r" not in loud.stderr  # CliRunner's stderr is not a terminal: no progress line


def test_check_and_compare_are_quiet_too(tmp_path, seed_paths):
    path = tmp_path / "c.jsonl"
    path.write_text('{"text": "One line of text, long enough."}\nnot json\n', encoding="utf-8")
    assert "skipped" in _run("check", str(path)).stderr
    assert _run("check", str(path), "-q").stderr == ""
    pair = [str(seed_paths["000"]), str(seed_paths["004"])]
    compare = _run("compare", *pair, "-q")
    assert compare.exit_code == 0, compare.output
    assert compare.stderr == ""


def test_the_note_of_a_scan_on_disk_is_quiet_with_q(tmp_path, seed_paths):
    """Past --memory-limit the scan says it runs on disk, unless -q (it printed the note
    with -q too)."""
    pair = [str(seed_paths["000"]), str(seed_paths["004"])]
    spill = ["--memory-limit", "10KB", "--tmp-dir", str(tmp_path), "--format", "json"]
    loud = _run("scan", *pair, *spill)
    assert "note: finding passages in 2 documents needs about" in loud.stderr
    quiet = _run("scan", *pair, *spill, "-q")
    assert quiet.exit_code == 0, quiet.output
    assert quiet.stderr == ""
    assert json.loads(quiet.stdout) == json.loads(loud.stdout)


def test_an_unwritable_tmp_dir_fails_before_any_reading(tmp_path, seed_texts):
    """A --tmp-dir through a file (or under /proc) is one usage error before the corpus is
    read: the spill it is for starts only after reading and near-duplicates (hours in)."""
    corpus = tmp_path / "c.jsonl"
    lines = [json.dumps({"text": t}) for t in seed_texts.values()]
    corpus.write_text("\n".join([*lines, "not json"]) + "\n", encoding="utf-8")
    blocker = tmp_path / "file"
    blocker.write_text("a file, not a folder", encoding="utf-8")
    for command in ("scan", "check"):
        result = _run(command, str(corpus), "--tmp-dir", str(blocker / "t"))
        assert result.exit_code == 2, result.output
        assert result.stderr.startswith("Error: Invalid value for '--tmp-dir': cannot write")
        assert "is a file, not a folder" in result.stderr
        assert "skipped" not in result.stderr  # the corpus was not read
        assert "Traceback" not in result.output
    fresh = tmp_path / "new" / "t"  # a folder that does not exist yet is made, and kept
    result = _run("scan", str(corpus), "--tmp-dir", str(fresh), "-q", "--memory-limit", "1KB")
    assert result.exit_code == 0, result.output
    assert list(fresh.iterdir()) == []  # what the spill wrote there is gone
    assert "made if missing, and kept" in " ".join(_run("scan", "--help").stdout.split())


def test_no_document_read_names_the_reason_the_records_were_skipped(tmp_path):
    path = tmp_path / "c.jsonl"
    path.write_text('{"id": "a", "text": "x y"}\n{"id": null, "text": "x z"}\n', encoding="utf-8")
    # The error names the option to fix, from the reason the records were skipped.
    cases = (
        (("--id-field", "ident"), "field 'ident' is missing; pass another --id-field"),
        (
            ("--text-field", "body"),
            "no field 'body' (keys: ['id', 'text']); pass --text-field text",
        ),
    )
    for options, reason in cases:
        result = _run("scan", str(path), *options)
        assert result.exit_code == 2, result.output
        expected = f"no document read from {path}: 2 records skipped, 2 for: {reason}"
        assert result.stderr.splitlines()[-1] == f"Error: {expected} (or pass --allow-empty)"
    # An input named twice is named once in the error (a new-user trial read "c.jsonl, c.jsonl").
    result = _run("scan", str(path), str(path), "--id-field", "ident")
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith(f"Error: no document read from {path}: 4 records skipped")
    # A null id is named as null, not as a missing field; the other record is read.
    result = _run("scan", str(path), "--id-field", "id")
    assert result.exit_code == 0, result.output
    assert f"skipped {path}:2: field 'id' is null; pass another --id-field" in result.stderr


def test_a_folder_of_files_no_format_names_is_not_an_empty_folder(tmp_path):
    # `dedup scan /usr/share/man/man1` said "no record in it" of its 17,904 `.1.gz` pages.
    man = tmp_path / "man1"
    man.mkdir()
    page = ".TH LS 1\n.SH NAME\nls \\- list directory contents\n"
    for name in ("ls.1.gz", "cp.1.gz"):
        (man / name).write_bytes(gzip.compress(page.replace("ls", name[:2]).encode()))
    for command in (("scan", str(man)), ("clean", str(man), "-o", str(tmp_path / "o"))):
        result = _run(*command, "-q")
        assert result.exit_code == 2, result.output
        assert result.stderr == (
            f"Error: no document read from {man}: 2 files not read (not a corpus format, such "
            f"as {man / 'cp.1.gz'}); name the files, or quote a glob of them, to read them as "
            "text (or pass --allow-empty)\n"
        )
    result = _run("scan", str(man / "*"), "-q", "--format", "json")  # the advice works
    assert result.exit_code == 0, result.output
    assert [d["id"] for d in json.loads(result.stdout)["documents"]] == [
        str(man / "cp.1.gz"),
        str(man / "ls.1.gz"),
    ]


def test_a_quoted_glob_that_matches_nothing_says_so(tmp_path):
    # "no such file or directory" for 'man1/*.2.gz' read as if dedup took the * literally
    (tmp_path / "ls.1.gz").write_bytes(gzip.compress(b"ls - list directory contents\n"))
    pattern = str(tmp_path / "*.2.gz")
    result = _run("scan", pattern, "-q")
    assert result.exit_code == 2, result.output
    assert result.stderr == f"Error: {pattern}: the pattern matches no file; check the path\n"
    missing = str(tmp_path / "ls.2.gz")
    result = _run("scan", missing, "-q")
    assert result.stderr == f"Error: {missing}: no such file or directory; check the path\n"


def test_an_input_named_twice_is_not_blamed_on_the_id_field(tmp_path):
    path = tmp_path / "a.txt"
    path.write_text("Some text.\n", encoding="utf-8")
    result = _run("scan", str(path), str(path))
    assert result.exit_code == 2
    assert result.stderr.strip() == f"Error: {path} is read twice; name each input once"


def test_the_o_suffix_picks_the_format_unless_format_is_given(tmp_path, seed_paths):
    one = str(seed_paths["000"])
    for name, starts in (
        ("r.json", '{\n "schema": "dedup.report/3"'),
        ("r.html", "<!DOCTYPE html>"),
    ):
        assert _run("scan", one, "-q", "-o", str(tmp_path / name)).exit_code == 0
        assert (tmp_path / name).read_text(encoding="utf-8").startswith(starts)
    assert _run("check", one, "-q", "-o", str(tmp_path / "r.sarif")).exit_code == 0
    assert json.loads((tmp_path / "r.sarif").read_text(encoding="utf-8"))["version"] == "2.1.0"
    text = tmp_path / "t.json"
    assert _run("scan", one, "-q", "--format", "text", "-o", str(text)).exit_code == 0
    assert text.read_text(encoding="utf-8").startswith("1 document, ")


def test_an_o_suffix_naming_a_format_the_command_lacks_is_an_error(tmp_path, seed_paths):
    # scan writes no SARIF or JUnit: its text report in findings.sarif would fail the upload
    one = str(seed_paths["000"])
    for name, fmt in (("findings.sarif", "sarif"), ("results.xml", "junit")):
        result = _run("scan", one, "-q", "-o", str(tmp_path / name))
        assert result.exit_code == 2, result.output
        assert result.stderr.strip() == (
            f"Error: -o {tmp_path / name}: the suffix {name[name.index('.') :]} names {fmt}, "
            "which this command does not write (text, json, html); pass --format, or choose "
            "another file name"
        )
        assert not (tmp_path / name).exists()
    forced = tmp_path / "plain.xml"
    assert _run("scan", one, "-q", "--format", "text", "-o", str(forced)).exit_code == 0
    assert forced.read_text(encoding="utf-8").startswith("1 document, ")


def test_file_errors_are_one_line_exit_2(tmp_path):
    damaged = tmp_path / "c.jsonl.gz"
    damaged.write_bytes(gzip.compress(b'{"text": "x"}\n' * 500)[:-20])
    no_column = tmp_path / "c.parquet"
    pq.write_table(pa.Table.from_pylist([{"body": "x"}]), no_column)
    for path, words in (
        (damaged, "damaged"),
        (no_column, "no column 'text'"),
        (tmp_path / "missing.csv", "no such file"),
    ):
        result = _run("scan", str(path))
        assert result.exit_code == 2, result.output
        assert words in result.output
        assert "Traceback" not in result.output
        assert len(result.output.strip().splitlines()) == 1


def test_clean_writes_each_input_in_its_format(tmp_path, seed_texts):
    rows = _rows(seed_texts)
    src = tmp_path / "in"
    src.mkdir()
    pq.write_table(pa.Table.from_pylist(rows), src / "a.parquet")
    lines = "".join(json.dumps(r) + "\n" for r in rows) + "not json\n"
    (src / "b.jsonl.gz").write_bytes(gzip.compress(lines.encode("utf-8")))
    with (src / "c.csv").open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, ["id", "text", "lang"])
        writer.writeheader()
        writer.writerow({"id": "extra", "text": "A note on spring gardening.", "lang": "en"})
    out = tmp_path / "out"
    result = _run("clean", str(src), "-o", str(out), "--no-passages")
    assert result.exit_code == 0, result.output
    table = pq.read_table(out / "a.parquet")
    assert table.schema == pq.read_schema(src / "a.parquet")
    jsonl = gzip.decompress((out / "b.jsonl.gz").read_bytes()).decode("utf-8").splitlines()
    kept_jsonl = [json.loads(line) for line in jsonl]
    assert all(set(r) == {"id", "text", "lang"} for r in kept_jsonl)
    with (out / "c.csv").open(encoding="utf-8", newline="") as fh:
        kept_csv = list(csv.DictReader(fh))
    assert kept_csv == [{"id": "extra", "text": "A note on spring gardening.", "lang": "en"}]
    rejects = [json.loads(x) for x in (out / "rejects.jsonl").read_text().splitlines()]
    assert sum(r["reason"] == "unreadable" for r in rejects) == 1
    # Nothing lost: every record read is written or rejected.
    written = table.num_rows + len(kept_jsonl) + len(kept_csv)
    assert written + len(rejects) == 2 * len(rows) + 1 + 1
    assert "rejected" in result.stderr


def test_a_passage_scan_too_big_for_memory_is_announced(tmp_path, monkeypatch):
    path = tmp_path / "a.txt"
    path.write_text("The committee met on Monday to discuss the budget. " * 40, encoding="utf-8")
    monkeypatch.setattr("dedup.cli.default_memory_limit", lambda: 5_000)
    result = CliRunner().invoke(cli, ["scan", str(path), "--format", "json"])
    assert result.exit_code == 0
    assert "note: finding passages in 1 document needs about" in result.stderr
    assert "runs in parts on disk" in result.stderr
    assert "--no-passages" in result.stderr
    quiet = CliRunner().invoke(cli, ["scan", str(path), "--no-passages", "--format", "json"])
    assert "note" not in quiet.stderr
    never = CliRunner().invoke(cli, ["scan", str(path), "--memory-limit", "0"])
    assert "note" not in never.stderr
    monkeypatch.setattr("dedup.cli.default_memory_limit", lambda: 2**40)
    assert "note" not in CliRunner().invoke(cli, ["scan", str(path)]).stderr


def test_check_takes_jobs(tmp_path):
    path = tmp_path / "a.txt"
    path.write_text("The committee met on Monday to discuss the budget.", encoding="utf-8")
    result = CliRunner().invoke(cli, ["check", str(path), "--jobs", "2"])
    assert result.exit_code == 0, result.output


def test_a_byte_order_mark_opens_the_file_not_the_first_record(tmp_path):
    path = tmp_path / "bom.jsonl"
    records = b'{"id": "a", "text": "First record."}\n{"id": "b", "text": "Two."}\n'
    path.write_bytes(b"\xef\xbb\xbf" + records)
    for name in ("bom.jsonl", "bom.json"):  # .json is sniffed as JSON Lines by its first line
        target = tmp_path / name
        target.write_bytes(path.read_bytes())
        result = _run("scan", str(target), "--id-field", "id", "--format", "json", "-q")
        assert result.exit_code == 0, result.output
        assert [d["id"] for d in json.loads(result.stdout)["documents"]] == ["a", "b"]


def test_usage_errors_are_one_line_before_any_reading(tmp_path):
    path = tmp_path / "c.jsonl"
    path.write_text('{"text": "One line of text."}\nnot json\n', encoding="utf-8")
    cases = [
        (("scan", str(path), "--jobs", "-3"), "--jobs must be 0 (all cores)"),
        (("check", str(path), "--max-duplicate-ratio", "5"), "'--max-duplicate-ratio': 5.0 is not"),
        (("scan", str(path), "--encoding", "nosuch"), "--encoding 'nosuch': no such codec"),
        (("scan", str(path), "--format", "xml"), "is not one of"),
        (("scan", str(path), "--bogus"), "No such option '--bogus'"),
        (("scna", str(path)), "No such command 'scna'. Did you mean 'scan'? See `"),
        (
            ("scan", str(path), "--no-passage"),
            "Did you mean one of: '--no-boilerplate-passages', '--no-passages'",
        ),
        (("scan", str(path), "-o", str(path / "r.json")), "is a file, not a folder"),
    ]
    for args, says in cases:
        result = _run(*args)
        assert result.exit_code == 2, (args, result.output)
        # One line, and no "skipped c.jsonl:2" before it: nothing was read.
        assert result.stderr.count("\n") == 1, (args, result.stderr)
        assert result.stderr.startswith("Error: "), result.stderr
        assert says in result.stderr, result.stderr


def test_bytes_no_encoding_fits_are_not_blamed_on_a_missing_encoding(tmp_path):
    path = tmp_path / "blob.txt"
    path.write_bytes(bytes(range(128, 256)) * 20)  # no UTF-8, and no text a detector accepts
    result = _run("scan", str(path), "--encoding", "auto")
    assert result.exit_code == 2
    assert "does not decode: --encoding auto " in result.stderr
    assert "latin-1 reads any bytes" in result.stderr  # what to do, as a new-user trial asked


def test_a_binary_file_named_directly_is_not_text_not_a_missing_encoding(tmp_path):
    path = tmp_path / "tool"  # an ELF executable: no suffix, NUL bytes, not UTF-8
    path.write_bytes(b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 8 + bytes(range(256)) * 4)
    result = _run("scan", str(path))
    assert result.exit_code == 2
    # No --encoding makes an executable text (a new-user trial was told to name one).
    assert result.stderr == f"Error: {path} is not text: it is an executable (ELF); leave it out\n"


def test_a_damaged_compressed_text_file_of_a_directory_is_a_skipped_record(tmp_path):
    """A cut-off `changelog.gz` among a folder's text files (one document each) is skipped
    whole and counted; named directly it is still the one-line error."""
    corpus = tmp_path / "doc"
    corpus.mkdir()
    text = "".join(
        f"Version 2.{n} fixes bug {n * 7919 % 10007} in the parser.\n" for n in range(400)
    )
    (corpus / "NEWS.txt").write_text(text)
    cut = corpus / "changelog.txt.gz"
    packed = gzip.compress(text.encode())
    cut.write_bytes(packed[: len(packed) // 2])
    result = _run("scan", str(corpus), "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert f"skipped {cut}: the compressed data is damaged (" in result.stderr
    assert [d["id"] for d in json.loads(result.stdout)["documents"]] == [str(corpus / "NEWS.txt")]
    named = _run("scan", str(cut))
    assert named.exit_code == 2
    assert "the compressed data is damaged" in named.stderr


def test_a_damaged_shard_of_a_directory_keeps_its_records_before_the_damage(tmp_path):
    """A crawl's cut-off `.jsonl.gz` shard and a Parquet file without its footer (a copy
    that stopped half way) are skipped records of the folder, counted and rejected with the
    reason; the shard's records before the damage are kept; --strict stops; named directly,
    each is the one-line error."""
    corpus = tmp_path / "crawl"
    corpus.mkdir()
    rows = [
        {"text": f"Story {n}: the ferry left pier {n * 7919 % 101} at noon."} for n in range(3000)
    ]
    packed = gzip.compress("".join(json.dumps(r) + "\n" for r in rows).encode())
    cut = corpus / "a.jsonl.gz"
    cut.write_bytes(packed[: len(packed) // 2])
    whole = tmp_path / "whole.parquet"
    pq.write_table(pa.Table.from_pylist(rows[:50]), whole)
    footless = corpus / "b.parquet"
    footless.write_bytes(whole.read_bytes()[:-100])
    (corpus / "c.jsonl").write_text(json.dumps({"text": "The last shard is whole."}) + "\n")
    out = tmp_path / "out"
    result = _run("clean", str(corpus), "-o", str(out))
    assert result.exit_code == 0, result.stderr
    rejects = [json.loads(line) for line in (out / "rejects.jsonl").open()]
    assert [(r["source"], r["reason"]) for r in rejects] == [
        (str(cut), "unreadable"),
        (str(footless), "unreadable"),
    ]
    kept = len(gzip.decompress((out / "a.jsonl.gz").read_bytes()).splitlines())
    assert 0 < kept < 3000
    assert rejects[0]["detail"].startswith(
        f"the compressed data is damaged after {kept:,} documents ("
    )
    assert rejects[1]["detail"].startswith("not a readable Parquet file (")
    assert (out / "c.jsonl").exists()
    strict = _run("scan", str(corpus), "--strict")
    assert strict.exit_code == 2
    assert strict.stderr.startswith(f"Error: {cut}: the compressed data is damaged after ")
    for named in (cut, footless):
        result = _run("scan", str(named))
        assert result.exit_code == 2
        assert result.stderr.startswith(f"Error: {named}: ")
        assert len(result.stderr.strip().splitlines()) == 1


def test_repeated_ids_say_how_to_go_on(tmp_path):
    """Scraped data often holds the same record twice, id and all: the error names both
    places and the way out, which works (records named by file and line)."""
    record = {"id": "story-1", "text": "The harbour opened a new pier for the ferries."}
    path = tmp_path / "crawl.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in [record, record]) + "\n")
    refused = _run("scan", str(path), "--id-field", "id")
    assert refused.exit_code == 2
    assert refused.stderr == (
        f"Error: document id 'story-1' appears twice ({path}:1 and {path}:2); give --id-field "
        "a field of unique values, or leave --id-field out to name each record by its file "
        "and line\n"
    )
    named = _run("scan", str(path), "--format", "json")
    assert named.exit_code == 0
    assert [d["id"] for d in json.loads(named.stdout)["documents"]] == [f"{path}:1", f"{path}:2"]


def test_a_file_of_a_directory_that_is_not_text_is_a_skipped_record(tmp_path):
    """One undecodable file in a walked directory (as /usr/share/doc's libmp3lame0
    changelog.gz under --encoding auto) is skipped and counted like a bad JSONL line, not the
    end of the run; --strict stops at it, and a file named directly still stops the run."""
    corpus = tmp_path / "docs"
    corpus.mkdir()
    (corpus / "a.txt").write_text("The harbour opened a new pier for the ferries.\n")
    (corpus / "b.txt").write_bytes("Ferries léave at noon.\n".encode("latin-1"))
    bad = corpus / "c.txt"
    bad.write_bytes(b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 8 + bytes(range(256)) * 4)
    out = tmp_path / "out"
    result = _run("clean", str(corpus), "-o", str(out), "--encoding", "auto")
    assert result.exit_code == 0, result.stderr
    assert f"skipped {bad} is not text: it is an executable (ELF)" in result.stderr
    assert "1 unreadable" in result.stderr
    written = sorted(p.name for p in out.iterdir() if not p.name.startswith("."))
    assert written == ["a.txt", "b.txt", "rejects.jsonl", "removed.jsonl"]
    rejects = [json.loads(line) for line in (out / "rejects.jsonl").open()]
    assert [(r["source"], r["reason"], r["detail"].split(" (")[0]) for r in rejects] == [
        (str(bad), "unreadable", "is not text: it is an executable")
    ]
    strict = _run("scan", str(corpus), "--encoding", "auto", "--strict")
    assert strict.exit_code == 2
    assert strict.stderr.startswith(f"Error: {bad}: is not text: it is an executable")
    named = _run("scan", str(bad))
    assert named.exit_code == 2
    assert named.stderr.startswith(f"Error: {bad} is not text: it is an executable")


def test_a_jsonl_file_that_is_gzip_reads_the_same_with_workers(tmp_path):
    """A `.jsonl` that is gzip inside is opened by its magic bytes, whatever --jobs (the
    fuzz test: with workers its byte ranges were parsed as text, 'not valid UTF-8')."""
    records = [{"id": str(k), "text": f"Story number {k} about the harbour."} for k in range(5)]
    good = tmp_path / "good.jsonl"
    good.write_bytes(gzip.compress("".join(json.dumps(r) + "\n" for r in records).encode()))
    cut = tmp_path / "cut.jsonl"
    cut.write_bytes(good.read_bytes()[:20])
    for jobs in ("1", "2"):
        result = _run(
            "scan", str(good), "--id-field", "id", "--format", "json", "-q", "--jobs", jobs
        )
        assert result.exit_code == 0, result.output
        assert [d["id"] for d in json.loads(result.stdout)["documents"]] == list("01234")
        out = tmp_path / f"out{jobs}"
        result = _run("clean", str(cut), "-o", str(out), "--jobs", jobs, "--allow-empty")
        assert result.exit_code == 2, (jobs, result.output)
        assert "the compressed data is damaged" in result.stderr


def test_check_writes_its_findings_into_a_fifo_another_process_reads(tmp_path, seed_paths):
    # `dedup check data/ --format sarif -o pipe` feeding an uploader: the pipe stays a pipe.
    import os
    import stat
    import threading

    pipe = tmp_path / "findings.sarif"
    os.mkfifo(pipe)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(pipe.read_bytes()), daemon=True)
    reader.start()
    result = _run("check", str(seed_paths["000"]), "-q", "--format", "sarif", "-o", str(pipe))
    reader.join(timeout=10)
    assert result.exit_code == 0, result.output
    assert json.loads(got[0])["version"] == "2.1.0"
    assert stat.S_ISFIFO(pipe.lstat().st_mode)


def test_a_nested_text_field_says_how_to_flatten_the_records(tmp_path):
    # --text-field doc.body on {"doc": {"body": ...}} said "no field 'doc.body' ... pass
    # --text-field", to a user who had just passed it.
    path = tmp_path / "nested.jsonl"
    path.write_text('{"doc": {"body": "nested text here"}}\n')
    for field in ("doc.body", "doc"):
        result = _run("scan", str(path), "--text-field", field, "-q")
        assert result.exit_code == 2
        (line,) = result.stderr.splitlines()
        assert "names a top-level field" in line
        assert "jq -c '.text = .doc.body'" in line
        assert "--text-field text" in line


def test_o_dash_is_standard_output(tmp_path, seed_paths, monkeypatch):
    # `-o -` wrote a file named "-" and nothing to the pipe, where "-" reads stdin.
    monkeypatch.chdir(tmp_path)
    result = _run("scan", str(seed_paths["000"]), "-q", "--format", "json", "-o", "-")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["summary"]["documents"] == 1
    assert not (tmp_path / "-").exists()


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("clean", "a.txt"), "-o -: clean writes a folder"),
        (("index", "build", "a.txt"), "-o -: an index is written to a SQLite file"),
        (("boilerplate", "train", "a.txt"), "-o -: the model is written to a file"),
    ],
)
def test_o_dash_is_refused_where_the_output_is_no_stream(tmp_path, monkeypatch, args, says):
    # `clean X -o -` made a folder named "-" (and `index build` a SQLite file "-"), though
    # README says `-o -` is standard output: they write a folder or file of their own.
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.txt").write_text("The harbour opened a new pier for the ferries.\n")
    result = _run(*args, "-o", "-")
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith(f"Error: {says}")
    assert "not to standard output; give a" in result.stderr
    assert result.stderr.count("\n") == 1
    assert not (tmp_path / "-").exists()


def test_report_o_dash_is_standard_output(tmp_path, seed_paths, monkeypatch):
    # `dedup report r.json -o -` wrote a file named "-", where scan's `-o -` is stdout.
    monkeypatch.chdir(tmp_path)
    one = str(seed_paths["000"])
    assert _run("scan", one, "-q", "-o", "r.json").exit_code == 0
    result = _run("report", "r.json", one, "--format", "text", "-q", "-o", "-")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("1 document, ")
    assert not (tmp_path / "-").exists()


@pytest.mark.parametrize(
    ("name", "starts"), [("r.txt", "1 document, "), ("r.html", "<!DOCTYPE html>"), ("r", "<!")]
)
def test_report_format_follows_the_o_suffix(tmp_path, seed_paths, monkeypatch, name, starts):
    # `dedup report r.json -o r.txt` wrote an HTML page into r.txt (a new-user trial).
    monkeypatch.chdir(tmp_path)
    one = str(seed_paths["000"])
    assert _run("scan", one, "-q", "-o", "r.json").exit_code == 0
    result = _run("report", "r.json", one, "-q", "-o", name)
    assert result.exit_code == 0, result.output
    assert (tmp_path / name).read_text().startswith(starts)


def test_report_to_a_json_file_is_refused(tmp_path, seed_paths, monkeypatch):
    monkeypatch.chdir(tmp_path)
    one = str(seed_paths["000"])
    assert _run("scan", one, "-q", "-o", "r.json").exit_code == 0
    result = _run("report", "r.json", one, "-q", "-o", "page.json")
    assert result.exit_code == 2
    assert "the suffix .json names json, which this command does not write" in result.stderr
    assert not (tmp_path / "page.json").exists()


def test_plain_text_on_standard_input_says_to_name_the_file(tmp_path, seed_texts):
    """`cat article.txt | dedup clean -` (a new-user trial) was told to pass --allow-empty."""
    text = next(iter(seed_texts.values()))
    result = _run("clean", "-", "-o", str(tmp_path / "out"), input=text)
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1
    assert result.stderr.rstrip().endswith(
        "(standard input is read as JSON Lines, one record a line: name a text file instead)"
    )


def test_an_executable_in_a_folder_is_listed_as_not_text(tmp_path):
    """A new-user trial named /bin/ls, found in a folder, as its rejects record said ("name a
    file to read it as text"), and was told it is not text: the record says so at once."""
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text("The harbour opened a new pier for the ferries.\n")
    (folder / "tool").write_bytes(b"\x7fELF\x02\x01\x01\x00" + bytes(range(256)))
    out = tmp_path / "out"
    result = _run("clean", str(folder), "-o", str(out), "-q")
    assert result.exit_code == 0, result.stderr
    rejects = [json.loads(line) for line in (out / "rejects.jsonl").open()]
    assert rejects == [
        {"doc": None, "source": str(folder / "tool"), "reason": "not_read",
         "detail": "not text: an executable (ELF)"}
    ]  # fmt: skip


def _folder_with_a_locked_subfolder(tmp_path):
    folder = tmp_path / "in"
    (folder / "locked").mkdir(parents=True)
    (folder / "a.txt").write_text("The harbour opened a new pier for the ferries.\n")
    (folder / "locked" / "b.txt").write_text("The council met on Tuesday to vote.\n")
    return folder, folder / "locked"


@pytest.mark.parametrize("strict", [[], ["--strict"]], ids=["", "strict"])
def test_clean_of_a_folder_with_a_subfolder_it_cannot_read_is_one_error(
    tmp_path, monkeypatch, strict
):
    # `chmod 000 DIR/locked`: `dedup clean DIR -o out` exited 0 and named it nowhere, and
    # `dedup clean DIR/locked -o out` said "no record in it; pass --allow-empty". Root reads
    # any folder, so the folder is made unreadable where the walk lists it.
    folder, locked = _folder_with_a_locked_subfolder(tmp_path)
    real_scandir = os.scandir

    def scandir(path="."):
        if str(path) == str(locked):
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    error = (
        f"Error: {locked}: cannot be read (Permission denied); check the path and its permissions"
    )
    for named in (folder, locked):
        out = tmp_path / "out"
        code, _, err = run_cli("clean", str(named), "-o", str(out), *strict)
        assert (code, err.splitlines()) == (2, [error])
        assert not out.exists()


@pytest.mark.parametrize("pattern", ["*/*.txt", "{a,locked}/*.txt", "**/*.txt"])
def test_a_glob_over_a_folder_it_cannot_list_is_one_error(tmp_path, monkeypatch, pattern):
    # `dedup clean 'in/*/*.txt' -o out` read in/a's files and passed over in/locked's without
    # a word: `glob` skips a folder it cannot list.
    folder, locked = _folder_with_a_locked_subfolder(tmp_path)
    (folder / "a").mkdir()
    (folder / "a" / "c.txt").write_text("The library opened a new wing on Monday.\n")
    real_scandir = os.scandir

    def scandir(path="."):
        if os.fspath(path).rstrip("/") == str(locked):
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    code, _, err = run_cli("clean", f"{folder}/{pattern}", "-o", str(tmp_path / "out"))
    error = f"Error: {locked}: cannot be read (Permission denied); check the path and its"
    assert (code, err.splitlines()) == (2, [f"{error} permissions"])
    assert not (tmp_path / "out").exists()
    monkeypatch.setattr(os, "scandir", real_scandir)
    assert run_cli("clean", f"{folder}/{pattern}", "-o", str(tmp_path / "out"))[0] == 0


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root reads mode 000")
def test_clean_of_a_chmod_000_subfolder_is_one_error(tmp_path):
    folder, locked = _folder_with_a_locked_subfolder(tmp_path)
    locked.chmod(0)
    try:
        code, _, err = run_cli("clean", str(folder), "-o", str(tmp_path / "out"))
    finally:
        locked.chmod(0o755)
    assert code == 2
    assert err.splitlines() == [
        f"Error: {locked}: cannot be read (Permission denied); check the path and its permissions"
    ]


def test_clean_counts_documents_and_unreadable_records_as_its_summary_does(tmp_path):
    # The summary said "documents 7 ... unreadable 1" and the last line "read 8 records":
    # a record that could not be read was counted as read. Both now count in one set of words.
    path = tmp_path / "f.jsonl"
    words = ["harbour", "council", "budget", "weather", "library", "railway", "orchard"]
    lines = [
        json.dumps({"text": f"A report on the {w} of the town, number {i}."})
        for i, w in enumerate(words)
    ]
    path.write_text("\n".join([*lines, "not json"]) + "\n")
    code, _, err = run_cli("clean", str(path), "-o", str(tmp_path / "out"))
    assert code == 0, err
    last = err.splitlines()[-1]
    summary = dict(line.split(maxsplit=1) for line in err.splitlines()[-8:-1])
    assert (summary["documents"], summary["unreadable"], summary["rejected"]) == ("7", "1", "1")
    assert last.startswith(
        "read 7 documents (1 record unreadable): wrote 7, rejected 1 (0 near-duplicates, "
        "1 unreadable); "
    )


def test_the_flattening_command_names_the_files_read(tmp_path):
    # It always read "jq -c '.text = .doc.body' in.jsonl > flat.jsonl", whatever the file.
    record = '{"doc": {"body": "nested text here"}}\n'
    plain = tmp_path / "my data.jsonl"
    plain.write_text(record * 2)
    packed = tmp_path / "b.jsonl.gz"
    packed.write_bytes(gzip.compress(record.encode()))
    code, _, err = run_cli("scan", str(plain), str(packed), "--text-field", "doc.body", "-q")
    assert code == 2
    (line,) = err.splitlines()
    assert ": 3 records skipped, 3 for: --text-field doc.body: the text is nested" in line
    assert f"(jq -c '.text = .doc.body' '{plain}' > flat.jsonl)" in line
    code, _, err = run_cli("clean", str(packed), "-o", str(tmp_path / "out"), "--text-field", "doc")
    assert code == 2
    assert f"(gzip -dc {packed} | jq -c '.text = .doc.body' > flat.jsonl)" in err
