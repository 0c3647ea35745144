"""Experiment: a learned tail cut after the line model (`dedup.tailcut`), on real pages.

    PYTHONPATH=. .venv/bin/python benchmarks/tail_cut.py fit     # train split -> /tmp model
    PYTHONPATH=. .venv/bin/python benchmarks/tail_cut.py sweep   # dev: thresholds side by side

`fit` trains the cut model on the train split (all page types the line model trains on, plus
the non-news train part, every cut of which is a negative); `sweep` prints, on dev, the news
preset before and after the cut at several thresholds, per extractor, with the non-news lines
removed. Never run on test.
"""

from __future__ import annotations

import argparse
import json
import pickle
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from boilerplate_real import (  # noqa: E402
    DETECTORS,
    Page,
    Score,
    _config,
    load_nonnews,
    load_pages,
)

from dedup.boilerplate import _quoted, _split_lines, line_features, line_labels  # noqa: E402
from dedup.linefeatures import prose_rows, sentence_rows  # noqa: E402
from dedup.linemodel import LineModel, fit, load_model  # noqa: E402
from dedup.tailcut import (  # noqa: E402
    FEATURES,
    candidates,
    cut_features,
    cut_labels,
    heading_gate,
)

CACHE = Path("/tmp/tailcut_cache")
MODEL_OUT = Path("/tmp/tailcut_model.json")
TRAIN_KINDS = ("article", "blog", "documentation", "forum", "service")


@dataclass
class Doc:
    """What the cut needs of one page: its line numbers, features, probabilities, labels."""

    page: Page
    numbers: list[int]
    x: np.ndarray
    p: np.ndarray
    going: np.ndarray
    codes: np.ndarray


def prepare(groups: dict[str, list[Page]], model: LineModel, preset: str = "news") -> list[Doc]:
    t, tail, *prose = model.meta["presets"][preset]
    m = model.with_thresholds(t, tail, prose[0] if prose else None)
    out = []
    for pages in groups.values():
        docs = [pg.doc for pg in pages]
        xs = line_features(docs, _config(), words=model.words)
        codes = line_labels(docs, [pg.labels for pg in pages])
        for pg, x, c in zip(pages, xs, codes, strict=True):
            lines = _split_lines(pg.doc.text)
            p = model.probabilities(x) if len(x) else np.zeros(0)
            going = m.decide(p, prose_rows(x), _quoted(lines), sentence_rows(x))
            out.append(Doc(pg, [ln.number for ln in lines], x, p, going, c))
    return out


def cached(name: str, build) -> list[Doc]:  # type: ignore[no-untyped-def]
    CACHE.mkdir(exist_ok=True)
    path = CACHE / f"{name}.pkl"
    if path.exists():
        return pickle.loads(path.read_bytes())
    docs = build()
    path.write_bytes(pickle.dumps(docs))
    return docs


def data(model: LineModel) -> dict[str, list[Doc]]:
    return {
        "train": cached("train", lambda: prepare(load_pages("train", TRAIN_KINDS), model)),
        "train_nonnews": cached(
            "train_nonnews", lambda: prepare({"n": load_nonnews("train")}, model)
        ),
        "dev": cached("dev", lambda: prepare(load_pages("dev"), model)),
        "dev_nonnews": cached("dev_nonnews", lambda: prepare({"n": load_nonnews("dev")}, model)),
    }


