"""`dedup clean` and `apply_report`: only reported spans go, every document is accounted for."""

from __future__ import annotations

import gzip
import hashlib
import json
import shutil
import subprocess
import sys
from itertools import pairwise
from pathlib import Path

import pytest
from cli_helpers import run_cli
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from dedup import Document, InputError, apply_report, clean, read_documents, scan
from dedup.clean import remove_spans
from dedup.cli import cli
from dedup.config import DedupConfig
from dedup.io import writers
from dedup.report import (
    BoilerplateLine,
    ClusterMember,
    DocumentPair,
    DuplicateCluster,
    PassageMatch,
    Report,
    Span,
)
from dedup.store import QueryResult

ARTICLE = (
    "The provincial assembly on Monday passed a bill that makes it compulsory for every new "
    "building in the city to collect rainwater from its roof, officials said.\n"
    "Builders will have two years to comply, and buildings larger than 500 square metres must "
    "also recycle their grey water for gardens and toilets.\n"
    "The minister said the measure would ease pressure on an aquifer that has fallen by more "
    "than a metre a year over the past decade.\n"
    "Opposition members backed the bill but asked for subsidies for low-income households.\n"
    "Leave a Comment"
)


def _tree_digest(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def _jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture
def seeds(tmp_path, seed_paths) -> Path:
    """The two seed files copied to their own input directory."""
    root = tmp_path / "in"
    root.mkdir()
    for path in seed_paths.values():
        shutil.copy(path, root / path.name)
    return root


def test_seeds_b1_removed_and_content_kept(seeds, tmp_path, expected, seed_texts, seed_paths):
    out = tmp_path / "out"
    result = clean([str(seeds)], out)
    assert result.summary()["written"] == 2
    removed = _jsonl(out / "removed.jsonl")
    gold = {b["id"]: b for b in expected["boilerplate"]}
    name_004 = seed_paths["004"].name
    # removed.jsonl counts lines from 1; the gold file indexes them from 0.
    removed_004 = {r["line"] - 1 for r in removed if r["doc"].endswith(name_004)}
    assert removed_004 >= set(gold["B1"]["lines"])
    cleaned_004 = (out / name_004).read_text(encoding="utf-8")
    lines_004 = seed_texts["004"].split("\n")
    assert cleaned_004 == "\n".join(lines_004[:11])
    for key, keep in expected["content_must_stay"].items():
        name = seed_paths[key].name
        assert not {r["line"] - 1 for r in removed if r["doc"].endswith(name)} & set(keep)
        cleaned = (out / name).read_text(encoding="utf-8").split("\n")
        for i in keep:
            assert seed_texts[key].split("\n")[i] in cleaned
    for record in removed:
        text = seed_texts["004" if record["doc"].endswith(name_004) else "000"]
        assert text[record["start"] : record["end"]] == record["text"]


def test_inputs_are_untouched(seeds, tmp_path):
    before = _tree_digest(seeds)
    clean([str(seeds)], tmp_path / "out")
    assert _tree_digest(seeds) == before


def _line_offsets(text: str, line: int) -> tuple[int, int]:
    """[start, end) of 0-based line `line` of `text`, found by counting newlines."""
    start = 0
    for _ in range(line):
        start = text.index("\n", start) + 1
    end = text.find("\n", start)
    return start, len(text) if end < 0 else end


def test_removed_records_sit_at_the_gold_lines_offsets(
    seeds, tmp_path, expected, seed_texts, seed_paths
):
    # Offsets come from the gold line numbers and the input's own newlines, not from the tool.
    out = tmp_path / "out"
    result = clean([str(seeds)], out)
    removed = _jsonl(out / "removed.jsonl")
    gold = {b["id"]: b for b in expected["boilerplate"]}
    text_004 = seed_texts["004"]
    want = [_line_offsets(text_004, i) for i in gold["B1"]["lines"]]
    assert (want[0][0], want[-1][1]) == tuple(gold["B1"]["span"])
    got = [(r["start"], r["end"]) for r in removed if r["doc"].endswith(seed_paths["004"].name)]
    assert got == want
    assert [r["line"] - 1 for r in removed if (r["start"], r["end"]) in want] == gold["B1"]["lines"]
    for r in removed:
        if r["doc"].endswith(seed_paths["000"].name):  # B2, the optional header line
            assert (
                (r["start"], r["end"])
                == tuple(gold["B2"]["span"])
                == _line_offsets(seed_texts["000"], 0)
            )
    assert [r.to_dict() for r in result.removed] == removed


def test_clean_with_a_saved_report_equals_clean(seeds, tmp_path):
    clean([str(seeds)], tmp_path / "a")
    docs = read_documents([str(seeds)])
    saved = Report.from_dict(json.loads(json.dumps(scan(docs).to_dict())))
    clean([str(seeds)], tmp_path / "b", report=saved)
    assert _tree_digest(tmp_path / "a") == _tree_digest(tmp_path / "b")


def test_clean_does_not_search_for_passages(seeds, tmp_path, monkeypatch):
    import dedup.api

    def no_passages(*args, **kwargs):
        msg = "clean searched for passages"
        raise AssertionError(msg)

    clean([str(seeds)], tmp_path / "a")
    monkeypatch.setattr(dedup.api, "find_reuse", no_passages)
    clean([str(seeds)], tmp_path / "b")
    assert _tree_digest(tmp_path / "a") == _tree_digest(tmp_path / "b")


def test_jsonl_keeps_every_other_field(tmp_path):
    src = tmp_path / "in" / "news.jsonl"
    src.parent.mkdir()
    rows = [
        {
            "id": "n1",
            "url": "https://example.org/a",
            "site": "example",
            "tags": ["water"],
            "text": ARTICLE,
        },
        {
            "id": "n2",
            "meta": {"lang": "en", "words": 12},
            "text": "A short note about the weather.\nIt rained all day.\nThe roads flooded.",
        },
    ]
    src.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    out = tmp_path / "out"
    clean([str(src)], out, id_field="id")
    written = _jsonl(out / "news.jsonl")
    assert [{k: v for k, v in w.items() if k != "text"} for w in written] == [
        {k: v for k, v in r.items() if k != "text"} for r in rows
    ]
    assert written[0]["text"] == ARTICLE.rsplit("\n", 1)[0]
    assert written[1]["text"] == rows[1]["text"]
    (removed,) = _jsonl(out / "removed.jsonl")
    assert (removed["doc"], removed["line"], removed["text"]) == ("n1", 5, "Leave a Comment")
    assert removed["rule"]
    assert removed["threshold"] is not None


def test_every_document_is_written_or_rejected(tmp_path):
    src = tmp_path / "in" / "feed.jsonl"
    src.parent.mkdir()
    copy = ARTICLE.replace("on Monday", "on Tuesday")
    lines = [
        json.dumps({"id": "a", "text": ARTICLE}),
        json.dumps({"id": "b", "text": copy}),
        "{not json",
        json.dumps({"id": "c", "body": "no text field"}),
        json.dumps({"id": "d", "text": "Another story entirely.\nWith two lines.\nAnd three."}),
    ]
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    result = clean([str(src)], out, id_field="id")
    summary = result.summary()
    assert summary["read"] == 5
    assert summary["written"] + summary["rejected"] == summary["read"]
    rejects = _jsonl(out / "rejects.jsonl")
    assert len(_jsonl(out / "feed.jsonl")) + len(rejects) == 5
    (dup,) = [r for r in rejects if r["reason"] == "near_duplicate"]
    assert (dup["doc"], dup["duplicate_of"], dup["kept"]) == ("b", "a", "a")
    assert dup["jaccard"] >= dup["threshold"]
    unreadable = [r for r in rejects if r["reason"] == "unreadable"]
    assert [r["source"] for r in unreadable] == [f"{src}:3", f"{src}:4"]  # lines 3 and 4
    assert summary["unreadable"] == len(unreadable) == 2  # bad JSON, and no text field
    assert next(r["raw"] for r in unreadable) == "{not json"
    assert all(r["detail"] for r in unreadable)


def test_text_directory_keeps_relative_names(tmp_path):
    root = tmp_path / "in"
    (root / "2024" / "may").mkdir(parents=True)
    (root / "2024" / "may" / "story.txt").write_text(ARTICLE, encoding="utf-8")
    (root / "note.md").write_text("# Notes\nFirst point.\nSecond point.\n", encoding="utf-8")
    out = tmp_path / "out"
    clean([str(root)], out)
    assert (out / "2024" / "may" / "story.txt").read_text() == ARTICLE.rsplit("\n", 1)[0]
    assert (out / "note.md").read_text() == "# Notes\nFirst point.\nSecond point.\n"


def test_dropped_cluster_names_the_copy_it_duplicates():
    docs = [Document("a", "x y"), Document("b", "x y"), Document("c", "x y")]
    cluster = DuplicateCluster(
        "a", (ClusterMember("b", 0.9), ClusterMember("c", 0.95)), None, 0.8, "none"
    )
    result = apply_report(docs, Report({}, "f", duplicates=(cluster,)))
    assert result.documents == ()
    by_doc = {r.doc: r for r in result.rejects}
    assert (by_doc["a"].duplicate_of, by_doc["a"].jaccard) == ("c", 0.95)
    assert (by_doc["b"].duplicate_of, by_doc["b"].jaccard) == ("a", 0.9)


def test_a_report_of_other_text_is_refused():
    doc = Document("a", "Short.\nText.")
    line = BoilerplateLine("a", 3, 40, 0, "lexicon", 1.0, 0.9, "x")
    stale = (
        "; apply it to the input it was made from, read with the same --text-field and --id-field"
    )
    with pytest.raises(InputError) as err:
        apply_report([doc], Report({}, "f", boilerplate=(line,)))
    assert (
        str(err.value)
        == f"report does not match document 'a' (span [3, 40) is not on line 1){stale}"
    )
    with pytest.raises(InputError) as err:
        apply_report([], Report({}, "f", boilerplate=(line,)))
    assert (
        str(err.value)
        == f"report does not match document 'a' (it is not among the input documents){stale}"
    )
    # A line number one past the last line (the text has lines 0 and 1) is not a line.
    past = BoilerplateLine("a", 7, 12, 2, "lexicon", 1.0, 0.9, "x")
    with pytest.raises(InputError, match=r"span \[7, 12\) is not on line 3"):
        apply_report([doc], Report({}, "f", boilerplate=(past,)))


def _reference(text: str, findings: list[BoilerplateLine]) -> str:
    """Slow, obvious version: mask removed characters; a whole line takes one line break."""
    lines = text.split("\n")
    starts = [sum(len(x) + 1 for x in lines[:i]) for i in range(len(lines))]
    gone = [False] * len(text)
    for f in sorted(findings, key=lambda f: f.line):
        for i in range(f.start, f.end):
            gone[i] = True
        if f.start == starts[f.line] and f.end == starts[f.line] + len(lines[f.line]):
            if f.line < len(lines) - 1:
                gone[f.end] = True
                continue
            # The last line has no break of its own: it takes the last break still standing.
            i = f.start - 1
            while i >= 0 and gone[i]:
                i -= 1
            if i >= 0 and text[i] == "\n":
                gone[i] = True
    return "".join(ch for ch, g in zip(text, gone, strict=True) if not g)


@st.composite
def _doc_and_findings(draw):
    lines = draw(st.lists(st.text(alphabet="ab .…", max_size=8), min_size=1, max_size=8))
    text = "\n".join(lines)
    starts = [sum(len(x) + 1 for x in lines[:i]) for i in range(len(lines))]
    findings = []
    for i in draw(st.sets(st.integers(0, len(lines) - 1))):
        if draw(st.booleans()) or not lines[i]:
            start, end = starts[i], starts[i] + len(lines[i])
        else:
            a = draw(st.integers(0, len(lines[i]) - 1))
            b = draw(st.integers(a + 1, len(lines[i])))
            start, end = starts[i] + a, starts[i] + b
        findings.append(BoilerplateLine("d", start, end, i, "r", 1.0, 1.0, ""))
    return Document("d", text), findings


@given(_doc_and_findings())
def test_only_reported_spans_and_their_line_breaks_go(case):
    doc, findings = case
    cleaned, removed = remove_spans(doc, findings)
    assert cleaned == _reference(doc.text, findings)
    assert [r.text for r in removed] == [
        doc.text[f.start : f.end] for f in sorted(findings, key=lambda f: (f.start, f.end))
    ]


def test_cli_clean_succeeds_and_reports(seeds, tmp_path):
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["clean", str(seeds), "-o", str(out), "--jobs", "1"])
    assert result.exit_code == 0, result.output
    assert "removed 8 boilerplate lines" in result.output
    assert (out / "removed.jsonl").exists()
    assert (out / "rejects.jsonl").exists()


