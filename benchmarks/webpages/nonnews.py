"""Build a non-news text set in which every line is content (a cleaner must remove none).

Documents come from this machine: Debian copyright files and READMEs under /usr/share/doc,
man pages rendered as plain text, Python stdlib module/function docstrings and comment blocks
from stdlib source files. Selection is deterministic: candidates are sorted, then sampled with a
fixed seed (the result still depends on what is installed on the machine and on the Python version).

    python benchmarks/webpages/nonnews.py                   # benchmarks/data/nonnews.jsonl.gz
    python benchmarks/webpages/nonnews.py --sample tests/data/nonnews_sample.jsonl
    python benchmarks/webpages/nonnews.py --extra           # benchmarks/data/nonnews_extra.jsonl.gz
    python benchmarks/webpages/nonnews.py --rest            # benchmarks/data/nonnews_rest.jsonl.gz
    python benchmarks/webpages/nonnews.py --more            # benchmarks/data/nonnews_more.jsonl.gz

Each output line: {"id": ..., "kind": ..., "text": ...}.
"""

from __future__ import annotations

import argparse
import collections
import gzip
import importlib
import inspect
import json
import os
import random
import re
import shutil
import subprocess
import sys
import sysconfig
import warnings
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent.parent
OUT = REPO / "benchmarks" / "data" / "nonnews.jsonl.gz"
EXTRA = REPO / "benchmarks" / "data" / "nonnews_extra.jsonl.gz"
REST = REPO / "benchmarks" / "data" / "nonnews_rest.jsonl.gz"
MORE = REPO / "benchmarks" / "data" / "nonnews_more.jsonl.gz"
SEED = 20240601
MAX_CHARS = 20_000  # longer documents are cut at a line boundary
MIN_LINES = 3
MAN_PER_PREFIX = 20  # fewer non-blank lines: skip

# documents per kind (upper bounds)
QUOTA = {"copyright": 600, "readme": 300, "man": 700, "pydoc": 600, "pycomment": 300}

# stdlib modules not imported: side effects on import, GUI, tests, deprecated noise
SKIP_MODULES = {
    "antigravity", "this", "idlelib", "turtledemo", "turtle", "tkinter", "test", "lib2to3",
    "ensurepip", "venv", "pydoc_data", "xxlimited", "xxlimited_35", "xxsubtype", "msilib",
    "winreg", "winsound", "msvcrt", "_winapi", "nt", "crypt", "nis", "spwd", "ossaudiodev",
    "audioop", "sndhdr", "imghdr", "cgi", "cgitb", "nntplib", "telnetlib", "pipes", "uu",
    "xdrlib", "chunk", "mailcap", "sunau", "aifc", "asynchat", "asyncore", "smtpd", "imp",
    "distutils", "__phello__", "__hello__",
}  # fmt: skip


def _cap(text: str, max_chars: int = MAX_CHARS) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x0c", "\n")
    text = "\n".join(ln.rstrip() for ln in text.split("\n")).strip("\n")
    if len(text) > max_chars:
        text = text[:max_chars].rsplit("\n", 1)[0]
    return text


def _ok(text: str) -> bool:
    return sum(1 for ln in text.split("\n") if ln.strip()) >= MIN_LINES


def _read(path: Path) -> str | None:
    try:
        if path.suffix == ".gz":
            with gzip.open(path) as f:
                raw = f.read()
        else:
            raw = path.read_bytes()
    except OSError:
        return None
    if b"\x00" in raw[:4096]:
        return None  # binary
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def _sample(cands: list, n: int, salt: str) -> list:
    cands = sorted(cands)
    if len(cands) <= n:
        return cands
    return sorted(random.Random(f"{SEED}-{salt}").sample(cands, n))


