"""Passage-level reuse at scale: wire copy republished with edits across a prose corpus.

The corpus is real prose (benchmarks/prose_corpus.py: man pages, docs, help files and
docstrings packed into ~2.5 KB documents). Stories are injected the way wire copy spreads:
a run of consecutive sentences (30-150 words) of a source document is republished in k
other documents (k heavy-tailed, 1..50), each copy lightly edited (~3 % of words changed,
dropped or added, some case changes, sometimes a sentence dropped) and spliced in at a
sentence boundary. About 2 % of the documents are whole-document near-copies of another.
The truth (source span, every receiving span, every copied pair) is recorded.

Rows, in one run: the datasketch baseline for the candidate step alone (a MinHash per
window with update_batch, MinHashLSH(0.3) insert + query) on a sample; `find_passages`
with jobs=1 and jobs=2 (results must be equal); `scan` end to end (documents + passages +
boilerplate) with jobs=2; with --worst-case also the old ChangeLog-dense corpus
(corpus_scale.build_corpus: dated header lines shared by hundreds of chunks). Each row runs
in a forked child, so its peak RSS (corpus included) is its own.

Recall: an injected copy is found when the reported passages between its receiver and one
other holder of the story cover >= 80 % of the injected span on the receiving side (also
given against the source document alone). Precision: share of reported passages explained
by the injection (both sides on the same story) or by a whole-document copy, among the
passages that touch injected text at all; passages between untouched text are natural
reuse of the corpus, counted and shown apart.

    .venv/bin/python benchmarks/passage_scale.py --docs 20000 [--worst-case]
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import platform
import random
import resource
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from corpus_scale import build_corpus
from prose_corpus import build_prose_corpus

from dedup import DedupConfig, Document, PassageMatch, Span, find_passages
from dedup.api import scan
from dedup.normalize import split_sentences, split_words
from dedup.verify import document_jaccard

EDIT_RATE = 0.03  # share of words changed, dropped or added in every copy
CASE_RATE = 0.02  # share of words whose case changes
TWIN_SHARE = 0.02  # whole-document near-copies
TWIN_EDIT_RATE = 0.01
COVER = 0.8  # share of an injected span a passage must cover to count as found


@dataclass(frozen=True, slots=True)
class Placed:
    """One holder of a story: the document and the [start, end) of the story's text in it."""

    story: int
    doc: str
    start: int
    end: int


@dataclass(slots=True)
class Truth:
    """What was injected: each story's source span, its copies, and whole-document twins."""

    sources: dict[int, Placed] = field(default_factory=dict)
    copies: list[Placed] = field(default_factory=list)
    twins: set[frozenset[str]] = field(default_factory=set)


# --- injection -------------------------------------------------------------------------


def _edit_words(text: str, rng: random.Random, vocab: list[str], rate: float = EDIT_RATE) -> str:
    """`rate` of the words changed, dropped or added, ~2 % with their case changed."""
    out: list[str] = []
    for word in text.split(" "):
        r = rng.random()
        if r < rate / 3:
            out.append(rng.choice(vocab))
        elif r < 2 * rate / 3:
            continue
        elif r < rate:
            out.extend((word, rng.choice(vocab)))
        elif r < rate + CASE_RATE:
            out.append(word.upper() if word.islower() else word.lower())
        else:
            out.append(word)
    return " ".join(out)


def _pick_story(text: str, rng: random.Random) -> tuple[int, int, list[str]] | None:
    """Consecutive sentences of 30-150 words: (start, end, sentences), or None."""
    sentences = split_sentences(text)
    for _ in range(10):
        target = rng.randint(30, 150)
        i = rng.randrange(len(sentences))
        picked, words = [], 0
        for seg in sentences[i:]:
            n = len(split_words(text[seg.start : seg.end]).words)
            if picked and words + n > 150:
                break
            picked.append(seg)
            words += n
            if words >= target:
                break
        if 30 <= words <= 150:
            return picked[0].start, picked[-1].end, [text[s.start : s.end] for s in picked]
    return None


def _copy_of(sentences: list[str], rng: random.Random, vocab: list[str]) -> str:
    if len(sentences) >= 3 and rng.random() < 0.2:
        sentences = [s for k, s in enumerate(sentences) if k != rng.randrange(len(sentences))]
    return _edit_words(" ".join(sentences), rng, vocab)