@pytest.mark.parametrize(
    ("where", "message"),
    [
        ("inside", "inside input"),
        ("same", "inside input"),
        ("parent", "would overwrite an input"),
        ("file", "is a file"),
    ],
)
def test_cli_clean_refuses_to_write_over_inputs(seeds, where, message):
    before = _tree_digest(seeds.parent)
    target = {
        "inside": seeds / "out",
        "same": seeds,
        "parent": seeds,
        "file": seeds / "000_4ff9758f249b83b0.txt",
    }[where]
    inputs = [str(seeds / "004_35cd667b6f9468cb.txt")] if where == "parent" else [str(seeds)]
    result = CliRunner().invoke(cli, ["clean", *inputs, "-o", str(target), "--quiet"])
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert _tree_digest(seeds.parent) == before


def test_cli_clean_missing_input_exits_2(tmp_path):
    result = CliRunner().invoke(cli, ["clean", str(tmp_path / "nope"), "-o", str(tmp_path / "o")])
    assert result.exit_code == 2
    assert "no such file" in result.output


def test_cli_clean_replays_a_saved_report(seeds, tmp_path):
    report = tmp_path / "report.json"
    runner = CliRunner()
    scanned = runner.invoke(cli, ["scan", str(seeds), "--format", "json", "-o", str(report), "-q"])
    assert scanned.exit_code == 0, scanned.output
    for name, extra in (("a", []), ("b", ["--report", str(report)])):
        result = runner.invoke(cli, ["clean", str(seeds), "-o", str(tmp_path / name), "-q", *extra])
        assert result.exit_code == 0, result.output
    assert _tree_digest(tmp_path / "a") == _tree_digest(tmp_path / "b")


