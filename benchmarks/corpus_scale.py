"""Corpus-scale benchmark: dedup vs datasketch, rensa, datatrove and text-dedup, side by side.

Builds >= 20,000 documents of ~2.5 KB from real offline text (/usr/share/doc, man pages,
the Python standard library's sources), injects edited copies, and measures in one run:
signature throughput per core, the documents-only scan end to end, recall and precision
against an exact word-5-gram Jaccard, and peak memory.

Fair inputs. Every timed row includes its own tokenization. A peer runs with its own default
tokenizer and, where that is not already a cheap regex, once more with one (`REGEX_WORDS`,
lowercased runs of letters and digits): datasketch and rensa take tokens from the caller and
have no default, so they get the regex; datatrove's default English word tokenizer is spaCy
(most of its time), so it has a spaCy row and a regex row; text-dedup's default already splits
on a regex (`\\W`). The hash family of each row is in its name. No peer row calls dedup code.

Memory: every method runs once more in a fresh subprocess on the same `--mem-docs` documents;
the figure is the growth of peak RSS (VmHWM) over the RSS after imports and corpus building
(freed heap returned with malloc_trim, peak reset through /proc/self/clear_refs), per document.

Truth, built after every row has run and without dedup code: words are the runs of letters
and digits of the NFKC-normalized, casefolded text (`truth_words`), shingles are tuples of 5
consecutive words (exact strings, no hashing), and the exact Jaccard of those sets is
computed for the union of every pair any method proposed, every injected pair, and the
candidates of a very sensitive datasketch LSH over the same shingles (32 bands x 4 rows:
misses a 0.8 pair with probability (1 - 0.8**4)**32 < 1e-7); pairs at >= 0.8 are true.

dedup recall, four ways: verified pairs (LSH proposed the pair and exact Jaccard confirmed it,
before clustering: the pipeline's pair recall); same cluster (both documents of a true pair
end in one cluster); resolved (at most one of the two survives); rep-member pairs (the pair
is a cluster's representative and one of its members: the pairs `find_duplicates` reports).
Clusters never chain, so two members of one cluster are not a reported pair even when they
are near each other, and a true pair (a, b) where b is not near a's representative lands in
two clusters: rep-member recall counts pairs, not documents removed, and is lower by design.

Peers (`pip install rensa datatrove text-dedup spacy tokenizers`, the `bench` extra; each one
missing or failing becomes a "skipped: <reason>" row): rensa RMinHash; datatrove's MinHash
stages in-process in temporary folders (word 5-grams, 16 buckets x 8 hashes = 128, 32-bit
sha1, seed 1); text-dedup's `embed_func` and its whole `text_dedup.minhash` command on a local
`datasets` folder (128 permutations, threshold 0.8, 32-bit sha1, num_proc 1). The pipelines
that only say which documents they remove are scored by resolved recall (as for dedup) and
removal precision: the share of removed documents with a true partner (exact Jaccard >= 0.8)
that survived.

    .venv/bin/python benchmarks/corpus_scale.py --docs 20000
"""

from __future__ import annotations

import argparse
import ctypes
import gzip
import json
import os
import platform
import random
import re
import subprocess
import sys
import tempfile
import time
import unicodedata
from collections.abc import Callable
from itertools import combinations
from pathlib import Path
from typing import Any

# Peers read no hub or network: everything they need is local.
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np

from dedup.cluster import find_duplicates, verified_pairs
from dedup.config import DedupConfig
from dedup.document import Document
from dedup.signature import text_signatures

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


REGEX_WORDS = re.compile(r"[^\W_]+")  # the cheap tokenizer every peer can use


def regex_shingles(text: str) -> list[str]:
    """Word 5-grams of a text with the cheap regex tokenizer (what a peer user would write)."""
    words = REGEX_WORDS.findall(text.lower())
    n = min(5, len(words))
    return [" ".join(words[i : i + n]) for i in range(len(words) - n + 1)]


def truth_words(text: str) -> list[str]:
    """The truth's words: runs of letters and digits of the NFKC-normalized, casefolded text."""
    return REGEX_WORDS.findall(unicodedata.normalize("NFKC", text).casefold())


def truth_shingles(text: str) -> set[tuple[str, ...]]:
    """The truth's shingle set: exact tuples of 5 consecutive words (no hashing)."""
    words = truth_words(text)
    n = min(5, len(words))
    return {tuple(words[i : i + n]) for i in range(len(words) - n + 1)}


def _timed(fn: Callable[..., Any], *args: Any) -> tuple[Any, float]:
    start = time.perf_counter()
    out = fn(*args)
    return out, time.perf_counter() - start