def _splice(
    doc: Document, pieces: list[tuple[int, str]], rng: random.Random
) -> tuple[list[Placed], Document]:
    """Insert the pieces at distinct sentence starts of `doc`; returns where they landed."""
    starts = [seg.start for seg in split_sentences(doc.text)]
    at = sorted(rng.sample(starts, min(len(pieces), len(starts))))
    text, shift, prev = doc.text, 0, 0
    placed: list[Placed] = []
    parts: list[str] = []
    for (story, piece), pos in zip(pieces, at, strict=False):
        parts.append(text[prev:pos])
        begin = pos + shift
        parts.append(piece + " ")
        placed.append(Placed(story, doc.id, begin, begin + len(piece)))
        shift += len(piece) + 1
        prev = pos
    parts.append(text[prev:])
    return placed, Document(doc.id, "".join(parts))


def inject(docs: list[Document], story_share: float, seed: int) -> Truth:
    """Wire stories and whole-document twins, in place (the number of documents is kept)."""
    rng = random.Random(seed)
    vocab = [w for d in docs[:200] for w in d.text.split(" ") if w.isalpha()]
    order = rng.sample(range(len(docs)), len(docs))
    n_twins = int(len(docs) * TWIN_SHARE)
    n_stories = int(len(docs) * story_share)
    twin_src, twin_slot = order[:n_twins], order[n_twins : 2 * n_twins]
    sources = order[2 * n_twins : 2 * n_twins + n_stories]
    receivers = order[2 * n_twins + n_stories :]
    truth = Truth()
    planned: dict[int, list[tuple[int, str]]] = {}
    for story, si in enumerate(sources):
        picked = _pick_story(docs[si].text, rng)
        if picked is None:
            continue
        start, end, sentences = picked
        truth.sources[story] = Placed(story, docs[si].id, start, end)
        k = min(50, int(rng.paretovariate(1.1)))  # a few stories go everywhere
        for ri in rng.sample(receivers, k):
            planned.setdefault(ri, []).append((story, _copy_of(sentences, rng, vocab)))
    for ri, pieces in sorted(planned.items()):
        placed, docs[ri] = _splice(docs[ri], pieces, rng)
        truth.copies.extend(placed)
    for si, ti in zip(twin_src, twin_slot, strict=True):
        # Fewer edits than a story copy: one edit changes up to 5 word-5-grams of a document.
        docs[ti] = Document(docs[ti].id, _edit_words(docs[si].text, rng, vocab, TWIN_EDIT_RATE))
        truth.twins.add(frozenset((docs[si].id, docs[ti].id)))
    return truth


# --- scoring ---------------------------------------------------------------------------


def _overlap(s: int, e: int, start: int, end: int) -> int:
    return max(0, min(e, end) - max(s, start))


def recall(passages: list[PassageMatch], truth: Truth) -> tuple[float, float]:
    """Share of injected copies found against any other holder, and against the source.

    A copy is found against a partner when the passages it shares with that partner cover
    >= COVER of it together: a chain breaks where an edit ends a sentence on one side, so
    one copy can come back as two adjacent passages.
    """
    holders: dict[int, set[str]] = {}
    for p in [*truth.sources.values(), *truth.copies]:
        holders.setdefault(p.story, set()).add(p.doc)
    sides: dict[tuple[str, str], list[tuple[int, int]]] = {}
    for m in passages:
        sides.setdefault((m.a.doc, m.b.doc), []).append((m.a.start, m.a.end))
        sides.setdefault((m.b.doc, m.a.doc), []).append((m.b.start, m.b.end))
    any_found = src_found = 0
    for c in truth.copies:
        need = COVER * (c.end - c.start)
        partners = holders[c.story] - {c.doc}
        covered = {o: _covered(sides.get((c.doc, o), []), c.start, c.end) for o in partners}
        any_found += any(v >= need for v in covered.values())
        src_found += covered.get(truth.sources[c.story].doc, 0) >= need
    n = max(1, len(truth.copies))
    return any_found / n, src_found / n


def _covered(spans: list[tuple[int, int]], start: int, end: int) -> int:
    """Characters of [start, end) inside the union of `spans`."""
    clipped = sorted((max(s, start), min(e, end)) for s, e in spans if s < end and e > start)
    total, reach = 0, start
    for s, e in clipped:
        total += max(0, e - max(s, reach))
        reach = max(reach, e)
    return total


def _at(span: Span) -> tuple[int, int]:
    return span.start, span.end