def test_cli_clean_refuses_a_report_of_other_documents(seeds, tmp_path):
    other = tmp_path / "other.txt"
    other.write_text(ARTICLE, encoding="utf-8")
    report = tmp_path / "report.json"
    CliRunner().invoke(cli, ["scan", str(other), "--format", "json", "-o", str(report), "-q"])
    args = ["clean", str(seeds), "-o", str(tmp_path / "o"), "-q", "--report", str(report)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2
    assert "not among the input documents" in result.output


def test_cli_clean_refuses_two_inputs_with_one_output_name(tmp_path):
    for part in ("a", "b"):
        (tmp_path / part).mkdir()
        (tmp_path / part / "story.txt").write_text(f"Story {part}.\nSecond line.\nThird.")
    args = ["clean", str(tmp_path / "a"), str(tmp_path / "b"), "-o", str(tmp_path / "o"), "-q"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2
    assert "would both be written to" in result.output
    suggested = tmp_path / "{a,b}"  # exactly the two folders, each keeping its name
    assert f"name them by one quoted glob, such as '{suggested}'" in result.output
    assert not (tmp_path / "o").exists()
    result = CliRunner().invoke(cli, ["clean", str(suggested), "-o", str(tmp_path / "o"), "-q"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "o" / "a" / "story.txt").exists()


@pytest.mark.parametrize("pattern", ["*", "**/*.txt"])
def test_a_glob_of_folders_keeps_each_folder_in_the_output(samples_dir, tmp_path, pattern):
    # `dedup clean '/usr/share/doc/lib[a-c]*' -o OUT` wrote the 87 packages' `copyright`
    # files as one file OUT/copyright, their texts run together.
    texts = {}
    for part, sample in (
        ("libone", "000_4ff9758f249b83b0.txt"),
        ("libtwo", "004_35cd667b6f9468cb.txt"),
    ):
        (tmp_path / "doc" / part).mkdir(parents=True)
        texts[part] = (samples_dir / sample).read_text(encoding="utf-8")
        (tmp_path / "doc" / part / "copyright.txt").write_text(texts[part], encoding="utf-8")
    out = tmp_path / "out"
    config = DedupConfig(find_boilerplate=False)
    result = clean([str(tmp_path / "doc" / pattern)], out, config)
    assert sorted(result.outputs) == ["libone/copyright.txt", "libtwo/copyright.txt"]
    for part, text in texts.items():
        assert (out / part / "copyright.txt").read_text(encoding="utf-8") == text


# Records with the text first (C4, the Pile), in the middle and last; the first loses its
# "Leave a Comment" line.
PLACED_ROWS = [
    {"text": ARTICLE, "id": "k1", "url": "https://example.org/a"},
    {"id": "k2", "text": "A short note about the weather.\nIt rained all day.", "lang": "en"},
    {"id": "k3", "lang": "en", "text": "The council met on Tuesday and agreed the budget."},
]


@pytest.mark.parametrize(
    "options",
    [
        ["--jobs", "1"],
        ["--jobs", "2"],  # read by byte ranges, written by workers
        ["--jobs", "2", "--no-boilerplate"],  # a lazy corpus: kept lines copied as they are
        ["-"],  # standard input, read as one stream
    ],
    ids=["jobs1", "jobs2", "lazy", "stdin"],
)
def test_clean_keeps_each_records_key_order(tmp_path, monkeypatch, options):
    monkeypatch.setattr(writers, "WRITE_CHUNK", 1)  # a chunk (a worker's file) per record
    lines = [json.dumps(r, ensure_ascii=False) + "\n" for r in PLACED_ROWS]
    src = tmp_path / "in.jsonl"
    src.write_text("".join(lines), encoding="utf-8")
    out = tmp_path / "out"
    read = [] if options == ["-"] else [str(src)]
    args = ["clean", *read, *options, "-o", str(out), "--id-field", "id", "-q"]
    result = CliRunner().invoke(cli, args, input="".join(lines))
    assert result.exit_code == 0, result.output
    name = "stdin.jsonl" if options == ["-"] else "in.jsonl"
    written = (out / name).read_text(encoding="utf-8").splitlines(keepends=True)
    assert [list(json.loads(w)) for w in written] == [list(r) for r in PLACED_ROWS]
    cut = "--no-boilerplate" not in options
    assert json.loads(written[0])["text"] == (ARTICLE.rsplit("\n", 1)[0] if cut else ARTICLE)
    assert written[cut:] == lines[cut:]  # what was not cut: byte for byte


# C4-style lines as a new-user trial wrote them: compact JSON, a number in exponent form,
# "\\/" and "\\u00e9" escapes, an empty text, a CRLF line, no line break at the end.
C4_LINES = [  # the first loses its "Leave a Comment" line: only its text may change
    b'{"id":"a","text":"' + json.dumps(ARTICLE)[1:-1].encode() + b'","n":1.50e2,"u":"a\\/b",'
    b'"id":"b"}\r\n',
    b'{"text":"","timestamp":"2019-04-22T12:57:54Z","url":"https:\\/\\/example0.com\\/page\\/12"}\n',
    b'{"text":"Caf\\u00e9 owners met on Friday.","score":1.50e2}\r\n',
    b'{"url":"u","text":"The council met on Tuesday and agreed the budget.","n":[1,2]}',
]


@pytest.mark.parametrize(
    "options",
    [["--jobs", "1"], ["--jobs", "2"], ["--jobs", "2", "--no-boilerplate"]],
    ids=["jobs1", "jobs2", "lazy"],
)
@pytest.mark.parametrize("suffix", [".jsonl", ".jsonl.gz"])
def test_clean_writes_records_it_left_unchanged_as_they_were_read(tmp_path, options, suffix):
    src = tmp_path / f"c4{suffix}"
    data = b"".join(C4_LINES)
    src.write_bytes(gzip.compress(data, mtime=0) if suffix.endswith(".gz") else data)
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["clean", str(src), *options, "-o", str(out), "-q"])
    assert result.exit_code == 0, result.output
    written = (out / src.name).read_bytes()
    if suffix.endswith(".gz"):
        written = gzip.decompress(written)
    lines = written.splitlines(keepends=True)
    cut = "--no-boilerplate" not in options
    assert lines[cut:] == [*C4_LINES[cut:-1], C4_LINES[-1] + b"\n"]  # byte for byte
    if cut:  # the record cut: its text replaced, every other byte as it was
        text = json.dumps(ARTICLE.rsplit("\n", 1)[0], ensure_ascii=False).encode()
        assert lines[0] == b'{"id":"a","text":' + text + b',"n":1.50e2,"u":"a\\/b","id":"b"}\r\n'


def test_stdin_jsonl_is_written_as_stdin_jsonl(tmp_path):
    record = json.dumps({"id": "s1", "lang": "en", "text": ARTICLE}) + "\n"
    out = tmp_path / "o"
    args = ["clean", "-", "-o", str(out), "-q", "--id-field", "id"]
    result = CliRunner().invoke(cli, args, input=record)
    assert result.exit_code == 0, result.output
    (row,) = _jsonl(out / "stdin.jsonl")
    assert row == {"id": "s1", "lang": "en", "text": ARTICLE.rsplit("\n", 1)[0]}


def test_a_rerun_removes_what_it_no_longer_writes_and_nothing_else(tmp_path):
    root = tmp_path / "in"
    root.mkdir()
    (root / "a.txt").write_text(ARTICLE, encoding="utf-8")
    (root / "b.txt").write_text("A different note.\nWith its own second line.\n", encoding="utf-8")
    out = tmp_path / "out"
    clean([str(root)], out)
    assert (out / "b.txt").exists()
    (out / "mine.txt").write_text("the user's own file", encoding="utf-8")
    # b.txt becomes a copy of a.txt: it is dropped now, and its old output must go too.
    (root / "b.txt").write_text(ARTICLE, encoding="utf-8")
    result = clean([str(root)], out)
    assert not (out / "b.txt").exists()
    assert (out / "a.txt").exists()
    assert (out / "mine.txt").read_text(encoding="utf-8") == "the user's own file"
    (reject,) = [json.loads(line) for line in (out / "rejects.jsonl").read_text().splitlines()]
    assert "b.txt" in json.dumps(reject)
    assert result.outputs == ("a.txt",)


def test_resume_reuses_the_saved_scan_and_writes_the_same_bytes(
    tmp_path: Path, monkeypatch
) -> None:
    import dedup.api

    src = tmp_path / "in"
    src.mkdir()
    (src / "a.txt").write_text(ARTICLE, encoding="utf-8")
    (src / "b.txt").write_text("A different note.\nWith its own second line.\n", encoding="utf-8")
    out = tmp_path / "out"
    clean([str(src)], out, resume=True)
    first = {p.name: p.read_bytes() for p in out.iterdir()}
    assert ".dedup-scan.json" in first

    def no_scan(*_args, **_kwargs):
        msg = "scanned again"
        raise AssertionError(msg)

    monkeypatch.setattr(dedup.api, "scan", no_scan)
    clean([str(src)], out, resume=True)  # the saved scan matches: no second scan
    assert {p.name: p.read_bytes() for p in out.iterdir()} == first
    (src / "b.txt").write_text("Changed since.\n", encoding="utf-8")
    with pytest.raises(AssertionError, match="scanned again"):
        clean([str(src)], out, resume=True)  # an input changed: the saved scan is stale


EVAL = [
    "The central bank raised its benchmark rate by half a point on Thursday, the largest "
    "increase in two decades, and signalled that more rises would follow this year.",
    "Engineers found that the bridge's steel cables had corroded far faster than the "
    "original design assumed, because salt spray reached the anchor chambers every winter "
    "and nobody had inspected them since the road was widened.",
]


def test_clean_against_an_index_removes_leaked_eval_text(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "eval.jsonl").write_text(
        "".join(json.dumps({"id": f"e{i}", "text": t}) + "\n" for i, t in enumerate(EVAL))
    )
    runner = CliRunner()
    build = ["index", "build", "eval.jsonl", "--id-field", "id", "-o", "eval.idx"]
    assert runner.invoke(cli, build).exit_code == 0
    train = tmp_path / "train"
    train.mkdir()
    leaked = EVAL[0]  # an exact copy: Jaccard 1
    (train / "leak.txt").write_text(leaked + "\n")
    intro = "Local news in brief, collected by our regional desk for the weekend edition.\n"
    outro = "\nThe council will publish its repair schedule next month, a spokesperson said."
    quoting = intro + EVAL[1] + outro
    (train / "quote.txt").write_text(quoting)
    (train / "other.txt").write_text(ARTICLE.replace("\nLeave a Comment", ""))

    out = tmp_path / "out"
    args = ["clean", "train", "--against", "eval.idx", "-o", str(out), "--jobs", "1"]
    result = runner.invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.glob("*.txt")) == ["other.txt"]
    rejects = {Path(r["doc"]).name: r for r in _jsonl(out / "rejects.jsonl")}
    assert set(rejects) == {"leak.txt", "quote.txt"}
    leak = rejects["leak.txt"]
    assert (leak["reason"], leak["indexed"], leak["indexed_source"]) == (
        "indexed_duplicate",
        "e0",
        "eval.jsonl:1",
    )
    assert leak["jaccard"] >= leak["threshold"]
    quote = rejects["quote.txt"]
    assert quote["reason"] == "indexed_reuse"
    (passage,) = quote["passages"]
    assert passage["indexed"]["doc"] == "e1"
    assert passage["indexed"]["source"] == "eval.jsonl:2"
    assert quoting[passage["start"] : passage["end"]] == passage["text"]
    assert EVAL[1][passage["indexed"]["start"] : passage["indexed"]["end"]] in EVAL[1]
    assert passage["text"].startswith("Engineers found")
    assert "1 reusing the index" not in result.stderr  # 2 of them:
    assert "2 reusing the index" in result.stderr
    # The library call rejects a reusing document too unless asked to strip it.
    api = clean(["train"], tmp_path / "api", against="eval.idx")
    assert sorted(r.reason for r in api.rejects) == ["indexed_duplicate", "indexed_reuse"]

    # --strip cuts the passage out and keeps the rest; the near-copy is still rejected.
    args = [*args, "--strip"]
    result = runner.invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.glob("*.txt")) == ["other.txt", "quote.txt"]
    # The passage was a whole line: it goes with its line break, as a boilerplate line does
    # (no blank line is left where it stood).
    assert (out / "quote.txt").read_text() == intro + outro.removeprefix("\n")
    (removed,) = [r for r in _jsonl(out / "removed.jsonl") if r["rule"] == "indexed_reuse"]
    assert quoting[removed["start"] : removed["end"]] == removed["text"] == EVAL[1]
    assert removed["line"] == 2  # the quote starts on the second line
    assert removed["indexed"] == {
        "doc": "e1",
        "start": 0,
        "end": len(EVAL[1]),
        "source": "eval.jsonl:2",
    }
    assert [Path(r["doc"]).name for r in _jsonl(out / "rejects.jsonl")] == ["leak.txt"]
    assert "removed 0 boilerplate lines, 1 indexed passages" in result.stderr
    assert (out / "leak.txt").exists() is False
    code = runner.invoke(cli, ["clean", "train", "-o", str(out), "--strip"])
    assert code.exit_code == 2
    assert "--strip cuts the passages of an index" in code.stderr


