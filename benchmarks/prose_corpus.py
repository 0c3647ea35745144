"""A corpus of ~2.5 KB prose documents from real text available offline.

Sources (whatever of them exists on the machine): man pages in /usr/share/man (gzipped
troff, many languages; requests and escapes stripped), READMEs, NEWS, *.txt and *.md files
under /usr/share/doc (no ChangeLogs, no copyright files), info manuals, Vim's help files,
CMake's help, the <p> paragraphs of Rust's books and std docs (rustup toolchain), and the
docstrings of the Python standard library, then of the installed packages.

Text is cut into paragraphs at blank lines and only prose paragraphs are kept (enough
words, mostly alphabetic, no code or tables). Exact and near-exact repeats are dropped
(same normalized text, or the same first 12 normalized words), so the reuse left between
documents is the natural reuse of real text. Paragraphs are shuffled with the seed and
packed into documents of ~2.5 KB; each paragraph is used once.

The paragraph pool is cached under /tmp (keyed by POOL_VERSION), so only the first run pays
for reading ~25,000 files.

    .venv/bin/python benchmarks/prose_corpus.py   # pool statistics and a sample document
"""

from __future__ import annotations

import ast
import gzip
import html
import json
import os
import random
import re
import sys
import sysconfig
import time
import warnings
from collections.abc import Iterator
from pathlib import Path

from corpus_scale import read_text

from dedup.document import Document
from dedup.normalize import split_sentences, split_words

POOL_VERSION = "prose-pool-7"
MAX_FAMILY_PAGES = 60  # man pages per command family (gcloud-*, git-*, ...)
CACHE = Path(f"/tmp/dedup-bench-{POOL_VERSION}.json.gz")
DOC_CHARS = 2500  # target document size
MAX_PARAGRAPH = 1200  # longer paragraphs are cut at sentence ends into pieces of about this
MIN_WORDS = 20
KEY_WORDS = 12  # a paragraph whose first 12 words were seen is a near repeat

MAN = Path("/usr/share/man")
DOC = Path("/usr/share/doc")
VIM = Path("/usr/share/vim/vim90/doc")
INFO = Path("/usr/share/info")
CMAKE_HELP = sorted(Path("/usr/share").glob("cmake-*/Help"))
# Rust's books and standard library docs, where a rustup toolchain is installed (HTML).
RUST_HTML = sorted(Path.home().glob(".rustup/toolchains/*/share/doc/rust/html"))[:1]
RUST_PARTS = (
    "book",
    "reference",
    "nomicon",
    "rust-by-example",
    "cargo",
    "rustc",
    "edition-guide",
    "embedded-book",
    "unstable-book",
    "rustdoc",
    "error_codes",
    "std",
    "alloc",
)
# The standard library first, then the installed packages (Debian's and this interpreter's).
PYLIBS = [
    Path(os.__file__).parent,
    Path("/usr/lib/python3/dist-packages"),
    Path(sysconfig.get_paths()["purelib"]),
]

# --- troff -----------------------------------------------------------------------------

# Requests after which a new paragraph starts.
_BREAKS = {
    "PP",
    "LP",
    "P",
    "SH",
    "SS",
    "TP",
    "IP",
    "HP",
    "sp",
    "br",
    "Sh",
    "Ss",
    "Pp",
    "It",
    "Bl",
    "El",
    "TQ",
    "RS",
    "RE",
    "in",
    "ti",
    "bp",
    "Lp",
}
# Requests whose arguments are running text (font changes, mdoc inline macros).
_INLINE = {
    "B",
    "I",
    "BR",
    "RB",
    "BI",
    "IB",
    "IR",
    "RI",
    "SM",
    "SB",
    "Nm",
    "Ar",
    "Fl",
    "Cm",
    "Em",
    "Sy",
    "Li",
    "Pa",
    "Va",
    "Ev",
    "Dq",
    "Sq",
    "Qo",
    "Qc",
    "Xr",
    "Op",
    "Ql",
    "Dv",
}
# Blocks of no-fill text (examples, code, tables, equations) are skipped whole.
_SKIP_FROM = {"nf": "fi", "EX": "EE", "TS": "TE", "EQ": "EN", "Bd": "Ed", "de": ".."}
_ESCAPES = [
    (re.compile(r"\\f(\[[^\]]*\]|\(..|.)"), ""),  # font changes \fB \fI \fR \f(CW \f[B]
    (re.compile(r"\\s[-+]?\d"), ""),  # size changes \s-1 \s0
    (re.compile(r"\\\*(\[[^\]]*\]|\(..|.)"), ""),  # strings \*(lq \*[R]
    (re.compile(r"\\\((em|en)"), "\u2014"),
    (re.compile(r"\\\((lq|rq|dq)"), '"'),
    (re.compile(r"\\\((aq|oq|cq)"), "'"),
    (re.compile(r"\\\(.."), ""),  # any other special character
    (re.compile(r"\\\[[^\]]*\]"), ""),
    (re.compile(r"\\[-]"), "-"),
    (re.compile(r"\\[e\\]"), "\\\\"),
    (re.compile(r"\\[&%|^c:)\n]"), ""),
    (re.compile(r"\\[ ~0]"), " "),
    (re.compile(r"\\[nk]\(?.."), ""),  # number registers, marks
    (re.compile(r'\\".*'), ""),  # comments
    (re.compile(r"\\."), ""),  # anything left
]


