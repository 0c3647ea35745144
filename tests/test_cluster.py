"""Duplicate clusters: verified, never chained, keep rules, identical for any --jobs."""

from __future__ import annotations

import json
import time
import weakref
from collections.abc import Sequence
from datetime import date, datetime, timedelta, timezone
from itertools import combinations

import numpy as np
import pytest
from click.testing import CliRunner

from dedup import cluster, signature
from dedup.api import scan
from dedup.cli import cli
from dedup.cluster import find_duplicates, keep_order, verified_pairs
from dedup.config import DedupConfig, ShingleConfig
from dedup.document import Document
from dedup.errors import ConfigError
from dedup.verify import document_jaccard


def _words(seed_texts) -> list[str]:
    return " ".join(seed_texts.values()).split()


def _chain(words: list[str]) -> list[Document]:
    """a ~ b and b ~ c, but a and c are below the threshold: a chain, not a cluster."""
    base = words[:200]
    b = base[:]
    b[100:110] = ["zz"] * 10
    c = b[:]
    c[20:30] = ["yy"] * 10
    c[160:170] = ["xx"] * 10
    return [Document("a", " ".join(base)), Document("b", " ".join(b)), Document("c", " ".join(c))]


def test_no_chaining(seed_texts):
    docs = _chain(_words(seed_texts))
    config = DedupConfig(threshold=0.7)
    jac = {(x.id, y.id): document_jaccard(x, y, config) for x in docs for y in docs}
    assert jac[("a", "b")] >= 0.7
    assert jac[("b", "c")] >= 0.7
    assert jac[("a", "c")] < 0.7
    clusters = find_duplicates(docs, config).clusters
    assert [(c.representative, [m.id for m in c.members]) for c in clusters] == [("a", ["b"])]
    assert clusters[0].members[0].jaccard == jac[("a", "b")]


def test_members_verified_against_representative(seed_texts):
    words = _words(seed_texts)
    docs = [Document(f"d{i}", " ".join(words[i * 50 : i * 50 + 300])) for i in range(6)]
    docs += [Document("copy", docs[2].text + " a trailing line"), Document("same", docs[2].text)]
    result = find_duplicates(docs, DedupConfig())
    (cluster,) = result.clusters
    assert cluster.representative == "d2"
    assert cluster.kept == "d2"
    assert [m.id for m in cluster.members] == ["copy", "same"]
    for m in cluster.members:
        assert m.jaccard >= 0.8
    assert result.counts["duplicate_clusters"] == 1


@pytest.mark.parametrize(
    ("config", "kept"),
    [
        (DedupConfig(), "old"),
        (DedupConfig(keep="longest"), "long"),
        (DedupConfig(keep="newest", date_field="date"), "long"),
        (DedupConfig(keep="source", source_priority=("wiki/*",)), "wiki"),
        (DedupConfig(keep="none"), None),
    ],
)
def test_keep_rules(seed_texts, config, kept):
    text = " ".join(_words(seed_texts)[:300])
    docs = [
        Document("old", text, "news/1", {"date": "2020-01-01"}),
        Document("long", text + " more words here", "news/2", {"date": "2024-05-01"}),
        Document("wiki", text, "wiki/7", {}),
    ]
    (cluster,) = find_duplicates(docs, config).clusters
    assert cluster.kept == kept
    assert cluster.rule == config.keep
    assert len(cluster.members) == 2


def test_keep_order_undated_last():
    docs = [Document("x", "a"), Document("y", "b", meta={"d": "2021"}), Document("z", "c")]
    assert keep_order(docs, DedupConfig(keep="newest", date_field="d")) == [1, 0, 2]


def test_keep_rule_validation():
    with pytest.raises(ConfigError, match="date-field"):
        DedupConfig(keep="newest")
    with pytest.raises(ConfigError, match="source-priority"):
        DedupConfig(keep="source")


def test_jobs_give_identical_reports(seed_texts):
    words = _words(seed_texts)
    docs = [Document(f"d{i}", " ".join(words[i * 7 : i * 7 + 120])) for i in range(60)]
    config = DedupConfig(passages=False)
    one = scan(docs, config, jobs=1).to_dict()
    two = scan(docs, config, jobs=2).to_dict()
    assert json.dumps(one) == json.dumps(two)
    assert one["duplicates"]


