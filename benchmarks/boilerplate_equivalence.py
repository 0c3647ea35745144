"""Boilerplate findings, dumped: a speed or memory change must leave every one of them as it was.

Runs `detect_boilerplate` under the presets news, web, docs and rules on four sets: the
5,000 documents of `boilerplate_speed.py`, the dev split of the labelled pages (every page
type, one corpus per extractor, as `boilerplate_real.py` runs them), the whole non-news set,
and the seeds and labelled cases of `samples/`. Every finding is written as one line (doc,
line, start, end, rule, score and threshold as exact float reprs, evidence, held); the
model's feature matrices of the dev split are hashed as well, so a vectorised feature that
differs on a line no finding depends on is caught too.

    .venv/bin/python benchmarks/boilerplate_equivalence.py save    # before the change
    .venv/bin/python benchmarks/boilerplate_equivalence.py check   # after: byte-identical?

The dumps go to `out/boilerplate_equivalence/` (not in git); `check` names the first
differing line of each set that changed.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from boilerplate_real import load_nonnews, load_pages  # noqa: E402
from boilerplate_speed import documents  # noqa: E402

from dedup.boilerplate import detect_boilerplate, line_features  # noqa: E402
from dedup.config import BoilerplateConfig  # noqa: E402
from dedup.document import Document  # noqa: E402
from dedup.linemodel import load_model  # noqa: E402
from dedup.report import BoilerplateLine  # noqa: E402

OUT = ROOT / "out" / "boilerplate_equivalence"
PRESETS = ("news", "web", "docs", "rules")
ALL_KINDS = (
    "article",
    "blog",
    "collection",
    "documentation",
    "forum",
    "listing",
    "product",
    "service",
)


def corpora() -> Iterator[tuple[str, list[Document]]]:
    """(name, documents) of every corpus run; a corpus is judged as one call."""
    yield "speed5000", documents(5000)
    for extractor, pages in load_pages("dev", ALL_KINDS).items():
        yield f"dev-{extractor}", [p.doc for p in pages]
    yield "nonnews", [p.doc for split in ("train", "dev", "test") for p in load_nonnews(split)]
    yield "samples", _samples()


def _samples() -> list[Document]:
    seeds = [
        Document(path.stem, path.read_text(encoding="utf-8"), path.name, {"site": "seed"})
        for path in sorted((ROOT / "samples").glob("*.txt"))
    ]
    cases = json.loads((ROOT / "samples" / "cases" / "boilerplate.json").read_text())["cases"]
    return seeds + [
        Document(f"case{k}", case["text"], "boilerplate.json", {"site": "cases"})
        for k, case in enumerate(cases)
    ]


def dump(docs: Sequence[Document], preset: str) -> list[str]:
    """Every finding of one run, one line each, floats as exact reprs."""
    config = BoilerplateConfig(site_field="site", preset=preset)  # type: ignore[arg-type]
    return [
        json.dumps(
            [b.doc, b.line, b.start, b.end, b.rule, repr(b.score), repr(b.threshold), *_rest(b)],
            ensure_ascii=False,
        )
        for b in detect_boilerplate(docs, config, jobs=1)
    ]


def _rest(b: BoilerplateLine) -> list[object]:
    return [b.evidence, b.held]


def feature_hash(docs: Sequence[Document]) -> str:
    """SHA-256 of the model's feature matrices (the word columns scored) of `docs`."""
    config = BoilerplateConfig(site_field="site")
    digest = hashlib.sha256()
    for x in line_features(docs, config, words=load_model().words):
        digest.update(x.tobytes())
    return digest.hexdigest()


def run(mode: str) -> bool:
    OUT.mkdir(parents=True, exist_ok=True)
    same = True
    for name, docs in corpora():
        t0 = time.perf_counter()
        outputs = {preset: dump(docs, preset) for preset in PRESETS}
        if name.startswith("dev-") or name == "samples":
            outputs["features"] = [feature_hash(docs)]
        for preset, lines in outputs.items():
            path = OUT / f"{name}.{preset}.txt"
            text = "\n".join(lines) + "\n"
            if mode == "save":
                path.write_text(text, encoding="utf-8")
                continue
            old = path.read_text(encoding="utf-8")
            if old != text:
                same = False
                print(f"DIFFERS {name} {preset}: {_first_difference(old, text)}")
        count = sum(len(v) for k, v in outputs.items() if k != "features")
        print(f"{name}: {len(docs)} documents, {count} findings, {time.perf_counter() - t0:.1f}s")
    return same


def _first_difference(old: str, new: str) -> str:
    a, b = old.splitlines(), new.splitlines()
    for k, (x, y) in enumerate(zip(a, b, strict=False)):
        if x != y:
            return f"line {k + 1}:\n  was {x}\n  now {y}"
    return f"{len(a)} lines, now {len(b)}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mode", choices=["save", "check"])
    args = parser.parse_args()
    same = run(args.mode)
    if args.mode == "check":
        print("IDENTICAL" if same else "CHANGED")
        sys.exit(0 if same else 1)


if __name__ == "__main__":
    main()