def docs_usr_share_doc(kind: str, n: int):
    root = Path("/usr/share/doc")
    if kind == "copyright":
        cands = [str(p) for p in root.glob("*/copyright") if p.is_file()]
    else:
        pat = re.compile(r"^readme", re.I)
        cands = [
            str(p)
            for p in root.glob("*/*")
            if p.is_file() and pat.match(p.name) and not p.name.endswith((".html", ".pdf"))
        ]
    # one file per realpath (many packages symlink the same copyright)
    seen, uniq = set(), []
    for c in sorted(cands):
        rp = os.path.realpath(c)
        if rp not in seen:
            seen.add(rp)
            uniq.append(c)
    out = []
    for c in _sample(uniq, n * 2, kind):
        text = _read(Path(c))
        if text is None:
            continue
        text = _cap(text)
        if _ok(text):
            out.append({"id": f"{kind}:{c}", "kind": kind, "text": text})
        if len(out) >= n:
            break
    return out


def docs_man(n: int, *, max_chars: int = MAX_CHARS, salt: str = "man", kind: str = "man"):
    if not shutil.which("man") or not shutil.which("col"):
        print("skip man pages: man or col is not installed", file=sys.stderr)
        return []
    root = Path("/usr/share/man")
    cands, seen = [], set()
    for sec in sorted(root.glob("man[1-9]")):  # English only: skip /usr/share/man/<lang>/
        for p in sec.iterdir():
            if p.is_symlink() or not p.is_file():
                continue
            rp = os.path.realpath(p)
            if rp not in seen:
                seen.add(rp)
                cands.append(str(p))
    # one tool can ship thousands of pages (gcloud_*): at most MAN_PER_PREFIX per name prefix
    by_prefix: dict[str, list[str]] = collections.defaultdict(list)
    for c in sorted(cands):
        by_prefix[Path(c).name.split("_")[0].split(".")[0]].append(c)
    cands = [c for pre in sorted(by_prefix) for c in _sample(by_prefix[pre], MAN_PER_PREFIX, pre)]
    env = dict(os.environ, MANWIDTH="80", LANG="C.UTF-8", LC_ALL="C.UTF-8", MAN_KEEP_FORMATTING="")
    out = []
    for c in _sample(cands, int(n * 1.3), salt):
        try:
            r = subprocess.run(
                f"man -l -P cat {shlex_quote(c)} 2>/dev/null | col -bx",
                shell=True, env=env, capture_output=True, timeout=20, check=False,
            )  # fmt: skip
        except subprocess.TimeoutExpired:
            continue
        text = r.stdout.decode("utf-8", errors="replace")
        text = _cap(text, max_chars)
        if _ok(text) and not text.lstrip().startswith(".so "):
            out.append({"id": f"{kind}:{c}", "kind": kind, "text": text})
        if len(out) >= n:
            break
    return out


# Changelogs: release headings with versions and dates, issue lists cut off with "...",
# maintainer trailers. Everything in them is content.
CHANGELOG = re.compile(
    r"^(?:news|changes|changelog|history)(?:\.md|\.txt|\.debian)?(?:\.gz)?$", re.I
)


def _changelog_paths() -> list[str]:
    """Changelog files under /usr/share/doc (NEWS, CHANGES, changelog.Debian.gz, ...),
    one per real path."""
    root = Path("/usr/share/doc")
    seen, cands = set(), []
    for p in sorted(root.glob("*/*")):
        if p.is_file() and CHANGELOG.match(p.name):
            rp = os.path.realpath(p)
            if rp not in seen:
                seen.add(rp)
                cands.append(str(p))
    return cands


def docs_changelog(n: int, max_chars: int = 60_000, paths: list[str] | None = None):
    """`n` changelogs drawn from `paths` (default: all of them), cut at `max_chars`."""
    cands = _changelog_paths() if paths is None else paths
    out = []
    for c in _sample(cands, n * 2, "changelog"):
        text = _read(Path(c))
        if text is not None and _ok(text := _cap(text, max_chars)):
            out.append({"id": f"changelog:{c}", "kind": "changelog", "text": text})
        if len(out) >= n:
            break
    return out