def test_cli_keep_and_jobs(tmp_path, seed_texts):
    text = " ".join(_words(seed_texts)[:300])
    path = tmp_path / "c.jsonl"
    rows = [{"id": "a", "text": text}, {"id": "b", "text": text + " extra"}]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    args = ["scan", str(path), "--id-field", "id", "--no-passages", "--format", "json"]
    out = tmp_path / "r.json"
    result = CliRunner().invoke(cli, [*args, "--keep", "longest", "--jobs", "2", "-o", str(out)])
    assert result.exit_code == 0, result.output
    (cluster,) = json.loads(out.read_text(encoding="utf-8"))["duplicates"]
    assert cluster["kept"] == "b"
    assert cluster["members"][0]["id"] == "a"
    bad = CliRunner().invoke(cli, [*args, "--keep", "newest"])
    assert bad.exit_code == 2
    assert "--date-field" in bad.output
    bad = CliRunner().invoke(cli, [*args, "--jobs", "-1"])
    assert bad.exit_code == 2
    assert "--jobs" in bad.output


class _Text(str):
    """A str that can be weakly referenced, to count the texts alive at once."""


class _LazyDocs(Sequence[Document]):
    """Documents built on demand; records how many of their texts were ever alive at once."""

    def __init__(self, texts: list[str]) -> None:
        self.texts = texts
        self.alive: weakref.WeakSet[_Text] = weakref.WeakSet()
        self.most_alive = 0

    def __len__(self) -> int:
        return len(self.texts)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[k] for k in range(*i.indices(len(self)))]
        text = _Text(self.texts[i])
        self.alive.add(text)
        self.most_alive = max(self.most_alive, len(self.alive))
        return Document(f"d{i}", text)