def classify(passages: list[PassageMatch], truth: Truth) -> dict[str, list[PassageMatch]]:
    """Passages by explanation: injected, twin, natural (untouched text), unexplained."""
    spans: dict[str, list[Placed]] = {}
    for p in [*truth.sources.values(), *truth.copies]:
        spans.setdefault(p.doc, []).append(p)
    kinds: dict[str, list[PassageMatch]] = {
        k: [] for k in ("injected", "twin", "natural", "unexplained")
    }
    for m in passages:
        sa = {p.story for p in spans.get(m.a.doc, []) if _overlap(p.start, p.end, *_at(m.a))}
        sb = {p.story for p in spans.get(m.b.doc, []) if _overlap(p.start, p.end, *_at(m.b))}
        if sa & sb:
            kinds["injected"].append(m)
        elif frozenset((m.a.doc, m.b.doc)) in truth.twins:
            kinds["twin"].append(m)
        elif not sa and not sb:
            kinds["natural"].append(m)
        else:
            kinds["unexplained"].append(m)
    return kinds


# --- timing in a child -----------------------------------------------------------------


def _child(fn: Callable[[], Any], conn: Any) -> None:
    start = time.perf_counter()
    try:
        out = fn()
    except BaseException as exc:  # the parent waits on the pipe: always answer
        conn.send(exc)
        raise
    elapsed = time.perf_counter() - start
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    conn.send((elapsed, out, own, workers))
    conn.close()


def isolated(fn: Callable[[], Any]) -> tuple[float, Any, str]:
    """Run `fn` in a forked child: (seconds, result, peak RSS in MiB as text)."""
    ctx = multiprocessing.get_context("fork")
    recv, send = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(fn, send))
    proc.start()
    answer = recv.recv()
    proc.join()
    if isinstance(answer, BaseException):
        raise answer
    elapsed, out, own, workers = answer
    rss = f"{own / 1024:,.0f}" + (f" + {workers / 1024:,.0f} per worker" if workers else "")
    return elapsed, out, rss


