"""`jobs=0` means every core in every API call that takes `jobs`, with the same results as 1."""

from __future__ import annotations

import json
from functools import partial

import pytest
from cli_helpers import run_cli

from dedup import Document, apply_report, find_duplicates, find_passages, scan
from dedup.cluster import verified_pairs
from dedup.config import DedupConfig
from dedup.errors import ConfigError, InputError
from dedup.io import jsonlcorpus, writers
from dedup.io.formats import InputFormat
from dedup.io.readers import DocumentReader
from dedup.passages import find_reuse
from dedup.signature import document_signatures


@pytest.fixture(scope="module")
def corpus(seed_texts) -> list[Document]:
    """The two seeds, plus edited copies and excerpts of them: pairs and passages to find."""
    docs = [Document(key, text) for key, text in sorted(seed_texts.items())]
    for key, text in sorted(seed_texts.items()):
        words = text.split()
        docs.append(Document(f"{key}-copy", " ".join([*words[:-5], "An", "added", "ending."])))
        docs.append(Document(f"{key}-excerpt", "Intro line. " + " ".join(words[40:120])))
    return docs


def test_find_passages_jobs_0_equals_jobs_1(corpus):
    serial = find_passages(corpus, jobs=1)
    assert serial
    assert find_passages(corpus, jobs=0) == serial


def test_find_reuse_jobs_0_equals_jobs_1(corpus):
    assert find_reuse(corpus, jobs=0) == find_reuse(corpus, jobs=1)


def test_find_duplicates_jobs_0_equals_jobs_1(corpus):
    serial = find_duplicates(corpus, jobs=1)
    assert serial.clusters
    assert find_duplicates(corpus, jobs=0) == serial


def test_verified_pairs_jobs_0_equals_jobs_1(corpus):
    serial = verified_pairs(corpus, jobs=1)
    assert serial
    assert verified_pairs(corpus, jobs=0) == serial


@pytest.mark.parametrize("func", [find_passages, find_duplicates, verified_pairs])
def test_negative_jobs_is_refused(func, corpus):
    with pytest.raises(ConfigError, match="--jobs must be 0"):
        func(corpus, jobs=-1)


def _ignores_ctrl_c(_shared: object, _task: int) -> bool:
    import signal

    return signal.getsignal(signal.SIGINT) == signal.SIG_IGN


def test_workers_leave_ctrl_c_to_the_parent():
    """Ctrl-C reaches the whole process group: a worker stopped by it mid-queue could hang
    the run; the parent alone turns it into `Interrupted.` and exit 130."""
    from dedup.parallel import map_batches, map_shared

    assert all(map_shared(_ignores_ctrl_c, None, [1, 2, 3], jobs=2))
    assert all(map_batches(partial(_ignores_ctrl_c, None), [[1], [2], [3]], jobs=2))


def _slow(_shared: object, seconds: float) -> float:
    import time

    time.sleep(seconds)
    return seconds


def _slow_batch(batch: list[float]) -> float:
    return sum(_slow(None, seconds) for seconds in batch)


def _interrupt() -> None:
    raise KeyboardInterrupt


def _stop_at_first_result(kind: str) -> None:
    """Start 60 one-second tasks over 2 workers and raise Ctrl-C's exception at once."""
    from dedup.parallel import map_batches, map_shared, map_while

    tasks = [1.0] * 60
    if kind == "while":
        map_while(partial(_slow, None), tasks, _interrupt, jobs=2)
    results = (
        map_shared(_slow, None, tasks, jobs=2)
        if kind == "shared"
        else map_batches(_slow_batch, ([t] for t in tasks), jobs=2)
    )
    for _ in results:
        raise KeyboardInterrupt


@pytest.mark.parametrize("kind", ["shared", "batches", "while"])
def test_stopping_mid_stage_kills_the_queued_work(kind):
    """Ctrl-C (here any exception, or a consumer that stops reading) in the middle of a
    stage ends it now: the pool no longer runs the tasks still queued (up to half a minute
    of work) before the run can say `Interrupted.` (a late Ctrl-C of a new-user trial's
    clean waited for minutes)."""
    import time

    started = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        _stop_at_first_result(kind)
    assert time.monotonic() - started < 15