def test_lines_held_back_by_the_budget_are_counted_with_their_chars(tmp_path, monkeypatch):
    # A held line stays in the text; the summary counted it as nothing (0 chars).
    held = BoilerplateLine("a", 0, 11, 0, "lexicon", 1.0, 0.9, "x", held=True)
    cut = BoilerplateLine("a", 12, 27, 1, "lexicon", 1.0, 0.9, "leave a comment")
    dropped = BoilerplateLine("b", 0, 11, 0, "lexicon", 1.0, 0.9, "x", held=True)
    docs = [Document("a", "Real prose.\nLeave a Comment"), Document("b", "Real prose.")]
    cluster = DuplicateCluster("a", (ClusterMember("b", 1.0),), "a", 0.8, "first")
    report = Report({}, "x", duplicates=(cluster,), boilerplate=(held, cut, dropped))
    result = apply_report(docs, report)
    assert result.documents[0].text == "Real prose."  # the held line stays
    counts = result.summary()
    assert (counts["held_lines"], counts["held_chars"]) == (1, 11)  # b is not written
    assert (counts["removed_lines"], counts["removed_chars"]) == (1, 15)
    monkeypatch.chdir(tmp_path)  # a budget of 1 %: the article's one boilerplate line is held
    (tmp_path / "pyproject.toml").write_text(
        "[tool.dedup.boilerplate]\nmax_removed_fraction = 0.01\n"
    )
    source = tmp_path / "a.txt"
    source.write_text(ARTICLE + "\n", encoding="utf-8")
    code, _, err = run_cli("clean", str(source), "-o", str(tmp_path / "out"))
    assert code == 0, err
    assert err.rstrip().endswith(
        "removed 0 boilerplate lines (0 chars), kept 1 line held back by the removal budget "
        f"(15 chars) -> {tmp_path / 'out'}"
    )


