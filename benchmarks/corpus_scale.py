"""Corpus-scale benchmark: dedup vs datasketch, rensa, datatrove and text-dedup, side by side.

Builds >= 20,000 documents of ~2.5 KB from real offline text (/usr/share/doc, man pages,
the Python standard library's sources), injects edited copies, and measures in one run:
signature throughput per core, documents-only scan end to end, recall and precision
against exact word-5-gram Jaccard, and peak memory.

Truth: exact Jaccard of word-5-gram sets for every pair proposed by any method, every
injected pair, and a very sensitive LSH (64 bands x 2 rows: misses a 0.8 pair with
probability 0.36**64); pairs at >= 0.8 are true duplicates.

dedup recall, three ways: verified pairs (LSH proposed the pair and exact Jaccard confirmed
it, before clustering: the pipeline's pair recall); same cluster (both documents of a true
pair end in one cluster); resolved (at most one of the two survives); and rep-member pairs
(the pair is a representative and one of its members). Clusters never chain, so a true
pair (a, b) where b is not near a's representative lands in two clusters.

Peers (install them with `pip install -e '.[bench]'`; each one missing or failing becomes a
"skipped: <reason>" row): rensa RMinHash; datatrove's MinHash stages in-process in temporary
folders (word 5-grams, 16 buckets x 8 hashes = 128, 32-bit sha1, seed 1; its English word
tokenizer needs spaCy, its dedup package imports `tokenizers`); text-dedup's `embed_func`
and its whole `text_dedup.minhash` command on a local `datasets` folder (128 permutations,
threshold 0.8, 32-bit sha1, num_proc 1). These peers only say which documents they remove,
so they are scored by resolved recall (as for dedup) and removal precision: the share of
removed documents that have a true partner (exact Jaccard >= 0.8) which survived.

    .venv/bin/python benchmarks/corpus_scale.py --docs 20000
"""

from __future__ import annotations

import argparse
import gzip
import os
import platform
import random
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

# Peers read no hub or network: everything they need is local.
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np

from dedup.cluster import find_duplicates, verified_pairs
from dedup.config import DedupConfig
from dedup.document import Document
from dedup.lsh import band_candidates
from dedup.normalize import split_words
from dedup.signature import text_shingle_sets, text_signatures

CHUNK = 2500
THRESHOLD = 0.8


def read_text(path: Path) -> str:
    """A file's text, gunzipped when it ends in .gz; "" when it cannot be read."""
    try:
        raw = path.read_bytes()
        if path.suffix == ".gz":
            raw = gzip.decompress(raw)
        return raw.decode("utf-8", errors="replace")
    except (OSError, EOFError, gzip.BadGzipFile):
        return ""


