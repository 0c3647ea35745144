"""Corpus-scale benchmark: dedup vs datasketch (and rensa where installed), side by side.

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

    .venv/bin/python benchmarks/corpus_scale.py --docs 20000
"""

from __future__ import annotations

import argparse
import gzip
import os
import platform
import random
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np

from dedup.cluster import find_duplicates, verified_pairs
from dedup.config import DedupConfig
from dedup.document import Document
from dedup.index import band_candidates
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