def _corpus(words: list[str], n: int) -> list[str]:
    """n distinct texts of real words; every fifth is a near copy of the one before it."""
    texts = []
    for i in range(n):
        if i % 5 == 4:
            copy = texts[-1].split()
            copy[len(copy) // 2] = "changed"
            texts.append(" ".join(copy))
        else:
            start = (i * 37) % (len(words) - 120)
            texts.append(" ".join(words[start : start + 60] + words[i : i + 60]))
    return texts


def test_lazy_sequence_streams_texts(seed_texts, monkeypatch):
    texts = _corpus(_words(seed_texts), 300)
    expected = find_duplicates([Document(f"d{i}", t) for i, t in enumerate(texts)])
    assert expected.clusters
    monkeypatch.setattr(signature, "BATCH", 16)
    monkeypatch.setattr(cluster, "SET_BATCH", 8)
    lazy = _LazyDocs(texts)
    assert find_duplicates(lazy) == expected
    assert lazy.most_alive <= 2 * 16  # a batch or two, never every text
    lazy_longest = _LazyDocs(texts)
    longest = find_duplicates(lazy_longest, DedupConfig(keep="longest"))
    assert longest.clusters
    assert lazy_longest.most_alive <= 2 * 16


def test_verified_pairs_match_exact_jaccard(seed_texts):
    texts = _corpus(_words(seed_texts), 60)
    texts.append(texts[3])  # an exact copy: equal signatures, one group
    docs = [Document(f"d{i}", t) for i, t in enumerate(texts)]
    config = DedupConfig()
    truth = []
    for i, j in combinations(range(len(docs)), 2):
        jac = document_jaccard(docs[i], docs[j], config)
        if jac >= config.threshold:
            truth.append((i, j, round(jac, 6)))
    assert len(truth) >= 12
    assert verified_pairs(docs, config) == truth
    assert verified_pairs(docs, config, jobs=2) == truth
    edges = {
        (c.representative, m.id) for c in find_duplicates(docs, config).clusters for m in c.members
    }
    assert edges <= {(f"d{i}", f"d{j}") for i, j, _ in truth}


def test_signature_key_collisions_keep_groups_exact(seed_texts, monkeypatch):
    texts = _corpus(_words(seed_texts), 80)
    texts += texts[:3]
    docs = [Document(f"d{i}", t) for i, t in enumerate(texts)]
    expected, pairs = find_duplicates(docs), verified_pairs(docs)
    assert expected.clusters
    # Every signature gets the same key: only the exact fallback can tell them apart.
    monkeypatch.setattr(cluster, "row_keys", lambda band: np.zeros(len(band), dtype=np.uint64))
    assert find_duplicates(docs) == expected
    assert verified_pairs(docs) == pairs


def test_empty_input():
    assert find_duplicates([]).clusters == []
    assert verified_pairs([]) == []


def _shared_words(shared: int, extra: int, tag: str) -> tuple[Document, Document]:
    """Two documents whose word 5-gram sets share `shared` shingles of `shared + extra`.

    a is `shared + 4` distinct words; b is a followed by `extra` more distinct words. So
    the exact Jaccard is shared / (shared + extra), known without running the pipeline.
    """
    a = [f"w{tag}{k}x" for k in range(shared + 4)]
    b = a + [f"v{tag}{k}x" for k in range(extra)]
    return Document(f"a{tag}", " ".join(a)), Document(f"b{tag}", " ".join(b))


@pytest.mark.parametrize(
    ("shared", "extra", "threshold"),
    [(40, 10, 0.8), (60, 20, 0.75), (45, 5, 0.9), (30, 30, 0.5)],
)
def test_pair_exactly_at_the_threshold_is_a_duplicate_and_just_below_is_not(
    shared, extra, threshold
):
    at = _shared_words(shared, extra, "at")
    below = _shared_words(shared - 1, extra, "lo")  # (s-1)/(s-1+e) < s/(s+e)
    assert shared / (shared + extra) == threshold  # exactly, in floating point
    config = DedupConfig(threshold=threshold)
    docs = [*at, *below]
    assert verified_pairs(docs, config) == [(0, 1, threshold)]
    clusters = find_duplicates(docs, config).clusters
    assert [(c.representative, [(m.id, m.jaccard) for m in c.members]) for c in clusters] == [
        ("aat", [("bat", threshold)])
    ]
    assert clusters[0].threshold == threshold
    # A threshold one float above the pair's Jaccard drops it.
    above = DedupConfig(threshold=float(np.nextafter(threshold, 1.0)))
    assert verified_pairs(at, above) == []
    assert find_duplicates(at, above).clusters == []


def test_counts_are_what_was_verified(monkeypatch):
    # LSH proposing every pair (as if every band collided): the counts then follow from the
    # pairs' Jaccard alone. a~b at the threshold; c shares nothing with either.
    a, b = _shared_words(40, 10, "c")
    c = Document("c", " ".join(f"u{k}x" for k in range(30)))
    d = Document("d", " ".join(f"t{k}x" for k in range(30)))

    def every_pair(sigs, bands, rows, *, max_bucket=None, jobs=1):
        n = len(sigs)
        pairs = [(i, j) for i in range(n) for j in range(i + 1, n)]
        return np.array(pairs, dtype=np.int64).reshape(-1, 2), 0

    monkeypatch.setattr(cluster, "band_candidates", every_pair)
    found = find_duplicates([a, b, c, d])
    # rep a: b verified (duplicate), c and d verified (below); rep c: d verified (below);
    # rep d: every other document already a representative or taken.
    assert found.counts["duplicate_candidates"] == 4
    assert found.counts["lsh_false_positive"] == 3
    assert found.counts["lsh_buckets_capped"] == 0
    assert found.counts["duplicate_clusters"] == 1


def test_a_cluster_after_an_absorbed_member_is_still_found():
    first = _shared_words(40, 10, "p")
    second = _shared_words(40, 10, "q")
    clusters = find_duplicates([*first, *second]).clusters
    assert [(c.representative, [m.id for m in c.members]) for c in clusters] == [
        ("ap", ["bp"]),
        ("aq", ["bq"]),
    ]


def test_results_do_not_depend_on_the_batch_size(seed_texts, monkeypatch):
    texts = _corpus(_words(seed_texts), 30)
    # Exact copies (equal signatures) early on, so the groups' first members are not
    # simply the first documents: groups and documents are numbered differently.
    texts = [texts[0], texts[0], texts[1], texts[2], texts[2], *texts[3:], texts[7]]
    docs = [Document(f"d{i}", t) for i, t in enumerate(texts)]
    truth = [
        (i, j, round(jac, 6))
        for i, j in combinations(range(len(docs)), 2)
        if (jac := document_jaccard(docs[i], docs[j])) >= DedupConfig().threshold
    ]
    expected = find_duplicates(docs)
    monkeypatch.setattr(cluster, "BATCH", 4)
    assert verified_pairs(docs) == truth
    assert find_duplicates(docs) == expected


_DAY0_2021 = float((date(2021, 1, 1) - date(1970, 1, 1)).days * 86400)


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        (date(2021, 1, 1), _DAY0_2021),
        (datetime(2021, 1, 1, 2, tzinfo=timezone(timedelta(hours=2))), _DAY0_2021),
        (datetime(2021, 1, 1), _DAY0_2021),  # no zone: UTC
        ("2021-01-01T00:00:00Z", _DAY0_2021),
        ("2021-01-01T03:00:00+03:00", _DAY0_2021),
        ("2021-01-01T00:00:00", _DAY0_2021),
        ("2021-01-02", _DAY0_2021 + 86400),
        # A datetime keeps its time of day (12:30 is 45,000 s after midnight), with or
        # without a zone: it is not read as the date alone.
        (datetime(2021, 1, 1, 12, 30), _DAY0_2021 + 45000),
        (datetime(2021, 1, 1, 12, 30, tzinfo=timezone(timedelta(hours=-1))), _DAY0_2021 + 48600),
    ],
)
def test_dates_are_moments_in_utc(value, seconds):
    doc = Document("d", "x", meta={"when": value})
    assert cluster._timestamp(doc, "when") == seconds


