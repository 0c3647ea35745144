"""The spilled passage scan: the same result as the in-memory one, in bounded memory.

Budgets of a few kilobytes force every stage to work in many pieces (a band per pass, a
document per block, a pair of documents per alignment chunk) on real text.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dedup import DedupConfig, Document, scan
from dedup.api import cluster_positions
from dedup.cli import cli
from dedup.cluster import find_duplicates
from dedup.config import PassageConfig
from dedup.passages import find_reuse, peak_memory
from dedup.spill import spill_reuse

DATA = Path(__file__).parent / "data"


def _nonnews() -> list[Document]:
    """150 Debian copyright files, changelogs and docstrings: licences repeated across
    many files (full buckets, the partner cap, near-duplicate clusters)."""
    with (DATA / "nonnews_sample.jsonl").open(encoding="utf-8") as f:
        rows = [json.loads(line) for line in f]
    return [Document(row["id"], row["text"]) for row in rows]


def _same(a, b) -> None:
    assert a.passages == b.passages
    assert a.overlaps == b.overlaps
    assert a.left_out == b.left_out
    assert a.pairs_left_out == b.pairs_left_out


@pytest.fixture(scope="module")
def nonnews() -> list[Document]:
    return _nonnews()


# Caps low enough that this corpus reaches both: pairs left out, passages left out.
CAPPED = DedupConfig(passage=PassageConfig(max_partners=5, max_per_pair=4))


@pytest.fixture(scope="module")
def in_memory(nonnews):
    return find_reuse(nonnews, CAPPED, jobs=1, memory_limit=0)


@pytest.mark.parametrize("budget", [1, 20_000, 2_000_000])
def test_spilled_scan_equals_the_in_memory_one_on_real_text(nonnews, in_memory, budget):
    assert budget < peak_memory(nonnews)
    spilled = find_reuse(nonnews, CAPPED, jobs=1, memory_limit=budget)
    assert len(in_memory.passages) > 400
    assert in_memory.pairs_left_out > 0  # both caps are exercised
    assert in_memory.left_out
    _same(spilled, in_memory)


def test_spilled_scan_is_the_same_for_any_jobs(nonnews, in_memory):
    _same(find_reuse(nonnews, CAPPED, jobs=2, memory_limit=50_000), in_memory)


def test_spilled_scan_keeps_cluster_copies_with_their_representative(nonnews):
    duplicates = find_duplicates(nonnews, DedupConfig())
    assert duplicates.clusters  # the corpus holds near-duplicate files
    position = {doc.id: i for i, doc in enumerate(nonnews)}
    clusters = cluster_positions(position, duplicates)
    expected = find_reuse(nonnews, memory_limit=0, **clusters)
    _same(find_reuse(nonnews, memory_limit=30_000, **clusters), expected)


def test_scan_report_is_identical_when_spilled(nonnews):
    docs = nonnews[:60]
    expected = scan(docs, memory_limit=0).to_dict()
    assert scan(docs, memory_limit=10_000, jobs=2).to_dict() == expected


def test_temporary_files_go_under_tmp_dir_and_are_removed(nonnews, tmp_path):
    seen: list[list[Path]] = []
    spill_reuse(nonnews[:20], DedupConfig(), jobs=1, budget=10_000, tmp_dir=str(tmp_path))
    seen.append(list(tmp_path.iterdir()))
    assert seen == [[]]


def test_temporary_files_are_removed_when_the_scan_fails(nonnews, tmp_path):
    class Broken(list):
        def __getitem__(self, k):
            if isinstance(k, int) and k == 15:
                msg = "disk gone"
                raise OSError(msg)
            return super().__getitem__(k)

    with pytest.raises(OSError, match="disk gone"):
        spill_reuse(
            Broken(nonnews[:20]), DedupConfig(), jobs=1, budget=10_000, tmp_dir=str(tmp_path)
        )
    assert not list(tmp_path.iterdir())


def test_a_scan_within_its_budget_does_not_spill(nonnews, tmp_path, monkeypatch):
    import dedup.spill

    def fail(*args, **kwargs):
        raise AssertionError

    monkeypatch.setattr(dedup.spill, "spill_reuse", fail)
    find_reuse(nonnews[:10], memory_limit=peak_memory(nonnews[:10]))
    find_reuse(nonnews[:10], memory_limit=0)


def test_progress_stages_of_a_spilled_scan_name_their_step(nonnews, stages_shown):
    from dedup import passages

    shown = stages_shown(passages)  # the spilled stages are all counted (`stage_count`)
    find_reuse(nonnews[:30], memory_limit=10_000)
    assert list(dict.fromkeys(shown)) == [
        "passages: words to disk",
        "passages: band join on disk",
        "passages: gating window pairs",
        "passages: aligning document pairs",
    ]


SENTENCES = [
    s.strip() + "."
    for doc in _nonnews()[:40]
    for s in doc.text.replace("\n", " ").split(". ")
    if len(s.split()) >= 6
]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    picks=st.lists(
        st.lists(st.integers(0, len(SENTENCES) - 1), min_size=1, max_size=12),
        min_size=2,
        max_size=12,
    ),
    budget=st.integers(1, 400_000),
    max_partners=st.integers(0, 3),
)
def test_spilled_equals_in_memory_on_any_mix_of_real_sentences(picks, budget, max_partners):
    docs = [Document(f"d{k}", " ".join(SENTENCES[i] for i in p)) for k, p in enumerate(picks)]
    config = DedupConfig(passage=PassageConfig(max_partners=max_partners))
    spilled = spill_reuse(docs, config, jobs=1, budget=budget)
    _same(spilled, find_reuse(docs, config, memory_limit=0))


def test_cli_memory_limit_spills_with_the_same_report(tmp_path):
    corpus = tmp_path / "c.jsonl"
    rows = [json.loads(line) for line in (DATA / "nonnews_sample.jsonl").open()][:40]
    random.Random(1).shuffle(rows)
    corpus.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    runner = CliRunner()
    base = ["scan", str(corpus), "--id-field", "id", "--format", "json", "-q"]
    plain = runner.invoke(cli, [*base, "--memory-limit", "0"])
    spilled = runner.invoke(
        cli, [*base, "--memory-limit", "10KB", "--tmp-dir", str(tmp_path / "t")]
    )
    assert plain.exit_code == 0, plain.output
    assert spilled.exit_code == 0, spilled.output
    assert json.loads(spilled.stdout)["passages"] == json.loads(plain.stdout)["passages"]
    assert json.loads(spilled.stdout)["passages"]
    assert not list((tmp_path / "t").iterdir())
    assert spilled.stderr == ""  # -q: not even the note that it runs on disk


def test_cli_unwritable_tmp_dir_is_an_input_error(tmp_path):
    corpus = tmp_path / "c.jsonl"
    rows = [json.loads(line) for line in (DATA / "nonnews_sample.jsonl").open()][:5]
    corpus.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    blocker = tmp_path / "file"
    blocker.write_text("not a folder", encoding="utf-8")
    args = ["scan", str(corpus), "--memory-limit", "1KB", "--tmp-dir", str(blocker / "t")]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2
    assert "--tmp-dir" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("value", ["lots", "-1GB", "12XB"])
def test_cli_bad_memory_limit_is_a_usage_error(tmp_path, value):
    corpus = tmp_path / "c.jsonl"
    corpus.write_text('{"text": "a b c"}\n', encoding="utf-8")
    result = CliRunner().invoke(cli, ["scan", str(corpus), "--memory-limit", value])
    assert result.exit_code == 2
    assert "--memory-limit" in result.output


def test_window_rows_of_blocks_cover_every_document_once(nonnews):
    from dedup.spill import _Blocks, _Words

    at = np.array([0, 3, 3, 10, 11, 30])
    words = _Words(Path("."), np.zeros(6, np.int64), at)
    for max_rows in (1, 4, 10, 100):
        blocks = _Blocks.of(words, max_rows)
        assert [d for r in blocks.docs for d in r] == list(range(5))
        assert blocks.rows.tolist() == at[[r.start for r in blocks.docs] + [5]].tolist()
        sizes = np.diff(blocks.rows)
        # A block holds at most max_rows windows, unless one document alone has more.
        assert all(s <= max_rows or len(r) == 1 for s, r in zip(sizes, blocks.docs, strict=True))


def test_cli_check_takes_the_memory_limit_and_gives_the_same_verdict(tmp_path):
    corpus = tmp_path / "c.jsonl"
    rows = [json.loads(line) for line in (DATA / "nonnews_sample.jsonl").open()][:30]
    corpus.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    base = [
        "check",
        str(corpus),
        "--id-field",
        "id",
        "--format",
        "json",
        "--max-reused-ratio",
        "0.1",
    ]
    runner = CliRunner()
    plain = runner.invoke(cli, [*base, "--memory-limit", "0"])
    spilled = runner.invoke(
        cli, [*base, "--memory-limit", "20KB", "--tmp-dir", str(tmp_path / "t")]
    )
    assert plain.exit_code == spilled.exit_code == 1, plain.output
    assert json.loads(spilled.stdout) == json.loads(plain.stdout)
    assert "runs in parts on disk" in spilled.stderr


@pytest.mark.parametrize("parts", [2, 3, 7])
def test_a_band_joined_in_parts_gives_the_pairs_of_one_join(nonnews, parts):
    from dedup.lsh import band_pairs, unique_pairs, window_bands
    from dedup.prepare import text_windows
    from dedup.spill import MAX_BUCKET, _band_parts

    config = DedupConfig()
    sigs = np.concatenate([w.sigs for d in nonnews if (w := text_windows(d.text, config))])
    _, rows = window_bands(config)
    subset = np.flatnonzero(np.arange(len(sigs)) % 3 != 1)  # as a cluster leaves rows out
    capped = 0
    for band in range(4):
        values = sigs[:, band * rows : (band + 1) * rows]
        for joined in (None, subset):
            chosen = np.arange(len(sigs)) if joined is None else joined
            whole, n_capped = band_pairs(values[chosen], MAX_BUCKET)
            capped += n_capped
            expected = unique_pairs([chosen[whole]], len(sigs))
            got = unique_pairs(list(_band_parts(values, joined, parts)), len(sigs))
            assert got.tolist() == expected.tolist()
    assert capped  # licences fill buckets past the cap: their first members must match


def test_prepared_documents_kept_for_the_next_chunk_let_their_batch_go(nonnews):
    from dedup.prepare import prepare_range
    from dedup.spill import _Sparse

    batch = prepare_range(nonnews, range(40), config=DedupConfig(), windows=False)
    cache = _Sparse(np.arange(40), batch.unpack(), len(nonnews))
    kept = cache.kept(np.array([3, 17, 39, 60]))  # 60: not held
    assert kept.positions.tolist() == [3, 17, 39]
    for d in (3, 17, 39):
        old, new = cache[d], kept[d]
        assert new.norm == old.norm
        for a, b in zip(old.arrays(), new.arrays(), strict=True):
            assert np.array_equal(a, b)
            # a copy: no view into the 40 documents' batch keeps it alive
            assert not any(np.shares_memory(b, whole) for whole in batch.arrays)