def strip_troff(source: str) -> str:
    """Running text of a troff man page: paragraphs separated by blank lines.

    Example:
        >>> strip_troff('.SH NAME\\nls \\\\- list \\\\fBdirectory\\\\fR contents\\n.PP\\nMore.')
        'ls - list directory contents\\n\\nMore.'
    """
    out: list[str] = []
    skip_until = ""
    for line in source.splitlines():
        if line.startswith((".", "'")):
            parts = line[1:].split(None, 1)
            name = parts[0] if parts else ""
            if skip_until:
                skip_until = "" if name == skip_until or line.startswith("..") else skip_until
                continue
            if name in _SKIP_FROM:
                skip_until = _SKIP_FROM[name]
            elif name in _BREAKS or name in ("SH", "SS", "Sh"):
                out.append("")
            elif name in _INLINE and len(parts) > 1:
                out.append(_unescape(parts[1].replace('"', "")))
            continue
        if not skip_until:
            out.append(_unescape(line))
    return "\n".join(out).strip()


def _unescape(text: str) -> str:
    for pattern, repl in _ESCAPES:
        text = pattern.sub(repl, text)
    return text


# --- sources ---------------------------------------------------------------------------


def _files(root: Path) -> Iterator[Path]:
    if root.is_dir():
        yield from (p for p in sorted(root.rglob("*")) if p.is_file() and not p.is_symlink())


def _man_texts() -> Iterator[str]:
    # One command family (gcloud alone has ~16,600 generated pages here) would otherwise
    # make the corpus a set of templates: cap the pages per family, in every language.
    per_family: dict[str, int] = {}
    for path in _files(MAN):
        if path.suffix == ".gz" or re.search(r"\.\d\w*$", path.name):
            family = re.split(r"[-_.]", path.name, maxsplit=1)[0]
            per_family[family] = per_family.get(family, 0) + 1
            if per_family[family] <= MAX_FAMILY_PAGES:
                yield strip_troff(read_text(path))


def _doc_texts() -> Iterator[str]:
    for path in _files(DOC):
        name = path.name.lower()
        if name.startswith(("changelog", "copyright", "changes")):
            continue
        stem = name.removesuffix(".gz")
        if stem.startswith(("readme", "news")) or stem.endswith((".txt", ".md")):
            yield read_text(path)


def _vim_texts() -> Iterator[str]:
    for path in _files(VIM):
        if path.suffix == ".txt":
            # Help tags (*tag*) and links (|link|) are markup, not words.
            yield re.sub(r"[*|](\S+?)[*|]", r"\1", read_text(path))


def _info_texts() -> Iterator[str]:
    for path in _files(INFO):
        if ".info" in path.name:
            yield read_text(path).replace("\x1f", "\n\n")


def _cmake_texts() -> Iterator[str]:
    for root in CMAKE_HELP:
        for path in _files(root):
            if path.suffix == ".rst":
                yield read_text(path)


_P = re.compile(r"<p>(.*?)</p>", re.S)
_TAG = re.compile(r"<[^>]+>")


def _rust_texts() -> Iterator[str]:
    for html_root in RUST_HTML:
        for part in RUST_PARTS:
            for path in _files(html_root / part):
                if path.suffix == ".html":
                    found = _P.findall(read_text(path))
                    yield "\n\n".join(html.unescape(_TAG.sub("", p)) for p in found)


_RST = [
    (re.compile(r":[\w:]+:`~?([^`<]+?)(?: <[^>]*>)?`"), r"\1"),
    (re.compile(r"``([^`]+)``"), r"\1"),
]


def _docstrings() -> Iterator[str]:
    nodes = (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)
    seen: set[Path] = set()
    for path in (p for root in PYLIBS for p in _files(root)):
        if path.suffix != ".py" or path in seen:
            continue
        seen.add(path)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # invalid escapes in old test files
                tree = ast.parse(read_text(path))
        except (SyntaxError, ValueError):
            continue
        for node in ast.walk(tree):
            if isinstance(node, nodes) and (doc := ast.get_docstring(node)):
                for pattern, repl in _RST:  # reST roles and literals are markup, not words
                    doc = pattern.sub(repl, doc)
                yield doc


# --- paragraphs ------------------------------------------------------------------------