def _jsonl_corpus(path, corpus) -> None:
    """The corpus as JSONL with the records a reader must skip or keep in place: bad JSON,
    a missing text field, a blank line, bytes that are not UTF-8, and no final newline."""
    lines = [json.dumps({"text": d.text, "name": d.id}).encode() for d in corpus]
    lines[1:1] = [b"{not json", b"", json.dumps({"body": "no text field"}).encode(), b"\xff\xfe"]
    lines.insert(6, json.dumps({"text": corpus[0].text, "name": "copy-of-first"}).encode())
    path.write_bytes(b"\n".join(lines))  # the last line has no newline


@pytest.fixture
def jsonl(tmp_path, corpus, monkeypatch):
    monkeypatch.setattr(jsonlcorpus, "READ_CHUNK", 97)  # many byte ranges, cut mid-record
    path = tmp_path / "corpus.jsonl"
    _jsonl_corpus(path, corpus)
    return path


@pytest.mark.parametrize("id_field", [None, "name"])
def test_parallel_jsonl_read_equals_serial(jsonl, id_field):
    serial = DocumentReader(id_field=id_field)
    expected = list(serial.read([str(jsonl)]))
    parallel = DocumentReader(id_field=id_field, jobs=2)
    assert list(parallel.read([str(jsonl)])) == expected
    assert parallel.skipped == serial.skipped
    indexed = DocumentReader(id_field=id_field, jobs=2)
    corpus = indexed.jsonl_corpus([str(jsonl)], sign=DedupConfig())
    assert corpus is not None
    assert [corpus[i] for i in range(len(corpus))] == expected
    assert corpus.ids == [d.id for d in expected]
    assert list(corpus.sources) == [d.source for d in expected]
    assert corpus.chars.tolist() == [d.chars for d in expected]
    assert indexed.skipped == serial.skipped
    assert corpus.take_signatures(DedupConfig(seed=2)) is None  # other settings: not these
    signed = corpus.take_signatures(DedupConfig())
    assert signed is not None
    assert (signed == document_signatures(expected, DedupConfig())).all()
    assert corpus.take_signatures(DedupConfig()) is None  # handed over once
    # Taken, they are computed again: a second scan of the corpus gives the same result.
    assert (document_signatures(corpus, DedupConfig()) == signed).all()
    corpus.close()


def test_parallel_jsonl_read_strict_stops_at_the_first_bad_record(jsonl):
    with pytest.raises(InputError) as serial:
        list(DocumentReader(strict=True).read([str(jsonl)]))
    with pytest.raises(InputError) as parallel:
        DocumentReader(strict=True, jobs=2).jsonl_corpus([str(jsonl)])
    assert str(parallel.value) == str(serial.value)


def test_jsonl_corpus_only_for_local_plain_jsonl(tmp_path, jsonl):
    text = tmp_path / "a.txt"
    text.write_text("one document", encoding="utf-8")
    assert DocumentReader(jobs=2).jsonl_corpus([str(jsonl), str(text)]) is None
    assert DocumentReader(jobs=1).jsonl_corpus([str(jsonl)]) is None


@pytest.mark.parametrize("fmt", ["json", "text"])
def test_cli_scan_output_is_the_same_for_any_jobs(jsonl, tmp_path, fmt):
    outs = []
    for jobs in ("1", "2"):
        out = tmp_path / f"report-{jobs}.{fmt}"
        code, _, stderr = run_cli(
            "scan", str(jsonl), "--no-passages", "--jobs", jobs, "--format", fmt, "-o", str(out)
        )
        assert code == 0, stderr
        outs.append(out.read_bytes())
    assert outs[0] == outs[1]


def test_cli_clean_output_is_the_same_for_any_jobs(jsonl, tmp_path, monkeypatch):
    monkeypatch.setattr(writers, "WRITE_CHUNK", 2)  # many encoding tasks
    outs = []
    for jobs in ("1", "2"):
        out = tmp_path / f"clean-{jobs}"
        code, _, stderr = run_cli(
            "clean", str(jsonl), "--no-boilerplate", "--jobs", jobs, "-o", str(out)
        )
        assert code == 0, stderr
        outs.append({p.name: p.read_bytes() for p in sorted(out.iterdir())})
    assert outs[0] == outs[1]
    assert b"not json" in outs[0]["rejects.jsonl"]  # nothing lost: the bad lines are rejects


