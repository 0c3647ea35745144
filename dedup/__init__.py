"""dedup: find reused passages, near-duplicate documents and boilerplate, and say why.

Stages, in pipeline order:

    io.readers -> normalize -> shingle -> signature -> lsh -> verify -> cluster
    -> prepare -> candidates -> align -> passages
    -> boilerplate (lines: linefeatures, linemodel; rules described in rulebook)
    -> report -> render / io.writers

Around them: store (the persistent index), check (the CI data check), clean (write a corpus
without what was found), api (`compare`, `scan`) and cli. Start with `compare` or `scan`.
"""

from importlib.metadata import PackageNotFoundError, version

from dedup.api import compare, scan
from dedup.boilerplate import detect_boilerplate
from dedup.check import CheckResult, Limits, check
from dedup.clean import CleanResult, apply_report, clean
from dedup.cluster import find_duplicates
from dedup.config import (
    BoilerplateConfig,
    DedupConfig,
    NormalizeConfig,
    PassageConfig,
    ShingleConfig,
)
from dedup.document import Document
from dedup.errors import ConfigError, DedupError, InputError
from dedup.io.readers import DocumentReader, read_documents
from dedup.passages import find_passages
from dedup.report import (
    BoilerplateLine,
    DocumentPair,
    DuplicateCluster,
    PassageMatch,
    Report,
    Span,
)
from dedup.store import Index
from dedup.verify import document_jaccard

try:
    __version__ = version("dedup")
except PackageNotFoundError:  # running from a source tree without installing
    __version__ = "0.0.0"

__all__ = [
    "BoilerplateConfig",
    "BoilerplateLine",
    "CheckResult",
    "CleanResult",
    "ConfigError",
    "DedupConfig",
    "DedupError",
    "Document",
    "DocumentPair",
    "DocumentReader",
    "DuplicateCluster",
    "Index",
    "InputError",
    "Limits",
    "NormalizeConfig",
    "PassageConfig",
    "PassageMatch",
    "Report",
    "ShingleConfig",
    "Span",
    "apply_report",
    "check",
    "clean",
    "compare",
    "detect_boilerplate",
    "document_jaccard",
    "find_duplicates",
    "find_passages",
    "read_documents",
    "scan",
]
