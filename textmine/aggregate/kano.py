"""KANO classes of the categories, from comments and scores (penalty-reward contrast analysis).

Operators set the service level of each need by its KANO class: a basic need
(must-be) only hurts when it fails (a dropped line), a performance need
(one-dimensional) hurts and helps (speed, price), a delighter (attractive) only
helps (a proactive call), and an indifferent one does neither. Promising too
much on a basic need raises expectations for nothing, so the class matters.

Penalty-reward contrast analysis reads the class from one regression of the
score on two dummies per category, estimated together:

    score = b0 + sum over categories c of (reward_c * positive_c + penalty_c * negative_c)

where positive_c is 1 when a comment speaks well of c (its aspect sentiment)
and negative_c when it speaks badly of it. A significant penalty (below 0) and
no significant reward: must-be; both: one-dimensional; a reward only:
attractive; neither: indifferent; too few mentions either way: insufficient.
The regression is kept as running sums (X'X, X'y), so rows stream through.

    >>> kano = KanoModel(["billing", "customer_service"])
    >>> kano.add({"billing": "neg"}, 3.0)
"""

import math

import numpy as np

from textmine.aggregate.units import SCORE_UNITS, as_float, score_units

MIN_MENTIONS = 10  # positive and negative mentions a category needs before its class is read
KANO_BATCH = 4096  # comments added to the running sums together
_INT64_SAFE_UNITS = 1 << 40  # |score| in units below which a batch's sums fit in int64 (2**40 * KANO_BATCH < 2**63)
T_CRITICAL = 1.96  # two-sided 5 %: a coefficient is significant beyond this many standard errors
CLASSES = ("must-be", "one-dimensional", "attractive", "indifferent", "insufficient")


