"""The `dedup` command line: a thin click layer, one API call per command.

Exit codes: 0 success, 1 the data failed a check, 2 usage or input error.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import replace
from functools import wraps
from typing import Any, TypeVar

import click

from dedup.api import compare as api_compare
from dedup.api import scan as api_scan
from dedup.clean import clean as api_clean
from dedup.config import DedupConfig
from dedup.document import Document
from dedup.errors import DedupError
from dedup.io.readers import DocumentReader
from dedup.io.writers import write_atomic
from dedup.parallel import resolve_jobs
from dedup.render import render_text
from dedup.report import Report

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"]}
F = TypeVar("F", bound=Callable[..., Any])


class CLIInputError(click.ClickException):
    """A usage or input error: one line on stderr, exit code 2."""

    exit_code = 2


@click.group(context_settings=CONTEXT_SETTINGS)
@click.version_option(package_name="dedup")
def cli() -> None:
    """Find reused passages, near-duplicates and boilerplate in text corpora, with evidence.

    Exit codes: 0 success, 1 the data failed a check, 2 usage or input error.
    """


def input_options(func: F) -> F:
    """--text-field, --id-field and --strict: how records are read."""
    func = click.option(
        "--strict", is_flag=True, help="Stop at the first bad record instead of skipping it."
    )(func)
    func = click.option(
        "--id-field", default=None, help="JSONL field with the document id [default: path:LINE]."
    )(func)
    return click.option(
        "--text-field", default="text", show_default=True, help="JSONL field with the text."
    )(func)


def config_options(func: F) -> F:
    """--threshold, --num-perm, --seed, --no-passages: build a `DedupConfig` as `config`."""

    @click.option(
        "--threshold",
        type=float,
        default=0.8,
        show_default=True,
        help="Document Jaccard at or above which two documents are near-duplicates.",
    )
    @click.option("--num-perm", type=int, default=128, show_default=True, help="MinHash size.")
    @click.option("--seed", type=int, default=1, show_default=True, help="MinHash seed.")
    @click.option("--no-passages", is_flag=True, help="Skip the search for reused passages.")
    @click.option(
        "--keep",
        type=click.Choice(["first", "longest", "newest", "source", "none"]),
        default="first",
        show_default=True,
        help="Which copy of a near-duplicate cluster is kept (none: drop every copy).",
    )
    @click.option("--date-field", default=None, help="Metadata field with an ISO date (--keep newest).")
    @click.option(
        "--source-priority",
        default="",
        help="Comma-separated glob patterns over document sources, best first (--keep source).",
    )
    @wraps(func)
    def wrapper(
        *args: Any,
        threshold: float,
        num_perm: int,
        seed: int,
        no_passages: bool,
        keep: str,
        date_field: str | None,
        source_priority: str,
        **kwargs: Any,
    ) -> Any:
        try:
            config = DedupConfig(
                threshold=threshold,
                num_perm=num_perm,
                seed=seed,
                passages=not no_passages,
                keep=keep,  # type: ignore[arg-type]
                date_field=date_field,
                source_priority=tuple(p for p in source_priority.split(",") if p),
            )
        except DedupError as ex:
            raise CLIInputError(str(ex)) from ex
        return func(*args, config=config, **kwargs)

    return wrapper  # type: ignore[return-value]


def boilerplate_options(func: F) -> F:
    """--no-boilerplate, --lexicon, --protect: boilerplate settings on `config`; --site-field."""

    @click.option("--no-boilerplate", is_flag=True, help="Skip the search for boilerplate lines.")
    @click.option(
        "--lexicon",
        type=click.Path(exists=True, dir_okay=False),
        default=None,
        help="Extra boilerplate phrases, one a line ('phrase ...' = line start, '!phrase' drops).",
    )
    @click.option(
        "--protect",
        type=click.Path(exists=True, dir_okay=False),
        default=None,
        help="Phrases, one a line, whose lines are never reported as boilerplate.",
    )
    @click.option(
        "--site-field", default=None, help="Metadata field naming the site (per-site line counts)."
    )
    @wraps(func)
    def wrapper(
        *args: Any,
        config: DedupConfig,
        no_boilerplate: bool,
        lexicon: str | None,
        protect: str | None,
        **kwargs: Any,
    ) -> Any:
        boilerplate = replace(config.boilerplate, lexicon_file=lexicon, protect_file=protect)
        config = replace(config, boilerplate=boilerplate, find_boilerplate=not no_boilerplate)
        return func(*args, config=config, **kwargs)

    return wrapper  # type: ignore[return-value]


def jobs_option(func: F) -> F:
    """--jobs N: worker processes (0 = every core); results never depend on it."""
    return click.option(
        "--jobs",
        type=int,
        default=0,
        show_default=True,
        help="Worker processes for signatures; 0 uses every core. Output is identical for any N.",
    )(func)


def output_options(func: F) -> F:
    """--format and -o/--output."""
    func = click.option(
        "-o", "--output", default=None, help="Write the output to this file (atomically)."
    )(func)
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(["text", "json"]),
        default="text",
        show_default=True,
        help="text for people, json for the dedup.report/1 contract.",
    )(func)


def _read(paths: Sequence[str], text_field: str, id_field: str | None, strict: bool) -> list[Document]:
    reader = DocumentReader(text_field=text_field, id_field=id_field, strict=strict)
    try:
        docs = list(reader.read(paths))
    except DedupError as ex:
        raise CLIInputError(str(ex)) from ex
    for skipped in reader.skipped:
        click.echo(f"skipped {skipped.source}: {skipped.reason}", err=True)
    return docs


def _emit(
    report: Report, fmt: str, output: str | None, docs: Sequence[Document] = ()
) -> None:
    if fmt == "json":
        text = json.dumps(report.to_dict(), ensure_ascii=False, indent=1) + "\n"
    else:
        text = render_text(report, texts={d.id: d.text for d in docs}) + "\n"
    if output:
        write_atomic(output, text)
    else:
        click.echo(text, nl=False)


@cli.command()
@click.argument("a", type=click.Path(dir_okay=False, allow_dash=False))
@click.argument("b", type=click.Path(dir_okay=False, allow_dash=False))
@input_options
@config_options
@boilerplate_options
@output_options
def compare(
    a: str,
    b: str,
    text_field: str,
    id_field: str | None,
    strict: bool,
    config: DedupConfig,
    site_field: str | None,
    fmt: str,
    output: str | None,
) -> None:
    """Show the passages two documents share, side by side, with exact spans.

    A and B are text files (one document each) or JSONL files holding one record each.

    Example:

    \b
        dedup compare samples/000_4ff9758f249b83b0.txt samples/004_35cd667b6f9468cb.txt
    """
    docs = _read([a, b], text_field, id_field, strict)
    if len(docs) != 2:
        msg = f"compare takes exactly two documents, got {len(docs)}; use `dedup scan` for a corpus"
        raise CLIInputError(msg)
    try:
        report = api_compare(docs[0], docs[1], config, site_field=site_field)
    except DedupError as ex:
        raise CLIInputError(str(ex)) from ex
    _emit(report, fmt, output, docs)


@cli.command()
@click.argument("paths", nargs=-1, required=True)
@input_options
@config_options
@boilerplate_options
@jobs_option
@output_options
def scan(
    paths: tuple[str, ...],
    text_field: str,
    id_field: str | None,
    strict: bool,
    config: DedupConfig,
    site_field: str | None,
    jobs: int,
    fmt: str,
    output: str | None,
) -> None:
    """Find the passages shared by any two documents of a corpus.

    PATHS are text files, directories (every .txt/.md/.jsonl file under them) or JSONL
    files; `-` reads JSONL from standard input.

    Example:

    \b
        dedup scan samples/ --format json -o report.json
    """
    docs = _read(paths, text_field, id_field, strict)
    try:
        report = api_scan(docs, config, jobs=resolve_jobs(jobs), site_field=site_field)
    except DedupError as ex:
        raise CLIInputError(str(ex)) from ex
    _emit(report, fmt, output, docs)


@cli.command()
@click.argument("paths", nargs=-1, required=True)
@click.option(
    "-o", "--output", "out", required=True, help="Output directory (not an input, not inside one)."
)
@input_options
@config_options
def clean(
    paths: tuple[str, ...],
    out: str,
    text_field: str,
    id_field: str | None,
    strict: bool,
    config: DedupConfig,
) -> None:
    """Write the corpus without its boilerplate lines and near-duplicate copies.

    Text files keep their relative names under OUT; JSONL files keep their names and every
    other field. OUT/removed.jsonl records each removed line with its rule and evidence;
    OUT/rejects.jsonl each document not written, with the reason. Inputs are never modified.

    Example:

    \b
        dedup clean samples/ -o cleaned/
    """
    try:
        result = api_clean(
            paths, out, config, text_field=text_field, id_field=id_field, strict=strict
        )
    except DedupError as ex:
        raise CLIInputError(str(ex)) from ex
    s = result.summary()
    click.echo(
        f"read {s['read']} documents: wrote {s['written']}, rejected {s['rejected']} "
        f"({s['near_duplicates']} near-duplicates, {s['unreadable']} unreadable); "
        f"removed {s['removed_lines']} boilerplate lines ({s['removed_chars']} chars) -> {out}",
        err=True,
    )
