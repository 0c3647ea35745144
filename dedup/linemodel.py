"""The boilerplate line model: logistic regression over line features, decoded block by block.

A line's features (`dedup.linefeatures`) go through a logistic regression fitted on real
labelled pages (extractor output against human-verified article bodies; see
`benchmarks/webpages/`). Its probabilities are then decoded over the whole document with a
two-state hidden Markov model (content / boilerplate) whose transition probabilities were
counted on the same pages: forward-backward gives each line the posterior probability of
being boilerplate given every line of the document. Boilerplate comes in blocks, so a run of
headline-shaped lines at the tail goes out together, while one short line inside the
article, surrounded by prose, stays.

Everything here is plain numpy over a few dozen numbers shipped as JSON
(`dedup/data/boilerplate_model.json`): no training library is needed to use the model, and
`fit` (Newton's method on the L2-regularised log-likelihood) retrains it on a user's crawl.
Each decision can be explained: `explain` lists the features that pushed the line's score
up the most (weight x standardized value).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from itertools import pairwise
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from dedup.errors import ConfigError

SCHEMA = "dedup.boilerplate-model/1"
Matrix = npt.NDArray[np.float64]


@dataclass(frozen=True)
class LineModel:
    """A fitted line model: standardization, weights, decode transitions, threshold.

    Attributes:
        features: feature names, in column order (must match `linefeatures.FEATURES`).
        mean: per-feature mean of the training matrix.
        scale: per-feature standard deviation (1 where a feature was constant).
        weights: logistic regression weights over standardized features.
        bias: the intercept.
        prior: share of boilerplate lines in training (to turn posteriors into likelihoods).
        stay: P(next line has the same label), for content and for boilerplate lines.
        start: P(first line is boilerplate).
        threshold: posterior at or above which a line is reported.
        meta: how the model was trained (data, split, counts, scores), for the record.
    """

    features: tuple[str, ...]
    mean: Matrix
    scale: Matrix
    weights: Matrix
    bias: float
    prior: float
    stay: tuple[float, float]
    start: float
    threshold: float
    meta: dict[str, Any]

    def probabilities(self, x: Matrix) -> Matrix:
        """P(boilerplate) of each line from its features alone (no neighbours' labels).

        Example:
            >>> m = LineModel.toy()
            >>> m.probabilities(np.array([[0.0], [3.0]])).round(3).tolist()
            [0.017, 0.983]
        """
        z = (x - self.mean) / self.scale
        return _sigmoid(z @ self.weights + self.bias)

    def posteriors(self, x: Matrix) -> Matrix:
        """P(boilerplate) of each line given every line of the document (forward-backward).

        Example:
            >>> m = LineModel.toy()
            >>> m.posteriors(np.array([[0.0], [0.0], [3.0], [2.0]])).round(2).tolist()
            [0.0, 0.04, 0.98, 0.97]
        """
        if not len(x):
            return np.zeros(0)
        return decode(self.probabilities(x), self.prior, self.stay, self.start)

    def contributions(self, x: Matrix) -> Matrix:
        """Each feature's share of each line's score: weight x standardized value."""
        return ((x - self.mean) / self.scale) * self.weights

    def explain(self, row: Matrix, top: int = 3) -> list[str]:
        """The names of the features that pushed one line's score up the most.

        Example:
            >>> LineModel.toy().explain(np.array([3.0]))
            ['shape']
        """
        share = self.contributions(row[None, :])[0]
        order = np.argsort(-share, kind="stable")
        return [self.features[j] for j in order[:top] if share[j] > 0]

    def to_dict(self) -> dict[str, Any]:
        """The JSON form shipped in the package and written by `dedup boilerplate train`."""
        return {
            "schema": SCHEMA,
            "features": list(self.features),
            "mean": _floats(self.mean),
            "scale": _floats(self.scale),
            "weights": _floats(self.weights),
            "bias": round(self.bias, 6),
            "prior": round(self.prior, 6),
            "stay": [round(s, 6) for s in self.stay],
            "start": round(self.start, 6),
            "threshold": self.threshold,
            "meta": self.meta,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LineModel:
        """Read the JSON form back (`to_dict`)."""
        if data.get("schema") != SCHEMA:
            msg = f"not a {SCHEMA} model (schema {data.get('schema')!r})"
            raise ConfigError(msg)
        stay = data["stay"]
        return cls(
            tuple(data["features"]),
            np.array(data["mean"], dtype=np.float64),
            np.array(data["scale"], dtype=np.float64),
            np.array(data["weights"], dtype=np.float64),
            float(data["bias"]),
            float(data["prior"]),
            (float(stay[0]), float(stay[1])),
            float(data["start"]),
            float(data["threshold"]),
            dict(data.get("meta", {})),
        )

    @classmethod
    def toy(cls) -> LineModel:
        """A one-feature model for examples and tests."""
        one = np.ones(1)
        return cls(("shape",), one * 1.5, one, one * 2.7, 0.0, 0.3, (0.9, 0.8), 0.2, 0.5, {})


def _floats(values: Matrix) -> list[float]:
    return [round(float(v), 6) for v in values]


def _sigmoid(z: Matrix) -> Matrix:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -35.0, 35.0)))


def decode(p: Matrix, prior: float, stay: tuple[float, float], start: float) -> Matrix:
    """Posterior P(boilerplate) per line: forward-backward over two states.

    `p` are per-line classifier probabilities; dividing by the training prior turns them
    into scaled likelihoods (the hybrid HMM trick), so the decode adds only what the
    neighbours' evidence and the block structure say.

    Example:
        >>> decode(np.array([0.1, 0.9, 0.6, 0.9]), 0.3, (0.9, 0.8), 0.2).round(2).tolist()
        [0.33, 0.95, 0.97, 0.98]
    """
    n = len(p)
    like = np.empty((n, 2))
    like[:, 0] = (1.0 - p) / (1.0 - prior)
    like[:, 1] = p / prior
    like = np.maximum(like, 1e-12)
    trans = np.array([[stay[0], 1.0 - stay[0]], [1.0 - stay[1], stay[1]]])
    fwd = np.empty((n, 2))
    bwd = np.empty((n, 2))
    f = np.array([1.0 - start, start]) * like[0]
    fwd[0] = f / f.sum()
    for t in range(1, n):
        f = (fwd[t - 1] @ trans) * like[t]
        fwd[t] = f / f.sum()
    bwd[-1] = 1.0
    for t in range(n - 2, -1, -1):
        b = trans @ (like[t + 1] * bwd[t + 1])
        bwd[t] = b / b.sum()
    post = fwd * bwd
    out: Matrix = post[:, 1] / post.sum(axis=1)
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


def fit(
    x: Matrix,
    y: npt.NDArray[np.bool_],
    features: tuple[str, ...],
    *,
    l2: float = 1.0,
    iterations: int = 50,
) -> tuple[Matrix, Matrix, Matrix, float]:
    """Logistic regression by Newton's method (IRLS) on standardized features.

    Args:
        x: `(lines, features)` training matrix.
        y: True for boilerplate lines.
        features: the column names (only their count is checked here).
        l2: ridge penalty on the weights (not the intercept).
        iterations: most Newton steps (it stops when the step is tiny).

    Returns:
        mean, scale, weights, bias.

    Example:
        >>> x = np.array([[0.0], [1.0], [2.0], [3.0]])
        >>> _, _, w, b = fit(x, np.array([False, False, True, True]), ("f",))
        >>> bool(w[0] > 0)
        True
    """
    if x.shape[1] != len(features):
        msg = f"{x.shape[1]} feature columns for {len(features)} feature names"
        raise ValueError(msg)
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale == 0] = 1.0
    z = np.hstack([(x - mean) / scale, np.ones((len(x), 1))])
    target = y.astype(np.float64)
    beta = np.zeros(z.shape[1])
    penalty = np.full(z.shape[1], l2)
    penalty[-1] = 0.0
    for _ in range(iterations):
        p = _sigmoid(z @ beta)
        grad = z.T @ (p - target) + penalty * beta
        hess = (z * (p * (1 - p))[:, None]).T @ z + np.diag(penalty + 1e-9)
        step = np.linalg.solve(hess, grad)
        beta -= step
        if float(np.abs(step).max()) < 1e-7:
            break
    return mean, scale, beta[:-1], float(beta[-1])


def transitions(labels: list[list[bool]]) -> tuple[tuple[float, float], float, float]:
    """(stay content, stay boilerplate), P(first line is boilerplate), boilerplate share.

    Counted over labelled documents (lines in order), with add-one smoothing.

    Example:
        >>> transitions([[False, False, True, True], [True, False]])
        ((0.5, 0.5), 0.5, 0.5)
    """
    counts = np.ones((2, 2))
    first = np.ones(2)
    total = np.zeros(2)
    for doc in labels:
        if not doc:
            continue
        first[int(doc[0])] += 1
        for a, b in pairwise(doc):
            counts[int(a), int(b)] += 1
        total[1] += sum(doc)
        total[0] += len(doc) - sum(doc)
    stay = (float(counts[0, 0] / counts[0].sum()), float(counts[1, 1] / counts[1].sum()))
    share = float(total[1] / max(1.0, total.sum()))
    return (round(stay[0], 6), round(stay[1], 6)), round(float(first[1] / first.sum()), 6), share


def logit(p: float) -> float:
    """log(p / (1 - p)), clipped away from 0 and 1."""
    p = min(max(p, 1e-9), 1 - 1e-9)
    return math.log(p / (1 - p))