def test_empty_date_is_undated_and_the_epoch_is_a_date():
    docs = [
        Document("empty", "x", meta={"when": ""}),
        Document("epoch", "x", meta={"when": 0}),
        Document("later", "x", meta={"when": 0.5}),
    ]
    assert keep_order(docs, DedupConfig(keep="newest", date_field="when")) == [2, 1, 0]


def test_keep_rule_errors_name_the_option():
    docs = [
        Document("a", "x", source="one.jsonl", meta={"date": "2021"}),
        Document("b", "y", source="two.jsonl", meta={"date": "2022"}),
    ]
    with pytest.raises(ConfigError, match="--date-field 'when' is in no document; fields: date"):
        keep_order(docs, DedupConfig(keep="newest", date_field="when"))
    config = DedupConfig(keep="source", source_priority=("x*", "y*"))
    with pytest.raises(
        ConfigError,
        match=r"--source-priority x\*,y\*: no pattern matches a document's source "
        r"\(e.g. 'one.jsonl'\)",
    ):
        keep_order(docs, config)


def test_a_time_without_a_zone_is_utc_whatever_the_local_zone(monkeypatch):
    monkeypatch.setenv("TZ", "Asia/Kolkata")
    time.tzset()
    try:
        doc = Document("d", "x", meta={"when": "2021-01-01T00:00:00"})
        assert cluster._timestamp(doc, "when") == _DAY0_2021
    finally:
        monkeypatch.undo()
        time.tzset()


def test_longest_first_keeps_input_order_among_equal_lengths():
    docs = [Document(f"d{k}", "x" * (k % 3)) for k in range(100)]
    expected = [k for length in (2, 1, 0) for k in range(100) if k % 3 == length]
    assert keep_order(docs, DedupConfig(keep="longest")) == expected


def test_full_buckets_are_capped_and_counted(seed_texts, monkeypatch):
    base = _words(seed_texts)[:80]
    docs = [Document("d0", " ".join(base))]
    for k in range(1, 8):  # near copies: distinct signatures sharing most bands
        copy = base[:]
        copy[10 * k] = f"changed{k}"
        docs.append(Document(f"d{k}", " ".join(copy)))
    assert find_duplicates(docs).counts["lsh_buckets_capped"] == 0
    monkeypatch.setattr(cluster, "MAX_BUCKET", 2)
    assert find_duplicates(docs).counts["lsh_buckets_capped"] > 0


def test_shingle_size_reaches_verification(seed_texts):
    config = DedupConfig(shingle=ShingleConfig(size=3), threshold=0.5)
    texts = _corpus(_words(seed_texts), 20)
    docs = [Document(f"d{i}", t) for i, t in enumerate(texts)]
    truth = [
        (i, j, jac)
        for i, j in combinations(range(len(docs)), 2)
        if (jac := document_jaccard(docs[i], docs[j], config)) >= config.threshold
    ]
    assert truth
    assert verified_pairs(docs, config) == truth


# --- Holes found by mutation testing (benchmarks/mutation.py cluster) ---------------------


def _first_use_groups(sigs: np.ndarray) -> list[int]:
    """The reference for `_identical`: number each distinct row in order of first use."""
    seen: dict[bytes, int] = {}
    return [seen.setdefault(row.tobytes(), len(seen)) for row in sigs]