def ds_update_loop(texts: list[str]) -> None:
    from datasketch import MinHash

    for text in texts:
        m = MinHash(num_perm=128, seed=1)
        for sh in regex_shingles(text):
            m.update(sh.encode())


def ds_batch_lsh(docs: list[Document]) -> set[tuple[str, str]]:
    from datasketch import MinHash, MinHashLSH

    lsh = MinHashLSH(threshold=THRESHOLD, num_perm=128)
    sigs = []
    for doc in docs:
        m = MinHash(num_perm=128, seed=1)
        m.update_batch([s.encode() for s in regex_shingles(doc.text)])
        lsh.insert(doc.id, m)
        sigs.append(m)
    pairs: set[tuple[str, str]] = set()
    for doc, m in zip(docs, sigs, strict=True):
        for other in lsh.query(m):
            if other != doc.id:
                pairs.add(_pair(doc.id, other))
    return pairs


def _pair(a: str, b: str) -> tuple[str, str]:
    return (a, b) if a < b else (b, a)


def rensa_signatures(texts: list[str]) -> None:
    import rensa

    for text in texts:
        m = rensa.RMinHash(num_perm=128, seed=1)
        m.update(regex_shingles(text))


def dedup_signatures(texts: list[str]) -> None:
    text_signatures(texts, DedupConfig())


# datatrove: word 5-grams, 16 buckets x 8 hashes = 128 hashes of 32 bits, the shingle hash
# sha1 truncated to 32 bits (as datasketch's default; datatrove's own default is 64-bit
# xxhash; dedup hashes shingles with its own 64-bit word hash and MurmurHash3's finalizer).
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


def _regex_word_tokenizer():  # type: ignore[no-untyped-def]
    from datatrove.utils.word_tokenizers import WordTokenizer

    class RegexTokenizer(WordTokenizer):
        """datatrove's WordTokenizer interface over `REGEX_WORDS` (no spaCy)."""

        def word_tokenize(self, text: str) -> list[str]:
            return REGEX_WORDS.findall(text)

        def sent_tokenize(self, text: str) -> list[str]:
            return [text]

        def span_tokenize(self, text: str) -> list[tuple[int, int]]:
            return [m.span() for m in REGEX_WORDS.finditer(text)]

    return RegexTokenizer("en")


