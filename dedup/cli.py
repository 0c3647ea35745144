"""The `dedup` command line: a thin click layer, one API call per command.

Exit codes: 0 success, 1 the data failed a check, 2 usage or input error.
"""

from __future__ import annotations

import json
import os
import time
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
from dedup.passages import peak_memory
from dedup.progress import activity, progress_enabled, track
from dedup.render import render_text
from dedup.report import Report, json_text
from dedup.summary import clean_summary, scan_summary

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
        "--id-field",
        default=None,
        help="Field/column with the document id [default: path:LINE, path:ROW for CSV/Parquet].",
    )(func)
    return click.option(
        "--text-field", default="text", show_default=True, help="Field/column with the text."
    )(func)


def quiet_option(func: F) -> F:
    """-q/--quiet: no progress line, no skipped-record lines, no summary table on stderr."""
    return click.option(
        "-q", "--quiet", is_flag=True, help="No progress, skipped-record lines or summary."
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
    @click.option(
        "--date-field", default=None, help="Metadata field with an ISO date (--keep newest)."
    )
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


def _read(
    paths: Sequence[str], text_field: str, id_field: str | None, strict: bool
) -> list[Document]:
    return _read_counted(paths, text_field, id_field, strict)[0]


def _read_counted(
    paths: Sequence[str],
    text_field: str,
    id_field: str | None,
    strict: bool,
    *,
    quiet: bool = False,
) -> tuple[list[Document], int]:
    """The documents of `paths` and the number of bad records skipped."""
    reader = DocumentReader(text_field=text_field, id_field=id_field, strict=strict)
    try:
        docs = list(track(reader.read(paths), "reading", enabled=progress_enabled(quiet=quiet)))
    except DedupError as ex:
        raise CLIInputError(str(ex)) from ex
    if not quiet:
        for skipped in reader.skipped:
            click.echo(f"skipped {skipped.source}: {skipped.reason}", err=True)
    return docs, len(reader.skipped)


def _total_memory() -> int | None:
    """Physical memory of this machine in bytes, when the OS says."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, OSError, ValueError):
        return None


def _warn_if_too_big(docs: Sequence[Document], config: DedupConfig) -> None:
    """One line on stderr before a passage scan that would take over half the memory."""
    total = _total_memory()
    need = peak_memory(docs) if config.passages else 0
    if total and need > total // 2:
        click.echo(
            f"warning: finding passages in {len(docs):,} documents needs about "
            f"{need / 2**30:.1f} GB of memory ({total / 2**30:.1f} GB here); --no-passages "
            "finds near-duplicates and boilerplate only, or scan the corpus in shards",
            err=True,
        )


def _emit(
    report: Report, fmt: str, output: str | None, docs: Sequence[Document] = ()
) -> None:
    if fmt == "json":
        text = json_text(report.to_dict())
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
@quiet_option
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
    quiet: bool,
) -> None:
    """Find the passages shared by any two documents of a corpus.

    PATHS are text files, directories (every .txt/.md/.jsonl file under them) or JSONL
    files; `-` reads JSONL from standard input.

    Example:

    \b
        dedup scan samples/ --format json -o report.json
    """
    start = time.monotonic()
    docs, skipped = _read_counted(paths, text_field, id_field, strict, quiet=quiet)
    _warn_if_too_big(docs, config)
    try:
        with activity(f"scanning {len(docs):,} documents", enabled=progress_enabled(quiet=quiet)):
            report = api_scan(docs, config, jobs=resolve_jobs(jobs), site_field=site_field)
    except DedupError as ex:
        raise CLIInputError(str(ex)) from ex
    _emit(report, fmt, output, docs)
    if not quiet:
        summary = scan_summary(report.summary(), skipped, time.monotonic() - start)
        click.echo(summary.render(), err=True)


@cli.command()
@click.argument("paths", nargs=-1, required=True)
@click.option(
    "-o", "--output", "out", required=True, help="Output directory (not an input, not inside one)."
)
@click.option(
    "--report",
    "report_path",
    type=click.Path(exists=True, dir_okay=False),
    default=None,
    help="Apply this JSON report (`dedup scan` of the same input) instead of scanning.",
)
@input_options
@config_options
@boilerplate_options
@jobs_option
@quiet_option
def clean(
    paths: tuple[str, ...],
    out: str,
    report_path: str | None,
    text_field: str,
    id_field: str | None,
    strict: bool,
    config: DedupConfig,
    site_field: str | None,
    jobs: int,
    quiet: bool,
) -> None:
    """Write the corpus without its boilerplate lines and near-duplicate copies.

    Text files keep their relative names under OUT; JSONL files keep their names and every
    other field. OUT/removed.jsonl records each removed line with its rule and evidence;
    OUT/rejects.jsonl each document not written, with the reason. Inputs are never modified.

    Example:

    \b
        dedup clean samples/ -o cleaned/
    """
    start = time.monotonic()
    report = _load_report(report_path) if report_path else None
    try:
        with activity("cleaning", enabled=progress_enabled(quiet=quiet)):
            result = api_clean(
                paths,
                out,
                config,
                text_field=text_field,
                id_field=id_field,
                strict=strict,
                jobs=resolve_jobs(jobs),
                site_field=site_field,
                report=report,
            )
    except DedupError as ex:
        raise CLIInputError(str(ex)) from ex
    s = result.summary()
    if not quiet:
        click.echo(clean_summary(s, time.monotonic() - start).render(), err=True)
        click.echo(
            f"read {s['read']} documents: wrote {s['written']}, rejected {s['rejected']} "
            f"({s['near_duplicates']} near-duplicates, {s['unreadable']} unreadable); "
            f"removed {s['removed_lines']} boilerplate lines ({s['removed_chars']} chars) "
            f"-> {out}",
            err=True,
        )


def _load_report(path: str) -> Report:
    try:
        with open(path, encoding="utf-8") as fh:
            return Report.from_dict(json.load(fh))
    except (OSError, ValueError, KeyError, TypeError) as ex:
        msg = (
            f"{path}: not a readable dedup JSON report ({ex}); "
            "write one with `dedup scan --format json -o FILE`"
        )
        raise CLIInputError(msg) from ex


# --------------------------------------------------------------------- check and index


_CONFIG_SETTINGS = {"threshold": "threshold", "num-perm": "num_perm", "seed": "seed"}


def _project_settings(
    ctx: click.Context, config: DedupConfig, text_field: str, id_field: str | None
) -> tuple[dict[str, Any], DedupConfig, str, str | None]:
    """Apply `[tool.dedup]` of the nearest pyproject.toml where no CLI option was given."""
    from dataclasses import replace

    from dedup.check import find_settings

    try:
        values = dict(find_settings().values)
        given = {
            name
            for name in ctx.params
            if ctx.get_parameter_source(name) is not click.core.ParameterSource.DEFAULT
        }
        changes: dict[str, Any] = {
            field: values[key]
            for key, field in _CONFIG_SETTINGS.items()
            if key in values and field not in given
        }
        if "no-passages" in values and "no_passages" not in given:
            changes["passages"] = not values["no-passages"]
        config = replace(config, **changes) if changes else config
    except (DedupError, TypeError) as ex:
        raise CLIInputError(str(ex)) from ex
    if "text_field" not in given and "text-field" in values:
        text_field = str(values["text-field"])
    if "id_field" not in given and "id-field" in values:
        id_field = str(values["id-field"])
    values = {k: v for k, v in values.items() if k.replace("-", "_") not in given}
    return values, config, text_field, id_field


@cli.command()
@click.argument("paths", nargs=-1, required=True)
@input_options
@config_options
@click.option(
    "--max-duplicate-ratio",
    type=float,
    default=None,
    help="Most documents that near-duplicate another (or an indexed one), 0-1 [default: 0].",
)
@click.option(
    "--max-boilerplate-ratio",
    type=float,
    default=None,
    help="Most characters in boilerplate, 0-1 [default: 1, off].",
)
@click.option(
    "--max-reused-ratio",
    type=float,
    default=None,
    help="Most characters in passages reused from other documents or the index [default: 1, off].",
)
@click.option(
    "--against",
    "--index",
    "against",
    default=None,
    help="Also check against an index: a file from `dedup index build` or a postgresql:// URL.",
)
@click.option("--baseline", default=None, help="Accepted findings (from --write-baseline).")
@click.option(
    "--write-baseline",
    default=None,
    help="Write every finding to this file as accepted, and exit 0.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "github", "junit"]),
    default=None,
    help="text, json (report + check), github (workflow commands), junit (XML) [default: text].",
)
@click.option("-o", "--output", default=None, help="Write the output to this file (atomically).")
@jobs_option
@click.pass_context
def check(
    ctx: click.Context,
    paths: tuple[str, ...],
    text_field: str,
    id_field: str | None,
    strict: bool,
    config: DedupConfig,
    max_duplicate_ratio: float | None,
    max_boilerplate_ratio: float | None,
    max_reused_ratio: float | None,
    against: str | None,
    baseline: str | None,
    write_baseline: str | None,
    fmt: str | None,
    output: str | None,
    jobs: int,
) -> None:
    """Fail (exit 1) when the data breaks a limit on duplicates, boilerplate or reuse.

    Settings come from [tool.dedup] in the nearest pyproject.toml, overridden by options.
    Exit codes: 0 every limit holds, 1 a limit failed, 2 usage or input error.

    Example:

    \b
        dedup check data/ --max-reused-ratio 0.05 --format github
        dedup check eval.jsonl --against train.idx --max-reused-ratio 0
    """
    from dedup.check import Limits, baseline_text, read_baseline
    from dedup.check import check as run_check
    from dedup.ci_formats import render_check
    from dedup.store import Index

    values, config, text_field, id_field = _project_settings(ctx, config, text_field, id_field)
    against = against or values.get("against")
    baseline = baseline or values.get("baseline")
    fmt = fmt or str(values.get("format", "text"))
    if fmt not in ("text", "json", "github", "junit"):
        msg = f"format must be text, json, github or junit, got {fmt!r}"
        raise CLIInputError(msg)
    docs = _read(paths, text_field, id_field, strict)
    try:
        given = {
            "max-duplicate-ratio": max_duplicate_ratio,
            "max-boilerplate-ratio": max_boilerplate_ratio,
            "max-reused-ratio": max_reused_ratio,
        }
        chosen = {k: v if v is not None else values.get(k) for k, v in given.items()}
        limits = Limits(
            **{k.replace("-", "_"): float(v) for k, v in chosen.items() if v is not None}
        )
        accepted = read_baseline(baseline) if baseline and not write_baseline else frozenset()
        _warn_if_too_big(docs, config)
        report = api_scan(docs, config, jobs=resolve_jobs(jobs))
        if not report.boilerplate:
            from dataclasses import replace

            from dedup.boilerplate import detect_boilerplate

            report = replace(report, boilerplate=tuple(detect_boilerplate(docs)))
        hits = None
        if against:
            with Index.open(str(against), config) as idx:
                hits = idx.query(docs)
        result = run_check(
            docs, report, limits, against=hits, against_location=against, baseline=accepted
        )
    except (DedupError, ValueError, TypeError) as ex:
        raise CLIInputError(str(ex)) from ex
    text = render_check(result, fmt)
    if output:
        write_atomic(output, text)
    else:
        click.echo(text, nl=False)
    if write_baseline:
        write_atomic(write_baseline, baseline_text(result))
        count = len(result.all_findings)
        click.echo(f"wrote {count} accepted findings to {write_baseline}", err=True)
        return
    ctx.exit(result.exit_code)


@cli.group()
def index() -> None:
    """A persistent index (SQLite file or postgresql:// URL) for incremental/contamination checks.

    \b
        dedup index build train/ -o train.idx
        dedup index add train.idx new.jsonl
        dedup index query train.idx eval.jsonl
        dedup check eval.jsonl --against train.idx
    """


def _index_inputs(
    ctx: click.Context,
    paths: Sequence[str],
    text_field: str,
    id_field: str | None,
    strict: bool,
    config: DedupConfig,
) -> tuple[DedupConfig, list[Document]]:
    """The settings ([tool.dedup] under the options) and the documents of an index command."""
    _, config, text_field, id_field = _project_settings(ctx, config, text_field, id_field)
    return config, _read(paths, text_field, id_field, strict)


@index.command("build")
@click.argument("paths", nargs=-1, required=True)
@click.option("-o", "--output", required=True, help="The index: a file or a postgresql:// URL.")
@input_options
@config_options
@click.pass_context
def index_build(
    ctx: click.Context,
    paths: tuple[str, ...],
    output: str,
    text_field: str,
    id_field: str | None,
    strict: bool,
    config: DedupConfig,
) -> None:
    """Build a new index of PATHS (replacing OUTPUT only once it is complete)."""
    from dedup.store import Index

    config, docs = _index_inputs(ctx, paths, text_field, id_field, strict, config)
    try:
        with Index.build(output, docs, config) as idx:
            count = len(idx)
    except DedupError as ex:
        raise CLIInputError(str(ex)) from ex
    click.echo(f"indexed {count} documents -> {output}", err=True)


@index.command("add")
@click.argument("index_location", metavar="INDEX")
@click.argument("paths", nargs=-1, required=True)
@input_options
@config_options
@click.pass_context
def index_add(
    ctx: click.Context,
    index_location: str,
    paths: tuple[str, ...],
    text_field: str,
    id_field: str | None,
    strict: bool,
    config: DedupConfig,
) -> None:
    """Add the documents of PATHS to INDEX (same id and text again: skipped)."""
    from dedup.store import Index

    config, docs = _index_inputs(ctx, paths, text_field, id_field, strict, config)
    try:
        with Index.open(index_location, config) as idx:
            added = idx.add(docs)
            count = len(idx)
    except DedupError as ex:
        raise CLIInputError(str(ex)) from ex
    click.echo(
        f"added {added.added} documents ({added.unchanged} already indexed); "
        f"{count} in {index_location}",
        err=True,
    )


@index.command("query")
@click.argument("index_location", metavar="INDEX")
@click.argument("paths", nargs=-1, required=True)
@input_options
@config_options
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@click.option("-o", "--output", default=None, help="Write the output to this file (atomically).")
@click.pass_context
def index_query(
    ctx: click.Context,
    index_location: str,
    paths: tuple[str, ...],
    text_field: str,
    id_field: str | None,
    strict: bool,
    config: DedupConfig,
    fmt: str,
    output: str | None,
) -> None:
    """Show which indexed documents PATHS near-duplicate and which indexed passages they reuse."""
    from dedup.store import Index

    config, docs = _index_inputs(ctx, paths, text_field, id_field, strict, config)
    try:
        with Index.open(index_location, config) as idx:
            hits = idx.query(docs)
    except DedupError as ex:
        raise CLIInputError(str(ex)) from ex
    if fmt == "json":
        data = {
            "index": index_location,
            "pairs": [p.to_dict() for p in hits.pairs],
            "passages": [p.to_dict() for p in hits.passages],
            "sources": dict(sorted(hits.sources.items())),
        }
        text = json_text(data)
    else:
        lines = [f"{len(hits.pairs)} near-duplicates, {len(hits.passages)} reused passages"]
        lines += [
            f"{p.b}: near-duplicate of {p.a} ({hits.sources.get(p.a, '')}), Jaccard {p.jaccard:.3f}"
            for p in hits.pairs
        ]
        lines += [
            f"{p.b.doc} [{p.b.start}:{p.b.end}) reuses {p.a.doc} [{p.a.start}:{p.a.end}): "
            f"{' '.join(p.a.text.split())[:100]!r}"
            for p in hits.passages
        ]
        text = "\n".join(lines) + "\n"
    if output:
        write_atomic(output, text)
    else:
        click.echo(text, nl=False)
