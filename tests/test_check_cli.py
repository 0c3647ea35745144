"""`dedup check` and `dedup index` on the command line: exit codes, formats, config, index."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner

from dedup.cli import cli
from dedup.report import EXCERPT_CHARS

NEWS = (
    "Pakistan and the US are set to hold a new round of their defence dialogue in "
    "Washington next week.\nThe first round of the dialogue was held in Pakistan in "
    "January 2021, officials said on Monday. The delegation will be led by the chief "
    "of general staff and will meet officials of the department of defense.\n"
)
OTHER = "The city council approved the new budget on Tuesday after a long debate.\n"
GITHUB = re.compile(
    r"^::(error|warning) (?:file=(?P<file>[^,]+),line=(?P<line>\d+),endLine=(?P<end>\d+),)?"
    r"title=[^:]+::.+$"
)


@pytest.fixture
def data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)  # no pyproject.toml above, unless a test writes one
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "a.txt").write_text(NEWS)
    (tmp_path / "data" / "b.txt").write_text(NEWS + "Reported by our staff.\n")
    (tmp_path / "clean.txt").write_text(OTHER)
    return tmp_path


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_exit_codes(data: Path) -> None:
    assert _run("check", "clean.txt")[0] == 0
    code, out, _ = _run("check", "data")
    assert code == 1
    assert "FAIL max-duplicate-ratio 0.5 > 0" in out
    assert _run("check", "data", "--max-duplicate-ratio", "0.5")[0] == 0
    code, out, err = _run("check", "missing.txt")
    assert (code, out) == (2, "")
    assert len(err.strip().splitlines()) == 1
    assert "no such file" in err
    code, _, err = _run("check", "data", "--max-reused-ratio", "2")
    assert code == 2
    assert "Invalid value for '--max-reused-ratio': 2.0 is not in the range 0.0<=x<=1.0" in err


def test_github_format_names_file_and_lines_of_failing_limits_only(data: Path) -> None:
    (data / "data" / "c.txt").write_text(OTHER + NEWS)
    code, out, _ = _run("check", "data", "--format", "github", "--max-reused-ratio", "0")
    assert code == 1
    lines = out.strip().splitlines()
    matches = [GITHUB.match(line) for line in lines]
    assert all(matches), lines
    assert lines[0].startswith("::error title=dedup check failed::")
    located = {(m["file"], int(m["line"]), int(m["end"])) for m in matches if m and m["file"]}
    # The passage reused in c.txt runs from line 2 to line 3; b.txt is a near-copy (all 3 lines).
    assert ("data/c.txt", 2, 3) in located
    assert ("data/b.txt", 1, 3) in located
    # Boilerplate (a limit switched off) is not annotated; with --annotate all it warns.
    assert "max-boilerplate-ratio::" not in out
    code, out, _ = _run("check", "data", "--format", "github", "--max-duplicate-ratio", "1")
    assert code == 0
    assert "::" not in out
    assert out.startswith("dedup check passed: max-duplicate-ratio ok: 0.6667 <= 1")
    _, out, _ = _run(
        "check", "data", "--format", "github", "--max-duplicate-ratio", "1", "--annotate", "all"
    )
    assert "::warning file=data/b.txt,line=1,endLine=3,title=dedup max-duplicate-ratio::" in out
    assert "::error" not in out


def test_github_annotations_are_capped_with_a_summary(data: Path) -> None:
    for i in range(12):
        (data / "data" / f"copy{i:02}.txt").write_text(NEWS + f"Copy {i}.\n")
    code, out, _ = _run("check", "data", "--format", "github")
    assert code == 1
    lines = out.splitlines()
    errors = [line for line in lines if line.startswith("::error")]
    assert len(errors) == 10  # GitHub shows 10 a step: the summary and 9 findings
    assert "4 more findings are not annotated (GitHub shows 10 a step): see the log" in errors[0]
    assert lines[10] == "4 findings not annotated:"
    assert all(line.startswith("data/copy") for line in lines[11:]), lines[11:]
    assert len(lines) == 15


def test_junit_format_has_one_testcase_per_file(data: Path) -> None:
    code, out, _ = _run("check", "data", "clean.txt", "--format", "junit")
    assert code == 1
    suite = ET.fromstring(out.encode()).find("testsuite")
    assert suite is not None
    cases = {c.get("name"): c for c in suite.iter("testcase")}
    assert set(cases) == {"data/a.txt", "data/b.txt", "clean.txt"}
    failure = cases["data/b.txt"].find("failure")
    assert failure is not None
    assert "near-duplicate of data/a.txt" in (failure.text or "")
    assert cases["data/a.txt"].find("failure") is None
    assert (suite.get("tests"), suite.get("failures")) == ("3", "1")
    props = {p.get("name"): p.get("value") for p in suite.iter("property")}
    assert props["max-duplicate-ratio"] == (
        "max-duplicate-ratio failed: 0.3333 > 0 (1 of 3 documents are near-duplicates, "
        "the limit allows 0; 1 finding)"
    )


def test_sarif_and_concise_formats(data: Path) -> None:
    code, out, _ = _run("check", "data", "--format", "sarif")
    assert code == 1
    sarif = json.loads(out)
    assert sarif["version"] == "2.1.0"
    (run,) = sarif["runs"]
    (result,) = run["results"]
    assert (result["ruleId"], result["level"]) == ("max-duplicate-ratio", "error")
    location = result["locations"][0]["physicalLocation"]
    assert location == {
        "artifactLocation": {"uri": "data/b.txt"},
        "region": {"startLine": 1, "endLine": 3},
    }
    assert run["invocations"][0]["properties"]["passed"] is False
    code, out, _ = _run("check", "data", "--format", "concise")
    assert code == 1
    assert out.splitlines() == [
        "data/b.txt:1-3: error [max-duplicate-ratio] data/b.txt is a near-duplicate of "
        "data/a.txt (document Jaccard 0.929 >= threshold 0.80)",
        "FAIL: max-duplicate-ratio failed: 0.5 > 0 (1 of 2 documents are near-duplicates, "
        "the limit allows 0; 1 finding); max-boilerplate-ratio ok: "
        "0 <= 1 (0 findings); max-reused-ratio ok: 0.4803 <= 1 (1 finding)",
    ]


def test_json_format_has_report_and_verdicts(data: Path) -> None:
    code, out, _ = _run("check", "data", "--format", "json")
    body = json.loads(out)
    assert code == 1
    assert body["schema"] == "dedup.report/3"
    verdict = body["check"]["verdicts"][0]
    assert (verdict["rule"], verdict["value"], verdict["threshold"]) == (
        "max-duplicate-ratio",
        0.5,
        0.0,
    )


@pytest.mark.parametrize("passage_text", ["full", "none"])
def test_json_passage_text_option(data: Path, passage_text: str) -> None:
    code, out, _ = _run("check", "data", "--format", "json", "--passage-text", passage_text)
    assert code == 1  # the check fails (a near-duplicate), the JSON is written all the same
    spans = [p[side] for p in json.loads(out)["passages"] for side in ("a", "b")]
    assert spans
    assert all(("text" in span) is (passage_text == "full") for span in spans)


@pytest.mark.parametrize("passage_text", ["full", "excerpt", "none"])
def test_json_duplicate_findings_hold_the_other_documents_text(
    data: Path, passage_text: str
) -> None:
    # A near-duplicate's `other` was `[0, len)` of the earlier document with text "".
    code, out, _ = _run("check", "data", "--format", "json", "--passage-text", passage_text)
    assert code == 1
    verdicts = json.loads(out)["check"]["verdicts"]
    (finding,) = [f for v in verdicts for f in v["findings"] if f["kind"] == "duplicate"]
    other = finding["other"]
    assert (Path(other["doc"]), other["start"], other["end"]) == (Path("data/a.txt"), 0, len(NEWS))
    cut = passage_text == "excerpt" and len(NEWS) > EXCERPT_CHARS
    expected = {"full": NEWS, "excerpt": NEWS[:EXCERPT_CHARS], "none": None}[passage_text]
    assert (other.get("text"), other.get("text_cut", False)) == (expected, cut)


def test_pyproject_settings_apply_and_options_override(data: Path) -> None:
    (data / "pyproject.toml").write_text(
        "[tool.dedup]\nmax-duplicate-ratio = 0.5\nformat = 'json'\n"
    )
    code, out, _ = _run("check", "data")
    assert code == 0
    assert json.loads(out)["check"]["passed"]
    assert _run("check", "data", "--max-duplicate-ratio", "0", "--format", "text")[0] == 1
    (data / "pyproject.toml").write_text("[tool.dedup]\nmax-dupes = 1\n")
    code, _, err = _run("check", "data")
    assert code == 2
    assert "unknown key" in err


def test_baseline_makes_ci_fail_only_on_new_findings(data: Path) -> None:
    code, _, err = _run("check", "data", "--write-baseline", "baseline.json")
    assert code == 0
    assert "accepted findings" in err
    assert _run("check", "data", "--baseline", "baseline.json")[0] == 0
    (data / "data" / "c.txt").write_text(NEWS)
    code, out, _ = _run("check", "data", "--baseline", "baseline.json")
    assert code == 1
    assert "c.txt" in out
    assert "b.txt:" not in out
    assert _run("check", "data", "--baseline", "nope.json")[0] == 2


def test_deleting_the_copy_a_finding_was_found_against_adds_no_new_finding(data: Path) -> None:
    # a, b and c hold the same news; b and c were accepted as copies of a. With a gone, c is
    # a copy of b: the same text of c, accepted, not a new finding (it was one when the
    # other document was in the key).
    (data / "data" / "c.txt").write_text(NEWS)
    limits = ("--max-duplicate-ratio", "0", "--max-reused-ratio", "0")
    assert _run("check", "data", *limits)[0] == 1
    assert _run("check", "data", *limits, "--write-baseline", "baseline.json")[0] == 0
    (data / "data" / "a.txt").unlink()
    code, out, err = _run("check", "data", *limits, "--baseline", "baseline.json")
    assert code == 0, out
    assert "0 new findings (2 accepted by the baseline)" in out
    assert "2 accepted findings no longer found" in out  # b's: b is now the original
    assert "data/b.txt:1 [max-reused-ratio]" in err


def test_write_baseline_counts_the_findings_the_next_check_accepts(data: Path) -> None:
    # It said "wrote 4 accepted findings", and the next check "6 accepted by the baseline".
    tail = "Share this:\nLeave a Comment\n"
    (data / "data" / "b.txt").write_text(NEWS + tail + OTHER + tail)
    limit = ("--max-boilerplate-ratio", "0", "--max-duplicate-ratio", "1")
    code, _, err = _run("check", "data", *limit, "--write-baseline", "baseline.json")
    assert code == 0
    assert err == (
        "wrote 6 accepted findings to baseline.json "
        "(4 entries: the same evidence in one document is one entry)\n"
    )
    code, out, _ = _run("check", "data", *limit, "--baseline", "baseline.json")
    assert code == 0
    assert out.startswith("PASS: 2 documents, 0 new findings (6 accepted by the baseline)\n")


def test_write_baseline_dash_is_standard_output(data: Path) -> None:
    # `--write-baseline -` wrote a file named "-" (a new-user trial).
    code, out, err = _run("check", "data", "--write-baseline", "-")
    assert code == 0
    assert len(json.loads(out)["findings"]) == 2
    assert err == "wrote 2 accepted findings to standard output\n"
    assert not (data / "-").exists()


def test_writing_and_pruning_a_baseline_are_silent_with_quiet(data: Path) -> None:
    # `-q --write-baseline` still said "wrote 2 accepted findings to baseline.json".
    assert _run("check", "data", "-q", "--write-baseline", "baseline.json") == (0, "", "")
    assert len(json.loads((data / "baseline.json").read_text())["findings"]) == 2
    (data / "data" / "b.txt").write_text(OTHER)  # the near-copy is gone: stale entries
    args = ("--baseline", "baseline.json", "--prune-baseline", "--format", "json")
    code, out, err = _run("check", "data", "-q", *args)
    assert (code, err) == (0, "")
    assert json.loads(out)["check"]["passed"]
    assert json.loads((data / "baseline.json").read_text())["findings"] == []


def test_baseline_holds_however_the_path_is_typed(
    data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (data / "pyproject.toml").write_text("[tool.dedup]\nmax-reused-ratio = 0\n")
    (data / "data" / "c.jsonl").write_text(json.dumps({"text": OTHER + NEWS}) + "\n")
    assert _run("check", "data")[0] == 1
    code, out, err = _run("check", "data", "--write-baseline", "ci/baseline.json")
    assert (code, out) == (0, "")
    # b.txt and c.jsonl are both copies of a.txt: b-c is not aligned (their cluster says it).
    assert err == "wrote 4 accepted findings to ci/baseline.json\n"
    rows = json.loads((data / "ci" / "baseline.json").read_text())["findings"]
    assert {r["path"] for r in rows} == {"data/b.txt", "data/c.jsonl"}
    accepted = ("--baseline", str(data / "ci" / "baseline.json"))
    code, out, err = _run("check", "data", *accepted)
    assert (code, err) == (0, ""), out
    assert "0 new findings (4 accepted by the baseline)" in out
    assert _run("check", str(data / "data"), *accepted)[0] == 0
    monkeypatch.chdir(data / "data")
    assert _run("check", ".", *accepted)[0] == 0
    assert _run("check", "a.txt", "b.txt", "c.jsonl", *accepted)[0] == 0
    assert _run("check", str(data / "data"), *accepted)[0] == 0
    # A new copy is new wherever it is checked from.
    (data / "data" / "d.txt").write_text(NEWS)
    code, out, _ = _run("check", ".", *accepted)
    assert code == 1
    assert "d.txt" in out


def test_stale_baseline_entries_are_reported_and_pruned(data: Path) -> None:
    (data / ".git").mkdir()  # the project root: baseline rows name data/b.txt
    assert _run("check", "data", "--write-baseline", "baseline.json")[0] == 0
    before = json.loads((data / "baseline.json").read_text())["findings"]
    assert len(before) == 2
    (data / "data" / "b.txt").write_text(OTHER)  # the near-copy is gone
    code, out, err = _run("check", "data", "--baseline", "baseline.json", "--format", "json")
    assert code == 0
    assert err.startswith(
        "baseline.json: 2 accepted findings no longer found (stale): data/b.txt:1"
    )
    stale, *verdicts = err.splitlines()
    assert stale.endswith("; --prune-baseline drops them")
    assert verdicts[0] == "PASS: 2 documents, 0 new findings"  # json on stdout: said here
    assert [r["key"] for r in json.loads(out)["check"]["stale_baseline"]] == [
        r["key"] for r in before
    ]
    code, out, err = _run("check", "data", "--baseline", "baseline.json", "--prune-baseline")
    assert code == 0
    assert err == "baseline.json: pruned 2 stale accepted findings\n"
    assert "stale" not in out  # pruned: the summary no longer calls them stale
    assert json.loads((data / "baseline.json").read_text())["findings"] == []
    code, _, err = _run("check", "data", "--baseline", "baseline.json")
    assert (code, err) == (0, "")
    code, _, err = _run("check", "data", "--prune-baseline")
    assert code == 2
    assert "--prune-baseline needs --baseline FILE" in err


def test_index_build_add_query_and_against(data: Path) -> None:
    assert _run("index", "build", "data/a.txt", "-o", "train.idx")[0] == 0
    code, _, err = _run("index", "add", "train.idx", "clean.txt")
    assert code == 0
    assert "added 1 document (" in err
    eval_path = data / "eval.jsonl"
    quoted = NEWS.split("\n")[1]
    eval_path.write_text(json.dumps({"id": "q1", "text": "Intro line. " + quoted}) + "\n")
    code, out, _ = _run(
        "index", "query", "train.idx", "eval.jsonl", "--id-field", "id", "--format", "json"
    )
    assert code == 0
    (passage,) = json.loads(out)["passages"]
    assert passage["a"]["doc"] == str(Path("data") / "a.txt")
    assert NEWS[passage["a"]["start"] : passage["a"]["end"]] == passage["a"]["text"]
    code, out, _ = _run(
        "check", "eval.jsonl", "--id-field", "id", "--against", "train.idx",
        "--max-reused-ratio", "0", "--format", "github",
    )  # fmt: skip
    assert code == 1
    assert "file=eval.jsonl,line=1," in out
    assert f"reuses indexed document {Path('data') / 'a.txt'} [{passage['a']['start']}:" in out


def test_index_refuses_other_settings_and_garbage(data: Path) -> None:
    assert _run("index", "build", "data", "-o", "train.idx")[0] == 0
    code, _, err = _run("check", "clean.txt", "--against", "train.idx", "--threshold", "0.9")
    assert code == 2
    assert "built with other settings" in err
    (data / "junk.idx").write_text("junk")
    code, _, err = _run("index", "query", "junk.idx", "clean.txt")
    assert code == 2
    assert "not a dedup index" in err


def test_a_missing_or_other_index_is_said_before_any_reading(data: Path) -> None:
    # `clean --against` with a mistyped index path scanned the whole corpus, then said so.
    # Before any reading: the missing input is not what the error names.
    for command in (("check",), ("clean", "-o", "out")):
        code, out, err = _run(*command, "missing.txt", "--against", "nosuch.idx")
        assert (code, out) == (2, "")
        assert err == (
            "Error: nosuch.idx: no such index; build one with "
            "`dedup index build PATH... -o nosuch.idx`\n"
        )
    assert _run("index", "build", "data", "-o", "train.idx")[0] == 0
    for command in (("check",), ("clean", "-o", "out")):
        args = (*command, "missing.txt", "--against", "train.idx", "--num-perm", "64")
        code, _, err = _run(*args)
        assert code == 2
        assert "built with other settings" in err
    assert not (data / "out").exists()


def test_csv_findings_name_the_line_of_the_row(data: Path) -> None:
    news = " ".join(NEWS.split())
    rows = ["text", OTHER.strip(), news, news + " More."]
    (data / "rows.csv").write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    code, out, _ = _run("check", "rows.csv", "--format", "concise")
    assert code == 1
    # Row 3 (ids count data rows) is line 4 of the file, under the header.
    assert out.startswith("rows.csv:4: error [max-duplicate-ratio] rows.csv:3 is a near-dup")


def test_a_limit_whose_measure_is_switched_off_is_a_usage_error(data: Path) -> None:
    # Before any reading: the missing file is not what the error names.
    code, out, err = _run("check", "missing.txt", "--no-passages", "--max-reused-ratio", "0")
    assert (code, out) == (2, "")
    assert err == (
        "Error: --max-reused-ratio needs the passage search; drop --no-passages "
        "(or `no-passages` in [tool.dedup])\n"
    )
    (data / "pyproject.toml").write_text("[tool.dedup]\nno-passages = true\nmax-reused-ratio = 0\n")
    assert _run("check", "data")[0] == 2
    assert _run("check", "data", "--max-reused-ratio", "1")[0] == 1  # off: only duplicates fail


def test_a_check_says_how_many_bad_records_it_skipped(tmp_path: Path, seed_texts) -> None:
    # With -q, a check of a corpus with bad records passed without a word about them.
    records = [json.dumps({"text": t}) for t in seed_texts.values()]
    corpus = tmp_path / "c.jsonl"
    corpus.write_text("\n".join([records[0], "{cut off", records[1], '{"body": "x"}']) + "\n")
    code, out, err = _run("check", str(corpus), "-q", "--no-passages")
    assert (code, err) == (0, "")
    assert out.splitlines()[0] == (
        "PASS: 2 documents, 8 new findings; 2 bad records skipped (--strict fails on them)"
    )
    code, out, _ = _run("check", str(corpus), "-q", "--no-passages", "--format", "json")
    assert json.loads(out)["check"]["skipped_records"] == 2
    assert _run("check", str(corpus), "--strict")[0] == 2


def test_text_lists_the_failing_limit_and_its_findings_first(data: Path) -> None:
    # The duplicate limit (listed first by rule order) passes; the reuse limit fails.
    args = ("check", "data", "--max-duplicate-ratio", "1", "--max-reused-ratio", "0")
    code, out, _ = _run(*args)
    assert code == 1
    lines = out.splitlines()
    assert lines[1].startswith("  FAIL max-reused-ratio ")
    assert lines[2].startswith("  ok   max-duplicate-ratio ")
    findings = [line for line in lines if not line.startswith(("  ", "FAIL", "next: ", "findings"))]
    assert "findings of max-duplicate-ratio, which holds (they fail nothing):" in lines
    rules = [re.findall(r"\[(max-[a-z-]+)\]", line)[0] for line in findings]
    assert rules[0] == "max-reused-ratio"
    assert "max-duplicate-ratio" in rules
    assert rules == sorted(rules, key=lambda r: r != "max-reused-ratio")


def test_a_failing_limit_says_how_much_and_what_the_limit_allows(data: Path) -> None:
    # "0.006651 > 0.001" alone left a new user working out what was counted and how far over.
    args = ("check", "data", "--max-reused-ratio", "0.1")
    code, out, _ = _run(*args)
    assert code == 1
    lines = out.splitlines()
    assert lines[1] == (
        "  FAIL max-duplicate-ratio 0.5 > 0: 1 of 2 documents are near-duplicates, "
        "the limit allows 0"
    )
    chars = len(NEWS) * 2 + len("Reported by our staff.\n")
    reused = re.fullmatch(
        r"  FAIL max-reused-ratio (\S+) > 0.1: (\d+) of ([\d,]+) characters are reused "
        r"passages, the limit allows (\d+)",
        lines[2],
    )
    assert reused, lines[2]
    assert int(reused[3].replace(",", "")) == chars
    assert int(reused[4]) == int(0.1 * chars)
    assert abs(int(reused[2]) / chars - float(reused[1])) < 1e-3
    assert lines[3] == "  ok   max-boilerplate-ratio 0 <= 1"


def test_findings_written_to_a_file_leave_the_verdict_in_the_log(data: Path) -> None:
    # `--format sarif -o dedup.sarif` in CI: exit 1 with an empty log said nothing of why.
    code, out, err = _run("check", "data", "--format", "sarif", "-o", "dedup.sarif")
    assert (code, out) == (1, "")
    assert err.splitlines() == [
        # A new-user trial read "459 new findings" as 459 failures: most were of limits
        # that hold, and the head line now says how many fail.
        "FAIL: 2 documents, 2 new findings, 1 of them under the failing limits "
        "(findings in dedup.sarif)",
        "  FAIL max-duplicate-ratio 0.5 > 0: 1 of 2 documents are near-duplicates, "
        "the limit allows 0",
        "  ok   max-boilerplate-ratio 0 <= 1",
        "  ok   max-reused-ratio 0.4803 <= 1",
    ]
    code, out, err = _run("check", "clean.txt", "--format", "json")  # stdout: a machine's
    assert code == 0
    assert err.splitlines()[0] == "PASS: 1 document, 0 new findings"
    assert _run("check", "data", "--format", "sarif", "-o", "dedup.sarif", "-q")[2] == ""
    assert _run("check", "data")[2] == ""  # the text itself is the verdict


def test_a_missing_baseline_is_said_before_the_data_is_read(
    data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A typo in --baseline was found only after reading the whole corpus.
    def no_read(*args: object, **kwargs: object) -> None:
        msg = "read the data before the baseline"
        raise AssertionError(msg)

    monkeypatch.setattr("dedup.cli._read_counted", no_read)
    code, _, err = _run("check", "data", "--baseline", "ci/basline.json")
    assert code == 2
    assert err.startswith("Error: ci/basline.json: cannot read the baseline")


@pytest.mark.parametrize("command", ["check", "scan"])
def test_html_without_jinja2_is_said_before_the_data_is_read(
    data: Path, monkeypatch: pytest.MonkeyPatch, command: str
) -> None:
    # A fresh `pip install dedup` (no [html] extra) read and scanned the whole corpus, then
    # said that --format html needs Jinja2.
    def no_read(*args: object, **kwargs: object) -> None:
        msg = "read the data before finding that the page cannot be written"
        raise AssertionError(msg)

    monkeypatch.setitem(__import__("sys").modules, "jinja2", None)  # import jinja2 fails
    monkeypatch.setattr("dedup.cli._read_counted", no_read)
    monkeypatch.setattr("dedup.cli._read", no_read)
    code, _, err = _run(command, "data", "-o", "report.html")
    assert code == 2
    assert err.startswith("Error: --format html needs Jinja2, which is not installed")


def test_a_failing_check_ends_with_where_to_look_next(data: Path) -> None:
    # "boilerplate (lexicon 1 >= 0.9)" told a new user neither what the rule is nor where
    # to see a finding in its document.
    (data / "data" / "c.txt").write_text(OTHER + "Leave a Comment\nShare this:\n")
    code, out, _ = _run("check", "data", "--max-boilerplate-ratio", "0")
    assert code == 1
    assert out.splitlines()[-1] == (
        "next: `dedup boilerplate explain RULE` says what a rule means (here: lexicon); "
        "`--format html -o check.html` shows each finding in its document"
    )
    code, out, _ = _run("check", "clean.txt")
    assert code == 0
    assert "next:" not in out


def test_stale_baseline_line_counts_repeated_places_once() -> None:
    # 53 stale findings of one page read "web60.jsonl:9 [max-boilerplate-ratio],
    # web60.jsonl:9 [max-boilerplate-ratio], web60.jsonl:9 [max-boilerplate-ratio] and 50 more".
    from dedup.baseline import Baseline, stale_line

    rows = [{"path": "w.jsonl", "line": 9, "rule": "max-boilerplate-ratio"}] * 9
    rows += [{"path": "w.jsonl", "line": 16, "rule": "max-boilerplate-ratio"}] * 3
    rows += [{"path": "w.jsonl", "line": n, "rule": "max-reused-ratio"} for n in (20, 21)]
    assert stale_line(Baseline(path="bl.json"), rows) == (
        "bl.json: 14 accepted findings no longer found (stale) at 4 places: w.jsonl:9 "
        "[max-boilerplate-ratio] (9), w.jsonl:16 [max-boilerplate-ratio] (3), w.jsonl:20 "
        "[max-reused-ratio] and 1 more place; --prune-baseline drops them"
    )


def test_empty_files_are_no_near_duplicates_of_each_other(data: Path) -> None:
    # Two stray empty files (and a blank line) failed the duplicate limit of a new-user
    # trial ("b.txt is a near-duplicate of a.txt (document Jaccard 1.000)"), and `clean`
    # rejected them, where README says an empty document is written back as it was.
    folder = data / "empty"
    folder.mkdir()
    (folder / "a.txt").write_text("")
    (folder / "b.txt").write_text("")
    (folder / "c.txt").write_text("\n")
    (folder / "d.txt").write_text(OTHER)
    code, out, _ = _run("check", "empty")
    assert code == 0, out
    assert out.startswith("PASS: 4 documents, 0 new findings")
    assert _run("index", "build", "empty", "-o", "e.idx", "-q")[0] == 0
    code, out, _ = _run("check", "empty", "--against", "e.idx", "--max-reused-ratio", "1")
    assert code == 0, out
    code, _, _ = _run("clean", "empty", "-o", "out", "-q")
    assert code == 0
    assert sorted(p.name for p in (data / "out").iterdir() if p.suffix == ".txt") == [
        "a.txt", "b.txt", "c.txt", "d.txt"
    ]  # fmt: skip
    assert (data / "out" / "rejects.jsonl").read_text() == ""