def build_extra() -> list[dict]:
    """The second all-content set (`--extra`): changelogs and whole man pages (the first set
    cuts man pages at MAX_CHARS and has no changelog), drawn with other seeds."""
    docs = docs_changelog(400)
    docs += docs_man(400, max_chars=200_000, salt="man-full", kind="man-full")
    return docs


def build_rest(drawn: set[str]) -> list[dict]:
    """The third all-content set (`--rest`): every changelog and README the first two sets
    did not draw (`drawn`: their ids), whole up to 60,000 characters. Built after the
    second set's findings were fixed, to measure those fixes on files nobody looked at."""
    changelogs = [c for c in _changelog_paths() if f"changelog:{c}" not in drawn]
    docs = docs_changelog(len(changelogs), paths=changelogs)
    readme = re.compile(r"^readme", re.I)
    seen: set[str] = set()
    for p in sorted(Path("/usr/share/doc").glob("*/*")):
        rp = os.path.realpath(p)
        if not p.is_file() or not readme.match(p.name) or p.name.endswith((".html", ".pdf")):
            continue
        if rp in seen or f"readme:{p}" in drawn:
            continue
        seen.add(rp)
        text = _read(p)
        if text is not None and _ok(text := _cap(text, 60_000)):
            docs.append({"id": f"readme-rest:{p}", "kind": "readme-rest", "text": text})
    return docs


def build_more() -> list[dict]:
    """The fourth all-content set (`--more`): kinds of text the first three have none of,
    each file whole up to 60,000 characters: Texinfo manuals as `info` reads them
    (/usr/share/info: node headers, menus, indexes), the licences of
    /usr/share/common-licenses (legal text) and Perl's POD documentation
    (/usr/share/perl*). Built to measure the non-news figures on text no rule was written
    for."""
    docs = []
    for p in sorted(Path("/usr/share/info").glob("*.info*")):
        text = _read(p)
        if text is not None and _ok(text := _cap(text.replace("\x1f", ""), 60_000)):
            docs.append({"id": f"info:{p}", "kind": "info", "text": text})
    for p in sorted(Path("/usr/share/common-licenses").iterdir()):
        text = _read(p) if p.is_file() and not p.is_symlink() else None
        if text is not None and _ok(text := _cap(text, 60_000)):
            docs.append({"id": f"licence:{p}", "kind": "licence", "text": text})
    roots = sorted(Path("/usr/share").glob("perl*"))
    pods = sorted(q for root in roots for q in root.rglob("*.pod"))
    for p in _sample(pods, 150, "pod"):
        text = _read(p)
        if text is not None and _ok(text := _cap(text, 60_000)):
            docs.append({"id": f"pod:{p}", "kind": "pod", "text": text})
    return docs + docs_package_docstrings() + docs_c_comments(600) + docs_python_sources(300)


def docs_python_sources(n: int) -> list[dict]:
    """`n` sampled Python standard library modules whole (up to 60,000 characters), code and
    comments as they are: a corpus of code keeps every line."""
    root = Path(sysconfig.get_paths()["stdlib"])
    modules = sorted(
        p for p in root.rglob("*.py") if not {"test", "tests", "site-packages"} & set(p.parts)
    )
    out = []
    for p in _sample(modules, n, "python-source"):
        text = _read(p)
        if text is not None and _ok(text := _cap(text, 60_000)):
            out.append(
                {
                    "id": f"python-source:{p.relative_to(root)}",
                    "kind": "python-source",
                    "text": text,
                }
            )
    return out


def docs_c_comments(n: int) -> list[dict]:
    """The comment blocks (`/* ... */`, 4 lines and 200 characters or more) of `n` sampled
    C headers under /usr/include: code comments, license headers, API notes."""
    headers = sorted(p for p in Path("/usr/include").rglob("*.h") if p.is_file())
    out = []
    for p in _sample(headers, n, "c-comment"):
        text = _read(p)
        for found in re.finditer(r"/\*(.*?)\*/", text or "", re.S):
            body = found.group(1)
            if body.count("\n") >= 3 and len(body) > 200:
                doc = {"id": f"c-comment:{p}:{found.start()}", "kind": "c-comment"}
                out.append({**doc, "text": _cap(body)})
    return out


