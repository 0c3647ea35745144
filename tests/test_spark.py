"""The Spark engine gives the local engine's report, for any partition count.

One `local[2]` session for the whole file (starting Spark costs ~10 s); the corpora are
small so every test stays short.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from cli_helpers import run_cli

from dedup import DedupConfig
from dedup.api import scan
from dedup.clean import clean
from dedup.engines import spark as spark_engine
from dedup.engines import spark_clean
from dedup.engines.spark import SparkScan, scan_files, spark_session
from dedup.engines.spark_clean import clean_spark
from dedup.io.readers import DocumentReader

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
ONLY_DUPLICATES = replace(DedupConfig(), passages=False, find_boilerplate=False)
PASSAGES = replace(DedupConfig(), find_boilerplate=False)
# Caps small enough that the corpus crosses each: partners, passages per pair and per document.
CAPPED = replace(
    PASSAGES,
    passage=replace(PASSAGES.passage, max_partners=2, max_per_pair=1, max_per_doc=2),
)


@pytest.fixture(scope="session")
def spark():
    pytest.importorskip("pyspark")
    session = spark_session("local[2]")
    yield session
    session.stop()


def _words(rng: random.Random, n: int) -> list[str]:
    return [f"w{rng.randrange(3000)}" for _ in range(n)]


def _edit(rng: random.Random, words: list[str], changes: int) -> list[str]:
    out = list(words)
    for _ in range(changes):
        out[rng.randrange(len(out))] = f"x{rng.randrange(10**6)}"
    return out


@pytest.fixture(scope="session")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """~300 documents in two JSONL files and a text folder: exact copies, near copies,
    chains of edits (a copy of a copy, to test that clusters do not chain), lengths that
    differ (for --keep longest), one bad record and unrelated documents."""
    rng = random.Random(15)
    root = tmp_path_factory.mktemp("spark-corpus")
    records: list[dict[str, object]] = []
    for _ in range(40):
        base = _words(rng, rng.randrange(60, 200))
        versions = [base]
        for _ in range(rng.randrange(1, 6)):
            kind = rng.random()
            prev = rng.choice(versions)
            if kind < 0.25:
                new = list(prev)
            elif kind < 0.6:
                new = _edit(rng, prev, rng.randrange(1, 4))
            elif kind < 0.8:
                new = prev + _words(rng, rng.randrange(1, 8))
            else:
                new = _edit(rng, prev, rng.randrange(4, 12))
            versions.append(new)
        for v in versions:
            records.append({"text": " ".join(v), "day": f"2024-01-{rng.randrange(1, 29):02d}"})
    records.extend({"text": " ".join(_words(rng, 80)), "day": "2024-02-01"} for _ in range(80))
    rng.shuffle(records)
    half = len(records) // 2
    lines = [json.dumps(r) for r in records[:half]]
    lines.insert(7, "{not json")
    (root / "a.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (root / "b.jsonl").write_text(
        "\n".join(json.dumps(r) for r in records[half:-40]) + "\n", encoding="utf-8"
    )
    table = {"text": [str(r["text"]) for r in records[-40:-30]], "day": ["2024-03-01"] * 10}
    pq.write_table(pa.table(table), root / "c.parquet")
    (root / "texts").mkdir()
    for k, r in enumerate(records[-30:]):
        (root / "texts" / f"{k:03d}.txt").write_text(str(r["text"]), encoding="utf-8")
    return root


def _sentences(rng: random.Random, n: int) -> list[str]:
    """`n` sentences of random words, capitalised and ended with a full stop."""
    out = []
    for _ in range(n):
        words = _words(rng, rng.randrange(6, 16))
        out.append(" ".join([words[0].upper(), *words[1:]]) + ".")
    return out


@pytest.fixture(scope="session")
def passage_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """~320 documents of sentences in two JSONL files and a text folder, with 30 passages
    reused across them: verbatim, with words edited, with a sentence reworded (its words
    shuffled: `rewritten`), one passage in 20 documents (past the bucket cap), and near
    copies of whole documents (clusters, whose copies align with the representative only)."""
    rng = random.Random(1515)
    root = tmp_path_factory.mktemp("spark-passages")
    docs = [_sentences(rng, rng.randrange(4, 14)) for _ in range(300)]
    for k in range(30):
        passage = _sentences(rng, rng.randrange(3, 7))
        for at in rng.sample(range(len(docs)), 20 if k == 0 else rng.randrange(2, 7)):
            copy = list(passage)
            kind = rng.random()
            if kind < 0.3:
                copy = [" ".join(_edit(rng, s.split(), 2)) for s in copy]
            elif kind < 0.5:
                words = copy[0].rstrip(".").split()
                rng.shuffle(words)
                copy[0] = " ".join(words) + "."
            docs[at][rng.randrange(len(docs[at]) + 1) : 0] = copy
    for k, at in enumerate(rng.sample(range(len(docs)), 20)):  # near copies of whole documents
        docs.append(
            [" ".join(_edit(rng, s.split(), 1)) if rng.random() < 0.2 else s for s in docs[at]]
        )
        if k < 5:  # a copy that gained two sentences of another document: searched too
            other = docs[rng.randrange(300)]
            docs[-1] += other[:2] if len(docs[-1]) > 8 else []
    texts = [" ".join(d) for d in docs]
    (root / "a.jsonl").write_text(
        "".join(json.dumps({"text": t}) + "\n" for t in texts[:150]), encoding="utf-8"
    )
    (root / "b.jsonl").write_text(
        "".join(json.dumps({"text": t}) + "\n" for t in texts[150:290]), encoding="utf-8"
    )
    (root / "texts").mkdir()
    for k, text in enumerate(texts[290:]):
        (root / "texts" / f"{k:03d}.txt").write_text(text, encoding="utf-8")
    return root


def _local(paths: list[str], config: DedupConfig) -> dict[str, object]:
    return scan(list(DocumentReader().read(paths)), config).to_dict()


def _same_as_local(
    spark, paths: list[str], config: DedupConfig, partitions: int
) -> tuple[SparkScan, dict[str, Any]]:
    """The Spark scan (its report asserted equal to the local one) and the local report."""
    got = scan_files(paths, config, partitions=partitions, session=spark)
    want = _local(paths, config)
    assert got.report.to_dict() == want
    return got, want


@pytest.mark.parametrize("partitions", [1, 7])
def test_samples_equal_local(spark, partitions: int) -> None:
    paths = [str(SAMPLES)]
    got = scan_files(paths, ONLY_DUPLICATES, partitions=partitions, session=spark)
    assert got.report.to_dict() == _local(paths, ONLY_DUPLICATES)


@pytest.mark.parametrize("partitions", [1, 7])
def test_samples_with_passages_and_boilerplate_equal_local(spark, partitions: int) -> None:
    _, want = _same_as_local(spark, [str(SAMPLES)], DedupConfig(), partitions)
    assert want["passages"]  # the samples share passages
    assert want["boilerplate"]  # and have site furniture


@pytest.mark.parametrize(
    ("partitions", "config"),
    [(1, PASSAGES), (7, PASSAGES), (7, CAPPED)],
    ids=["1", "7", "7-capped"],
)
def test_passages_equal_local(
    spark, passage_corpus: Path, partitions: int, config: DedupConfig
) -> None:
    """Passages (in order), pairs, reuse per document and what the caps left out."""
    got, want = _same_as_local(spark, [str(passage_corpus)], config, partitions)
    passages = want["passages"]
    kinds = {p["kind"] for p in passages}
    if config is PASSAGES:
        assert len(passages) >= 100
        assert kinds == {"verbatim", "edited", "rewritten"}
        assert len(want["duplicates"]) >= 10  # copies: paired with their representative
        assert got.sizes["copy window pairs"] > 0  # found inside the clusters, not the join
        # What a copy gained is searched like any text: a member shares it with a document
        # outside its cluster.
        rep_of = {m["id"]: c["representative"] for c in want["duplicates"] for m in c["members"]}
        pairs = [(p["a"]["doc"], p["b"]["doc"]) for p in passages]
        assert any(
            a in rep_of and b not in rep_of and b != rep_of[a]
            for pair in pairs
            for a, b in (pair, pair[::-1])
        )
    else:
        assert want["counts"]["pairs_left_out"] > 0
        assert want["counts"]["passages_left_out"] > 0


def test_passages_past_the_driver_bound_is_one_error(spark, monkeypatch, tmp_path: Path) -> None:
    from dedup.engines import spark_passages

    monkeypatch.setattr(spark_passages, "DRIVER_PAIRS", 1)
    with pytest.raises(Exception, match=r"document pairs share passage windows, more than") as got:
        scan_files([str(SAMPLES)], PASSAGES, session=spark)
    assert type(got.value).__name__ == "ConfigError"
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    found = scan_files([str(empty)], PASSAGES, allow_empty=True, session=spark)
    assert found.report.to_dict() == _local([str(empty)], PASSAGES)


@pytest.mark.parametrize(
    ("partitions", "keep", "driver_links"), [(1, "first", 0), (7, "newest", 20_000_000)]
)
def test_corpus_equals_local(
    spark, corpus: Path, partitions: int, keep: str, driver_links: int, monkeypatch
) -> None:
    """Components found by Spark rounds (no link on the driver) or on the driver alike."""
    monkeypatch.setattr(spark_engine, "DRIVER_LINKS", driver_links)
    config = replace(ONLY_DUPLICATES, keep=keep, date_field="day" if keep == "newest" else None)
    got, want = _same_as_local(spark, [str(corpus)], config, partitions)
    assert (got.sizes["component rounds"] > 0) == (driver_links == 0)
    assert len(want["duplicates"]) >= 20  # the corpus has clusters to compare
    assert [s.source for s in got.skipped] == [f"{corpus / 'a.jsonl'}:8"]


def test_errors_are_the_local_ones(spark, corpus: Path, tmp_path: Path) -> None:
    with pytest.raises(Exception, match=r"a.jsonl:8: not valid JSON") as strict:
        scan_files([str(corpus)], ONLY_DUPLICATES, strict=True, session=spark)
    assert type(strict.value).__name__ == "InputError"
    dated = tmp_path / "dated.jsonl"
    dated.write_text('{"text": "a", "day": "2024-01-01"}\n{"text": "b", "day": "last May"}\n')
    bad_date = replace(ONLY_DUPLICATES, keep="newest", date_field="day")
    with pytest.raises(Exception, match=r"--date-field 'day': .*:2 has 'last May', not a date"):
        scan_files([str(dated)], bad_date, session=spark)


def test_damaged_files_of_a_walked_folder_are_the_local_skipped_records(
    spark, tmp_path: Path
) -> None:
    """A cut-off `.jsonl.gz` shard and an undecodable text file found by walking a folder are
    skipped records on Spark as here (the read tasks know which files were walked); named
    directly, the shard is the local error."""
    import gzip

    corpus = tmp_path / "crawl"
    corpus.mkdir()
    rows = "".join(
        json.dumps({"text": f"Story {n} of the ferry pier."}) + "\n" for n in range(2000)
    )
    packed = gzip.compress(rows.encode())
    cut = corpus / "a.jsonl.gz"
    cut.write_bytes(packed[: len(packed) // 2])
    (corpus / "b.txt").write_bytes(b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 8 + bytes(range(256)))
    (corpus / "c.txt").write_text("The harbour opened a new pier for the ferries.\n")
    got, want = _same_as_local(spark, [str(corpus)], ONLY_DUPLICATES, 2)
    assert [s.source for s in got.skipped] == [str(cut), str(corpus / "b.txt")]
    assert 0 < len(want["documents"]) < 2001
    with pytest.raises(Exception, match=r"a.jsonl.gz: the compressed data is damaged after"):
        scan_files([str(cut)], ONLY_DUPLICATES, session=spark)


def test_cli_engine_spark(spark, corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    args = ["scan", str(corpus), "--no-passages", "--no-boilerplate", "--format", "json"]
    code, _, err = run_cli(*args, "--engine", "spark", "--spark-master", "local[2]", "-o", str(out))
    assert code == 0, err
    code, local, err = run_cli(*args)
    assert code == 0, err
    assert json.loads(out.read_text()) == json.loads(local)


def test_cli_engine_spark_passages(spark, passage_corpus: Path, monkeypatch) -> None:
    """Passages and boilerplate on Spark: nothing searched or judged in this process."""
    data = str(passage_corpus / "a.jsonl")
    scans = {}
    with monkeypatch.context() as m:
        m.setattr("dedup.api.find_reuse", _not_here)
        m.setattr("dedup.api.find_boilerplate", _not_here)
        for name, extra in (("spark", ["--no-boilerplate"]), ("all", [])):
            code, out, err = run_cli("scan", data, "--format", "json", "--engine", "spark", *extra)
            assert code == 0, err
            scans[name] = json.loads(out)
    code, out, err = run_cli("scan", data, "--format", "json", "--no-boilerplate")
    assert code == 0, err
    assert scans["spark"] == json.loads(out)
    assert scans["spark"]["passages"]
    code, out, err = run_cli("scan", data, "--format", "json")
    assert code == 0, err
    assert scans["all"] == json.loads(out)


def _not_here(*args, **kwargs):
    msg = "searched on the driver"
    raise AssertionError(msg)


def _files(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


def test_clean_and_check_engine_spark(
    spark, boilerplate_corpus: Path, tmp_path: Path, monkeypatch
) -> None:
    """The scan (near-duplicates, boilerplate per site) and the writing on Spark, the limits
    here: the same records, the same summary, the same check."""
    outs, data, lines = {}, [str(boilerplate_corpus), "--site-field", "site"], {}
    for engine in ("local", "spark"):
        outs[engine] = tmp_path / engine
        with monkeypatch.context() as m:
            if engine == "spark":
                _nothing_read_here(m)
            code, _, err = run_cli("clean", *data, "-o", str(outs[engine]), "--engine", engine)
        assert code == 0, err
        lines[engine] = err.strip().splitlines()[-1].replace(str(outs[engine]), "OUT")
    assert lines["spark"] == lines["local"]
    _same_records([str(boilerplate_corpus)], outs["local"], outs["spark"])
    assert b"near_duplicate" in _files(outs["local"])["rejects.jsonl"]
    assert b"teaser_of_document" in _files(outs["local"])["removed.jsonl"]
    # --resume is not built on Spark's writing: the scan there, the local layout here.
    before = _files(outs["local"])
    args = ["clean", *data, "-o", str(outs["local"]), "--engine", "spark", "--resume"]
    with monkeypatch.context() as m:
        m.setattr("dedup.api.find_boilerplate", _not_here)
        code, _, err = run_cli(*args)
    assert code == 0, err
    assert "note: with --resume the scan runs on Spark" in err
    after = _files(outs["local"])
    assert after.pop(".dedup-scan.json")
    assert after.pop(".dedup-clean.json") != before.pop(".dedup-clean.json")  # lists the scan
    assert after == before  # the local bytes
    checks = [
        run_cli("check", *data, "--no-passages", "--format", "json", "--engine", e)
        for e in ("local", "spark")
    ]
    assert checks[0][0] == checks[1][0] == 1  # the corpus has near-duplicates
    assert json.loads(checks[0][1]) == json.loads(checks[1][1])


def test_missing_pyspark_is_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pyspark.sql", None)
    code, _, err = run_cli(
        "scan", str(SAMPLES), "--no-passages", "--no-boilerplate", "--engine", "spark"
    )
    assert code == 2
    assert err.strip() == "Error: the Spark engine needs pyspark: pip install -e '.[spark]'"


def test_missing_java_is_one_line(tmp_path: Path) -> None:
    """A fresh process (no session running) whose JAVA_HOME has no Java: exit 2, and the
    last line says what to install (spark-class prints its own complaint above it)."""
    pytest.importorskip("pyspark")
    env = {**os.environ, "JAVA_HOME": str(tmp_path / "no-java")}
    args = [sys.executable, "-m", "dedup", "scan", str(SAMPLES), "--no-passages"]
    args += ["--no-boilerplate", "--engine", "spark", "-q"]
    done = subprocess.run(args, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("Error: Spark could not start (")
    assert last.endswith(
        "it needs Java 17 or newer: apt-get install openjdk-17-jre-headless, or set JAVA_HOME"
    )
    assert "Traceback" not in done.stderr


def test_a_fresh_session_keeps_spark_log_quiet(tmp_path: Path) -> None:
    """A fresh process that starts its own JVM: Spark's start-up notes (default log4j
    profile, "Setting default log level", native-hadoop warning) and pyspark's pandas
    warnings stay off stderr; only the JVM's own one-line module notice is left."""
    pytest.importorskip("pyspark")
    out = tmp_path / "report.json"
    args = [sys.executable, "-m", "dedup", "scan", str(SAMPLES), "--no-passages", "-o", str(out)]
    args += ["--engine", "spark", "--spark-master", "local[1]", "-q"]
    done = subprocess.run(args, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    left = [line for line in done.stderr.splitlines() if "incubator modules" not in line]
    assert left == []
    assert json.loads(out.read_text())["documents"]


# --------------------------------------------------------------------------- boilerplate

_NOUNS = [
    "minister",
    "bank",
    "council",
    "court",
    "union",
    "market",
    "company",
    "farmer",
    "police",
    "budget",
]
_VERBS = [
    "said",
    "announced",
    "rejected",
    "approved",
    "delayed",
    "questioned",
    "welcomed",
    "reviewed",
]
_THINGS = [
    "the new tax plan",
    "a rise in fuel prices",
    "the water project",
    "the school reform",
    "the trade deal",
    "a strike at the port",
    "the election timetable",
    "the flood relief fund",
]
_WHEN = [
    "on Monday",
    "on Friday",
    "last week",
    "this morning",
    "after a long meeting",
    "late on Sunday",
]
_FOOTERS = {
    "dawn": ["Follow Dawn on Twitter", "Copyright 2024 Dawn Media Group", "Updated 12 March"],
    "hindu": ["Subscribe to our newsletter", "Published - May 3, 2024 10:15 pm IST"],
    "wire": ["Reporting by the wire desk in Karachi and Delhi staff writers today."],
    "blog": ["Posted in News and Politics", "3 Comments"],
}


def _prose(rng: random.Random, n: int) -> list[str]:
    """`n` sentences of news prose, each made of a subject, a verb, an object and a time."""
    return [
        f"The {rng.choice(_NOUNS)} {rng.choice(_VERBS)} {rng.choice(_THINGS)} "
        f"{rng.choice(_WHEN)}, and {rng.choice(_NOUNS)}s in {rng.randrange(40)} districts "
        f"{rng.choice(_VERBS)} it."
        for _ in range(n)
    ]


@pytest.fixture(scope="session")
def boilerplate_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """~300 news documents on four sites (and some on none) in two JSONL files: site
    footers (with digits that differ, "Updated 12 March" / "Updated 15 March"), a footer
    on too few documents, near copies (a shared opening, so their lines count once),
    cut-off teasers of other documents' openings (one opening shared by two documents:
    the first is named), ids that sort otherwise than documents (`a.jsonl:10` before
    `a.jsonl:2`), and a prose footer on many documents of one site."""
    rng = random.Random(1505)
    root = tmp_path_factory.mktemp("spark-boilerplate")
    docs: list[dict[str, object]] = []
    for k in range(280):
        site = rng.choice([*_FOOTERS, ""])
        title = f"{rng.choice(_NOUNS).title()} {rng.choice(_VERBS)} {rng.choice(_THINGS)} {k}"
        lines = [title, *_prose(rng, rng.randrange(3, 9))]
        for footer in _FOOTERS.get(site, []):
            if rng.random() < 0.7:
                lines.append(footer.replace("12", str(rng.randrange(1, 28))))
        if k % 40 == 0:  # on seven documents in all: a repeat on a site only sometimes
            lines.append("Read the full story in our weekend edition")
        docs.append(
            {"text": "\n".join(lines), "site": site} if site else {"text": "\n".join(lines)}
        )
    for k in range(0, 30, 3):  # near copies: the same opening, a line added
        copy = dict(docs[k])
        copy["text"] = f"{copy['text']}\nRead the full story in our weekend edition"
        docs.append(copy)
    openings = [str(d["text"]).split("\n")[1] for d in docs]
    for k in range(0, 300, 7):  # teasers: cut-off openings of other documents
        other = openings[(k * 13 + 5) % len(openings)]
        cut = " ".join(other.split()[: rng.randrange(6, 10)])
        at = k % len(docs)
        docs[at]["text"] = f"{docs[at]['text']}\nRelated stories\n{cut}…"
    rng.shuffle(docs)
    (root / "a.jsonl").write_text(
        "".join(json.dumps(d) + "\n" for d in docs[:170]), encoding="utf-8"
    )
    # Longer than the line model reads: the marker rules alone judge it, and both engines
    # count it (`boilerplate_rules_only`).
    long = {"text": "\n".join(f"Archive entry {i}" for i in range(1200)), "site": "archive.example"}
    (root / "b.jsonl").write_text(
        "".join(json.dumps(d) + "\n" for d in [*docs[170:], long]), encoding="utf-8"
    )
    return root


BOILERPLATE = replace(
    DedupConfig(), passages=False, boilerplate=replace(DedupConfig().boilerplate, site_field="site")
)
RULES = replace(BOILERPLATE, boilerplate=replace(BOILERPLATE.boilerplate, preset="rules"))


@pytest.mark.parametrize(
    ("partitions", "config"),
    [(1, BOILERPLATE), (7, RULES)],
    ids=["1", "7-rules"],
)
def test_boilerplate_equals_local(
    spark, boilerplate_corpus: Path, partitions: int, config: DedupConfig
) -> None:
    _, want = _same_as_local(spark, [str(boilerplate_corpus)], config, partitions)
    assert want["counts"]["boilerplate_rules_only"] == (config is BOILERPLATE)
    rules = {b["rule"] for b in want["boilerplate"]}
    assert "teaser_of_document" in rules
    if config is RULES:
        assert "corpus_repeat" in rules


def test_passages_of_boilerplate_are_left_out_as_local(spark, boilerplate_corpus: Path) -> None:
    # Both engines hand their passages and lines to one assembly (`api.reuse_report`):
    # the footers the sites' documents share are no passage of either.
    config = replace(BOILERPLATE, passages=True)
    _, want = _same_as_local(spark, [str(boilerplate_corpus)], config, 3)
    assert want["counts"]["passages_boilerplate"] > 0


def test_text_output_shows_the_boilerplate_lines_as_local(spark, boilerplate_corpus: Path) -> None:
    """A new-user trial: the text of a Spark scan lost every "- <line>" row under its
    boilerplate findings (the texts were read here for html only)."""
    args = ["scan", str(boilerplate_corpus), "--site-field", "site", "--no-passages", "-q"]
    code, spark_text, err = run_cli(*args, "--engine", "spark")
    assert code == 0, err
    code, local_text, err = run_cli(*args)
    assert code == 0, err
    assert spark_text == local_text
    assert "\n    - " in local_text


def test_a_site_field_in_no_document_is_the_local_error(spark, boilerplate_corpus: Path) -> None:
    typo = replace(BOILERPLATE, boilerplate=replace(BOILERPLATE.boilerplate, site_field="sitee"))
    with pytest.raises(Exception, match=r"--site-field 'sitee' is in no document; fields: site$"):
        scan_files([str(boilerplate_corpus)], typo, session=spark)
    with pytest.raises(Exception, match=r"--site-field 'sitee' is in no document; fields: site$"):
        _local([str(boilerplate_corpus)], typo)


# --------------------------------------------------------------------------- clean


def _nothing_read_here(m: pytest.MonkeyPatch) -> None:
    """The driver neither reads a document nor cleans one: the executors do."""
    m.setattr("dedup.api.find_boilerplate", _not_here)
    m.setattr(sys.modules["dedup.clean"], "apply_report", _not_here)
    m.setattr(DocumentReader, "read", _not_here)


def _jsonl(paths: list[Path]) -> list[dict[str, Any]]:
    lines = (line for p in paths for line in p.read_text("utf-8").split("\n"))
    return [json.loads(line) for line in lines if line]


def _local_records(paths: list[str], out: Path) -> list[dict[str, Any]]:
    """What the local clean wrote to `out`, as records in input order: a JSONL file's lines,
    a Parquet file's rows, a text file as {"id": its input path, "text": its text}."""
    records: list[dict[str, Any]] = []
    for path in paths:
        for name in DocumentReader().files([path]):
            rel = Path(name).relative_to(path) if Path(path).is_dir() else Path(name).name
            written = out / rel
            if not written.exists():
                continue
            if written.suffix == ".jsonl":
                records += _jsonl([written])
            elif written.suffix == ".parquet":
                records += pq.read_table(written).to_pylist()
            else:
                records.append({"id": name, "text": written.read_text("utf-8")})
    return records


def _same_records(paths: list[str], local: Path, spark_out: Path) -> dict[str, list[Any]]:
    """The Spark parts hold the local output's records, in input order, and its rejects
    (unreadable records in place, not last) and removed lines; returns the Spark records."""
    parts = sorted(spark_out.glob("part-*"))
    if parts and parts[0].suffix == ".parquet":
        docs = [r for p in parts for r in pq.read_table(p).to_pylist()]
    else:
        docs = _jsonl(parts)
    assert docs == _local_records(paths, local)
    rejects = _jsonl(sorted(spark_out.glob("rejects/part-*.jsonl")))
    want = _jsonl([local / "rejects.jsonl"])
    key = lambda r: json.dumps(r, sort_keys=True)  # noqa: E731
    assert sorted(rejects, key=key) == sorted(want, key=key)
    assert [r for r in rejects if r["doc"]] == [r for r in want if r["doc"]]
    removed = _jsonl(sorted(spark_out.glob("removed/part-*.jsonl")))
    assert removed == _jsonl([local / "removed.jsonl"])
    return {"documents": docs, "rejects": rejects, "removed": removed}


def test_clean_writes_the_local_records(
    spark, boilerplate_corpus: Path, tmp_path: Path, monkeypatch
) -> None:
    """Partitions 7 then 1 into the same OUT: the local records each time, and the parts of
    the first run gone after the second."""
    extra = tmp_path / "extra.jsonl"
    extra.write_text('{"text": "One more page of news."}\n{not json\n', encoding="utf-8")
    paths = [str(SAMPLES), str(boilerplate_corpus), str(extra)]
    clean(paths, tmp_path / "local", BOILERPLATE)
    out = tmp_path / "spark"
    for partitions in (7, 1):
        with monkeypatch.context() as m:
            _nothing_read_here(m)
            done = clean_spark(paths, out, BOILERPLATE, partitions=partitions, session=spark)
        got = _same_records(paths, tmp_path / "local", out)
        counts = done.summary()
        assert counts["read"] == counts["written"] + counts["rejected"]
        assert counts["written"] == len(got["documents"])
        assert counts["removed_lines"] == len(got["removed"])
        assert counts["unreadable"] == 1
        assert counts["near_duplicates"] > 0
        assert got["removed"]  # boilerplate was cut
        parts = [p.name for p in out.rglob("part-*")]
        # samples/ holds a file the walk does not read: the driver lists it, last.
        assert "part-not-read.jsonl" in parts
        parts.remove("part-not-read.jsonl")
        assert (len(parts) > 3) if partitions == 7 else (set(parts) == {"part-00000.jsonl"})


def test_clean_engine_spark_keeps_each_records_key_order(
    spark, tmp_path: Path, monkeypatch
) -> None:
    """The text first, in the middle or last: the parts hold each record in its input key
    order, byte for byte the local output's lines (a cut record's too)."""
    rows = [
        {"text": "The budget passed on Tuesday.\nTaxes stay.\nLeave a Comment", "id": "p1"},
        {"id": "p2", "text": "Rain is expected across the region tonight.", "lang": "en"},
        {"id": "p3", "lang": "en", "text": "The bridge reopens in May after repairs."},
    ]
    lines = [json.dumps(r) + "\n" for r in rows]
    src = tmp_path / "in.jsonl"
    src.write_text("".join(lines), encoding="utf-8")
    written = {}
    for engine in ("local", "spark"):
        out = tmp_path / engine
        with monkeypatch.context() as m:
            if engine == "spark":
                _nothing_read_here(m)
            code, _, err = run_cli("clean", str(src), "-o", str(out), "--engine", engine)
        assert code == 0, err
        files = [out / "in.jsonl"] if engine == "local" else sorted(out.glob("part-*.jsonl"))
        written[engine] = "".join(f.read_text("utf-8") for f in files).splitlines(keepends=True)
    assert written["spark"] == written["local"]
    assert [list(json.loads(w)) for w in written["spark"]] == [list(r) for r in rows]
    assert json.loads(written["spark"][0])["text"] == "The budget passed on Tuesday.\nTaxes stay."
    assert written["spark"][1:] == lines[1:]


def test_clean_parquet_writes_parquet_parts(
    spark, corpus: Path, tmp_path: Path, monkeypatch
) -> None:
    """Parquet in, Parquet parts out, with the input's schema; a run that fails after the
    tasks wrote their parts leaves OUT as it was."""
    paths = [str(corpus / "c.parquet")]
    clean(paths, tmp_path / "local", ONLY_DUPLICATES)
    clean_spark(paths, tmp_path / "spark", ONLY_DUPLICATES, partitions=2, session=spark)
    parts = sorted((tmp_path / "spark").glob("part-*"))
    assert parts
    assert all(p.suffix == ".parquet" for p in parts)
    schema = pq.read_schema(corpus / "c.parquet").remove_metadata()
    assert pq.read_schema(parts[0]).remove_metadata().equals(schema)
    _same_records(paths, tmp_path / "local", tmp_path / "spark")
    before = _files(tmp_path / "spark")
    with monkeypatch.context() as m:
        m.setattr(spark_clean, "_summary", _not_here)
        with pytest.raises(AssertionError, match="searched on the driver"):
            clean_spark(paths, tmp_path / "spark", ONLY_DUPLICATES, partitions=3, session=spark)
    assert _files(tmp_path / "spark") == before  # nothing moved in
    assert not list((tmp_path / "spark").glob(".spark-clean.*"))  # no temporary folder left


def test_clean_refuses_an_input_where_parts_go(spark, tmp_path: Path) -> None:
    """A part of an earlier Spark clean, cleaned again into the same OUT, would be replaced."""
    (tmp_path / "out").mkdir()
    part = tmp_path / "out" / "part-00000.jsonl"
    part.write_text('{"text": "A page."}\n', encoding="utf-8")
    with pytest.raises(
        Exception, match=r"would overwrite input .*part-00000.jsonl; choose another -o"
    ):
        clean_spark([str(part)], tmp_path / "out", ONLY_DUPLICATES, session=spark)
    assert part.read_text(encoding="utf-8") == '{"text": "A page."}\n'


def test_partition_tags_land_on_their_partition(spark) -> None:
    """The band join's blocks reach the partition they were split for, so each holds one
    destination's keys (an even split, not two destinations on one partition)."""
    from pyspark.sql import functions as F

    tags = spark_engine.partition_tags(spark, 7)
    rows = spark.createDataFrame([(t, d) for d, t in enumerate(tags)], "part long, d long")
    got = rows.repartition(7, "part").select("d", F.spark_partition_id().alias("p")).collect()
    assert sorted((r.d, r.p) for r in got) == [(d, d) for d in range(7)]


@pytest.mark.parametrize(
    "java",
    [
        "org.apache.spark.memory.SparkOutOfMemoryError: [UNABLE_TO_ACQUIRE_MEMORY] Unable to "
        "acquire 16384 bytes of memory, got 0. SQLSTATE: 53200",
        "java.lang.OutOfMemoryError: Java heap space",
        "pyspark.errors.exceptions.captured.PythonException: MemoryError",
    ],
)
def test_spark_out_of_memory_is_one_line_saying_what_to_give(java: str) -> None:
    """The error a task that ran out of memory raises on the driver (a Py4J error whose text
    is the Java stack) becomes the one-line ConfigError the CLI prints with exit 2."""
    java_error = f"An error occurred while calling o444.localCheckpoint.\n: {java}"
    with pytest.raises(spark_engine.ConfigError) as got, spark_engine._worker_errors():
        raise RuntimeError(java_error)
    msg = str(got.value)
    assert msg.startswith("Spark ran out of memory (")
    assert "\n" not in msg
    assert "--driver-memory" in msg
    assert "spark.sql.shuffle.partitions" in msg


def test_other_spark_failures_are_not_hidden() -> None:
    failure = "py4j: Connection refused"
    with pytest.raises(RuntimeError, match="Connection refused"), spark_engine._worker_errors():
        raise RuntimeError(failure)
