"""The CLI: exit codes 0 and 2, one-line errors, text and JSON output."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from dedup.cli import cli
from dedup.report import EXCERPT_CHARS


def _run(*args: str, input: str | None = None):
    return CliRunner().invoke(cli, list(args), input=input)


# The spans of a passage share a row of their own under the (possibly wrapped) names.
_SIDE_BY_SIDE = re.compile(r"^\[(\d+):(\d+)\)\s+\| \[(\d+):(\d+)\)$", re.MULTILINE)


@pytest.mark.parametrize(
    "folder",
    # Path lengths around the column width: CI's clone path once put one span on the name
    # line and the other under it.
    ["", "check/work", "a" * 12, "a" * 24, "deep-enough/to-push-the-span/off-the-name-line"],
)
def test_compare_text_output_shows_both_sides(seed_paths, expected, tmp_path, folder):
    paths = [seed_paths["000"], seed_paths["004"]]
    if folder:
        (tmp_path / folder).mkdir(parents=True)
        paths = [Path(shutil.copy(path, tmp_path / folder)) for path in paths]
    result = _run("compare", *map(str, paths))
    assert result.exit_code == 0, result.output
    assert "not near-duplicates" in result.output
    rows = [tuple(map(int, m.groups())) for m in _SIDE_BY_SIDE.finditer(result.output)]
    # Each side-by-side row lies inside one gold passage on both sides; every required
    # gold passage has its row. The offsets come from samples/expected.json, not from output.
    found = set()
    for a_start, a_end, b_start, b_end in rows:
        (gold,) = [
            g
            for g in expected["reused_passages"]
            if g["a"]["span"][0] <= a_start < a_end <= g["a"]["span"][1]
            and g["b"]["span"][0] <= b_start < b_end <= g["b"]["span"][1]
        ]
        found.add(gold["id"])
    assert found >= {g["id"] for g in expected["reused_passages"] if g["required"]}
    assert "will comprise of senior" in result.output  # P1's wording in 004


@pytest.mark.parametrize("passage_text", [None, "excerpt", "full", "none"])
def test_compare_json_follows_the_contract(seed_paths, seed_texts, passage_text):
    option = [] if passage_text is None else ["--passage-text", passage_text]
    args = ("compare", str(seed_paths["000"]), str(seed_paths["004"]), "--format", "json")
    result = _run(*args, *option)
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["schema"] == "dedup.report/3"
    assert [d["chars"] for d in report["documents"]] == [2202, 3302]
    assert report["duplicates"] == []
    assert isinstance(report["boilerplate"], list)
    texts = {str(seed_paths[k]): seed_texts[k] for k in seed_texts}
    cut = 0
    for p in report["passages"]:
        for side in ("a", "b"):
            span = p[side]
            whole = texts[span["doc"]][span["start"] : span["end"]]
            if passage_text == "full":
                assert span["text"] == whole
            elif passage_text == "none":
                assert "text" not in span
            else:  # the default: the first EXCERPT_CHARS characters, marked when cut
                assert span["text"] == whole[:EXCERPT_CHARS]
                assert span.get("text_cut", False) is (len(whole) > EXCERPT_CHARS)
                cut += len(whole) > EXCERPT_CHARS
            assert "text_cut" not in span or passage_text in (None, "excerpt")
        assert 0 <= p["similarity"] <= 1
    assert cut or passage_text not in (None, "excerpt")  # the seeds' P1 is longer


def test_output_file_is_written(seed_paths, tmp_path):
    out = tmp_path / "sub" / "report.json"
    result = _run(
        "compare",
        str(seed_paths["000"]),
        str(seed_paths["004"]),
        "--format",
        "json",
        "-o",
        str(out),
    )
    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text())["schema"] == "dedup.report/3"


def test_missing_file_is_exit_2_with_one_line(tmp_path, seed_paths):
    result = _run("compare", str(tmp_path / "nope.txt"), str(seed_paths["004"]))
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert "no such file" in result.output


def test_undecodable_file_is_exit_2(tmp_path, seed_paths):
    bad = tmp_path / "latin1.txt"
    bad.write_bytes("caf\xe9 au lait".encode("latin-1"))
    result = _run("compare", str(bad), str(seed_paths["004"]))
    assert result.exit_code == 2
    assert "not valid UTF-8" in result.output
    assert "--encoding auto" in result.output


@pytest.mark.parametrize(
    ("option", "value", "command"),
    [
        ("--threshold", "3", "compare"),
        ("--threshold", "0", "compare"),  # every pair, which LSH cannot find
        ("--num-perm", "1", "scan"),
        ("--seed", "-1", "scan"),
        ("--max-duplicate-ratio", "1.5", "check"),
    ],
)
def test_bad_option_value_is_exit_2_naming_the_option(seed_paths, option, value, command):
    """A value out of range names the option that set it, on one line (a new-user trial
    read "threshold must be between 0 and 1 ... set by its command-line option")."""
    paths = [str(seed_paths["000"]), str(seed_paths["004"])]
    result = _run(command, *paths, option, value)
    assert result.exit_code == 2
    assert f"Invalid value for '{option}': {value}" in result.output
    assert result.output.count("\n") == 1


def test_scan_finds_passages_across_a_corpus(tmp_path, seed_texts):
    corpus = tmp_path / "corpus.jsonl"
    rows = [{"id": k, "text": v} for k, v in seed_texts.items()]
    rows.append({"id": "other", "text": "An unrelated note about gardening in the spring."})
    corpus.write_text("\n".join(json.dumps(r) for r in rows) + "\nnot json\n", encoding="utf-8")
    result = _run("scan", str(corpus), "--id-field", "id", "--format", "json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert {(p["a"]["doc"], p["b"]["doc"]) for p in report["passages"]} == {("000", "004")}
    strict = _run("scan", str(corpus), "--id-field", "id", "--strict")
    assert strict.exit_code == 2
    assert "not valid JSON" in strict.output


def test_scan_reads_jsonl_from_stdin(seed_texts):
    rows = "\n".join(json.dumps({"text": t}) for t in seed_texts.values())
    result = _run("scan", "-", "--format", "json", input=rows)
    assert result.exit_code == 0, result.output
    assert len(json.loads(result.stdout)["passages"]) == 3


def test_compare_needs_two_documents(tmp_path, seed_paths):
    corpus = tmp_path / "three.jsonl"
    corpus.write_text('{"text": "a"}\n{"text": "b"}\n', encoding="utf-8")
    result = _run("compare", str(corpus), str(seed_paths["000"]))
    assert result.exit_code == 2
    assert "exactly two documents" in result.output


def test_compare_under_q_names_the_records_it_skipped(tmp_path, seed_paths, seed_texts):
    # a JSONL record whose text is in "body" is skipped; -q hides the skip line, so the
    # error alone must say why compare got one document
    record = tmp_path / "one.jsonl"
    record.write_text(json.dumps({"body": seed_texts["004"]}) + "\n", encoding="utf-8")
    result = _run("compare", str(record), str(seed_paths["000"]), "-q")
    assert result.exit_code == 2
    assert result.stderr == (
        "Error: compare takes exactly two documents, got 1 and skipped 1 bad record "
        f"({record}:1: no field 'text' (keys: ['body']); pass --text-field body); "
        "use `dedup scan` for a corpus\n"
    )
    both = _run("compare", str(record), str(seed_paths["000"]), "-q", "--text-field", "body")
    assert both.exit_code == 0, both.output  # the field named, both documents are read


def test_scan_text_names_clusters_and_says_when_passages_were_not_searched(tmp_path, seed_texts):
    text = seed_texts["000"]
    (tmp_path / "a.txt").write_text(text, encoding="utf-8")
    (tmp_path / "b.txt").write_text(text + "\nReported by our staff.\n", encoding="utf-8")
    (tmp_path / "c.txt").write_text("A note about gardening in spring.", encoding="utf-8")
    a, b = str(tmp_path / "a.txt"), str(tmp_path / "b.txt")
    result = _run("scan", str(tmp_path), "-q", "--no-passages")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == (
        "3 documents, 1 near-duplicate cluster of 2 documents; "
        "passages not searched (--no-passages)"
    )
    assert f"  {a}: 1 near-duplicate, keeps {a} (--keep first)" in lines
    assert re.search(rf"^    {re.escape(b)} Jaccard 0\.\d{{3}} >= 0\.80$", result.stdout, re.M)
    with_passages = _run("scan", str(tmp_path), "-q").stdout.splitlines()
    assert with_passages[0].startswith("3 documents, 1 near-duplicate cluster of 2 documents, ")
    assert f"  {a}: 1 near-duplicate, keeps {a} (--keep first)" in with_passages


@pytest.mark.parametrize(
    ("name", "code", "says"), [("SIGINT", 130, "Interrupted."), ("SIGTERM", 143, "Terminated.")]
)
def test_a_signal_is_one_line_and_its_exit_code_and_leaves_no_output(tmp_path, name, code, says):
    """A real signal while `scan` waits on its input (a FIFO the test holds open): Ctrl-C,
    or SIGTERM (a CI timeout, `docker stop`), which ended the process at once, so no
    clean-up ran (a spilled scan's folder in --tmp-dir)."""
    import os
    import signal
    import subprocess
    import sys

    fifo, out = tmp_path / "in.jsonl", tmp_path / "report.json"
    os.mkfifo(fifo)
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    child = subprocess.Popen(
        [sys.executable, "-m", "dedup", "scan", str(fifo), "-q", "-o", str(out)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        # A suite started in the background by a shell without job control (`cmd &` in a
        # script, nohup) inherits SIGINT ignored, and Python leaves an ignored SIGINT
        # ignored: the child would never see this Ctrl-C (it hung until the timeout).
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        with fifo.open("w") as writer:  # returns once the command has opened its input
            writer.write('{"text": "one record, then the input stalls"}\n')
            writer.flush()
            child.send_signal(getattr(signal, name))
            _, err = child.communicate(timeout=30)
    finally:
        child.kill()
    assert (child.returncode, err) == (code, f"{says}\n")
    assert list(tmp_path.iterdir()) == [fifo]  # no report, no temporary file


def test_sigterm_mid_spill_removes_the_spill_folder(tmp_path, seed_paths, monkeypatch):
    """`kill -TERM` of a spilled scan of 550 /usr/share/doc files left 48 MB in --tmp-dir."""
    import signal

    from dedup import spill

    real = spill._candidates

    def terminated_while_joining(*args, **kwargs):
        # What a SIGTERM would run now, the words on disk (a real one would end pytest).
        handler = signal.getsignal(signal.SIGTERM)
        assert callable(handler), "SIGTERM ends the process without clean-up"
        handler(signal.SIGTERM, None)
        return real(*args, **kwargs)

    monkeypatch.setattr(spill, "_candidates", terminated_while_joining)
    paths = [str(p) for p in seed_paths.values()]
    result = _run("scan", *paths, "--memory-limit", "1KB", "--tmp-dir", str(tmp_path), "-q")
    assert (result.exit_code, result.stdout, result.stderr) == (143, "", "Terminated.\n")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "args",
    [
        ["compare", "{a}", "{a}"],
        ["scan", "{a}"],
        ["clean", "{a}", "-o", "{tmp}/out"],
        ["check", "{a}"],
        ["index", "build", "{a}", "-o", "{tmp}/x.idx"],
    ],
)
def test_ctrl_c_in_any_command_is_exit_130(tmp_path, monkeypatch, args):
    from dedup.io.readers import DocumentReader

    def interrupted(*_args, **_kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(DocumentReader, "read", interrupted)
    a = tmp_path / "a.txt"
    a.write_text("some text", encoding="utf-8")
    result = _run(*(arg.format(a=a, tmp=tmp_path) for arg in args))
    assert (result.exit_code, result.stdout, result.stderr) == (130, "", "Interrupted.\n")