# Third-party modules whose public docstrings (numpydoc sections, doctests, "See Also"
# lists) `--more` reads, those of them installed (the benchmark venv has them all).
DOC_MODULES = (
    "numpy", "numpy.linalg", "numpy.fft", "numpy.random", "pandas", "sklearn.linear_model",
    "sklearn.ensemble", "sklearn.metrics", "pyspark.sql.functions", "pyspark.sql.dataframe",
    "click", "jinja2", "requests", "lxml.html", "pyarrow", "hypothesis", "rapidfuzz.fuzz",
    "datasketch", "dateutil.parser", "babel", "bs4", "yaml",
)  # fmt: skip


def docs_package_docstrings() -> list[dict]:
    """The docstrings (`inspect.getdoc`, 4 lines and 200 characters or more, each text once)
    of the public names of `DOC_MODULES`."""
    out, seen = [], set()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name in DOC_MODULES:
            try:
                module = importlib.import_module(name)
            except Exception:  # not installed, or broken: not drawn
                continue
            for attr in sorted(a for a in dir(module) if not a.startswith("_")):
                try:
                    doc = inspect.getdoc(getattr(module, attr))
                except Exception:  # a lazy attribute that fails to load
                    continue
                if doc and doc.count("\n") >= 3 and len(doc) > 200 and doc not in seen:
                    seen.add(doc)
                    out.append(
                        {"id": f"docstring:{name}.{attr}", "kind": "docstring", "text": _cap(doc)}
                    )
    return out


def _ids(path: Path) -> set[str]:
    if not path.exists():
        return set()
    with gzip.open(path, "rt", encoding="utf-8") as f:
        return {json.loads(line)["id"] for line in f}


def shlex_quote(s: str) -> str:
    import shlex

    return shlex.quote(s)


def _stdlib_modules() -> list[str]:
    names = getattr(sys, "stdlib_module_names", None)
    if names is None:  # Python < 3.10
        import pkgutil

        names = {m.name for m in pkgutil.iter_modules([sysconfig.get_paths()["stdlib"]])}
    return sorted(
        m for m in names if not m.startswith("_") and m not in SKIP_MODULES and "test" not in m
    )


def docs_pydoc(n: int, n_modules: int = 200):
    mods = _sample(_stdlib_modules(), n_modules, "modules")
    out_mod, out_fn = [], []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name in mods:
            try:
                mod = importlib.import_module(name)
            except Exception:  # a module that does not import here: skip
                continue
            doc = inspect.getdoc(mod)
            if doc and _ok(doc):
                out_mod.append({"id": f"pydoc:{name}", "kind": "pydoc", "text": _cap(doc)})
            for attr, obj in sorted(vars(mod).items()):
                if attr.startswith("_"):
                    continue
                if not (inspect.isfunction(obj) or inspect.isclass(obj) or inspect.isbuiltin(obj)):
                    continue
                if getattr(obj, "__module__", None) != name:
                    continue
                try:
                    d = inspect.getdoc(obj)
                except Exception:
                    continue
                if d and _ok(d):
                    out_fn.append({"id": f"pydoc:{name}.{attr}", "kind": "pydoc", "text": _cap(d)})
    rest = max(0, n - len(out_mod))
    fn = sorted(
        random.Random(f"{SEED}-fn").sample(out_fn, min(rest, len(out_fn))), key=lambda d: d["id"]
    )
    return out_mod[:n] + fn


_COMMENT = re.compile(r"^\s*#")


