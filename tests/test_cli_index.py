"""`dedup index` on the command line: what may differ from the index's settings, `index remove`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_helpers import run_cli as _run
from click.testing import CliRunner

from dedup.cli import cli


def test_query_with_another_keep_rule_uses_the_index(indexed: Path) -> None:
    code, out, err = _run("index", "query", "train.idx", "eval.txt", "--keep", "none")
    assert code == 0, err
    assert out.startswith("1 near-duplicates, ")


@pytest.mark.parametrize(
    "settings",
    [
        '[tool.dedup]\nsite-field = "site"\n',
        '[tool.dedup]\nkeep = "longest"\npreset = "docs"\n',
        "[tool.dedup.boilerplate]\nmin_doc_freq = 4\n",
        "[tool.dedup.passage]\nmin_similarity = 0.7\n",
    ],
)
def test_settings_that_do_not_change_the_index_do_not_refuse_it(
    indexed: Path, settings: str
) -> None:
    (indexed / "pyproject.toml").write_text(settings)
    code, out, err = _run("index", "query", "train.idx", "eval.txt", "--format", "json")
    assert code == 0, err
    assert json.loads(out)["pairs"][0]["a"] == str(Path("data/a.txt"))
    code, _, err = _run("check", "eval.txt", "--against", "train.idx")
    assert code == 1, err  # the near-duplicate of an indexed document fails the check


def test_another_threshold_still_refuses_the_index_and_says_which(indexed: Path) -> None:
    (indexed / "pyproject.toml").write_text("[tool.dedup]\nthreshold = 0.9\nkeep = 'none'\n")
    code, out, err = _run("check", "eval.txt", "--against", "train.idx")
    assert (code, out) == (2, "")
    assert len(err.strip().splitlines()) == 1
    assert "built with other settings: threshold=0.8 (now 0.9);" in err
    assert "keep" not in err


def test_remove_drops_documents_by_id(indexed: Path) -> None:
    a, b = str(Path("data/a.txt")), str(Path("data/b.txt"))
    code, out, err = _run("index", "remove", "train.idx", a, "no-such-id")
    assert (code, out) == (0, "")
    assert err == "removed 1 documents; 1 in train.idx (1 of the ids were not in it)\n"
    code, out, _ = _run("index", "query", "train.idx", "eval.txt")
    assert (code, out) == (0, "0 near-duplicates, 0 reused passages\n")
    assert _run("index", "remove", "train.idx", b)[2] == "removed 1 documents; 0 in train.idx\n"


def test_remove_from_a_missing_index_is_exit_2(indexed: Path) -> None:
    code, _, err = _run("index", "remove", "nope.idx", "x")
    assert code == 2
    assert "no such index" in err
    assert _run("index", "remove", "train.idx")[0] == 2  # ids are required


def test_scan_and_check_against_an_index_report_the_same_seed_passages(
    tmp_path: Path, seed_paths, monkeypatch
) -> None:
    monkeypatch.chdir(tmp_path)  # no pyproject.toml of the repository applies
    a, b = (str(p) for p in sorted(seed_paths.values()))
    runner = CliRunner()
    scanned = runner.invoke(cli, ["scan", a, b, "--format", "json", "-q"])
    assert scanned.exit_code == 0, scanned.output
    built = runner.invoke(cli, ["index", "build", a, "-o", str(tmp_path / "a.idx")])
    assert built.exit_code == 0, built.output
    checked = runner.invoke(
        cli, ["check", b, "--against", str(tmp_path / "a.idx"), "--format", "json"]
    )
    assert checked.exit_code in (0, 1), checked.output
    found = json.loads(checked.stdout)["check"]["against"]["passages"]
    expected = json.loads(scanned.stdout)["passages"]
    assert len(expected) >= 3
    assert found == expected


@pytest.mark.parametrize("damage", ["truncated", "header only", "bytes flipped"])
def test_a_damaged_index_is_one_line_exit_2(indexed: Path, damage: str) -> None:
    data = (indexed / "train.idx").read_bytes()
    if damage == "truncated":
        data = data[: len(data) // 2]
    elif damage == "header only":
        data = data[:100]
    else:
        flipped = bytearray(data)
        for i in range(200, len(flipped), 997):
            flipped[i] ^= 0xFF
        data = bytes(flipped)
    (indexed / "bad.idx").write_bytes(data)
    for command in (
        ("index", "query", "bad.idx", "eval.txt"),
        ("check", "eval.txt", "--against", "bad.idx"),
    ):
        code, _, err = _run(*command)
        assert code == 2, err
        assert len(err.strip().splitlines()) == 1
        assert "bad.idx" in err


@pytest.mark.parametrize(
    "sql",
    [
        "DELETE FROM dedup_signatures",
        "DELETE FROM dedup_documents",
        "UPDATE dedup_signatures SET sig = x'0102'",
    ],
)
def test_an_index_with_missing_or_malformed_rows_is_one_line_exit_2(
    indexed: Path, sql: str
) -> None:
    import sqlite3

    with sqlite3.connect(indexed / "train.idx") as conn:
        conn.execute(sql)
    code, _, err = _run("index", "query", "train.idx", "eval.txt")
    assert code == 2, err
    assert len(err.strip().splitlines()) == 1
    assert "is damaged" in err


def test_two_concurrent_index_adds_both_land(tmp_path: Path) -> None:
    import subprocess
    import sys

    def part(k: int) -> Path:
        path = tmp_path / f"p{k}.jsonl"
        rows = (
            json.dumps({"text": f"Part {k} note {i}: the council met about budget line {i}."})
            for i in range(1500)
        )
        path.write_text("\n".join(rows) + "\n")
        return path

    index = str(tmp_path / "x.idx")
    dedup = [sys.executable, "-m", "dedup"]
    subprocess.run([*dedup, "index", "build", str(part(0)), "-o", index], check=True)
    runs = [
        subprocess.Popen([*dedup, "index", "add", index, str(part(k))], stderr=subprocess.PIPE)
        for k in (1, 2)
    ]
    errors = [run.communicate()[1].decode() for run in runs]
    assert [run.returncode for run in runs] == [0, 0], errors
    code, _, err = _run("index", "remove", index, "none")
    assert code == 0, err
    assert "4500 in" in err


def test_a_flipped_bit_in_a_stored_signature_is_caught(indexed: Path) -> None:
    import sqlite3

    with sqlite3.connect(indexed / "train.idx") as conn:
        for doc, sig in conn.execute("SELECT doc, sig FROM dedup_signatures").fetchall():
            flipped = bytearray(sig)
            flipped[5] ^= 0x01
            conn.execute("UPDATE dedup_signatures SET sig = ? WHERE doc = ?", (bytes(flipped), doc))
    # eval.txt near-duplicates data/a.txt: a damaged signature must not quietly hide that.
    code, _, err = _run("index", "query", "train.idx", "eval.txt")
    assert code == 2, err
    assert "is damaged: the signature of document number" in err


def test_index_verify_passes_a_sound_index_and_names_damage(indexed: Path) -> None:
    import sqlite3

    code, _, err = _run("index", "verify", "train.idx")
    assert code == 0, err
    assert "2 documents, every text and signature intact" in err
    with sqlite3.connect(indexed / "train.idx") as conn:
        conn.execute("UPDATE dedup_documents SET text = text || 'x' WHERE doc = 0")
    code, _, err = _run("index", "verify", "train.idx")
    assert code == 2
    assert len(err.strip().splitlines()) == 1
    assert "does not match its checksum" in err


def test_parquet_on_standard_input_is_one_line_exit_2() -> None:
    import io

    import pyarrow as pa
    import pyarrow.parquet as pq

    buf = io.BytesIO()
    pq.write_table(pa.table({"text": ["a b c"]}), buf)
    result = CliRunner().invoke(cli, ["scan", "-", "-q"], input=buf.getvalue())
    assert result.exit_code == 2
    assert "standard input holds Parquet" in result.stderr