def build_corpus(n: int, dup_share: float, seed: int) -> tuple[list[Document], int]:
    """Real-text chunks of ~2.5 KB plus edited copies; returns docs and the injected count."""
    roots = [Path("/usr/share/doc"), Path("/usr/share/man"), Path(os.__file__).parent]
    chunks: list[str] = []
    seen: set[str] = set()
    originals = int(n * (1 - dup_share))
    for root in roots:
        for path in sorted(root.rglob("*")):
            if not path.is_file() or path.suffix not in ("", ".gz", ".txt", ".py", ".md", ".1"):
                continue
            text = read_text(path)
            for i in range(0, len(text) - CHUNK // 2, CHUNK):
                piece = text[i : i + CHUNK]
                if piece not in seen:
                    seen.add(piece)
                    chunks.append(piece)
            if len(chunks) >= originals:
                break
        if len(chunks) >= originals:
            break
    rng = random.Random(seed)
    docs = [Document(f"o{i}", t) for i, t in enumerate(chunks[:originals])]
    injected = 0
    while len(docs) < n:
        src = rng.choice(docs[:originals])
        words = src.text.split(" ")
        for _ in range(rng.randint(0, max(1, len(words) // 25))):  # 0-4 % of words edited
            k = rng.randrange(len(words))
            words[k] = rng.choice(("edited", "", words[k].upper(), words[k] + " extra"))
        docs.append(Document(f"c{injected}_{src.id}", " ".join(words)))
        injected += 1
    rng.shuffle(docs)
    return docs, injected


def _shingle_texts(text: str) -> list[bytes]:
    words = split_words(text).words
    n = min(5, len(words))
    return [" ".join(words[i : i + n]).encode() for i in range(len(words) - n + 1)]


def _timed(fn, *args):  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    out = fn(*args)
    return out, time.perf_counter() - start


def _peak(fn, *args) -> int:  # type: ignore[no-untyped-def]
    tracemalloc.start()
    fn(*args)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def ds_update_loop(texts: list[str]) -> None:
    from datasketch import MinHash

    for text in texts:
        m = MinHash(num_perm=128, seed=1)
        for sh in _shingle_texts(text):
            m.update(sh)


def ds_batch_lsh(docs: list[Document]) -> set[tuple[str, str]]:
    from datasketch import MinHash, MinHashLSH

    lsh = MinHashLSH(threshold=THRESHOLD, num_perm=128)
    sigs = []
    for doc in docs:
        m = MinHash(num_perm=128, seed=1)
        m.update_batch(_shingle_texts(doc.text))
        lsh.insert(doc.id, m)
        sigs.append(m)
    pairs = set()
    for doc, m in zip(docs, sigs, strict=True):
        for other in lsh.query(m):
            if other != doc.id:
                pairs.add(tuple(sorted((doc.id, other))))
    return pairs  # type: ignore[return-value]


def rensa_signatures(texts: list[str]) -> None:
    import rensa

    for text in texts:
        m = rensa.RMinHash(num_perm=128, seed=1)
        m.update([s.decode() for s in _shingle_texts(text)])


def dedup_signatures(texts: list[str]) -> None:
    text_signatures(texts, DedupConfig())


# datatrove: word 5-grams, 16 buckets x 8 hashes = 128 hashes of 32 bits, the shingle hash
# sha1 truncated to 32 bits (datasketch's and ours; datatrove's default is 64-bit xxhash).
DT_BUCKETS, DT_ROWS = 16, 8


def _datatrove_config():  # type: ignore[no-untyped-def]
    from datatrove.pipeline.dedup.minhash import MinhashConfig
    from datatrove.utils.hashing import HashConfig

    return MinhashConfig(
        n_grams=5,
        num_buckets=DT_BUCKETS,
        hashes_per_bucket=DT_ROWS,
        seed=1,
        hash_config=HashConfig(precision=32, hash_fc="sha1"),
    )


def _datatrove_docs(docs: list[Document]) -> list[object]:
    from datatrove.data import Document as DtDocument

    return [DtDocument(text=d.text, id=d.id) for d in docs]


def datatrove_run(docs: list[Document], work: Path) -> tuple[float, float, set[str]]:
    """datatrove's four MinHash stages in-process; (signature s, total s, surviving ids).

    The signature stage runs once and its output feeds the rest of the pipeline, so the
    signature time is a part of the total. The bucket stage asserts world_size % num_buckets
    == 0, so it runs once per bucket (rank b of world_size DT_BUCKETS), one after the other:
    the same work a world_size-1 run would do if datatrove allowed it.
    """
    from datatrove.pipeline.dedup.minhash import (
        MinhashDedupBuckets,
        MinhashDedupCluster,
        MinhashDedupFilter,
        MinhashDedupSignature,
    )
    from datatrove.utils.logging import logger

    logger.remove()  # its INFO lines would interleave with the table
    config = _datatrove_config()
    dt_docs = _datatrove_docs(docs)
    sigs, buckets, remove = work / "sigs", work / "buckets", work / "remove"
    start = time.perf_counter()
    MinhashDedupSignature(output_folder=str(sigs), config=config).run(
        data=iter(dt_docs), rank=0, world_size=1
    )
    t_sig = time.perf_counter() - start
    for bucket in range(DT_BUCKETS):
        MinhashDedupBuckets(input_folder=str(sigs), output_folder=str(buckets), config=config).run(
            rank=bucket, world_size=DT_BUCKETS
        )
    MinhashDedupCluster(input_folder=str(buckets), output_folder=str(remove), config=config).run(
        world_size=1
    )
    kept = MinhashDedupFilter(input_folder=str(remove)).run(
        data=iter(dt_docs), rank=0, world_size=1
    )
    survivors = {doc.id for doc in kept}
    return t_sig, time.perf_counter() - start, survivors


# text-dedup: its CLI defaults except num_perm 128 and threshold 0.8 (bands x rows from its
# optimal_param), sha1 truncated to 32 bits in 64-bit arithmetic modulo 2**61 - 1, word
# 5-grams, min_length 0 so that no document is dropped for being short.
TD_PERM, TD_SEED = 128, 42


def _text_dedup_kwargs() -> dict[str, object]:
    from text_dedup.utils import optimal_param, sha1_hash

    bands, rows = optimal_param(THRESHOLD, TD_PERM)
    rng = np.random.RandomState(TD_SEED)
    prime = np.uint64((1 << 61) - 1)
    permutations = (
        rng.randint(1, prime, size=(TD_PERM,), dtype=np.uint64),
        rng.randint(0, prime, size=(TD_PERM,), dtype=np.uint64),
    )
    return {
        "num_perm": TD_PERM,
        "ngram_size": 5,
        "min_length": 0,
        "hashranges": [(i * rows, (i + 1) * rows) for i in range(bands)],
        "permutations": permutations,
        "hash_func": lambda data: sha1_hash(data, d=32),
        "dtype": np.uint64,
        "max_hash": np.uint32((1 << 32) - 1),
        "modulo_prime": prime,
    }


def text_dedup_signatures(texts: list[str]) -> None:
    from text_dedup.minhash import embed_func

    kwargs = _text_dedup_kwargs()
    for i, text in enumerate(texts):
        embed_func(text, i, **kwargs)  # type: ignore[arg-type]


def text_dedup_run(docs: list[Document], work: Path) -> tuple[float, set[str]]:
    """text-dedup's whole MinHash command in-process on a local dataset; (s, surviving ids).

    Its `main` loads with `datasets.load_from_disk` under --local, so no hub access is
    needed; num_proc 1 for a per-core figure.
    """
    import logging

    from datasets import Dataset, load_from_disk
    from text_dedup.minhash import main as text_dedup_main

    logging.getLogger("text_dedup").setLevel(logging.WARNING)  # its timer lines go to stdout
    data, out = work / "in", work / "out"
    Dataset.from_dict({"text": [d.text for d in docs], "id": [d.id for d in docs]}).save_to_disk(
        str(data)
    )
    args = ["--local", "--path", str(data), "--output", str(out), "--column", "text"]
    args += ["--idx_column", "id", "--num_proc", "1", "--cache_dir", str(work / "cache")]
    args += ["--ngram", "5", "--min_length", "0", "--num_perm", str(TD_PERM)]
    args += ["--threshold", str(THRESHOLD), "--hash_func", "sha1"]
    start = time.perf_counter()
    text_dedup_main.main(args=args, standalone_mode=False)
    elapsed = time.perf_counter() - start
    return elapsed, set(load_from_disk(str(out))["id"])


def removal_scores(
    docs: list[Document], survivors: set[str], truth: set[tuple[str, str]]
) -> tuple[float, float, float, int]:
    """Scores for a tool that only says which documents it removes.

    Returns (resolved recall, precision, loose precision, removed count). Resolved recall:
    share of true pairs of which at most one document survives (as for dedup). Precision:
    share of removed documents that have a true partner (exact Jaccard >= 0.8) which
    survived, so the removal lost no content. Loose precision: share of removed documents
    that have any true partner at all, surviving or not.
    """
    removed = {d.id for d in docs} - survivors
    partners: dict[str, set[str]] = {}
    for a, b in truth:
        partners.setdefault(a, set()).add(b)
        partners.setdefault(b, set()).add(a)
    resolved = sum(1 for a, b in truth if a in removed or b in removed) / max(1, len(truth))
    backed = sum(1 for r in removed if partners.get(r, set()) & survivors)
    loose = sum(1 for r in removed if r in partners)
    n = max(1, len(removed))
    return resolved, backed / n, loose / n, len(removed)


def truth_pairs(docs: list[Document], extra: set[tuple[str, str]]) -> dict[tuple[str, str], float]:
    sigs = text_signatures([d.text for d in docs])
    pairs, _ = band_candidates(sigs, 64, 2, max_bucket=2000)
    ids = [d.id for d in docs]
    cand = {tuple(sorted((ids[a], ids[b]))) for a, b in pairs.tolist()} | extra
    for d in docs:
        if d.id.startswith("c"):
            cand.add(tuple(sorted((d.id, d.id.split("_", 1)[1]))))
    by_id = {d.id: i for i, d in enumerate(docs)}
    sets = text_shingle_sets([d.text for d in docs])
    truth = {}
    for a, b in cand:
        sa, sb = sets[by_id[a]], sets[by_id[b]]
        inter = len(np.intersect1d(sa, sb, assume_unique=True))
        union = len(sa) + len(sb) - inter
        jac = inter / union if union else 1.0
        if jac >= THRESHOLD:
            truth[(a, b)] = jac
    return truth


def _scores(pred: set[tuple[str, str]], truth: set[tuple[str, str]]) -> tuple[float, float]:
    hit = len(pred & truth)
    return hit / max(1, len(truth)), hit / max(1, len(pred))


Row = tuple[str, str, str, str, str]


def _removal_row(name: str, rate: float, scores: tuple[float, float, float, int]) -> Row:
    resolved, precision, loose, removed = scores
    return (
        name,
        f"{rate:,.0f}",
        f"{resolved:.4f} resolved",
        f"{precision:.4f} (removed {removed}, a true partner survived; "
        f"{loose:.4f} with any true partner)",
        "",
    )


def _skipped(name: str, exc: BaseException) -> Row:
    reason = f"{type(exc).__name__}: {exc}".splitlines()[0][:120]
    return (name, f"skipped: {reason}", "", "", "")


def peer_rows(docs: list[Document], truth: set[tuple[str, str]]) -> tuple[list[Row], list[Row]]:
    """datatrove and text-dedup rows: (signature rows, pipeline rows); skipped where missing.

    Run after dedup's own rows so that their imports (pyspark, datasets, spaCy) and
    text-dedup's global multiprocessing start method cannot touch dedup's timings.
    """
    sig_rows: list[Row] = []
    scan_rows: list[Row] = []
    n = len(docs)
    dt_sig = f"signatures: datatrove MinhashDedupSignature ({DT_BUCKETS}x{DT_ROWS}, sha1-32)"
    dt_scan = "scan: datatrove signatures -> buckets -> cluster -> filter"
    try:
        with tempfile.TemporaryDirectory() as work:
            t_sig, t_all, kept = datatrove_run(docs, Path(work))
        sig_rows.append((dt_sig, f"{n / t_sig:,.0f}", "", "", ""))
        scores = removal_scores(docs, kept, truth)
        scan_rows.append(_removal_row(dt_scan + " (unverified)", n / t_all, scores))
    except Exception as exc:  # a peer that is missing or fails is a row, not a crash
        sig_rows.append(_skipped(dt_sig, exc))
        scan_rows.append(_skipped(dt_scan, exc))
    td_sig = f"signatures: text-dedup embed_func ({TD_PERM} perm, sha1-32)"
    td_scan = "scan: text-dedup minhash main (--local, num_proc 1)"
    try:
        _, t = _timed(text_dedup_signatures, [d.text for d in docs])
        sig_rows.append((td_sig, f"{n / t:,.0f}", "", "", ""))
    except Exception as exc:
        sig_rows.append(_skipped(td_sig, exc))
    try:
        with tempfile.TemporaryDirectory() as work:
            t_all, kept = text_dedup_run(docs, Path(work))
        scores = removal_scores(docs, kept, truth)
        scan_rows.append(_removal_row(td_scan + " (unverified)", n / t_all, scores))
    except Exception as exc:
        scan_rows.append(_skipped(td_scan, exc))
    return sig_rows, scan_rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=20000)
    parser.add_argument("--dups", type=float, default=0.1, help="share of injected copies")
    parser.add_argument("--loop-sample", type=int, default=1000, help="docs for the slow loop")
    args = parser.parse_args()
    docs, injected = build_corpus(args.docs, args.dups, seed=7)
    texts = [d.text for d in docs]
    chars = sum(len(t) for t in texts) / len(texts)
    print(
        f"# {len(docs)} docs ({injected} injected copies), {chars:.0f} chars/doc, "
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"Python {sys.version.split()[0]}"
    )
    dedup_signatures(texts[:50])  # compile / load the kernel outside the timing
    rows: list[tuple[str, str, str, str, str]] = []

    sample = texts[: args.loop_sample]
    _, t_loop = _timed(ds_update_loop, sample)
    loop_rate = len(sample) / t_loop
    rows.append(("signatures: datasketch update() loop", f"{loop_rate:,.0f}", "", "", ""))
    try:
        _, t = _timed(rensa_signatures, texts)
        rows.append(("signatures: rensa RMinHash", f"{len(texts) / t:,.0f}", "", "", ""))
    except ImportError:
        rows.append(("signatures: rensa", "not installed", "", "", ""))
    _, t = _timed(dedup_signatures, texts)
    sig_rate = len(texts) / t
    rows.append(
        (
            f"signatures: dedup ({sig_rate / loop_rate:.0f}x update loop)",
            f"{sig_rate:,.0f}",
            "",
            "",
            "",
        )
    )

    n_sig_rows = len(rows)
    ds_pairs, t_ds = _timed(ds_batch_lsh, docs)
    config = DedupConfig(passages=False)
    result, t_one = _timed(find_duplicates, docs, config)
    result2, t_two = _timed(lambda: find_duplicates(docs, config, jobs=2))
    assert result.clusters == result2.clusters, "--jobs 1 and --jobs 2 differ"
    found, t_vp = _timed(verified_pairs, docs, config)
    verified = {tuple(sorted((docs[i].id, docs[j].id))) for i, j, _ in found}
    edges = {tuple(sorted((c.representative, m.id))) for c in result.clusters for m in c.members}
    truth = truth_pairs(docs, ds_pairs | edges | verified)  # type: ignore[operator]
    tset = set(truth)
    mem_ds = _peak(ds_batch_lsh, docs[:5000]) / 5000
    half = len(docs) // 2
    mem_half = _peak(find_duplicates, docs[:half], config)
    mem_full = _peak(find_duplicates, docs, config)
    mem_dd = (mem_full - mem_half) / (len(docs) - half)  # marginal: batch buffers cancel out
    r_ds, p_ds = _scores(ds_pairs, tset)
    r_dd, p_dd = _scores(edges, tset)  # type: ignore[arg-type]
    r_vp, p_vp = _scores(verified, tset)  # type: ignore[arg-type]
    dropped = {m.id for c in result.clusters for m in c.members}
    # A true pair is resolved when at most one of the two copies survives.
    r_resolved = sum(1 for a, b in tset if a in dropped or b in dropped) / max(1, len(tset))
    cluster_of = {m.id: c.representative for c in result.clusters for m in c.members}
    cluster_of.update({c.representative: c.representative for c in result.clusters})
    same = sum(1 for a, b in tset if a in cluster_of and cluster_of[a] == cluster_of.get(b))
    r_cluster = same / max(1, len(tset))
    rows.append(
        (
            "scan: datasketch update_batch + MinHashLSH(0.8)",
            f"{len(docs) / t_ds:,.0f}",
            f"{r_ds:.4f}",
            f"{p_ds:.4f} (unverified)",
            f"{mem_ds:,.0f}",
        )
    )
    rows.append(
        (
            "dedup verified pairs: LSH candidates + exact Jaccard, before clustering",
            f"{len(docs) / t_vp:,.0f}",
            f"{r_vp:.4f}",
            f"{p_vp:.4f}",
            "",
        )
    )
    rows.append(
        (
            "scan: dedup find_duplicates, --jobs 1",
            f"{len(docs) / t_one:,.0f}",
            f"{r_cluster:.4f} same cluster; {r_resolved:.4f} resolved; {r_dd:.4f} rep-member pairs",
            f"{p_dd:.4f}",
            f"{mem_dd:,.0f} (marginal)",
        )
    )
    rows.append(("scan: dedup find_duplicates, --jobs 2", f"{len(docs) / t_two:,.0f}", "", "", ""))
    sig_rows, scan_rows = peer_rows(docs, tset)
    rows[n_sig_rows:n_sig_rows] = sig_rows
    rows.extend(scan_rows)
    print(
        f"# truth: {len(truth)} pairs with exact word-5-gram Jaccard >= {THRESHOLD}; "
        f"dedup counts {result.counts}"
    )
    print("| method | docs/s | recall | precision | peak bytes/doc |")
    print("|---|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