_ALPHA = re.compile(r"[\"'(\[]?[^\W\d_]+(?:[-'\u2019][^\W\d_]+)*[.,;:!?)\]\"']*")
_CODE = re.compile(r"[{}<>=;$#@\\/_`~\[\]|*]")


def is_prose(paragraph: str, words: int) -> bool:
    """Whether a paragraph reads as running text: no code, tables, lists or option lines.

    Example:
        >>> is_prose("The quick brown fox jumps over the lazy dog near the river bank.", 13)
        True
        >>> is_prose("x = f(a, b); y = g[0]  # tables and code", 3)
        False
    """
    lines = [ln for ln in paragraph.splitlines() if ln.strip()]
    tokens = paragraph.split()
    if not tokens or words < 0.7 * len(tokens):
        return False
    if sum(1 for t in tokens if _ALPHA.fullmatch(t)) < 0.7 * len(tokens):
        return False
    if len(_CODE.findall(paragraph)) > 0.02 * len(paragraph):
        return False
    # Column layouts (tables, option lists) keep runs of spaces inside lines.
    gapped = sum(1 for ln in lines if re.search(r"\S {3,}\S|\S\t", ln))
    return gapped <= 0.2 * len(lines) and sum(map(len, lines)) / len(lines) >= 30


def _pieces(paragraph: str) -> Iterator[str]:
    """A reflowed paragraph, cut at sentence ends into pieces of at most ~MAX_PARAGRAPH."""
    text = " ".join(paragraph.split())
    if len(text) <= MAX_PARAGRAPH:
        yield text
        return
    piece_start = 0
    last_end = 0
    for seg in split_sentences(text):
        if seg.end - piece_start > MAX_PARAGRAPH and last_end > piece_start:
            yield text[piece_start:last_end].strip()
            piece_start = last_end
        last_end = seg.end
    yield text[piece_start:].strip()


def paragraphs(texts: Iterator[str], seen: set[str]) -> Iterator[str]:
    """Prose paragraphs of `texts` whose normalized text and ends were not in `seen` yet."""
    for text in texts:
        for raw in re.split(r"\n\s*\n", text.replace("\r", "")):
            if not is_prose(raw, len(split_words(raw).words)):
                continue
            for piece in _pieces(raw):
                words = split_words(piece).words
                if len(words) < MIN_WORDS:
                    continue
                keys = (" ".join(words), "^" + " ".join(words[:KEY_WORDS]))
                if any(k in seen for k in keys):
                    continue
                seen.update(keys)
                yield piece


def build_pool() -> list[str]:
    """Every prose paragraph of every source, in a fixed order (cached under /tmp)."""
    if CACHE.exists():
        with gzip.open(CACHE, "rt", encoding="utf-8") as f:
            pool: list[str] = json.load(f)
        return pool
    seen: set[str] = set()
    pool = []
    sources = (
        _man_texts,
        _doc_texts,
        _info_texts,
        _vim_texts,
        _cmake_texts,
        _rust_texts,
        _docstrings,
    )
    for source in sources:
        pool.extend(paragraphs(source(), seen))
    tmp = CACHE.with_suffix(f".{os.getpid()}.tmp")
    with gzip.open(tmp, "wt", encoding="utf-8") as f:
        json.dump(pool, f, ensure_ascii=False)
    tmp.replace(CACHE)  # atomic: a concurrent run never reads half a cache
    return pool


def build_prose_corpus(n_docs: int, seed: int) -> list[Document]:
    """`n_docs` prose documents of ~2.5 KB (fewer if the pool runs out), ids `p00000`....

    Deterministic for a given seed: the pool has a fixed order and one seeded shuffle
    decides which paragraphs go together.
    """
    pool = build_pool()
    order = list(range(len(pool)))
    random.Random(seed).shuffle(order)
    docs: list[Document] = []
    current: list[str] = []
    size = 0
    for i in order:
        if len(docs) >= n_docs:
            break
        current.append(pool[i])
        size += len(pool[i]) + 2
        if size >= DOC_CHARS - 200:
            docs.append(Document(f"p{len(docs):05d}", "\n\n".join(current)))
            current, size = [], 0
    return docs


def main() -> None:
    """Pool statistics: paragraphs, characters, documents it can fill; one sample."""
    t0 = time.perf_counter()
    pool = build_pool()
    chars = sum(len(p) for p in pool)
    elapsed = time.perf_counter() - t0
    print(
        f"pool: {len(pool):,} paragraphs, {chars / 1e6:.1f} M chars, "
        f"~{chars // DOC_CHARS:,} documents of {DOC_CHARS} chars ({elapsed:.1f} s)"
    )
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20000
    docs = build_prose_corpus(n, seed=1)
    print(f"{len(docs):,} documents, {sum(len(d.text) for d in docs) / len(docs):.0f} chars/doc")
    print(docs[0].text)


if __name__ == "__main__":
    main()