def test_summary_and_reject_records_follow_from_the_input(tmp_path):
    # b is a plus ten words: 40 of its 50 word 5-grams are a's, so Jaccard 0.8 exactly;
    # ARTICLE's last line is the one boilerplate line.
    a = " ".join(f"wc{k}x" for k in range(44))
    b = a + " " + " ".join(f"vc{k}x" for k in range(10))
    src = tmp_path / "in.jsonl"
    src.write_text("".join(json.dumps({"text": t}) + "\n" for t in (a, b, ARTICLE)))
    result = clean([str(src)], tmp_path / "out")
    assert result.summary() == {
        "read": 3,
        "written": 2,
        "rejected": 1,
        "near_duplicates": 1,
        "unreadable": 0,
        "indexed": 0,
        "removed_lines": 1,
        "removed_passages": 0,
        "removed_chars": len("Leave a Comment"),
        "held_lines": 0,
        "held_chars": 0,
    }
    assert _jsonl(tmp_path / "out" / "rejects.jsonl") == [
        {
            "doc": f"{src}:2",
            "source": f"{src}:2",
            "reason": "near_duplicate",
            "duplicate_of": f"{src}:1",
            "jaccard": 0.8,
            "kept": f"{src}:1",
            "threshold": 0.8,
        }
    ]


def test_a_crlf_document_loses_its_whole_last_line_break_with_the_tail():
    from dedup.clean import remove_spans
    from dedup.report import BoilerplateLine

    text = "Title\r\nBody of the story.\r\nLeave a Comment"  # no final line break
    start = text.index("Leave")
    cut = BoilerplateLine("a", start, start + 15, 2, "lexicon", 1.0, 0.9, "leave a comment")
    assert remove_spans(Document("a", text), [cut])[0] == "Title\r\nBody of the story."
    lf = text.replace("\r\n", "\n")
    start = lf.index("Leave")
    cut = BoilerplateLine("a", start, start + 15, 2, "lexicon", 1.0, 0.9, "leave a comment")
    assert remove_spans(Document("a", lf), [cut])[0] == "Title\nBody of the story."


_FILE_SIZE_LIMITED = """
import resource, signal, sys
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails (EFBIG)
resource.setrlimit(resource.RLIMIT_FSIZE, (20_000, 20_000))
from dedup.cli import cli
sys.exit(cli())
"""


