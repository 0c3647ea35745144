"""The boilerplate line model: an additive logistic model over line features, decoded by block.

A line's features (`dedup.linefeatures`: shape, words, position, neighbours, and the
hand-written rules as evidence) go through a logistic additive model fitted on real
labelled pages (extractor output against human-verified article bodies; see
`benchmarks/webpages/`). Each feature contributes a linear part plus a step function over
its quantile bins, so the model stays a sum of per-feature parts that can be shown.

Decisions are taken by block, not line by line: a line goes when its probability reaches
`threshold`, and the tail block (from the last line inward, while lines reach the lower
`tail_threshold`) goes as one. A run of related-headline lines at the tail leaves together;
a short line between two prose paragraphs needs the full threshold. (A two-state HMM
decode was measured too and removed more article lines at every recall: see
benchmarks/boilerplate_real.py's note in README.)

Everything here is plain numpy over a few hundred numbers shipped as JSON
(`dedup/data/boilerplate_model.json`): no training library is needed to use or to retrain
it (`fit`: Newton's method on the L2-penalized log-likelihood). `explain` names the
features that pushed a line's score up the most, above their average part in training.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from dedup.errors import ConfigError

SCHEMA = "dedup.boilerplate-model/1"
Matrix = npt.NDArray[np.float64]


@dataclass(frozen=True)
class LineModel:
    """A fitted line model: per-feature shape functions, their sum, and the block thresholds.

    The score of a line is `bias + sum_j f_j(x_j)`, a logistic additive model: each feature
    contributes a straight line (`weights`) plus a step function over its quantile bins
    (`edges`, `steps`), so "very short" and "very long" can both count against prose
    without a hand-set cut. Each f_j is one feature's part in a decision, which is what
    `explain` reports.

    Attributes:
        features: feature names, in column order (must match `linefeatures.FEATURES`).
        mean: per-feature mean of the training matrix.
        scale: per-feature standard deviation (1 where a feature was constant).
        weights: the linear part, over standardized features.
        edges: per feature, its bin edges (empty for a binary feature).
        steps: per feature, one weight per bin (`len(edges) + 1`; empty for a binary one).
        baseline: per feature, its mean contribution in training (explanations are
            contributions above it).
        bias: the intercept.
        threshold: probability at or above which a line is reported anywhere.
        tail_threshold: lower probability that lets a line go with the block at the tail:
            the tail block grows from the last line inward while lines reach it.
        meta: how the model was trained (data, split, counts, scores), for the record.
    """

    features: tuple[str, ...]
    mean: Matrix
    scale: Matrix
    weights: Matrix
    edges: tuple[Matrix, ...]
    steps: tuple[Matrix, ...]
    baseline: Matrix
    bias: float
    threshold: float
    tail_threshold: float
    meta: dict[str, Any]

    def contributions(self, x: Matrix) -> Matrix:
        """Each feature's part of each line's score (before the baseline is taken off)."""
        out = ((x - self.mean) / self.scale) * self.weights
        for j, (edges, steps) in enumerate(zip(self.edges, self.steps, strict=True)):
            if len(edges):
                out[:, j] += steps[np.searchsorted(edges, x[:, j], side="right")]
        return out

    def probabilities(self, x: Matrix) -> Matrix:
        """P(boilerplate) of each line of a document's feature matrix.

        Example:
            >>> LineModel.toy().probabilities(np.array([[0.0], [3.0]])).round(3).tolist()
            [0.017, 0.983]
        """
        if not len(x):
            return np.zeros(0)
        return _sigmoid(self.contributions(x).sum(axis=1) + self.bias)

    def decide(
        self, p: Matrix, prose: npt.NDArray[np.bool_] | None = None
    ) -> npt.NDArray[np.bool_]:
        """Which lines go: those at or above `threshold`, and the tail block.

        The tail block is decoded as one: from the last line inward, every line at or above
        `tail_threshold` goes with it, so a run of headline-shaped lines at the tail leaves
        together while a short line between prose paragraphs needs the full threshold. A
        line that reads as prose (`prose`) never rides along: it needs the full threshold
        wherever it stands.

        Example:
            >>> LineModel.toy().decide(np.array([0.1, 0.95, 0.2, 0.6, 0.7])).tolist()
            [False, True, False, True, True]
        """
        out: npt.NDArray[np.bool_] = p >= self.threshold
        i = len(p) - 1
        while i >= 0 and (out[i] or (p[i] >= self.tail_threshold and not _at(prose, i))):
            out[i] = True
            i -= 1
        return out

    def explain(self, row: Matrix, top: int = 3) -> list[str]:
        """The names of the features that pushed one line's score up the most.

        Example:
            >>> LineModel.toy().explain(np.array([3.0]))
            ['shape']
        """
        share = self.contributions(row[None, :])[0] - self.baseline
        order = np.argsort(-share, kind="stable")
        return [self.features[j] for j in order[:top] if share[j] > 0]

    def with_thresholds(self, threshold: float, tail_threshold: float) -> LineModel:
        """The same model deciding at other thresholds."""
        return replace(self, threshold=threshold, tail_threshold=tail_threshold)

    def to_dict(self) -> dict[str, Any]:
        """The JSON form shipped in the package and written by `dedup boilerplate train`."""
        return {
            "schema": SCHEMA,
            "features": list(self.features),
            "mean": _floats(self.mean),
            "scale": _floats(self.scale),
            "weights": _floats(self.weights),
            "edges": [_floats(e) for e in self.edges],
            "steps": [_floats(s) for s in self.steps],
            "baseline": _floats(self.baseline),
            "bias": round(self.bias, 6),
            "threshold": self.threshold,
            "tail_threshold": self.tail_threshold,
            "meta": self.meta,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LineModel:
        """Read the JSON form back (`to_dict`)."""
        if data.get("schema") != SCHEMA:
            msg = f"not a {SCHEMA} model (schema {data.get('schema')!r})"
            raise ConfigError(msg)

        def arr(values: Any) -> Matrix:
            return np.array(values, dtype=np.float64)

        return cls(
            tuple(data["features"]),
            arr(data["mean"]),
            arr(data["scale"]),
            arr(data["weights"]),
            tuple(arr(e) for e in data["edges"]),
            tuple(arr(s) for s in data["steps"]),
            arr(data["baseline"]),
            float(data["bias"]),
            float(data["threshold"]),
            float(data["tail_threshold"]),
            dict(data.get("meta", {})),
        )

    @classmethod
    def toy(cls) -> LineModel:
        """A one-feature model for examples and tests."""
        one = np.ones(1)
        empty = np.zeros(0)
        return cls(
            ("shape",), one * 1.5, one, one * 2.7, (empty,), (empty,), one * 0.0, 0.0, 0.9,
            0.5, {},
        )  # fmt: skip


def _at(flags: npt.NDArray[np.bool_] | None, i: int) -> bool:
    return bool(flags is not None and flags[i])


def _floats(values: Matrix) -> list[float]:
    return [round(float(v), 6) for v in values]


def _sigmoid(z: Matrix) -> Matrix:
    out: Matrix = 1.0 / (1.0 + np.exp(-np.clip(z, -35.0, 35.0)))
    return out


@lru_cache(maxsize=8)
def load_model(path: str | None = None) -> LineModel:
    """The model in `path` (from `dedup boilerplate train`), or the one shipped in the package.

    Raises:
        ConfigError: the file cannot be read or is not a model.
    """
    try:
        if path is None:
            text = resources.files("dedup").joinpath("data/boilerplate_model.json").read_text()
        else:
            text = Path(path).read_text(encoding="utf-8")
        return LineModel.from_dict(json.loads(text))
    except (OSError, ValueError, KeyError, TypeError) as ex:
        where = path or "the built-in model"
        msg = (
            f"{where}: not a readable boilerplate model ({ex}); "
            "train one with `dedup boilerplate train LABELLED.jsonl -o MODEL`"
        )
        raise ConfigError(msg) from ex


BINS = 10  # quantile bins per non-binary feature


def fit(
    x: Matrix,
    y: npt.NDArray[np.bool_],
    features: tuple[str, ...],
    *,
    l2: float = 3.0,
    iterations: int = 30,
    meta: dict[str, Any] | None = None,
) -> LineModel:
    """Fit the additive model by Newton's method (IRLS) on the L2-penalized log-likelihood.

    Args:
        x: `(lines, features)` training matrix.
        y: True for boilerplate lines.
        features: the column names.
        l2: ridge penalty on every weight but the intercept.
        iterations: most Newton steps (it stops when the step is tiny).
        meta: stored with the model.

    Returns:
        The model, deciding at 0.5 until thresholds are chosen (`with_thresholds`).

    Example:
        >>> x = np.array([[0.0], [1.0], [2.0], [3.0]] * 5)
        >>> m = fit(x, np.array([False, False, True, True] * 5), ("f",))
        >>> m.probabilities(np.array([[0.0], [3.0]])).round(1).tolist()
        [0.2, 0.8]
    """
    if x.shape[1] != len(features):
        msg = f"{x.shape[1]} feature columns for {len(features)} feature names"
        raise ValueError(msg)
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale < 1e-6] = 1.0  # constant, or nearly: kept as 1 so JSON rounding cannot zero it
    edges = tuple(_edges(x[:, j]) for j in range(x.shape[1]))
    design = _design(x, mean, scale, edges)
    beta = _irls(design, y.astype(np.float64), l2, iterations)
    weights, at = beta[: x.shape[1]], x.shape[1]
    steps = []
    for e in edges:
        size = len(e) + 1 if len(e) else 0
        steps.append(beta[at : at + size])
        at += size
    model = LineModel(
        features, mean, scale, weights, edges, tuple(steps), np.zeros(len(features)),
        float(beta[-1]), 0.5, 0.5, dict(meta or {}),
    )  # fmt: skip
    return replace(model, baseline=model.contributions(x).mean(axis=0))


def _edges(column: Matrix) -> Matrix:
    """Quantile bin edges of a feature; none for a binary (or constant) one."""
    if len(np.unique(column[:200_000])) <= 2:
        return np.zeros(0)
    return np.unique(np.quantile(column, np.linspace(0.05, 0.95, BINS)))


def _design(x: Matrix, mean: Matrix, scale: Matrix, edges: tuple[Matrix, ...]) -> Matrix:
    """Standardized features, one-hot bins of each non-binary feature, and the intercept."""
    cols = [(x - mean) / scale]
    for j, e in enumerate(edges):
        if len(e):
            onehot = np.zeros((len(x), len(e) + 1))
            onehot[np.arange(len(x)), np.searchsorted(e, x[:, j], side="right")] = 1.0
            cols.append(onehot)
    cols.append(np.ones((len(x), 1)))
    return np.hstack(cols)


def _irls(z: Matrix, target: Matrix, l2: float, iterations: int) -> Matrix:
    beta = np.zeros(z.shape[1])
    penalty = np.full(z.shape[1], l2)
    penalty[-1] = 0.0
    for _ in range(iterations):
        p = _sigmoid(z @ beta)
        grad = z.T @ (p - target) + penalty * beta
        hess = (z * (p * (1 - p))[:, None]).T @ z + np.diag(penalty + 1e-6)
        step = np.linalg.solve(hess, grad)
        beta -= step
        if float(np.abs(step).max()) < 1e-6:
            break
    return beta