@pytest.mark.parametrize("collide", [False, True])
def test_identical_signatures_share_a_group_numbered_in_order_of_first_use(collide, monkeypatch):
    # 30 distinct signatures drawn 1,000 times: long interleaved runs of equal rows, where an
    # unstable sort would pick a later copy as a group's head and renumber the groups.
    rng = np.random.default_rng(7)
    pool = rng.integers(0, 2**32, size=(30, 8), dtype=np.uint32)
    sigs = pool[rng.integers(0, 30, size=1000)]
    if collide:  # every row one 64-bit key: the exact fallback must tell them apart
        monkeypatch.setattr(cluster, "row_keys", lambda band: np.zeros(len(band), np.uint64))
    assert cluster._identical(sigs).tolist() == _first_use_groups(sigs)


@pytest.mark.parametrize(
    "layout",
    [
        ["a", "b", "b", "b"],  # the colliding neighbours are the first pair checked
        ["b", "b", "b", "a"],  # ... the last pair checked
        ["a", "b"],  # rows that differ in every value
    ],
)
def test_a_key_collision_anywhere_falls_back_to_exact_groups(layout, monkeypatch):
    # Equal keys are checked in batches of `BATCH` neighbours; with batches of one, each
    # check is its own batch, so a collision must be found whichever batch holds it.
    rows = {"a": [1, 1, 1, 1], "b": [2, 2, 2, 2]}
    sigs = np.array([rows[x] for x in layout], dtype=np.uint32)
    monkeypatch.setattr(cluster, "row_keys", lambda band: np.zeros(len(band), np.uint64))
    monkeypatch.setattr(cluster, "BATCH", 1)
    assert cluster._identical(sigs).tolist() == _first_use_groups(sigs)


class _RecordingTexts(Sequence[str]):
    """Texts that remember which positions were read."""

    def __init__(self, texts: list[str]) -> None:
        self.texts = texts
        self.read: set[int] = set()

    def __len__(self) -> int:
        return len(self.texts)

    def __getitem__(self, i):  # type: ignore[override]
        self.read.add(int(i))
        return self.texts[i]


def test_only_documents_with_a_candidate_are_read_for_verification():
    # cluster_signatures reads a text only when its document has a candidate: a copy or a
    # band neighbour. Documents 1 and 4 are exact copies, 2 and 5 near copies (known
    # Jaccard 0.8); the other 20 share no word with anything, so they have no candidate.
    a, b = _shared_words(40, 10, "r")
    copy = " ".join(f"c{k}x" for k in range(40))
    texts = [f"lone{k}a lone{k}b lone{k}c lone{k}d lone{k}e lone{k}f" for k in range(20)]
    texts[1:1] = [copy, a.text]
    texts[4:4] = [copy, b.text]
    config = DedupConfig()
    sigs = signature.document_signatures([Document(str(i), t) for i, t in enumerate(texts)], config)
    recording = _RecordingTexts(texts)
    order = np.arange(len(texts), dtype=np.int64)
    found, _ = cluster.cluster_signatures(sigs, recording, order, config)
    assert found == [(1, [(4, 1.0)]), (2, [(5, 0.8)])]
    assert recording.read == {1, 2, 4, 5}


def test_find_duplicates_verifies_with_the_configured_shingles(seed_texts):
    # Word 3-grams, not the default 5-grams: each member's Jaccard is the exact Jaccard of
    # 3-gram sets (document_jaccard under the same config), and the pairs are the truth.
    config = DedupConfig(shingle=ShingleConfig(size=3), threshold=0.5)
    texts = _corpus(_words(seed_texts), 20)
    docs = [Document(f"d{i}", t) for i, t in enumerate(texts)]
    clusters = find_duplicates(docs, config).clusters
    assert clusters
    by_id = {d.id: d for d in docs}
    for c in clusters:
        for m in c.members:
            exact = document_jaccard(by_id[c.representative], by_id[m.id], config)
            assert m.jaccard == round(exact, 6)
            assert m.jaccard >= config.threshold


def test_progress_stages_of_near_duplicates_name_their_step(stages_shown):
    # Every stage the near-duplicate step shows on the progress line says which step it
    # is in ("near-duplicates: ..."), as every other step names itself.
    shown = stages_shown(cluster)
    docs = list(_shared_words(40, 10, "s"))
    find_duplicates(docs)
    verified_pairs(docs)
    assert len(set(shown)) == 3  # signing, candidate pairs, verifying
    assert all(s.startswith("near-duplicates: ") for s in shown)