class KanoModel:
    """Running sums of the penalty-reward regression over the categories ``codes``."""

    def __init__(self, codes, *, min_mentions=MIN_MENTIONS):
        self.codes = list(codes)
        self.min_mentions = min_mentions
        size = 1 + 2 * len(self.codes)
        self._column = {code: index for index, code in enumerate(self.codes)}
        # Exact running sums, so that they do not depend on how the rows are grouped (``merge``):
        # X'X counts, X'y and y'y in integers of SCORE_UNITS (and its square).
        self.xtx = np.zeros((size, size), dtype=np.int64)
        self.xty = [0] * size
        self.yty = 0
        self.n = 0
        self.n_pos = np.zeros(len(self.codes), dtype=np.int64)
        self.n_neg = np.zeros(len(self.codes), dtype=np.int64)
        # Comments waiting to be added (``_add_batch``): the dummies set to 1, as (row, column), and the scores.
        self._rows, self._columns, self._scores = [], [], []

    def add(self, aspects, score):
        """Count one scored comment; ``aspects``: {code: "pos" | "neu" | "neg"}."""
        row = len(self._scores)
        self._rows.append(row)
        self._columns.append(0)
        for code, aspect in aspects.items():
            index = self._column.get(code)
            if index is None or aspect == "neu":
                continue
            self._rows.append(row)
            self._columns.append(1 + 2 * index if aspect == "pos" else 2 + 2 * index)
        self._scores.append(score)
        if len(self._scores) >= KANO_BATCH:
            self._add_batch()

    def _add_batch(self):
        """Add the waiting comments to the running sums at once (a fancy-indexed update a comment
        cost 8 to 17 us, some 10 s on 1,000,000 comments).

        Integer dummies and ``bincount`` on purpose: a float matrix product goes to BLAS, whose
        threads, on a machine whose cores the workers keep busy, made it slower than the loop.
        """
        if not self._scores:
            return
        rows = np.array(self._rows, dtype=np.intp)
        columns = np.array(self._columns, dtype=np.intp)
        units = [score_units(score) for score in self._scores]
        dummies = np.zeros((len(units), len(self.xty)), dtype=np.int64)
        dummies[rows, columns] = 1
        self.xtx += dummies.T @ dummies
        if max(map(abs, units)) < _INT64_SAFE_UNITS:
            sums = np.zeros(len(self.xty), dtype=np.int64)
            np.add.at(sums, columns, np.array(units, dtype=np.int64)[rows])
            self.xty = [total + part for total, part in zip(self.xty, sums.tolist())]
        else:  # scores beyond any scale: summed as Python integers, which do not overflow
            for row, column in zip(self._rows, self._columns):
                self.xty[column] += units[row]
        self.yty += sum(unit * unit for unit in units)
        self.n += len(units)
        mentions = dummies[:, 1:].sum(axis=0)
        self.n_pos += mentions[0::2]
        self.n_neg += mentions[1::2]
        self._rows, self._columns, self._scores = [], [], []

    def merge(self, other):
        """Add the sums of ``other`` (a model of the same categories, over other rows)."""
        self._add_batch()
        other._add_batch()
        self.xtx += other.xtx
        self.xty = [total + part for total, part in zip(self.xty, other.xty)]
        self.yty += other.yty
        self.n += other.n
        self.n_pos += other.n_pos
        self.n_neg += other.n_neg

    def result(self, names=None, *, scale_max=None):
        """One dict per category: class, penalty, reward (with 95 % intervals), n_pos, n_neg.

        Penalty and reward are in score points; ``scale_max`` (10 or 5) is only
        reported. Categories never mentioned are left out.
        """
        self._add_batch()
        names = names or {}
        mentioned = [i for i in range(len(self.codes)) if self.n_pos[i] or self.n_neg[i]]
        if not mentioned or self.n <= 2 * len(mentioned) + 1:
            return [self._entry(i, names, None, None) for i in mentioned]
        columns = [0] + [c for i in mentioned for c in (1 + 2 * i, 2 + 2 * i)]
        xtx = self.xtx[np.ix_(columns, columns)].astype(float)
        xty = np.array([as_float(self.xty[column]) for column in columns])
        beta, *_ = np.linalg.lstsq(xtx, xty, rcond=None)
        residual = as_float(self.yty, SCORE_UNITS ** 2) - 2 * beta @ xty + beta @ xtx @ beta
        dof = self.n - len(columns)
        sigma2 = max(residual, 0.0) / dof
        covariance = sigma2 * np.linalg.pinv(xtx)
        errors = np.sqrt(np.clip(np.diag(covariance), 0.0, None))
        entries = []
        for position, index in enumerate(mentioned):
            reward = (beta[1 + 2 * position], errors[1 + 2 * position])
            penalty = (beta[2 + 2 * position], errors[2 + 2 * position])
            entries.append(self._entry(index, names, reward, penalty))
        return entries

    def _entry(self, index, names, reward, penalty):
        code = self.codes[index]
        n_pos, n_neg = int(self.n_pos[index]), int(self.n_neg[index])
        entry = {"category": code, "name": names.get(code, code), "class": "insufficient",
                 "penalty": None, "penalty_low": None, "penalty_high": None,
                 "reward": None, "reward_low": None, "reward_high": None, "n_pos": n_pos, "n_neg": n_neg}
        if reward is None:
            return entry
        for key, (value, error), mentions in (("reward", reward, n_pos), ("penalty", penalty, n_neg)):
            if not mentions:  # never mentioned this way: there is nothing to estimate
                continue
            entry[key] = round(float(value), 3)
            entry[f"{key}_low"] = round(float(value - T_CRITICAL * error), 3)
            entry[f"{key}_high"] = round(float(value + T_CRITICAL * error), 3)
        entry["class"] = kano_class(reward, penalty, n_pos, n_neg, self.min_mentions)
        return entry


def kano_class(reward, penalty, n_pos, n_neg, min_mentions=MIN_MENTIONS):
    """The KANO class from the reward and penalty (each ``(estimate, standard error)``).

        >>> kano_class((0.1, 0.2), (-2.0, 0.3), 40, 60)
        'must-be'
    """
    if n_pos < min_mentions or n_neg < min_mentions:
        return "insufficient"  # a side with too few mentions cannot tell helping from indifferent
    hurts = _significant(penalty, below=True)
    helps = _significant(reward, below=False)
    if hurts and helps:
        return "one-dimensional"
    if hurts:
        return "must-be"
    if helps:
        return "attractive"
    return "indifferent"


def _significant(coefficient, *, below):
    value, error = coefficient
    if not math.isfinite(value) or not math.isfinite(error) or error <= 0:
        return False
    t = value / error
    return t <= -T_CRITICAL if below else t >= T_CRITICAL