def test_a_write_that_fails_midway_leaves_out_as_the_last_run_left_it(tmp_path):
    """A real failed write (a file size limit, as a full disk would) at the second output:
    the first output is not replaced either, and no temporary file is left behind."""
    small, big, out = tmp_path / "a.jsonl", tmp_path / "b.jsonl", tmp_path / "out"
    small.write_text('{"text": "First run, first file."}\n', encoding="utf-8")
    big.write_text('{"text": "First run, second file."}\n', encoding="utf-8")
    assert CliRunner().invoke(cli, ["clean", str(small), str(big), "-o", str(out)]).exit_code == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    small.write_text('{"text": "Second run, first file."}\n', encoding="utf-8")
    lines = (json.dumps({"text": f"Line {i} of a file too big to write."}) for i in range(2000))
    big.write_text("\n".join(lines) + "\n", encoding="utf-8")
    failed = subprocess.run(
        [sys.executable, "-c", _FILE_SIZE_LIMITED, "clean", str(small), str(big), "-o", str(out)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert failed.returncode == 2, failed.stderr
    assert f"cannot write {out / 'b.jsonl'}" in failed.stderr
    assert "Traceback" not in failed.stderr
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


# --- Holes found by mutation testing (benchmarks/mutation.py clean) -----------------------

# A queried document that reuses two indexed passages on its third line: it starts with an
# empty line, then an intro line, and three lines follow the passages.
P1 = "the river authority closed the old bridge after engineers found cracks"
P2 = "repairs are expected to take most of the summer and cost two million"
REUSING = f"\nIntro line.\nAs reported, {P1}; meanwhile {P2}.\nafter one\nafter two\nafter three"


def _against():
    """A QueryResult built by hand: `dup` near-duplicates e0 (and e9, found second), `gone`
    is not an input, `reuse` reuses P2 of e2 and P1 of e1 (listed in that order)."""

    def passage(text: str, indexed: str, sim: float, words: int) -> PassageMatch:
        start = REUSING.index(text)
        return PassageMatch(
            Span(indexed, 5, 5 + len(text), text),
            Span("reuse", start, start + len(text), text),
            sim,
            words,
        )

    pairs = (
        DocumentPair("e0", "dup", 0.9, 0.8),
        DocumentPair("e9", "dup", 0.85, 0.8),
        DocumentPair("e0", "gone", 0.95, 0.8),
    )
    passages = (
        passage(P2, "e2", 0.97, 13),
        passage(P1, "e1", 1.0, 11),
        PassageMatch(Span("e1", 0, 4, "some"), Span("dup", 0, 4, "some"), 1.0, 8),
    )
    sources = {"e0": "eval.jsonl:1", "e1": "eval.jsonl:2", "e2": "eval.jsonl:3"}
    sources["e9"] = "eval.jsonl:10"
    return QueryResult(pairs, passages, sources)


def _reusing_docs() -> list[Document]:
    return [
        Document("dup", "some text the index holds", "train.jsonl:1"),
        Document("reuse", REUSING, "train.jsonl:2"),
        Document("plain", "nothing indexed here", "train.jsonl:3"),
    ]


def test_against_an_index_each_document_is_rejected_once_with_its_own_source():
    result = apply_report(_reusing_docs(), Report({}, "f"), against=_against())
    assert [d.id for d in result.documents] == ["plain"]
    dup, reuse = (r.to_dict() for r in result.rejects)
    # The first pair found for `dup` decides (e0, not e9); its passage is not looked at.
    assert dup == {
        "doc": "dup",
        "source": "train.jsonl:1",
        "reason": "indexed_duplicate",
        "indexed": "e0",
        "indexed_source": "eval.jsonl:1",
        "jaccard": 0.9,
        "threshold": 0.8,
    }
    p1, p2 = REUSING.index(P1), REUSING.index(P2)
    assert (reuse["doc"], reuse["source"], reuse["reason"]) == (
        "reuse",
        "train.jsonl:2",
        "indexed_reuse",
    )
    # README: each span of the document, with the indexed id, source and span, and the
    # similarity; in the order they appear in the document.
    assert reuse["passages"] == [
        {
            "doc": "reuse",
            "start": p1,
            "end": p1 + len(P1),
            "similarity": 1.0,
            "indexed": {"doc": "e1", "start": 5, "end": 5 + len(P1), "source": "eval.jsonl:2"},
            "text": P1,
        },
        {
            "doc": "reuse",
            "start": p2,
            "end": p2 + len(P2),
            "similarity": 0.97,
            "indexed": {"doc": "e2", "start": 5, "end": 5 + len(P2), "source": "eval.jsonl:3"},
            "text": P2,
        },
    ]


def test_strip_cuts_each_reused_passage_and_records_its_line():
    # `copy` is a near-duplicate of `plain` in the corpus itself: stripping passages of an
    # index changes nothing about that.
    docs = [*_reusing_docs(), Document("copy", "nothing indexed here", "train.jsonl:4")]
    cluster = DuplicateCluster("plain", (ClusterMember("copy", 1.0),), "plain", 0.8, "first")
    report = Report({}, "f", duplicates=(cluster,))
    result = apply_report(docs, report, against=_against(), strip=True)
    assert [d.id for d in result.documents] == ["reuse", "plain"]
    # a near-duplicate of an indexed document is still rejected, and so is the copy
    assert [r.doc for r in result.rejects] == ["dup", "copy"]
    cleaned = "\nIntro line.\nAs reported, ; meanwhile .\nafter one\nafter two\nafter three"
    assert result.documents[0].text == cleaned
    p1, p2 = REUSING.index(P1), REUSING.index(P2)
    # Line 3: the empty first line and the intro line come before (counted by hand).
    assert [r.to_dict() for r in result.removed] == [
        {
            "doc": "reuse",
            "start": p1,
            "end": p1 + len(P1),
            "line": 3,
            "rule": "indexed_reuse",
            "similarity": 1.0,
            "words": 11,
            "indexed": {"doc": "e1", "start": 5, "end": 5 + len(P1), "source": "eval.jsonl:2"},
            "text": P1,
        },
        {
            "doc": "reuse",
            "start": p2,
            "end": p2 + len(P2),
            "line": 3,
            "rule": "indexed_reuse",
            "similarity": 0.97,
            "words": 13,
            "indexed": {"doc": "e2", "start": 5, "end": 5 + len(P2), "source": "eval.jsonl:3"},
            "text": P2,
        },
    ]
    assert result.summary()["removed_passages"] == 2


def test_a_cluster_naming_a_document_not_in_the_input_is_refused_by_name():
    cluster = DuplicateCluster("a", (ClusterMember("zz", 0.9),), "a", 0.8, "first")
    with pytest.raises(
        InputError,
        match=r"^report does not match document 'zz' \(a duplicate cluster names it but it "
        r"is not among the input documents\); apply it to the input it was made from",
    ):
        apply_report([Document("a", "x y")], Report({}, "f", duplicates=(cluster,)))


def test_a_replayed_report_refuses_another_keep_rule(tmp_path):
    src = tmp_path / "in.txt"
    src.write_text("A short story.\n", encoding="utf-8")
    made_with_first = Report({"keep": "first"}, "f")
    with pytest.raises(InputError, match=r"keep='first'.*keep='longest' cannot change that"):
        clean([str(src)], tmp_path / "o1", DedupConfig(keep="longest"), report=made_with_first)
    # The same rule, or a report that does not say, replays.
    assert clean([str(src)], tmp_path / "o2", report=made_with_first).summary()["written"] == 1
    longest = DedupConfig(keep="longest")
    assert clean([str(src)], tmp_path / "o3", longest, report=Report({}, "f")).read == 1


def test_a_rerun_never_deletes_its_own_input_even_when_an_earlier_run_wrote_it(tmp_path):
    # clean d2 -o d3 writes d3/sub/a.txt and d3/z.txt; clean d3/sub -o d3 then reads
    # d3/sub/a.txt and writes d3/a.txt. z.txt is no longer written, so it goes; sub/a.txt
    # is not written either, but it is this run's input, so it stays (and so does a temp
    # file inside the input that looks like a killed write's). sub/a.txt sorts before
    # z.txt: keeping it must not stop the deletion of the files after it.
    d2, d3 = tmp_path / "d2", tmp_path / "d3"
    (d2 / "sub").mkdir(parents=True)
    (d2 / "sub" / "a.txt").write_text("First story, kept.\n", encoding="utf-8")
    (d2 / "z.txt").write_text("Second story, also kept.\n", encoding="utf-8")
    clean([str(d2)], d3)
    assert (d3 / "sub" / "a.txt").exists()
    assert (d3 / "z.txt").exists()
    inside_input = d3 / "sub" / ".a.txt.0123456789ab.tmp"
    inside_input.write_text("not ours to delete", encoding="utf-8")
    clean([str(d3 / "sub")], d3)
    assert (d3 / "a.txt").read_text(encoding="utf-8") == "First story, kept.\n"
    assert (d3 / "sub" / "a.txt").read_text(encoding="utf-8") == "First story, kept.\n"
    assert inside_input.exists()
    assert not (d3 / "z.txt").exists()


def test_only_a_killed_writes_temp_files_beside_what_clean_writes_are_removed(tmp_path):
    # The atomic writer's temporary names are .NAME.<12 hex digits>.tmp; a killed run leaves
    # them beside NAME. Only those of names clean writes go; anything else in OUT stays.
    src = tmp_path / "feed.jsonl"
    src.write_text(json.dumps({"text": "One story."}) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    gone = [".feed.jsonl.0123456789ab.tmp", ".feed.jsonl.fedcba987654.tmp"]
    gone.append(".rejects.jsonl.aaaaaaaaaaaa.tmp")
    stay = [
        ".feed.jsonl.bak.0123456789ab.tmp",  # the temp file of feed.jsonl.bak
        ".feed.jsonl.not-hex-digits.tmp",
        ".other.jsonl.0123456789ab.tmp",  # clean writes no other.jsonl
        "notes.txt",
    ]
    for name in gone + stay:
        (out / name).write_text("left over", encoding="utf-8")
    clean([str(src)], out)
    assert sorted(p.name for p in out.iterdir() if p.name in gone + stay) == sorted(stay)


def test_a_manifest_that_is_not_ours_or_names_files_outside_out_deletes_nothing(tmp_path):
    src = tmp_path / "in.txt"
    src.write_text("A short story.\n", encoding="utf-8")
    outside = tmp_path / "outside.txt"
    outside.write_text("a file next to OUT", encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("someone else's file", encoding="utf-8")
    other = {"schema": "some-other-tool/1", "files": ["keep.txt"]}
    (out / ".dedup-clean.json").write_text(json.dumps(other), encoding="utf-8")
    clean([str(src)], out)
    assert (out / "keep.txt").exists()  # a manifest of another schema is not ours
    written = ["in.txt", "rejects.jsonl", "removed.jsonl"]
    ours = {"schema": "dedup.clean-manifest/1", "files": ["../outside.txt", *written]}
    (out / ".dedup-clean.json").write_text(json.dumps(ours), encoding="utf-8")
    clean([str(src)], out)
    assert outside.exists()  # named by our manifest, but outside OUT


def test_a_file_in_out_that_no_clean_wrote_is_never_replaced(samples_dir, tmp_path):
    # `dedup clean samples -o OUT` replaced the user's own OUT/README.md without a word.
    out = tmp_path / "out"
    out.mkdir()
    (out / "README.md").write_text("my own draft", encoding="utf-8")
    code, _, err = run_cli("clean", str(samples_dir), "-o", str(out), "-q")
    assert code == 2
    assert err == (
        f"Error: {out / 'README.md'} is already there and no earlier `dedup clean` into "
        f"{out} wrote it; move it away or choose another -o\n"
    )
    assert sorted(p.name for p in out.iterdir()) == ["README.md"]
    assert (out / "README.md").read_text(encoding="utf-8") == "my own draft"
    (out / "README.md").unlink()
    assert run_cli("clean", str(samples_dir), "-o", str(out), "-q")[0] == 0
    assert run_cli("clean", str(samples_dir), "-o", str(out), "-q")[0] == 0  # ours: replaced


def test_a_run_killed_after_its_renames_is_not_taken_for_the_users_files(
    samples_dir, tmp_path, monkeypatch
):
    # Killed between renaming its outputs into OUT and writing its manifest, a run must not
    # leave files that the next run refuses to replace as the user's own.
    module = sys.modules["dedup.clean"]  # `dedup.clean` is the function
    out = tmp_path / "out"

    def killed(*_args, **_kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(module, "_replace_manifest", killed)
    with pytest.raises(KeyboardInterrupt):
        clean([str(samples_dir)], out)
    assert (out / "README.md").is_file()
    monkeypatch.undo()
    assert clean([str(samples_dir)], out).summary()["written"] == 3
    # A run that fails before its renames leaves no OUT behind it, manifest included.
    monkeypatch.setattr(module, "write_jsonl", killed)
    with pytest.raises(KeyboardInterrupt):
        clean([str(samples_dir)], tmp_path / "fresh")
    assert not (tmp_path / "fresh").exists()


def test_the_cleaned_text_goes_back_into_the_text_field_it_came_from(tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_text(json.dumps({"id": "n1", "body": ARTICLE}) + "\n", encoding="utf-8")
    clean([str(src)], tmp_path / "out", text_field="body", id_field="id")
    (record,) = _jsonl(tmp_path / "out" / "in.jsonl")
    assert record == {"id": "n1", "body": ARTICLE.rsplit("\n", 1)[0]}


def test_resume_with_standard_input_scans_and_writes(tmp_path):
    # Standard input has no size or time to check a saved scan against: --resume scans.
    out = tmp_path / "out"
    rows = "".join(json.dumps({"text": t}) + "\n" for t in ("One story.", "Another one."))
    result = CliRunner().invoke(cli, ["clean", "-", "-o", str(out), "--resume"], input=rows)
    assert result.exit_code == 0, result.output
    assert len(_jsonl(out / "stdin.jsonl")) == 2
    assert result.stderr.endswith(
        "note: --resume keeps no scan of standard input or a URL (their changes cannot be "
        "seen); scanned\n"
    )


def test_resume_says_whether_it_used_the_saved_scan(tmp_path):
    # A rerun after touching an input scanned again and said nothing: --resume looked broken.
    src = tmp_path / "a.txt"
    src.write_text(ARTICLE, encoding="utf-8")
    out = tmp_path / "out"
    args = ["clean", str(src), "-o", str(out), "--resume"]
    saved = out / ".dedup-scan.json"

    def last_line() -> str:
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 0, result.output
        return result.stderr.splitlines()[-1]

    assert last_line().startswith("read 1 document: wrote 1")  # the first run: nothing to say
    used = f"note: --resume: used the scan saved in {saved} (same inputs and settings)"
    assert last_line() == used
    src.write_text(ARTICLE + "A line added since.\n", encoding="utf-8")
    assert last_line() == (
        f"note: --resume: the scan saved in {saved} was of other inputs (a file's size or "
        "modification time) or settings; scanned again and saved that scan"
    )
    assert last_line() == used
    assert CliRunner().invoke(cli, [*args, "-q"]).stderr == ""


def test_a_text_file_whose_name_ends_in_a_colon_and_digits_keeps_its_name(tmp_path):
    # A text document's source is its path; "notes:2" must not be read as line 2 of "notes".
    root = tmp_path / "in"
    root.mkdir()
    (root / "notes:2").write_text("A short note.\n", encoding="utf-8")
    clean([str(root)], tmp_path / "out")
    assert (tmp_path / "out" / "notes:2").read_text(encoding="utf-8") == "A short note.\n"


def test_no_document_read_is_an_error_unless_allowed(tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_text(json.dumps({"body": "no text field"}) + "\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        clean([str(src)], tmp_path / "out")
    # The message names what was read, how much was skipped and why (the field looked for).
    assert str(err.value) == (
        f"no document read from {src}: 1 record skipped, 1 for: no field 'text' "
        "(keys: ['body']); pass --text-field body (or pass --allow-empty)"
    )
    assert clean([str(src)], tmp_path / "out", allow_empty=True).summary()["written"] == 0


def test_an_input_is_never_overwritten_even_when_empty_or_inside_an_input_directory(tmp_path):
    # in/feed.jsonl would be written to out/feed.jsonl, which is an input too: empty (no
    # document names it as a source), or a file of the input directory out/sub.
    (tmp_path / "in" / "sub").mkdir(parents=True)
    (tmp_path / "out" / "sub").mkdir(parents=True)
    (tmp_path / "in" / "feed.jsonl").write_text(json.dumps({"text": "A story."}) + "\n")
    (tmp_path / "out" / "feed.jsonl").write_text("")
    with pytest.raises(InputError, match="would overwrite an input"):
        clean(
            [str(tmp_path / "in" / "feed.jsonl"), str(tmp_path / "out" / "feed.jsonl")],
            tmp_path / "out",
            allow_empty=True,
        )
    (tmp_path / "in" / "sub" / "x.txt").write_text("Another story.\n")
    (tmp_path / "out" / "sub" / "x.txt").write_text("Its own story.\n")
    with pytest.raises(InputError, match="would overwrite an input"):
        clean([str(tmp_path / "in"), str(tmp_path / "out" / "sub")], tmp_path / "out")
    assert (tmp_path / "out" / "sub" / "x.txt").read_text() == "Its own story.\n"


@pytest.mark.parametrize(
    ("name", "record"), [("removed.jsonl", "removed-lines"), ("rejects.jsonl", "rejects")]
)
def test_an_input_named_like_a_record_file_is_refused(tmp_path, name, record):
    src = tmp_path / name
    src.write_text(json.dumps({"text": "A story."}) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    with pytest.raises(InputError) as err:
        clean([str(src)], out)
    assert str(err.value) == (
        f"{src} and the {record} record would both be written to {out / name}; "
        "clean them in separate runs"
    )


def test_strict_stops_at_the_first_unreadable_record(tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_text('{"text": "A story."}\n{not json\n', encoding="utf-8")
    assert clean([str(src)], tmp_path / "o1").summary()["unreadable"] == 1
    with pytest.raises(InputError):
        clean([str(src)], tmp_path / "o2", strict=True)


def test_a_text_file_is_read_and_written_back_in_the_encoding_asked_for(tmp_path):
    root = tmp_path / "in"
    root.mkdir()
    text = "Café crème, déjà vu.\n"
    (root / "note.txt").write_bytes(text.encode("latin-1"))
    clean([str(root)], tmp_path / "out", encoding="latin-1")
    assert (tmp_path / "out" / "note.txt").read_bytes() == text.encode("latin-1")


def test_a_document_whose_every_line_is_reported_is_left_empty():
    text = "Share this:\nLeave a Comment\n"
    lines = [
        BoilerplateLine("a", 0, 11, 0, "lexicon", 1.0, 0.9, "share this"),
        BoilerplateLine("a", 12, 27, 1, "lexicon", 1.0, 0.9, "leave a comment"),
    ]
    cleaned, cut = remove_spans(Document("a", text), lines)
    assert cleaned == _reference(text, lines) == ""
    assert [c.text for c in cut] == ["Share this:", "Leave a Comment"]


def test_clean_uses_the_clusters_an_engine_found_elsewhere(tmp_path):
    # scan_elsewhere (the Spark engine) makes the report: here it calls two unrelated
    # documents copies, which a scan would never do, so only it can have rejected b.
    src = tmp_path / "in.jsonl"
    src.write_text(
        "".join(json.dumps({"id": i, "text": t}) + "\n" for i, t in [("a", "One."), ("b", "Two.")])
    )
    cluster = DuplicateCluster("a", (ClusterMember("b", 0.9),), "a", 0.8, "first")
    report = Report({}, "x", duplicates=(cluster,))
    result = clean([str(src)], tmp_path / "out", id_field="id", scan_elsewhere=lambda _: report)
    assert [(r.doc, r.reason, r.duplicate_of) for r in result.rejects] == [
        ("b", "near_duplicate", "a")
    ]


def test_files_a_directory_walk_did_not_read_are_reported(tmp_path):
    root = tmp_path / "in"
    root.mkdir()
    (root / "story.txt").write_text("A story.\n", encoding="utf-8")
    (root / "photo.png").write_bytes(b"\0photo")  # no signature: only its suffix is known
    result = clean([str(root)], tmp_path / "out")
    assert [Path(p).name for p in result.passed_over] == ["photo.png"]
    # The command names them in a note, and its last line counts them: a Perl script in a
    # folder is passed over as not a corpus format, which a new-user trial took for a
    # silent skip under the summary table.
    (root / "script.pl").write_text("print 1;\n", encoding="utf-8")
    code, _, err = run_cli("clean", str(root), "-o", str(tmp_path / "out2"))
    assert code == 0
    assert "note: not read (not a corpus format" in err
    assert err.splitlines()[-1].startswith("read 1 document (2 files not read, named above): ")
    # Even quiet, every input file is accounted for: the ones not read are in rejects.jsonl.
    assert run_cli("clean", str(root), "-o", str(tmp_path / "out3"), "-q") == (0, "", "")
    rejects = [json.loads(line) for line in (tmp_path / "out3" / "rejects.jsonl").open()]
    assert rejects == [
        {
            "doc": None,
            "source": str(root / name),
            "reason": "not_read",
            "detail": "not a corpus format; name a file to read it as text",
        }
        for name in ("photo.png", "script.pl")
    ]


def test_a_glob_matching_a_folder_and_its_files_reads_each_file_once(tmp_path):
    # `dedup clean 'in/**/*'` matched in/a and in/a/copyright: "read twice", exit 2.
    (tmp_path / "in" / "a").mkdir(parents=True)
    (tmp_path / "in" / "a" / "copyright").write_text("Copyright notes.\n", encoding="utf-8")
    (tmp_path / "in" / "b.txt").write_text("A story.\n", encoding="utf-8")
    code, _, err = run_cli("clean", str(tmp_path / "in" / "**" / "*"), "-o", str(tmp_path / "o"))
    assert code == 0, err
    assert (tmp_path / "o" / "a" / "copyright").read_text(encoding="utf-8") == "Copyright notes.\n"
    assert (tmp_path / "o" / "b.txt").exists()


def test_a_resumed_runs_saved_scan_goes_with_the_next_run_that_does_not_resume(tmp_path):
    src = tmp_path / "in.txt"
    src.write_text("A short story.\n", encoding="utf-8")
    out = tmp_path / "out"
    clean([str(src)], out, resume=True)
    assert (out / ".dedup-scan.json").exists()
    clean([str(src)], out, resume=True)
    assert (out / ".dedup-scan.json").exists()  # still this run's
    clean([str(src)], out)
    assert not (out / ".dedup-scan.json").exists()


def test_the_output_must_not_lie_inside_any_input_even_after_standard_input(tmp_path):
    root = tmp_path / "in"
    root.mkdir()
    with pytest.raises(InputError, match="is inside input"):
        clean(["-", str(root)], root / "out")


def test_leftover_temps_go_past_a_missing_folder_and_a_protected_one(tmp_path):
    # Names are taken in sorted order: "a/x.jsonl" (its folder does not exist) comes before
    # "b.jsonl", and the protected leftover .b.jsonl.0000….tmp (a link into an input) comes
    # before .b.jsonl.ffff….tmp. Neither may stop the search: the last leftover still goes.
    from dedup.clean import _remove_leftover_temps

    out, inputs = tmp_path / "out", tmp_path / "in"
    out.mkdir()
    inputs.mkdir()
    source = inputs / "b.jsonl"
    source.write_text("an input", encoding="utf-8")
    protected_link = out / ".b.jsonl.000000000000.tmp"
    protected_link.symlink_to(source)
    stale = out / ".b.jsonl.ffffffffffff.tmp"
    stale.write_text("left by a killed run", encoding="utf-8")
    _remove_leftover_temps(out, ["b.jsonl", "a/x.jsonl"], [inputs])
    assert protected_link.is_symlink()
    assert source.exists()
    assert not stale.exists()


def test_an_output_folder_that_cannot_be_made_fails_before_the_scan(tmp_path, monkeypatch):
    # `clean c3k.jsonl -o /proc/out` scanned 2,425 documents (47 s; hours for a crawl) and
    # only then said it could not write /proc/out/.dedup-clean.json.
    def no_scan(*args, **kwargs):
        msg = "scanned before checking the output folder"
        raise AssertionError(msg)

    monkeypatch.setattr("dedup.api.scan", no_scan)
    corpus = tmp_path / "a.jsonl"
    corpus.write_text('{"text": "The council approved the budget on Tuesday."}\n')
    blocker = tmp_path / "notes.txt"
    blocker.write_text("a file where a folder should be")
    with pytest.raises(InputError) as found:
        clean([str(corpus)], blocker / "out")
    assert str(found.value) == (
        f"-o: cannot write {blocker / 'out'} ({blocker} is a file, not a folder); check the path"
    )
    if Path("/proc/self").is_dir():  # Linux: no file can be made in /proc, even by root
        with pytest.raises(InputError, match=r"^-o: cannot write /proc/dedup-out \("):
            clean([str(corpus)], Path("/proc/dedup-out"))


def test_a_quoted_glob_of_alternatives_keeps_each_folders_name(tmp_path):
    """'doc/{bash,coreutils}' as a shell expands it (a new-user trial was told to name
    folders by one quoted glob, and braces matched nothing): each folder's NEWS keeps its
    folder's name, and a group that matches nothing is the pattern's error."""
    for name in ("bash", "coreutils", "zsh"):
        (tmp_path / "doc" / name).mkdir(parents=True)
        (tmp_path / "doc" / name / "NEWS").write_text(f"{name} 1.0 fixes the parser.\n")
    out = tmp_path / "out"
    result = clean([str(tmp_path / "doc" / "{bash,coreutils}")], out)
    assert sorted(result.outputs) == ["bash/NEWS", "coreutils/NEWS"]
    assert (out / "bash" / "NEWS").read_text() == "bash 1.0 fixes the parser.\n"
    with pytest.raises(InputError, match="the pattern matches no file"):
        clean([str(tmp_path / "doc" / "{fish,ksh}")], tmp_path / "out2")


def test_strip_lists_each_removed_character_once(tmp_path: Path) -> None:
    """A new-user trial's `removed.jsonl` listed a copy span twice (matched to two indexed
    documents that hold the same paragraph) and overlapping spans, so its chars summed past
    what the written files lost. Each row is now what it alone removed."""
    para = (
        "The council approved the harbour budget on Tuesday after a long debate about the "
        "ferry timetable, the new pier and the cost of dredging the channel before summer."
    )
    other = (
        "Residents of the old town asked for more buses in the evening, and the transport "
        "office said it would study the request together with the rail operator this year."
    )
    (tmp_path / "ev").mkdir()
    (tmp_path / "tr").mkdir()
    (tmp_path / "ev" / "e1.txt").write_text(f"First source.\n\n{para}\n\nGardens and roses.")
    (tmp_path / "ev" / "e2.txt").write_text(f"Another outlet.\n\n{para}\n\nA football match.")
    (tmp_path / "ev" / "e3.txt").write_text(f"{other}\n\nThe weather forecast for the week.")
    text = f"Our own intro about local affairs.\n\n{para}\n\n{other}\n\nShare this:\n"
    (tmp_path / "tr" / "t.txt").write_text(text)
    index, out = str(tmp_path / "ev.idx"), tmp_path / "out"
    assert run_cli("index", "build", str(tmp_path / "ev"), "-o", index, "-q")[0] == 0
    code, _, err = run_cli(
        "clean", str(tmp_path / "tr"), "--against", index, "--strip", "-o", str(out)
    )
    assert code == 0, err
    rows = [json.loads(line) for line in (out / "removed.jsonl").read_text().splitlines()]
    spans = sorted((r["start"], r["end"]) for r in rows)
    assert [r["rule"] for r in rows].count("indexed_reuse") == 2
    assert all(b[0] >= a[1] for a, b in pairwise(spans))
    assert all(text[r["start"] : r["end"]] == r["text"] for r in rows)
    chars = sum(end - start for start, end in spans)
    assert f"indexed passages ({chars:,} chars)" in err.splitlines()[-1]