def docs_pycomment(n: int):
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    files = sorted(
        str(p)
        for p in stdlib.rglob("*.py")
        if "site-packages" not in p.parts
        and "test" not in "/".join(p.parts[-3:]).lower()
        and "idlelib" not in p.parts
    )
    blocks = []
    for f in _sample(files, 400, "pyfiles"):
        text = _read(Path(f)) or ""
        cur: list[str] = []
        start = 0
        for i, line in enumerate([*text.split("\n"), ""]):
            if _COMMENT.match(line) and not line.lstrip().startswith("#!"):
                if not cur:
                    start = i + 1
                cur.append(line)
                continue
            if len(cur) >= 4:
                block = "\n".join(ln.strip() for ln in cur)
                words = len(re.findall(r"[A-Za-z]{2,}", block))
                if words >= 20 and "Copyright" not in block[:200]:
                    rel = os.path.relpath(f, stdlib)
                    blocks.append(
                        {"id": f"pycomment:{rel}:{start}", "kind": "pycomment", "text": _cap(block)}
                    )
            cur = []
    if len(blocks) > n:
        blocks = sorted(random.Random(f"{SEED}-blocks").sample(blocks, n), key=lambda d: d["id"])
    return blocks


def build() -> list[dict]:
    docs = []
    docs += docs_usr_share_doc("copyright", QUOTA["copyright"])
    docs += docs_usr_share_doc("readme", QUOTA["readme"])
    docs += docs_man(QUOTA["man"])
    docs += docs_pydoc(QUOTA["pydoc"])
    docs += docs_pycomment(QUOTA["pycomment"])
    # exact-duplicate texts (e.g. identical licence files) once
    seen, out = set(), []
    for d in docs:
        if d["text"] not in seen:
            seen.add(d["text"])
            out.append(d)
    return out


def write_sample(docs: list[dict], path: Path, per_kind: int = 30, max_chars: int = 3500) -> None:
    rng = random.Random(SEED)
    by = collections.defaultdict(list)
    for d in docs:
        by[d["kind"]].append(d)
    picked = []
    for kind in sorted(by):
        for d in sorted(rng.sample(by[kind], min(per_kind, len(by[kind]))), key=lambda d: d["id"]):
            text = d["text"]
            if len(text) > max_chars:
                text = text[:max_chars].rsplit("\n", 1)[0]
            picked.append({**d, "text": text})
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        for d in picked:
            f.write(json.dumps(d, ensure_ascii=False) + "\n")
    print(
        f"sample: {len(picked)} documents, {path.stat().st_size} bytes -> {path}", file=sys.stderr
    )


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--sample", type=Path, default=None, help="also write a small sample here")
    ap.add_argument(
        "--extra",
        action="store_true",
        help=f"build the second set (changelogs, whole man pages) into {EXTRA.name} instead",
    )
    ap.add_argument(
        "--rest",
        action="store_true",
        help=f"build the third set (every changelog and README the first two did not draw) "
        f"into {REST.name} instead",
    )
    ap.add_argument(
        "--more",
        action="store_true",
        help=f"build the fourth set (Texinfo manuals, licences, Perl POD, package docstrings, C "
        f"comments, Python modules) into "
        f"{MORE.name} instead",
    )
    args = ap.parse_args(argv)
    if args.extra and args.out == OUT:
        args.out = EXTRA
    if args.rest and args.out == OUT:
        args.out = REST
    if args.more and args.out == OUT:
        args.out = MORE
    if args.more:
        docs = build_more()
    elif args.rest:
        docs = build_rest(_ids(OUT) | _ids(EXTRA))
    else:
        docs = build_extra() if args.extra else build()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(args.out, "wt", encoding="utf-8") as f:
        for d in docs:
            f.write(json.dumps(d, ensure_ascii=False) + "\n")
    counts = collections.Counter(d["kind"] for d in docs)
    lines = collections.Counter()
    for d in docs:
        lines[d["kind"]] += sum(1 for ln in d["text"].split("\n") if ln.strip())
    print(f"{len(docs)} documents -> {args.out}", file=sys.stderr)
    for k in sorted(counts):
        print(f"  {k:10s} {counts[k]:5d} documents {lines[k]:7d} non-blank lines", file=sys.stderr)
    if args.sample:
        write_sample(docs, args.sample)


if __name__ == "__main__":
    main()
