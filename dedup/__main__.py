"""`python -m dedup` runs the CLI."""

from dedup.cli import cli

cli()