def _mixed_lines(corpus) -> list[bytes]:
    """JSONL lines of `corpus`, most exactly as `dedup clean` writes them back and some not:
    ASCII escapes, a CRLF ending, a byte-order mark, boilerplate to cut; some with the text
    first, which is written back first."""
    lines = []
    for k, doc in enumerate(corpus):
        text = doc.text + ("\nLeave a Comment" if k % 3 == 0 else "")
        record = {"name": doc.id, "text": text}
        if k % 4 == 1:
            record = {"text": text, "name": doc.id}
        line = json.dumps(record, ensure_ascii=k % 5 == 2).encode()
        lines.append(line + (b"\r\n" if k % 7 == 3 else b"\n"))
    lines[0] = b"\xef\xbb\xbf" + lines[0]
    return lines


def test_verbatim_lines_are_the_lines_as_read(tmp_path, corpus):
    """An unchanged record is written back as it was read, whatever its form (escapes, a
    CRLF, the text first); the byte-order mark that opens the file is left out, and a line
    break ends the last line."""
    path = tmp_path / "mixed.jsonl"
    lines = _mixed_lines(corpus)
    path.write_bytes(b"".join(lines).rstrip(b"\n"))
    reader = DocumentReader(jobs=2)
    lazy = reader.jsonl_corpus([str(path)])
    assert lazy is not None
    assert lazy.verbatim_line(0, "text") == lines[0].removeprefix(b"\xef\xbb\xbf")
    for i in range(1, len(lines)):
        assert lazy.verbatim_line(i, "text") == lines[i]
        assert lazy.verbatim_line(i, "body") is None  # written back under another field
    assert any(b"\r\n" in lazy.verbatim_line(i, "text") for i in range(len(lazy)))
    lazy.close()


@pytest.mark.parametrize("layout", ["file", "directory"])
def test_cli_clean_of_mixed_lines_is_the_same_for_any_jobs(tmp_path, corpus, monkeypatch, layout):
    # Lines copied as they are, lines encoded again, cut documents and dropped copies, in
    # chunks (WRITE_CHUNK) and byte ranges (READ_CHUNK) that cut across them all.
    monkeypatch.setattr(writers, "WRITE_CHUNK", 3)
    monkeypatch.setattr(jsonlcorpus, "READ_CHUNK", 211)
    lines = _mixed_lines(corpus)
    lines.insert(2, lines[4])  # an exact copy, dropped
    if layout == "file":
        source = tmp_path / "mixed.jsonl"
        source.write_bytes(b"".join(lines))
    else:
        source = tmp_path / "in"
        source.mkdir()
        (source / "a.jsonl").write_bytes(b"".join(lines[:5]))
        (source / "b.jsonl").write_bytes(b"".join(lines[5:]).rstrip(b"\n"))
        (source / "c.jsonl").write_bytes(b"{not json\n")  # no document: no output file
    outs = []
    for jobs in ("1", "2"):
        out = tmp_path / f"clean-{jobs}"
        args = ["clean", str(source), "--no-boilerplate", "--jobs", jobs, "-o", str(out)]
        code, _, stderr = run_cli(*args)
        assert code == 0, stderr
        outs.append({p.name: p.read_bytes() for p in sorted(out.iterdir())})
    assert outs[0] == outs[1]
    assert not [name for name in outs[1] if name.endswith(".tmp")]  # no chunk file left
    assert b"near_duplicate" in outs[0]["rejects.jsonl"]


