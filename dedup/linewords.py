"""Word weights for the boilerplate model: what a line's words say, learned from real pages.

Shape alone cannot tell an author's bio or a call to action ("Book a free demo and see how
...") from the article's last paragraph: both are long sentences with a full stop. Their
words can ("demo", "free trial", "newsletter", "is the co-founder of", "log in"), and they
recur across sites, so a linear model over a line's words and word pairs, fitted on the
labelled pages of `benchmarks/webpages/`, gives the boilerplate trees one more column: the
line's word log-odds (and its neighbours', see `dedup.linefeatures`).

The weights ship inside the line model's JSON as a plain `{token: weight}` map (the tokens
that carry the most weight, pruned from a few hundred thousand); scoring is one dictionary
look-up per word and word pair, so the core install needs no learning library.

Training scores each site's lines with weights fitted on the other sites (`fit_words`
returns those out-of-fold scores): the trees must learn how far to trust the column on
sites it has never seen, which is how it is used.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

import numpy as np
import numpy.typing as npt

from dedup.errors import ConfigError

LIMIT = 8.0  # log-odds are clipped to [-LIMIT, LIMIT]: one odd word must not decide alone
FOLDS = 5
KEEP = 20_000  # tokens kept in a shipped model (by the size of their weight)
MIN_LINES = 3  # a token must appear in this many training lines to get a weight


def tokens(words: Sequence[str]) -> list[str]:
    """A line's tokens: its normalized words and each pair of neighbouring words.

    Example:
        >>> tokens(["leave", "a", "comment"])
        ['leave', 'a', 'comment', 'leave a', 'a comment']
    """
    return [*words, *map(" ".join, pairwise(words))]


@dataclass(frozen=True)
class WordWeights:
    """A linear model over a line's tokens (present or not): log-odds of boilerplate.

    Attributes:
        weights: token -> weight; a token not in the map weighs 0.
        bias: the log-odds of a line with no known token.
    """

    weights: dict[str, float]
    bias: float

    def score(self, words: Sequence[str]) -> float:
        """The log-odds one line's normalized words give, clipped to +-`LIMIT`.

        Example:
            >>> WordWeights({"comment": 2.0, "leave a": 1.0}, -1.0).score(["leave", "a", "comment"])
            2.0
        """
        return float(self.scores([words])[0])

    def scores(self, lines: Iterable[Sequence[str]]) -> npt.NDArray[np.float64]:
        """`score` of each line (its normalized words), in one loop (no call a line);
        a line's copies (furniture on every page, mirrored pages) are scored once."""
        weight, bias, out = self.weights.get, self.bias, []
        known: dict[tuple[str, ...], float] = {}
        for words in lines:
            key = tuple(words)
            score = known.get(key)
            if score is None:
                present = set(words)
                present.update(map(" ".join, pairwise(words)))  # the `tokens`, as a set
                # fsum: exactly rounded whatever the set's order (which varies between
                # processes); over the known tokens only (a weight of 0 adds nothing).
                total = bias + math.fsum(filter(None, map(weight, present)))
                score = known[key] = max(-LIMIT, min(LIMIT, total))
            out.append(score)
        return np.array(out, dtype=float)

    def top(self, words: Sequence[str], count: int = 2) -> list[str]:
        """The tokens of a line that push it furthest towards boilerplate (for evidence).

        Example:
            >>> WordWeights({"demo": 2.5, "free": 0.5}, 0.0).top(["book", "a", "free", "demo"])
            ['demo', 'free']
        """
        weighed = sorted(
            ((self.weights[t], t) for t in set(tokens(words)) if self.weights.get(t, 0.0) > 0),
            reverse=True,
        )
        return [t for _, t in weighed[:count]]

    def to_dict(self) -> dict[str, Any]:
        """The JSON form (inside the line model's file)."""
        return {
            "bias": round(self.bias, 6),
            "weights": {t: round(w, 4) for t, w in sorted(self.weights.items())},
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> WordWeights:
        """Read the JSON form back.

        Raises:
            ConfigError: the weights are not a map of token to number.
        """
        weights = data.get("weights")
        if not isinstance(weights, dict) or not all(
            isinstance(w, int | float) for w in weights.values()
        ):
            msg = "the model's word weights are not a map of token to number"
            raise ConfigError(msg)
        return cls({str(t): float(w) for t, w in weights.items()}, float(data.get("bias", 0.0)))


def fit_words(
    lines: Sequence[Sequence[str]],
    labels: npt.NDArray[np.int8],
    groups: Sequence[str],
    *,
    strength: float = 0.5,
    keep: int = KEEP,
) -> tuple[WordWeights, npt.NDArray[np.float64]]:
    """Fit word weights (logistic regression) and score every line out of fold.

    Args:
        lines: each line's normalized words.
        labels: 1 boilerplate, 0 content, -1 left out of the fit (still scored).
        groups: each line's group (its site): the lines of a group are scored by weights
            fitted on the other groups only.
        strength: inverse regularization (scikit-learn's `C`).
        keep: tokens kept in the returned weights, by absolute weight.

    Returns:
        The weights fitted on every line, and each line's out-of-fold score (clipped like
        `WordWeights.score`).

    Raises:
        ConfigError: scikit-learn is not installed.
    """
    try:
        from sklearn.feature_extraction.text import CountVectorizer
        from sklearn.linear_model import LogisticRegression
    except ImportError as ex:
        msg = "training the boilerplate model needs scikit-learn: pip install -e '.[train]'"
        raise ConfigError(msg) from ex
    vectorizer = CountVectorizer(analyzer=tokens, binary=True, min_df=MIN_LINES)
    x = vectorizer.fit_transform(lines)
    fold = np.array([zlib.crc32(g.encode()) % FOLDS for g in groups])
    labelled = labels >= 0

    def regression(rows: npt.NDArray[np.bool_]) -> Any:
        model = LogisticRegression(C=strength, max_iter=300, solver="liblinear")
        return model.fit(x[rows], labels[rows])

    def pruned(model: Any) -> npt.NDArray[np.float64]:
        """The model's weights with all but the `keep` largest set to 0 (as shipped)."""
        coef: npt.NDArray[np.float64] = model.coef_[0].copy()
        coef[np.argsort(-np.abs(coef), kind="stable")[keep:]] = 0.0
        return coef

    out_of_fold = np.zeros(len(lines))
    for k in range(FOLDS):
        train = labelled & (fold != k)
        if len(set(labels[train].tolist())) == 2:
            held = fold == k
            model = regression(train)
            out_of_fold[held] = x[held] @ pruned(model) + model.intercept_[0]
    final = regression(labelled)
    vocabulary = vectorizer.get_feature_names_out()
    coef = pruned(final)
    weights = {str(vocabulary[j]): float(coef[j]) for j in np.flatnonzero(coef)}
    return WordWeights(weights, float(final.intercept_[0])), np.clip(out_of_fold, -LIMIT, LIMIT)