def datatrove_run(
    docs: list[Document], work: Path, tokenizer: str = "spacy"
) -> tuple[float, float, set[str]]:
    """datatrove's four MinHash stages in-process; (signature s, total s, surviving ids).

    `tokenizer`: "spacy" (its English default) or "regex". The signature stage runs once and
    its output feeds the rest of the pipeline, so the signature time is a part of the total.
    The bucket stage asserts world_size % num_buckets == 0, so it runs once per bucket (rank
    b of world_size DT_BUCKETS), one after the other: the same work a world_size-1 run would
    do if datatrove allowed it.
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
    signer = MinhashDedupSignature(output_folder=str(sigs), config=config)
    if tokenizer == "regex":
        signer.word_tokenizer = _regex_word_tokenizer()
    signer.run(data=iter(dt_docs), rank=0, world_size=1)
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
# 5-grams of its default regex tokenizer (split on `\W`), min_length 0 so that no document
# is dropped for being short.
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


def truth_pairs(
    docs: list[Document], proposed: set[tuple[str, str]]
) -> dict[tuple[str, str], float]:
    """Exact word-5-gram Jaccard >= THRESHOLD over every proposed, injected or sensitive-LSH
    candidate pair, from `truth_shingles` (no dedup code)."""
    from datasketch import MinHash, MinHashLSH

    sets = {d.id: truth_shingles(d.text) for d in docs}
    lsh = MinHashLSH(num_perm=128, params=(32, 4))
    cand = set(proposed)
    for doc in docs:
        m = MinHash(num_perm=128, seed=3)
        m.update_batch(["\x1f".join(t).encode() for t in sets[doc.id]])
        cand.update(_pair(doc.id, other) for other in lsh.query(m))
        lsh.insert(doc.id, m)
    for d in docs:
        if d.id.startswith("c"):
            cand.add(_pair(d.id, d.id.split("_", 1)[1]))
    truth = {}
    for a, b in cand:
        sa, sb = sets[a], sets[b]
        inter = len(sa & sb)
        union = len(sa) + len(sb) - inter
        jac = inter / union if union else 1.0
        if jac >= THRESHOLD:
            truth[(a, b)] = jac
    return truth


def _scores(pred: set[tuple[str, str]], truth: set[tuple[str, str]]) -> tuple[float, float]:
    hit = len(pred & truth)
    return hit / max(1, len(truth)), hit / max(1, len(pred))


# --------------------------------------------------------------------- memory, one process each

MEMORY_ROWS = ("datasketch", "datatrove-spacy", "datatrove-regex", "text-dedup", "dedup")


def _memory_target(row: str, docs: list[Document], work: Path) -> Callable[[], object]:
    """The work of one memory row, its imports done (so they stay in the baseline)."""
    if row == "datasketch":
        import datasketch  # noqa: F401

        return lambda: ds_batch_lsh(docs)
    if row.startswith("datatrove"):
        import datatrove.pipeline.dedup.minhash  # noqa: F401

        tokenizer = row.split("-", 1)[1]
        if tokenizer == "spacy":  # load spaCy before the baseline, as the import of the others
            from datatrove.utils.word_tokenizers import load_word_tokenizer

            load_word_tokenizer("en").word_tokenize("warm up")
        return lambda: datatrove_run(docs, work, tokenizer)
    if row == "text-dedup":
        import datasets  # noqa: F401
        import text_dedup.minhash  # noqa: F401

        return lambda: text_dedup_run(docs, work)
    config = DedupConfig(passages=False)
    find_duplicates(docs[:200], config)  # load the kernel before the baseline
    return lambda: find_duplicates(docs, config)


def measure_memory(row: str, n: int, mem_docs: int, dup_share: float) -> None:
    """In this (fresh) process: one row's peak RSS growth per document, printed as JSON."""
    from memory_scale import _reset_peak, _status  # imports this module: not at the top

    docs = build_corpus(n, dup_share, seed=7)[0][:mem_docs]
    with tempfile.TemporaryDirectory() as work:
        run = _memory_target(row, docs, Path(work))
        ctypes.CDLL("libc.so.6").malloc_trim(0)
        if not _reset_peak():  # the peak of building the corpus would hide the row's
            sys.exit("cannot reset the peak RSS (/proc/self/clear_refs): Linux only")
        base = _status("VmRSS")
        run()
        peak = _status("VmHWM")
    print(json.dumps({"row": row, "bytes_per_doc": (peak - base) / len(docs)}))


def memory_rows(n: int, mem_docs: int, dup_share: float) -> dict[str, str]:
    """Every memory row in its own subprocess: row -> bytes/doc (or the reason it failed)."""
    out = {}
    for row in MEMORY_ROWS:
        cmd = [sys.executable, __file__, "--memory-row", row, "--docs", str(n)]
        cmd += ["--mem-docs", str(mem_docs), "--dups", str(dup_share)]
        done = subprocess.run(cmd, capture_output=True, text=True, check=False)
        lines = [x for x in done.stdout.splitlines() if x.startswith("{")]
        if done.returncode == 0 and lines:
            out[row] = f"{json.loads(lines[-1])['bytes_per_doc']:,.0f}"
        else:
            out[row] = "failed: " + (done.stderr.strip().splitlines() or ["?"])[-1][:80]
    return out


# --------------------------------------------------------------------- the table

Row = tuple[str, str, str, str, str]


def _removal_row(name: str, rate: float, scores: tuple[float, float, float, int], mem: str) -> Row:
    resolved, precision, loose, removed = scores
    return (
        name,
        f"{rate:,.0f}",
        f"{resolved:.4f} resolved",
        f"{precision:.4f} (removed {removed}, a true partner survived; "
        f"{loose:.4f} with any true partner)",
        mem,
    )


def _skipped(name: str, exc: BaseException) -> Row:
    reason = f"{type(exc).__name__}: {exc}".splitlines()[0][:120]
    return (name, f"skipped: {reason}", "", "", "")


class Bench:
    """The rows of one run, the rates the ratios need, and what each pipeline proposed."""

    def __init__(self, docs: list[Document]) -> None:
        self.docs = docs
        self.sig_rows: list[Row] = []
        self.scan_rows: list[tuple[Row, Callable[[set[tuple[str, str]]], Row]]] = []
        self.rates: dict[str, float] = {}
        self.proposed: set[tuple[str, str]] = set()

    def signature_row(self, key: str, name: str, fn: Callable[[list[str]], object], n: int) -> None:
        texts = [d.text for d in self.docs[:n]]
        try:
            _, t = _timed(fn, texts)
        except Exception as exc:  # a peer that is missing or fails is a row, not a crash
            self.sig_rows.append(_skipped(name, exc))
            return
        self.rates[key] = len(texts) / t
        self.sig_rows.append((name, f"{len(texts) / t:,.0f}", "", "", ""))


