"""`dedup check` and `dedup index` on the command line: exit codes, formats, config, index."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner

from dedup.cli import cli

NEWS = (
    "Pakistan and the US are set to hold a new round of their defence dialogue in "
    "Washington next week.\nThe first round of the dialogue was held in Pakistan in "
    "January 2021, officials said on Monday. The delegation will be led by the chief "
    "of general staff and will meet officials of the department of defense.\n"
)
OTHER = "The city council approved the new budget on Tuesday after a long debate.\n"
GITHUB = re.compile(
    r"^::(error|warning|notice) (?:file=(?P<file>[^,]+),line=(?P<line>\d+),)?title=[^:]+::.+$"
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
    assert "between 0 and 1" in err


def test_github_format_names_file_and_line(data: Path) -> None:
    (data / "data" / "c.txt").write_text(OTHER + NEWS)
    code, out, _ = _run("check", "data", "--format", "github", "--max-reused-ratio", "0")
    assert code == 1
    lines = out.strip().splitlines()
    matches = [GITHUB.match(line) for line in lines]
    assert all(matches), lines
    located = [(m["file"], int(m["line"])) for m in matches if m and m["file"]]
    assert (str(Path("data") / "c.txt"), 2) in located  # the reused passage starts on line 2
    assert lines[-1].startswith("::error title=dedup check::")


def test_junit_format_has_one_testcase_per_limit(data: Path) -> None:
    code, out, _ = _run("check", "data", "--format", "junit")
    assert code == 1
    suite = ET.fromstring(out.encode()).find("testsuite")
    assert suite is not None
    cases = {c.get("name"): c for c in suite.iter("testcase")}
    assert set(cases) == {"max-duplicate-ratio", "max-boilerplate-ratio", "max-reused-ratio"}
    failure = cases["max-duplicate-ratio"].find("failure")
    assert failure is not None
    assert "near-duplicate of" in (failure.text or "")
    assert cases["max-reused-ratio"].find("failure") is None
    assert suite.get("failures") == "1"


def test_json_format_has_report_and_verdicts(data: Path) -> None:
    code, out, _ = _run("check", "data", "--format", "json")
    body = json.loads(out)
    assert code == 1
    assert body["schema"] == "dedup.report/1"
    verdict = body["check"]["verdicts"][0]
    assert (verdict["rule"], verdict["value"], verdict["threshold"]) == (
        "max-duplicate-ratio",
        0.5,
        0.0,
    )


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


def test_index_build_add_query_and_against(data: Path) -> None:
    assert _run("index", "build", "data/a.txt", "-o", "train.idx")[0] == 0
    code, _, err = _run("index", "add", "train.idx", "clean.txt")
    assert code == 0
    assert "added 1 documents" in err
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