def test_cut_documents_of_a_lazy_corpus_are_written_cut(tmp_path, corpus, monkeypatch):
    # apply_report on a JsonlCorpus: a document with a cut is written from its cleaned text,
    # the others from their lines (copied or encoded again), as from documents in memory.
    monkeypatch.setattr(writers, "WRITE_CHUNK", 2)
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(b"".join(_mixed_lines(corpus)))
    docs = list(DocumentReader().read([str(path)]))
    report = scan(docs, DedupConfig(passages=False))
    assert report.boilerplate
    lazy = DocumentReader(jobs=2).jsonl_corpus([str(path)])
    assert lazy is not None
    expected = apply_report(docs, report)
    got = apply_report(lazy, report)
    assert list(got.documents) == list(expected.documents)
    assert (got.removed, got.rejects) == (expected.removed, expected.rejects)
    fmt = InputFormat("jsonl")
    read = {doc.id: doc for doc in docs}
    kept = list(expected.documents)
    same = [doc.text == read[doc.id].text for doc in kept]
    assert not all(same)
    assert writers.write_jsonl_copying(tmp_path / "serial.jsonl", kept, same, "text")
    writers.write_like(tmp_path / "lazy.jsonl", got.documents, fmt, jobs=2)
    assert (tmp_path / "lazy.jsonl").read_bytes() == (tmp_path / "serial.jsonl").read_bytes()
    lazy.close()


def test_a_fifo_is_read_once_in_order_not_by_byte_ranges(tmp_path):
    import os
    import threading

    fifo = tmp_path / "in.jsonl"
    os.mkfifo(fifo)

    def feed() -> None:
        with fifo.open("w", encoding="utf-8") as fh:
            fh.write('{"text": "one"}\n{"text": "two"}\n')

    writer = threading.Thread(target=feed)
    writer.start()
    reader = DocumentReader(jobs=2)
    assert reader.jsonl_corpus([str(fifo)]) is None
    assert [d.text for d in reader.read([str(fifo)])] == ["one", "two"]
    writer.join()


def _pid() -> int:
    import os

    return os.getpid()


def _refuse() -> None:
    msg = "lexicon file missing"
    raise ConfigError(msg)


def _sleep_long() -> None:
    import time

    time.sleep(60)


def test_beside_runs_in_another_process_and_gives_its_result_or_error():
    import os
    import signal

    from dedup.parallel import beside

    with beside(_pid) as result:
        assert result() != os.getpid()
        assert result() == result()  # asked twice: the one result
    with beside(_pid, enabled=False) as result:
        assert result() == os.getpid()
    with beside(partial(signal.getsignal, signal.SIGINT)) as result:
        assert result() == signal.SIG_IGN  # Ctrl-C is the parent's
    with beside(_refuse) as result, pytest.raises(ConfigError, match="lexicon file missing"):
        result()


def test_leaving_beside_early_kills_its_process():
    import time

    from dedup.parallel import beside

    started = time.monotonic()
    with pytest.raises(KeyboardInterrupt), beside(_sleep_long):
        raise KeyboardInterrupt
    assert time.monotonic() - started < 15


def test_scan_with_boilerplate_beside_the_passages_is_the_same_for_any_jobs(corpus):
    # The seeds are news pages with their site furniture: boilerplate and passages both.
    one = scan(corpus, jobs=1)
    two = scan(corpus, jobs=2)
    assert one.boilerplate
    assert one.passages
    assert two.to_dict() == one.to_dict()


def test_frozen_keeps_the_callers_heap_out_and_restores_it():
    """Inside `frozen` (nested too: `map_shared` inside `find_reuse`) the objects alive at
    entry are out of collections; after the outermost block they are back, unless the
    caller had frozen them itself."""
    import gc

    from dedup.parallel import frozen

    gc.unfreeze()
    heap = [[i] for i in range(1000)]
    with frozen():
        outer = gc.get_freeze_count()
        assert outer >= len(heap)
        with frozen():
            pass
        assert gc.get_freeze_count() >= outer  # an inner block leaves them frozen
    assert gc.get_freeze_count() == 0
    gc.freeze()
    try:
        before = gc.get_freeze_count()
        with frozen():
            pass
        assert gc.get_freeze_count() >= before  # the caller's freeze is kept
    finally:
        gc.unfreeze()


def test_find_passages_leaves_nothing_frozen(corpus):
    import gc

    gc.unfreeze()
    find_passages(corpus, DedupConfig(), jobs=2)
    assert gc.get_freeze_count() == 0