def run_peers(bench: Bench, mem: dict[str, str]) -> list[Callable[[set[tuple[str, str]]], Row]]:
    """datatrove (spaCy and regex) and text-dedup pipelines; rows scored once truth exists."""
    docs, n = bench.docs, len(bench.docs)
    later: list[Callable[[set[tuple[str, str]]], Row]] = []
    for tokenizer in ("spacy", "regex"):
        label = "spaCy, its default" if tokenizer == "spacy" else "regex tokenizer"
        sig_name = f"signatures: datatrove MinhashDedupSignature ({label}; 16x8, sha1-32)"
        scan_name = f"scan: datatrove signatures -> buckets -> cluster -> filter ({label})"
        try:
            with tempfile.TemporaryDirectory() as work:
                t_sig, t_all, kept = datatrove_run(docs, Path(work), tokenizer)
        except Exception as exc:
            bench.sig_rows.append(_skipped(sig_name, exc))
            later.append(lambda _t, name=scan_name, exc=exc: _skipped(name, exc))
            continue
        bench.rates[f"datatrove-{tokenizer}"] = n / t_sig
        bench.sig_rows.append((sig_name, f"{n / t_sig:,.0f}", "", "", ""))
        m = mem.get(f"datatrove-{tokenizer}", "")

        def score(
            truth: set[tuple[str, str]], kept=kept, rate=n / t_all, name=scan_name, m=m
        ) -> Row:
            return _removal_row(name + " (unverified)", rate, removal_scores(docs, kept, truth), m)

        later.append(score)
    td_sig = (
        f"signatures: text-dedup embed_func (its default regex tokenizer; {TD_PERM} perm, sha1-32)"
    )
    bench.signature_row("text-dedup", td_sig, text_dedup_signatures, n)
    td_scan = "scan: text-dedup minhash main (--local, num_proc 1; its default regex tokenizer)"
    try:
        with tempfile.TemporaryDirectory() as work:
            t_td, kept_td = text_dedup_run(docs, Path(work))
    except Exception as exc:
        later.append(lambda _t, exc=exc: _skipped(td_scan, exc))
    else:

        def score_td(truth: set[tuple[str, str]]) -> Row:
            scores = removal_scores(docs, kept_td, truth)
            return _removal_row(
                td_scan + " (unverified)", n / t_td, scores, mem.get("text-dedup", "")
            )

        later.append(score_td)
    return later


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=20000)
    parser.add_argument("--dups", type=float, default=0.1, help="share of injected copies")
    parser.add_argument("--loop-sample", type=int, default=1000, help="docs for the slow loop")
    parser.add_argument("--mem-docs", type=int, default=5000, help="docs of every memory row")
    parser.add_argument("--no-memory", action="store_true", help="skip the memory subprocesses")
    parser.add_argument("--memory-row", choices=MEMORY_ROWS, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.memory_row:
        measure_memory(args.memory_row, args.docs, args.mem_docs, args.dups)
        return
    docs, injected = build_corpus(args.docs, args.dups, seed=7)
    texts = [d.text for d in docs]
    chars = sum(len(t) for t in texts) / len(texts)
    print(
        f"# {len(docs)} docs ({injected} injected copies), {chars:.0f} chars/doc, "
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"Python {sys.version.split()[0]}, load average before: {os.getloadavg()[0]:.2f}",
        flush=True,
    )
    mem = {} if args.no_memory else memory_rows(args.docs, args.mem_docs, args.dups)
    dedup_signatures(texts[:50])  # compile / load the kernel outside the timing
    bench = Bench(docs)
    n = len(docs)
    bench.signature_row(
        "update-loop",
        "signatures: datasketch update() loop (regex tokenizer, sha1-32)",
        ds_update_loop,
        args.loop_sample,
    )
    bench.signature_row(
        "rensa",
        "signatures: rensa RMinHash (regex tokenizer, rensa's own hash)",
        rensa_signatures,
        n,
    )
    bench.signature_row(
        "dedup",
        "signatures: dedup (its own tokenizer, 64-bit word hash + murmur3 fmix, affine32)",
        dedup_signatures,
        n,
    )

    ds_pairs, t_ds = _timed(ds_batch_lsh, docs)
    config = DedupConfig(passages=False)
    result, t_one = _timed(find_duplicates, docs, config)
    result2, t_two = _timed(lambda: find_duplicates(docs, config, jobs=2))
    assert result.clusters == result2.clusters, "--jobs 1 and --jobs 2 differ"
    found, t_vp = _timed(verified_pairs, docs, config)
    verified = {_pair(docs[i].id, docs[j].id) for i, j, _ in found}
    edges = {_pair(c.representative, m.id) for c in result.clusters for m in c.members}
    later = run_peers(bench, mem)
    bench.proposed = ds_pairs | edges | verified

    truth = truth_pairs(docs, bench.proposed)  # after every row ran
    tset = set(truth)
    r_ds, p_ds = _scores(ds_pairs, tset)
    r_dd, p_dd = _scores(edges, tset)
    r_vp, p_vp = _scores(verified, tset)
    dropped = {m.id for c in result.clusters for m in c.members}
    # A true pair is resolved when at most one of the two copies survives.
    r_resolved = sum(1 for a, b in tset if a in dropped or b in dropped) / max(1, len(tset))
    cluster_of = {m.id: c.representative for c in result.clusters for m in c.members}
    cluster_of.update({c.representative: c.representative for c in result.clusters})
    same = sum(1 for a, b in tset if a in cluster_of and cluster_of[a] == cluster_of.get(b))
    r_cluster = same / max(1, len(tset))
    member_pairs = {
        _pair(x.id, y.id) for c in result.clusters for x, y in combinations(c.members, 2)
    }
    scan_rows: list[Row] = [
        (
            "scan: datasketch update_batch + MinHashLSH(0.8) (regex tokenizer, sha1-32)",
            f"{n / t_ds:,.0f}",
            f"{r_ds:.4f}",
            f"{p_ds:.4f} (unverified)",
            mem.get("datasketch", ""),
        ),
        *[score(tset) for score in later],
        (
            "dedup verified pairs: LSH candidates + exact Jaccard, before clustering",
            f"{n / t_vp:,.0f}",
            f"{r_vp:.4f}",
            f"{p_vp:.4f}",
            "",
        ),
        (
            "scan: dedup find_duplicates, --jobs 1",
            f"{n / t_one:,.0f}",
            f"{r_cluster:.4f} same cluster; {r_resolved:.4f} resolved; {r_dd:.4f} rep-member pairs",
            f"{p_dd:.4f}",
            mem.get("dedup", ""),
        ),
        ("scan: dedup find_duplicates, --jobs 2", f"{n / t_two:,.0f}", "", "", ""),
    ]
    print(
        f"# truth: {len(truth)} pairs with exact word-5-gram Jaccard >= {THRESHOLD} "
        f"(independent tokenizer, exact shingle tuples); dedup counts {result.counts}"
    )
    print(
        f"# memory: peak RSS growth over a baseline, bytes/doc, {args.mem_docs} docs, "
        "one process per row"
    )
    print("| method | docs/s | recall | precision | peak bytes/doc |")
    print("|---|---|---|---|---|")
    for row in [*bench.sig_rows, *scan_rows]:
        print("| " + " | ".join(row) + " |")
    true_members = len(member_pairs & tset)
    print(
        f"# rep-member pairs: {len(edges)} reported, {len(edges & tset)} true; true pairs of two "
        f"members of one cluster (never reported: no chaining): {true_members}"
    )
    _print_ratios(bench.rates, n / t_ds, n / t_one, n / t_two, mem)


def _print_ratios(
    rates: dict[str, float], ds_scan: float, one: float, two: float, mem: dict[str, str]
) -> None:
    """Every ratio README quotes, from this run's rates."""
    dedup = rates.get("dedup", 0.0)
    for key, label in (
        ("update-loop", "datasketch update() loop"),
        ("rensa", "rensa (regex tokenizer)"),
        ("datatrove-spacy", "datatrove (spaCy)"),
        ("datatrove-regex", "datatrove (regex tokenizer)"),
        ("text-dedup", "text-dedup embed_func"),
    ):
        if rates.get(key):
            print(f"# ratio: dedup signatures / {label}: {dedup / rates[key]:.1f}x")
    print(f"# ratio: dedup scan --jobs 1 / datasketch scan: {one / ds_scan:.1f}x")
    print(f"# ratio: dedup scan --jobs 2 / --jobs 1: {two / one:.2f}x")
    try:
        ds_mem = float(mem["datasketch"].replace(",", ""))
        dd_mem = float(mem["dedup"].replace(",", ""))
        print(f"# ratio: datasketch memory / dedup memory: {ds_mem / dd_mem:.1f}x")
    except (KeyError, ValueError):
        pass


if __name__ == "__main__":
    main()