def rows(docs: list[Doc]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    xs, ys, gs = [], [], []
    for k, d in enumerate(docs):
        f = cut_features(d.x, d.p, d.going)
        xs.append(f)
        ys.append(cut_labels(d.codes))
        gs.append(np.full(len(f), k))
    return np.vstack(xs), np.concatenate(ys), np.concatenate(gs)


def cmd_fit(args: argparse.Namespace) -> None:
    model = load_model()
    d = data(model)
    train = d["train"] + d["train_nonnews"]
    x, y, _ = rows(train)
    keep = y >= 0
    print(f"train rows {int(keep.sum()):,} ({int((y == 1).sum()):,} positive)")
    t0 = time.perf_counter()
    cut = fit(x[keep], y[keep] == 1, FEATURES, trees=args.trees, depth=args.depth)
    print(f"fit {time.perf_counter() - t0:.0f} s")
    MODEL_OUT.write_text(json.dumps(cut.to_dict()) + "\n", encoding="utf-8")
    xd, yd, _ = rows(d["dev"])
    q = cut.probabilities(xd)
    for t in (0.5, 0.7, 0.8, 0.9):
        sel = q >= t
        ok = yd[sel] == 1
        print(f"dev rows at q>={t}: {int(sel.sum())}, precision {ok.mean():.3f}")
    share = np.abs(cut.contributions(xd[:20000])).mean(axis=0)
    for j in np.argsort(-share)[:15]:
        print(f"  {share[j]:.2f}  {FEATURES[j]}")


def redecide(model: LineModel, doc: Doc, preset: str) -> np.ndarray:
    t, tail, *prose = model.meta["presets"][preset]
    m = model.with_thresholds(t, tail, prose[0] if prose else None)
    lines = _split_lines(doc.page.doc.text)
    return m.decide(doc.p, prose_rows(doc.x), _quoted(lines), sentence_rows(doc.x))


def cut_lines(doc: Doc, cut: LineModel, threshold: float, mode: str) -> set[int]:
    """Line numbers the tail cut removes from one document."""
    n = len(doc.x)
    ks = candidates(n)
    if not len(ks):
        return set()
    rows = cut_features(doc.x, doc.p, doc.going)
    q = cut.probabilities(rows)
    if mode == "earliest":  # as `dedup.tailcut`: only at a heading-shaped line
        q = np.where(heading_gate(rows), q, 0.0)
    hits = np.flatnonzero(q >= threshold)
    if not len(hits):
        return set()
    if mode == "earliest":
        first = int(ks[hits[0]])
    else:  # "run": from the end inward while every cut reaches the threshold
        below = np.flatnonzero(q < threshold)
        if len(below) and below[-1] == len(q) - 1:
            return set()
        first = int(ks[below[-1] + 1]) if len(below) else int(ks[0])
    return set(doc.numbers[first:])


def cmd_sweep(args: argparse.Namespace) -> None:
    model = load_model()
    d = data(model)
    cut = LineModel.from_dict(json.loads(MODEL_OUT.read_text(encoding="utf-8")))
    dev, nonnews = d["dev"], d["dev_nonnews"]
    if args.preset != "news":
        for doc in dev + nonnews:
            doc.going = redecide(model, doc, args.preset)
    by_extractor: dict[str, list[Doc]] = {}
    for doc in dev:
        by_extractor.setdefault(doc.page.extractor, []).append(doc)
    before: dict[str, list[set[int]]] = {}
    for ext, docs in by_extractor.items():
        before[ext] = DETECTORS[args.preset]([x.page.doc for x in docs])
    nn_before = DETECTORS[args.preset]([x.page.doc for x in nonnews])
    thresholds = [float(t) for t in args.thresholds.split(",")]
    print("| threshold | mode | P | R | article lines removed | ends after | non-news lines |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for mode in args.modes.split(","):
        for t in [2.0, *thresholds]:
            total = Score()
            for ext, docs in by_extractor.items():
                for doc, flagged in zip(docs, before[ext], strict=True):
                    extra = cut_lines(doc, cut, t, mode) if t <= 1 else set()
                    total.add(doc.page, flagged | extra)
            eaten = sum(
                len(cut_lines(doc, cut, t, mode) - f) if t <= 1 else 0
                for doc, f in zip(nonnews, nn_before, strict=True)
            )
            print(
                f"| {t if t <= 1 else 'off'} | {mode} | {total.precision:.3f} | "
                f"{total.recall:.3f} | {100 * total.fp / max(1, total.content):.2f} % | "
                f"{100 * total.ends_after / total.docs:.1f} % | {eaten} |"
            )


FIXTURE = ROOT / "tests" / "data" / "tailcut_dev.jsonl"


def cmd_fixture(args: argparse.Namespace) -> None:
    """Dev documents for tests/test_tailcut.py: some the shipped cut takes a furniture tail
    from (nothing it takes labelled content), some it leaves (ending in content), judged
    as one corpus of their own exactly as the test does; seeded, small pages first."""
    from dedup import detect_boilerplate

    rng = np.random.default_rng(args.seed)
    pages = [p for group in load_pages("dev").values() for p in group]
    pages = [p for p in pages if len(p.doc.text) <= args.max_chars]
    rng.shuffle(pages)  # type: ignore[arg-type]
    cut, kept = [], []
    for page in pages:
        found = detect_boilerplate([page.doc], _config("news"))
        tail = {b.line for b in found if b.rule == "tail_cut" and not b.held}
        numbers = [n for n, t in enumerate(page.doc.text.split("\n")) if t.strip()]
        labels = [page.labels[n] for n in sorted(tail)]
        page_id = page.doc.id.split("/")[0]  # one document per page
        clean = tail and "content" not in labels and labels.count("boilerplate") >= 2
        ends = not tail and numbers and page.labels[numbers[-1]] == "content"
        if clean and len(cut) < args.n and page_id not in {c.doc.id.split("/")[0] for c in cut}:
            cut.append(page)
        elif ends and len(kept) < args.n and page_id not in {c.doc.id.split("/")[0] for c in kept}:
            kept.append(page)
        if len(cut) >= args.n and len(kept) >= args.n:
            break
    with FIXTURE.open("w", encoding="utf-8") as fh:
        for page, expect in [*((p, "cut") for p in cut), *((p, "kept") for p in kept)]:
            record = {
                "page": page.doc.id.split("/")[0],
                "site": page.doc.meta["site"],
                "extractor": page.extractor,
                "expect": expect,
                "text": page.doc.text,
                "labels": page.labels,
            }
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")
    print(f"wrote {FIXTURE}: {len(cut)} cut, {len(kept)} kept")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    f = sub.add_parser("fit")
    f.add_argument("--trees", type=int, default=100)
    f.add_argument("--depth", type=int, default=3)
    s = sub.add_parser("sweep")
    s.add_argument("--thresholds", default="0.5,0.6,0.7,0.8,0.85,0.9,0.95")
    s.add_argument("--modes", default="earliest,run")
    s.add_argument("--preset", default="news", choices=["news", "web"])
    x = sub.add_parser("fixture")
    x.add_argument("--n", type=int, default=12)
    x.add_argument("--seed", type=int, default=10)
    x.add_argument("--max-chars", type=int, default=6000)
    args = parser.parse_args()
    {"fit": cmd_fit, "sweep": cmd_sweep, "fixture": cmd_fixture}[args.command](args)


if __name__ == "__main__":
    main()