def datasketch_candidates(docs: list[Document], config: DedupConfig) -> int:
    """The candidate step the obvious way: a datasketch MinHash per window, MinHashLSH."""
    from datasketch import MinHash, MinHashLSH

    pc = config.passage
    lsh = MinHashLSH(threshold=pc.lsh_threshold, num_perm=pc.num_perm)
    first = MinHash(num_perm=pc.num_perm, seed=config.seed)
    perms, scheme = first.permutations, first.scheme  # permutations built once, not per window
    keys, sigs = [], []
    for d in docs:
        words = split_words(d.text, config.normalize).words
        if len(words) < pc.min_words:
            continue
        sh = [" ".join(words[i : i + pc.ngram]).encode() for i in range(len(words) - pc.ngram + 1)]
        n_starts = -(-max(len(sh), 1) // pc.stride)
        for w in range(max(1, n_starts - pc.window // pc.stride + 1)):  # dedup's windows
            m = MinHash(pc.num_perm, config.seed, permutations=perms, scheme=scheme)
            m.update_batch(sh[w * pc.stride : w * pc.stride + pc.window])
            key = f"{d.id}\t{w}"
            lsh.insert(key, m)
            keys.append(key)
            sigs.append(m)
    pairs = set()
    for key, m in zip(keys, sigs, strict=True):
        doc = key.split("\t")[0]
        pairs.update((doc, o.split("\t")[0]) for o in lsh.query(m) if not o.startswith(doc + "\t"))
    return len(pairs) // 2


# --- the old, ChangeLog-dense corpus ---------------------------------------------------


def inject_worst(docs: list[Document], share: float, seed: int) -> list[tuple[str, int, int]]:
    """The old injection: a 30-80 word passage spliced mid-document; (doc, start, end)."""
    rng = random.Random(seed)
    truth = []
    for k in rng.sample(range(len(docs)), int(len(docs) * share)):
        src = rng.choice(docs)
        words = src.text.split()
        if len(words) < 90 or src.id == docs[k].id:
            continue
        at = rng.randrange(len(words) - 80)
        piece = words[at : at + rng.randint(30, 80)]
        for _ in range(rng.randint(0, 2)):
            piece[rng.randrange(len(piece))] = "changed"
        text = docs[k].text
        cut = text.find(" ", len(text) // 2)
        cut = cut if cut > 0 else len(text)
        passage = " ".join(piece)
        docs[k] = Document(docs[k].id, text[:cut] + " " + passage + ". " + text[cut:])
        truth.append((docs[k].id, cut + 1, cut + 1 + len(passage)))
    return truth


def worst_case_row(n_docs: int) -> tuple[str, ...]:
    docs, _ = build_corpus(n_docs, 0.0, seed=3)
    truth = inject_worst(docs, 0.2, seed=4)
    t, passages, rss = isolated(lambda: find_passages(docs, DedupConfig(), jobs=2))
    spans: dict[str, list[tuple[int, int]]] = {}
    for p in passages:
        for s in (p.a, p.b):
            spans.setdefault(s.doc, []).append((s.start, s.end))
    found = sum(
        max((_overlap(s, e, a, b) for s, e in spans.get(doc, [])), default=0) >= COVER * (b - a)
        for doc, a, b in truth
    )
    return (
        "WORST CASE: ChangeLog-dense /usr/share/doc chunks, find_passages jobs=2",
        f"{len(docs):,}",
        f"{len(docs) / t:,.0f}",
        f"{len(passages):,}",
        f"{found / max(1, len(truth)):.3f}",
        "",
        "",
        rss,
    )


# --- main ------------------------------------------------------------------------------


def main() -> None:
    """Build, inject, time every row, score, and print a markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=20000)
    parser.add_argument("--stories", type=float, default=0.05, help="stories per document")
    parser.add_argument("--sample", type=int, default=2000, help="docs for the datasketch row")
    parser.add_argument(
        "--worst-case",
        action="store_true",
        help="also run the old ChangeLog-dense corpus (pathological)",
    )
    parser.add_argument("--worst-docs", type=int, default=5000)
    args = parser.parse_args()
    config = DedupConfig()
    docs = build_prose_corpus(args.docs, seed=1)
    truth = inject(docs, args.stories, seed=2)
    chars = sum(len(d.text) for d in docs) / len(docs)
    print(
        f"# {len(docs):,} documents, {chars:,.0f} chars/doc; {len(truth.sources):,} stories, "
        f"{len(truth.copies):,} injected copies, {len(truth.twins):,} whole-document copies; "
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"Python {sys.version.split()[0]}"
    )
    rows: list[tuple[str, ...]] = []

    sample = docs[: args.sample]
    t, n_pairs, rss = isolated(lambda: datasketch_candidates(sample, config))
    rows.append(
        (
            f"datasketch: MinHash per window + MinHashLSH(0.3), candidates only "
            f"({n_pairs:,} doc pairs)",
            f"{len(sample):,}",
            f"{len(sample) / t:,.0f}",
            "",
            "",
            "",
            "",
            rss,
        )
    )

    results = {}
    for jobs in (1, 2):
        t, passages, rss = isolated(lambda j=jobs: find_passages(docs, config, jobs=j))
        results[jobs] = passages
        r_any, r_src = recall(passages, truth)
        kinds = classify(passages, truth)
        touched = len(passages) - len(kinds["natural"])
        precision = (len(kinds["injected"]) + len(kinds["twin"])) / max(1, touched)
        rows.append(
            (
                f"dedup find_passages, jobs={jobs}",
                f"{len(docs):,}",
                f"{len(docs) / t:,.0f}",
                f"{len(passages):,}",
                f"{r_any:.3f}",
                f"{r_src:.3f}",
                f"{precision:.3f} ({len(kinds['natural']):,} natural)",
                rss,
            )
        )
    assert results[1] == results[2], "find_passages: jobs=1 and jobs=2 differ"

    t, report, rss = isolated(lambda: scan(docs, config, jobs=2))
    dropped = {frozenset((c.representative, m.id)) for c in report.duplicates for m in c.members}
    twins_found = len(truth.twins & dropped)
    by_id = {d.id: d for d in docs}
    near = config.threshold
    twins_near = sum(
        document_jaccard(*(by_id[i] for i in sorted(pair)), config) >= near for pair in truth.twins
    )
    rows.append(
        (
            f"dedup scan end to end (documents + passages + boilerplate), jobs=2; "
            f"whole-document copies clustered {twins_found}/{len(truth.twins)} "
            f"({twins_near} at Jaccard >= {near})",
            f"{len(docs):,}",
            f"{len(docs) / t:,.0f}",
            f"{len(report.passages):,}",
            "",
            "",
            "",
            rss,
        )
    )
    if args.worst_case:
        rows.append(worst_case_row(args.worst_docs))

    print(
        "| row | documents | docs/s | passages | recall (any holder) | recall (source) "
        "| precision | peak RSS MiB |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    kinds = classify(results[1], truth)
    print("\n# passages by explanation: " + ", ".join(f"{k} {len(v):,}" for k, v in kinds.items()))
    for kind in ("natural", "unexplained"):
        for m in random.Random(5).sample(kinds[kind], min(3, len(kinds[kind]))):
            print(
                f"- {kind} ({m.words} words, similarity {m.similarity:.2f}) "
                f"{m.a.doc}: {m.a.text[:110]!r}\n    {m.b.doc}: {m.b.text[:110]!r}"
            )


if __name__ == "__main__":
    main()
