"""The boilerplate line model: boosted decision trees over line features, decoded by block.

A line's features (`dedup.linefeatures`: shape, words, position, neighbours, and the
hand-written rules as evidence) go through a small ensemble of boosted regression trees
fitted on real labelled pages (extractor output against human-verified article bodies; see
`benchmarks/webpages/`). Trees catch what a sum of per-feature parts cannot ("short AND
after the last paragraph AND title case"); on the dev split they found half again as many
boilerplate lines as an additive logistic model at the same precision and non-news loss.

Decisions are taken by block, not line by line: a line goes when its probability reaches
`threshold`, and the tail block (from the last line inward, while lines reach the lower
`tail_threshold`) goes as one, though a line that reads as prose never rides along.

The trees are shipped as plain arrays in JSON (`dedup/data/boilerplate_model.json`) and run
in numpy, all lines of a batch and all trees at once; no learning library is needed to use
the model (scikit-learn, in the `train` extra, fits it). `explain` names the features that
pushed a line's score up the most: each split on a line's path through a tree moves its
score from the node's value to the child's, and that move is credited to the split's
feature (Saabas' attribution), a close reading of why the line scored as it did.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, replace
from functools import cached_property, lru_cache
from importlib import resources
from itertools import pairwise
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from dedup.errors import ConfigError
from dedup.io.formats import json_value
from dedup.linewords import WordWeights
from dedup.report import plain_number

SCHEMA = "dedup.boilerplate-model/2"  # /2: word weights (`dedup.linewords`)
Matrix = npt.NDArray[np.float64]


@dataclass(frozen=True)
class LineModel:
    """A fitted line model: boosted trees as arrays, and the block thresholds.

    Tree t's node k splits on `feature[t, k]` at `split[t, k]` (go left when the value is
    <= split), has children `left[t, k]` and `right[t, k]` (-1 for a leaf), and `value[t, k]`
    is its score (the learning rate already applied). A line's score is `bias` plus the
    value of the leaf it reaches in every tree.

    Attributes:
        features: feature names, in column order (must match `linefeatures.FEATURES`).
        feature: `(trees, nodes)` split feature per node (0 for a leaf).
        split: `(trees, nodes)` split value per node.
        left: `(trees, nodes)` left child, -1 at a leaf (and in padding).
        right: `(trees, nodes)` right child, -1 at a leaf.
        value: `(trees, nodes)` score of each node.
        bias: the initial score (log-odds of boilerplate in training).
        depth: the deepest path (how many steps a traversal takes).
        threshold: probability at or above which a line is reported anywhere.
        tail_threshold: lower probability that lets a line go with the block at the tail.
        meta: how the model was trained (data, split, counts, scores), for the record.
        words: the word weights behind the `linefeatures.WORDS` columns (None: all 0).
        prose_tail_threshold: the probability a line that reads as prose needs to go with
            the tail block (None: `threshold`, i.e. prose never rides along).
    """

    features: tuple[str, ...]
    feature: npt.NDArray[np.int64]
    split: Matrix
    left: npt.NDArray[np.int64]
    right: npt.NDArray[np.int64]
    value: Matrix
    bias: float
    depth: int
    threshold: float
    tail_threshold: float
    meta: dict[str, Any]
    words: WordWeights | None = None
    prose_tail_threshold: float | None = None

    @cached_property
    def _flat(self) -> tuple[npt.NDArray[np.intp], ...]:
        """The trees as flat arrays over global node numbers (tree t's nodes start at
        t x width): split feature; children, node k's left at 2k and right at 2k + 1 (a
        leaf points to itself twice); each tree's root. Indices are `intp`, which `take`
        uses as they are (other index types it first copies into a new `intp` array)."""
        trees, width = self.feature.shape
        here = np.arange(trees * width).reshape(trees, width)
        offset = (np.arange(trees) * width)[:, None]
        left = np.where(self.left >= 0, self.left + offset, here)
        right = np.where(self.right >= 0, self.right + offset, here)
        return (
            self.feature.ravel().astype(np.intp),
            np.stack([left.ravel(), right.ravel()], axis=1).ravel().astype(np.intp),
            offset.ravel().astype(np.intp),
        )

    def _walk(self, x: Matrix, work: _Walk) -> Iterator[npt.NDArray[np.intp]]:
        """The global node each line is at in every tree after each step (`depth` steps):
        `work.node`, `(lines, trees)`, overwritten by the next step (copy it to keep it).

        Every step writes into the arrays of `work` (`out=`), allocated once per call of
        `probabilities` or `contributions`: a new array a step was 20 of some hundred
        kilobytes per chunk, and fresh pages of memory cost more than the walk itself
        (page faults: 170,000 in 5,000 documents, half the time of the trees).
        """
        feature, children, roots = self._flat
        split = self.split.ravel()
        cells = x.ravel()
        row = (np.arange(len(x), dtype=np.intp) * x.shape[1])[:, None]
        node, at, values, cut, left = work.node, work.at, work.values, work.cut, work.left
        if not self.depth:
            node[...] = roots  # where a model of depth 0 leaves every line
        for depth in range(self.depth):
            # Every line starts at the roots: their features are columns of x, taken as such.
            # `take` with mode="clip" skips the bounds checks: every index is a node's.
            if depth == 0:
                np.take(x, feature[roots], axis=1, out=values, mode="clip")
                np.less_equal(values, split[roots], out=left)
                np.multiply(roots, 2, out=at)
            else:
                np.take(feature, node, out=at, mode="clip")
                at += row
                np.take(cells, at, out=values, mode="clip")
                np.take(split, node, out=cut, mode="clip")
                np.less_equal(values, cut, out=left)
                np.multiply(node, 2, out=at)
            # Right (2k + 1) unless the value is <= the split (a NaN goes right, as it
            # always did).
            at += 1
            at -= left
            np.take(children, at, out=node, mode="clip")
            yield node

    def probabilities(self, x: Matrix) -> Matrix:
        """P(boilerplate) of each line of a feature matrix (any number of documents).

        Example:
            >>> LineModel.toy().probabilities(np.array([[0.0], [3.0]])).round(3).tolist()
            [0.1, 0.9]
        """
        if not len(x):
            return np.zeros(0)
        x = np.asarray(x, dtype=np.float64)  # the walk's arrays are float64
        value = self.value.ravel()
        work = _Walk(min(len(x), CHUNK), self.feature.shape[0])
        scores = []
        for part in _chunks(x):
            mine = work.rows(len(part))
            for _ in self._walk(part, mine):
                pass  # each step overwrites `mine.node`: the leaves, at the end
            scores.append(np.take(value, mine.node, out=mine.values, mode="clip").sum(axis=1))
        return _sigmoid(np.concatenate(scores) + self.bias)

    def contributions(self, x: Matrix) -> Matrix:
        """Each feature's part of each line's score (Saabas: split moves credited to features)."""
        x = np.asarray(x, dtype=np.float64)  # the walk's arrays are float64
        out = np.zeros(x.shape)
        work = _Walk(min(len(x), CHUNK), self.feature.shape[0])
        for lo, part in zip(range(0, len(x), CHUNK), _chunks(x), strict=True):
            self._credit(part, out[lo : lo + CHUNK], work.rows(len(part)))
        return out

    def _credit(self, x: Matrix, out: Matrix, work: _Walk) -> None:
        """Add the split moves of `x`'s paths into `out` (`contributions` of one chunk).

        A path is known by the node it ends at, so each end node's moves are looked up
        (`_moves`) once the walk is done, not taken step by step from its nodes; they
        are added step by step, every line and tree at a step before the next step, in
        the order the walk made them: the same sums, bit for bit, as the `add.at` a step
        this replaced, 2.7x as fast on 2,500 lines (4x for the tail cut's trees).
        """
        for _ in self._walk(x, work):
            pass  # each step overwrites `work.node`: where each path ends, at the end
        features, moves = self._moves
        cells = (np.arange(len(x)) * x.shape[1])[:, None]
        at = np.concatenate(
            [(features[step][work.node] + cells).ravel() for step in range(len(features))]
        )
        moved = np.concatenate([moves[step][work.node].ravel() for step in range(len(moves))])
        out += np.bincount(at, weights=moved, minlength=out.size).reshape(out.shape)

    @cached_property
    def _moves(self) -> tuple[list[npt.NDArray[np.intp]], list[Matrix]]:
        """For each global node a walk can end at, the feature credited at each step of its
        path and the score that step moved (`depth` arrays each, over all nodes): a path
        that reaches a leaf early stays there, moving 0 on the leaf's feature (0)."""
        feature, children, roots = self._flat
        value = self.value.ravel()
        nodes = len(feature)
        # Every root-to-end path, as node arrays per step (2**depth paths a tree; a leaf
        # reached early is its own two children, so its paths repeat it, all alike).
        steps = [roots]
        for _ in range(self.depth):
            here = steps[-1]
            steps = [np.repeat(s, 2) for s in steps]
            steps.append(np.stack((children[2 * here], children[2 * here + 1]), axis=1).ravel())
        end = steps[-1]
        features = [np.zeros(nodes, dtype=np.intp) for _ in range(self.depth)]
        moves = [np.zeros(nodes) for _ in range(self.depth)]
        for step, (before, after) in enumerate(pairwise(steps)):
            features[step][end] = feature[before]
            moves[step][end] = value[after] - value[before]
        return features, moves

    def decide(
        self,
        p: Matrix,
        prose: npt.NDArray[np.bool_] | None = None,
        never: npt.NDArray[np.bool_] | None = None,
        sentences: npt.NDArray[np.bool_] | None = None,
    ) -> npt.NDArray[np.bool_]:
        """Which lines go: those at or above `threshold`, and the tail block.

        The tail block is decoded as one: from the last line inward, every line at or above
        `tail_threshold` goes with it, so a run of headline-shaped lines at the tail leaves
        together while a short line between prose paragraphs needs the full threshold. A
        line that reads as prose (`prose`: an author's bio, a call to action, a paywall
        notice, or the article's last paragraph) needs `prose_tail_threshold` to ride along.
        A line that reads as a sentence (`sentences`, by default `prose`) goes only with the
        tail block: inside a text, a sentence is the text's (a docstring's "Return the path
        to which the symbolic link points."). A line in `never` stays whatever its score,
        and ends the block.

        Example:
            >>> LineModel.toy().decide(np.array([0.1, 0.95, 0.2, 0.6, 0.7])).tolist()
            [False, True, False, True, True]
            >>> prose = np.array([False, True, False, False, False])
            >>> LineModel.toy().decide(np.array([0.1, 0.95, 0.2, 0.6, 0.7]), prose).tolist()
            [False, False, False, True, True]
        """
        out: npt.NDArray[np.bool_] = p >= self.threshold
        inside = sentences if sentences is not None else prose
        if inside is not None:
            out &= ~inside
        if never is not None:
            out &= ~never
        self.extend_tail(out, p, len(p), prose, never)
        return out

    def extend_tail(
        self,
        going: npt.NDArray[np.bool_],
        p: Matrix,
        end: int,
        prose: npt.NDArray[np.bool_] | None = None,
        never: npt.NDArray[np.bool_] | None = None,
        floor: float = 0.0,
    ) -> None:
        """Carry the tail block on inward from line `end` (where a tail cut starts), in place:
        the lines before it go while they would go with a tail block (`decide`) and reach
        `floor`.

        Example:
            >>> going = np.zeros(4, dtype=bool)
            >>> LineModel.toy().extend_tail(going, np.array([0.1, 0.7, 0.2, 0.3]), 2)
            >>> going.tolist()
            [False, True, False, False]
        """
        i = end - 1
        while i >= 0 and not _at(never, i):
            if not (going[i] or p[i] >= max(floor, self.tail_cut(_at(prose, i)))):
                break
            going[i] = True
            i -= 1

    def explain(self, x: Matrix, top: int = 3) -> list[list[str]]:
        """For each line, the features that pushed its score up the most, each with its
        value for the line ("ends with a stop = 0": the line has none, and that raised its
        score; a new-user trial could not tell which way a bare name had pushed).

        Example:
            >>> LineModel.toy().explain(np.array([[3.0], [0.0]]))
            [['shape = 3'], []]
        """
        if not len(x):
            return []
        share = self.contributions(x)
        order = np.argsort(-share, axis=1, kind="stable")[:, :top]
        return [
            [f"{self.features[j]} = {plain_number(x[k, j], 3)}" for j in row if share[k, j] > 0]
            for k, row in enumerate(order)
        ]

    def tail_cut(self, prose: bool) -> float:
        """The probability a line needs to go with the tail block."""
        if not prose:
            return self.tail_threshold
        if self.prose_tail_threshold is None:
            return self.threshold
        return self.prose_tail_threshold

    def with_thresholds(
        self, threshold: float, tail_threshold: float, prose_tail_threshold: float | None = None
    ) -> LineModel:
        """The same model deciding at other thresholds (the tail ones capped at `threshold`)."""
        prose = None if prose_tail_threshold is None else min(prose_tail_threshold, threshold)
        return replace(
            self,
            threshold=threshold,
            tail_threshold=min(tail_threshold, threshold),
            prose_tail_threshold=prose,
        )

    def to_dict(self) -> dict[str, Any]:
        """The JSON form shipped in the package and written by `dedup boilerplate train`."""
        return {
            "schema": SCHEMA,
            "features": list(self.features),
            "trees": [
                {
                    "feature": self.feature[t].tolist(),
                    "split": _floats(self.split[t]),
                    "left": self.left[t].tolist(),
                    "right": self.right[t].tolist(),
                    "value": _floats(self.value[t]),
                }
                for t in range(self.feature.shape[0])
            ],
            "bias": round(self.bias, 6),
            "depth": self.depth,
            "threshold": self.threshold,
            "tail_threshold": self.tail_threshold,
            **(
                {"prose_tail_threshold": self.prose_tail_threshold}
                if self.prose_tail_threshold is not None
                else {}
            ),
            "meta": json.loads(json.dumps(self.meta)),  # a copy: callers may edit it
            **({"words": self.words.to_dict()} if self.words is not None else {}),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LineModel:
        """Read the JSON form back (`to_dict`)."""
        if data.get("schema") != SCHEMA:
            msg = f"not a {SCHEMA} model (schema {data.get('schema')!r})"
            raise ConfigError(msg)
        trees = data["trees"]

        def stack(key: str, dtype: type) -> Any:
            return np.array([t[key] for t in trees], dtype=dtype)

        model = cls(
            tuple(data["features"]),
            stack("feature", np.int64),
            stack("split", np.float64),
            stack("left", np.int64),
            stack("right", np.int64),
            stack("value", np.float64),
            float(data["bias"]),
            int(data["depth"]),
            float(data["threshold"]),
            float(data["tail_threshold"]),
            dict(data.get("meta", {})),
            WordWeights.from_dict(data["words"]) if "words" in data else None,
            _optional_float(data.get("prose_tail_threshold")),
        )
        model.validate()
        return model

    def validate(self) -> None:
        """Refuse arrays that cannot be walked (a damaged or hand-edited model file).

        Raises:
            ConfigError: shapes differ, or a split feature or child is out of range.
        """
        shape = self.feature.shape
        nodes = shape[1] if len(shape) == 2 else 0
        arrays = (self.split, self.left, self.right, self.value)
        if len(shape) != 2 or any(a.shape != shape for a in arrays):
            msg = f"the model's tree arrays do not have one shape (feature: {shape})"
            raise ConfigError(msg)
        if self.feature.size and not 0 <= self.feature.min() <= self.feature.max() < len(
            self.features
        ):
            msg = f"a tree splits on a feature outside the model's {len(self.features)}"
            raise ConfigError(msg)
        children = np.concatenate([self.left.ravel(), self.right.ravel()])
        if children.size and not -1 <= children.min() <= children.max() < nodes:
            msg = f"a tree node points outside its tree of {nodes} nodes"
            raise ConfigError(msg)

    @classmethod
    def toy(cls) -> LineModel:
        """A one-feature, one-tree model (a stump at 1.5) for examples and tests."""

        def row(*values: float) -> Any:
            return np.array([values])

        return cls(
            ("shape",), row(0, 0, 0).astype(np.int64), row(1.5, 0, 0),
            row(1, -1, -1).astype(np.int64), row(2, -1, -1).astype(np.int64),
            row(0.0, -2.197225, 2.197225), 0.0, 1, 0.9, 0.5, {},
        )  # fmt: skip


# Lines walked through the trees at once: every step holds a few (lines, trees) arrays, some
# kilobytes a line, so a 30,000-line file walked whole took a gigabyte. At 256 lines they
# stay in the CPU's cache: 2.3 us a line against 6.2 at 4,096 (150 trees of depth 4).
CHUNK = 256


class _Walk:
    """The arrays a walk through the trees writes into (`LineModel._walk`), `(lines, trees)`
    each: the node reached, the next node's index, the split values and the lines' values
    there, and whether each line goes left."""

    def __init__(self, lines: int, trees: int) -> None:
        self.node = np.empty((lines, trees), dtype=np.intp)
        self.at = np.empty((lines, trees), dtype=np.intp)
        self.values = np.empty((lines, trees))
        self.cut = np.empty((lines, trees))
        self.left = np.empty((lines, trees), dtype=bool)

    def rows(self, lines: int) -> _Walk:
        """The same arrays cut to their first `lines` rows (views: a chunk's last part)."""
        if lines == len(self.node):
            return self
        part = _Walk(0, 0)
        for name, array in vars(self).items():
            setattr(part, name, array[:lines])
        return part


def _chunks(x: Matrix) -> list[Matrix]:
    """`x` in row blocks of at most `CHUNK` (views, not copies)."""
    return [x[lo : lo + CHUNK] for lo in range(0, len(x), CHUNK)]


def _at(flags: npt.NDArray[np.bool_] | None, i: int) -> bool:
    return bool(flags is not None and flags[i])


def margins(p: Matrix, bar: float) -> Matrix:
    """Each line's log-odds of furniture above those of `bar` (negative below it).

    Example:
        >>> margins(np.array([0.5, 0.9, 0.99]), 0.9).round(2).tolist()
        [-2.2, 0.0, 2.4]
    """
    q = np.clip(p, 1e-6, 1 - 1e-6)
    out: Matrix = np.log(q / (1 - q)) - np.log(bar / (1 - bar))
    return out


def two_state(p: Matrix, bar: float, switch: float, floor: float = 0.0) -> npt.NDArray[np.bool_]:
    """Which of a run of lines go, decoded as blocks: the path over two states (content,
    furniture) with the highest sum of the furniture lines' `margins` over `bar`, less
    `switch` for each change of state (Viterbi). So a run of menu lines goes as one though
    one of them scores under the bar (a menu's "Contact", p 0.6 among lines of 0.99), and
    a lone line over the bar among content stays when its margin does not pay for leaving
    and re-entering the content. Every block that goes has a margin sum of at least
    `switch` times its changes of state (else the path without it would score higher),
    which is the evidence a finding reports. A line under `floor` stays whatever its
    neighbours (an article's title just above its first paragraph, p 0.6 under a menu).

    Example:
        >>> p = np.array([0.99, 0.6, 0.99, 0.2, 0.2, 0.93, 0.2])
        >>> two_state(p, 0.9, 2.0).astype(int).tolist()
        [1, 1, 1, 0, 0, 0, 0]
        >>> two_state(p, 0.9, 0.0).astype(int).tolist()
        [1, 0, 1, 0, 0, 1, 0]
        >>> two_state(p, 0.9, 2.0, floor=0.7).astype(int).tolist()
        [1, 0, 0, 0, 0, 0, 0]
    """
    gain = np.where(p < floor, -1e9, margins(p, bar)).tolist()
    n = len(gain)
    out = np.zeros(n, dtype=bool)
    if not n:
        return out
    # Scores of the best paths ending in content (stay) and furniture (go) at each line,
    # and from which state each came.
    stay, go = 0.0, gain[0]
    back: list[tuple[bool, bool]] = [(False, True)]
    for g in gain[1:]:
        stay_from_go = go - switch > stay
        go_from_go = go >= stay - switch
        stay, go = (
            max(stay, go - switch),
            (go if go_from_go else stay - switch) + g,
        )
        back.append((stay_from_go, go_from_go))
    state = go > stay
    for i in range(n - 1, -1, -1):
        out[i] = state
        state = back[i][1] if state else back[i][0]
    return out


def run_margin(p: Matrix, bar: float, lo: int, hi: int) -> float:
    """The margin sum of lines `[lo, hi)` over `bar` (`two_state`'s evidence for a block).

    Example:
        >>> round(run_margin(np.array([0.99, 0.6, 0.99]), 0.9, 0, 3), 2)
        3.0
    """
    return float(margins(p[lo:hi], bar).sum())


def _optional_float(value: Any) -> float | None:
    return None if value is None else float(value)


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
        return LineModel.from_dict(json_value(text))
    except (OSError, ValueError, KeyError, TypeError) as ex:
        where = path or "the built-in model"
        msg = (
            f"{where}: not a readable boilerplate model ({ex}); "
            "train one with `dedup boilerplate train LABELLED.jsonl -o MODEL`"
        )
        raise ConfigError(msg) from ex


TRAIN_EXTRA = "pip install -e '.[train]'"


def fit(
    x: Matrix,
    y: npt.NDArray[np.bool_],
    features: tuple[str, ...],
    *,
    trees: int = 150,
    depth: int = 4,
    learning_rate: float = 0.2,
    meta: dict[str, Any] | None = None,
    seed: int = 0,
) -> LineModel:
    """Fit boosted trees (scikit-learn's `GradientBoostingClassifier`) and keep them as arrays.

    Args:
        x: `(lines, features)` training matrix.
        y: True for boilerplate lines.
        features: the column names.
        trees: boosting rounds.
        depth: depth of each tree.
        learning_rate: shrinkage (baked into the stored node values).
        meta: stored with the model.
        seed: the random state of the row subsampling (each tree sees half the rows).

    Returns:
        The model, deciding at 0.5 until thresholds are chosen (`with_thresholds`).

    Raises:
        ConfigError: scikit-learn is not installed.

    Example:
        >>> x = np.array([[0.0], [1.0], [2.0], [3.0]] * 5)
        >>> m = fit(x, np.array([False, False, True, True] * 5), ("f",), trees=20)
        >>> m.probabilities(np.array([[0.0], [3.0]])).round(1).tolist()
        [0.0, 1.0]
    """
    if x.shape[1] != len(features):
        msg = f"{x.shape[1]} feature columns for {len(features)} feature names"
        raise ValueError(msg)
    try:
        from sklearn.ensemble import GradientBoostingClassifier
    except ImportError as ex:
        msg = f"training the boilerplate model needs scikit-learn: {TRAIN_EXTRA}"
        raise ConfigError(msg) from ex
    model = GradientBoostingClassifier(
        n_estimators=trees, max_depth=depth, learning_rate=learning_rate, subsample=0.5,
        random_state=seed,
    ).fit(x, y)  # fmt: skip
    stumps = [est[0].tree_ for est in model.estimators_]
    width = max(t.node_count for t in stumps)

    def pad(values: list[Any], fill: float) -> Matrix:
        out = np.full((len(values), width), fill)
        for k, v in enumerate(values):
            out[k, : len(v)] = v
        return out

    prior = float(np.clip(y.mean(), 1e-6, 1 - 1e-6))
    return LineModel(
        features,
        pad([np.maximum(t.feature, 0) for t in stumps], 0).astype(np.int64),
        pad([t.threshold for t in stumps], 0.0),
        pad([t.children_left for t in stumps], -1).astype(np.int64),
        pad([t.children_right for t in stumps], -1).astype(np.int64),
        pad([t.value[:, 0, 0] * learning_rate for t in stumps], 0.0),
        float(np.log(prior / (1 - prior))),
        depth,
        0.5,
        0.5,
        dict(meta or {}),
    )
