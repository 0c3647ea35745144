"""Frozen configuration objects, validated at construction and fingerprinted.

Every field is also a CLI option of the same name (with dashes). `DedupConfig.fingerprint()`
goes into every report and index, so results made with different settings are never mixed.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from dedup.errors import ConfigError


def _check_range(name: str, value: float, low: float, high: float) -> None:
    if not low <= value <= high:
        msg = f"{name} must be between {low:g} and {high:g}, got {value!r}"
        raise ConfigError(msg)


def _check_min(name: str, value: int, low: int) -> None:
    if value < low:
        msg = f"{name} must be at least {low}, got {value!r}"
        raise ConfigError(msg)


@dataclass(frozen=True, slots=True)
class NormalizeConfig:
    """What is ignored before shingling and alignment.

    Punctuation, quotes, dashes and whitespace are always folded: words are the runs of
    letters and digits, so "Pakistan’s" and "Pakistan's" give the same words.

    Attributes:
        casefold: fold case ("Office" == "office").
        nfkc: apply Unicode NFKC (ligatures, full-width forms, compatibility digits).
    """

    casefold: bool = True
    nfkc: bool = True


@dataclass(frozen=True, slots=True)
class ShingleConfig:
    """How a document is cut into shingles for document-level similarity.

    Attributes:
        unit: "word" n-grams of normalized words, or "char" n-grams of the normalized text
            (for scripts written without spaces).
        size: n, the number of units per shingle.
    """

    unit: Literal["word", "char"] = "word"
    size: int = 5

    def __post_init__(self) -> None:
        if self.unit not in ("word", "char"):
            msg = f"shingle unit must be 'word' or 'char', got {self.unit!r}"
            raise ConfigError(msg)
        _check_min("shingle size", self.size, 1)


@dataclass(frozen=True, slots=True)
class PassageConfig:
    """How reused passages are found: MinHash windows, LSH, then alignment.

    Attributes:
        ngram: word n-gram size of the window shingles.
        window: shingles per MinHash window (a window spans window + ngram - 1 words).
        stride: shingles between window starts; must divide `window`.
        num_perm: permutations of the window signatures.
        lsh_threshold: Jaccard of two windows at which LSH should propose them; low on
            purpose, because the alignment verifies every candidate.
        min_words: fewest aligned (equal) words for a passage to be reported.
        max_gap: most words of edits allowed between two aligned runs of one passage.
        min_similarity: fewest rapidfuzz ratio (0-1) of the two normalized passage texts.
    """

    ngram: int = 3
    window: int = 10
    stride: int = 5
    num_perm: int = 64
    lsh_threshold: float = 0.3
    min_words: int = 8
    max_gap: int = 4
    min_similarity: float = 0.6

    def __post_init__(self) -> None:
        _check_min("passage ngram", self.ngram, 1)
        _check_min("passage window", self.window, 1)
        _check_min("passage stride", self.stride, 1)
        if self.window % self.stride:
            msg = f"passage window ({self.window}) must be a multiple of stride ({self.stride})"
            raise ConfigError(msg)
        _check_min("passage num_perm", self.num_perm, 2)
        _check_range("lsh_threshold", self.lsh_threshold, 0.0, 1.0)
        _check_min("min_words", self.min_words, 1)
        _check_min("max_gap", self.max_gap, 0)
        _check_range("min_similarity", self.min_similarity, 0.0, 1.0)


@dataclass(frozen=True, slots=True)
class DedupConfig:
    """How documents are compared. Every field is also a CLI option.

    Attributes:
        threshold: exact Jaccard (0-1) of shingle sets at or above which two documents are
            near-duplicates.
        num_perm: MinHash permutations; more means a tighter estimate and more memory.
        seed: MinHash seed; signatures made with different seeds cannot be compared.
        shingle: how documents are cut into shingles.
        normalize: what is ignored before shingling.
        passage: how reused passages are found.
        passages: look for reused passages at all.

    Example:
        >>> DedupConfig(threshold=0.9).threshold
        0.9
    """

    threshold: float = 0.8
    num_perm: int = 128
    seed: int = 1
    shingle: ShingleConfig = field(default_factory=ShingleConfig)
    normalize: NormalizeConfig = field(default_factory=NormalizeConfig)
    passage: PassageConfig = field(default_factory=PassageConfig)
    passages: bool = True

    def __post_init__(self) -> None:
        _check_range("threshold", self.threshold, 0.0, 1.0)
        _check_min("num_perm", self.num_perm, 2)
        if not 0 <= self.seed < 2**32:
            msg = f"seed must be between 0 and 2**32 - 1, got {self.seed!r}"
            raise ConfigError(msg)

    def to_dict(self) -> dict[str, Any]:
        """The config as plain JSON-ready data (nested dicts)."""
        return asdict(self)

    def fingerprint(self) -> str:
        """A short hash of every setting that changes results; stored in reports and indexes.

        Example:
            >>> DedupConfig().fingerprint() == DedupConfig().fingerprint()
            True
        """
        blob = json.dumps(self.to_dict(), sort_keys=True).encode()
        return hashlib.sha256(blob).hexdigest()[:16]

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DedupConfig:
        """Build a config from `to_dict()` output (nested dicts become sub-configs)."""
        data = dict(data)
        subs = {"shingle": ShingleConfig, "normalize": NormalizeConfig, "passage": PassageConfig}
        for key, sub in subs.items():
            if isinstance(data.get(key), dict):
                data[key] = sub(**data[key])
        return cls(**data)
