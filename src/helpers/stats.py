"""Seeded bootstrap intervals for ratios of sums, resampling articles and then sentences.

In: one row per observation unit (a sentence or a mention) with the article it
belongs to, a numerator and a denominator (e.g. 1 if the sentence evokes a
frame, and 1).
Out: the point estimate sum(num) / sum(den) and a percentile interval.
Used by: ``helpers.framing`` (03-framing: frame shares, naming shares, label
rates and mean sentiment all go through ``ratio_ci``).

Why two stages: rows from one article are not independent, so the first stage
resamples whole articles with replacement (the usual cluster bootstrap). Most
authors in a small corpus have a single article, where that stage alone would
give a zero-width interval; the second stage therefore resamples rows within
each drawn article (a two-stage or hierarchical bootstrap, Davison & Hinkley
1997, sec. 3.8). For an author with one article the interval reflects
sentence-to-sentence variation only and is too narrow for claims about the
author's writing in general: it describes that text.

Speed: draws are vectorised (O(rows) each); when every row is one of two
(numerator, denominator) pairs (0/1 indicators, the common case) the second
stage is a binomial draw per article, O(articles) each: an interval over
325,000 sentences in 50,000 articles took about 5 s here
(2 cores, both busy).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np


DRAW_CELLS = 2_000_000  # binomial path: at most this many (draw, article) cells in memory at once


@dataclass(frozen=True)
class RatioCI:
    estimate: float
    ci_low: float
    ci_high: float
    n_units: int
    n_groups: int


def ratio_ci(
    groups: Sequence,
    numerators: Sequence[float],
    denominators: Sequence[float] | None = None,
    n_boot: int = 1000,
    seed: int = 2024,
    level: float = 0.95,
) -> RatioCI:
    """Two-stage bootstrap percentile interval of sum(numerators) / sum(denominators).

    ``groups`` gives each row's article. ``denominators`` default to 1 (then the
    ratio is a mean). Empty input or a zero denominator gives NaN everywhere.
    The same ``seed`` always gives the same interval.
    """
    estimate, stats, n_units, n_groups = ratio_draws(groups, numerators, denominators, n_boot, seed)
    stats = stats[~np.isnan(stats)]
    alpha = (1 - level) / 2
    low, high = np.quantile(stats, [alpha, 1 - alpha]) if len(stats) else (np.nan, np.nan)
    return RatioCI(estimate, float(low), float(high), n_units, n_groups)


def ratio_draws(
    groups: Sequence,
    numerators: Sequence[float],
    denominators: Sequence[float] | None = None,
    n_boot: int = 1000,
    seed: int = 2024,
) -> tuple[float, np.ndarray, int, int]:
    """(estimate, the ``n_boot`` two-stage bootstrap draws of the ratio, rows, groups): what
    ``ratio_ci`` takes its interval from, for measures built on the ratio (the corrected
    shares of ``helpers.correction``). A draw may be NaN (an empty denominator)."""
    num = np.asarray(numerators, dtype=float)
    den = np.ones_like(num) if denominators is None else np.asarray(denominators, dtype=float)
    if len(num) != len(den) or len(num) != len(groups):
        raise ValueError("groups, numerators and denominators must have the same length")
    if len(num) == 0 or den.sum() == 0:
        return float("nan"), np.full(n_boot, np.nan), len(num), 0
    estimate = float(num.sum() / den.sum())
    # Rows grouped by article, articles in sorted order, so the draw depends only on the data.
    unique, inverse = np.unique(np.asarray([str(g) for g in groups]), return_inverse=True)
    order = np.argsort(inverse, kind="stable")
    sizes = np.bincount(inverse, minlength=len(unique))
    rng = np.random.default_rng(seed)
    pairs = np.unique(np.stack([num, den], axis=1), axis=0)
    if len(pairs) <= 2:
        stats = _draws_two_values(pairs, num, den, inverse, sizes, n_boot, rng)
    else:
        stats = _draws_rows(num[order], den[order], sizes, n_boot, rng)
    return estimate, stats, len(num), len(unique)


def _draws_rows(num: np.ndarray, den: np.ndarray, sizes: np.ndarray, n_boot: int, rng: np.random.Generator) -> np.ndarray:
    """The two-stage bootstrap, row by row (rows sorted by group, ``sizes`` rows per group).

    Stage 1 draws articles with replacement; stage 2 draws, for each drawn article, as many of
    its rows as it has, with replacement. Vectorised: O(rows) per draw, whatever the number
    of articles.
    """
    offsets = np.concatenate(([0], np.cumsum(sizes)[:-1]))
    stats = np.empty(n_boot)
    for b in range(n_boot):
        picked = rng.integers(0, len(sizes), size=len(sizes))
        counts = sizes[picked]
        n_rows = np.repeat(counts, counts)
        within = np.minimum((rng.random(len(n_rows)) * n_rows).astype(np.int64), n_rows - 1)
        rows = np.repeat(offsets[picked], counts) + within
        d = den[rows].sum()
        stats[b] = num[rows].sum() / d if d else np.nan
    return stats


def _draws_two_values(pairs: np.ndarray, num: np.ndarray, den: np.ndarray, inverse: np.ndarray,
                      sizes: np.ndarray, n_boot: int, rng: np.random.Generator) -> np.ndarray:
    """The same two-stage bootstrap when every row is one of (at most) two (num, den) pairs,
    as with 0/1 indicators over sentences: stage 2 then only decides how many of an article's
    n rows are of the first kind, a Binomial(n, its share in the article) draw. Same
    distribution as ``_draws_rows``, in O(articles) per draw instead of O(rows).
    """
    first = pairs[0]
    other = pairs[-1]
    is_first = (num == first[0]) & (den == first[1])
    k = np.bincount(inverse, weights=is_first.astype(float), minlength=len(sizes))
    share = k / sizes
    stats = np.empty(n_boot)
    g = len(sizes)
    per_chunk = max(1, DRAW_CELLS // g)  # draws done at once: a (draws x articles) array
    for lo in range(0, n_boot, per_chunk):
        hi = min(n_boot, lo + per_chunk)
        picked = rng.integers(0, g, size=(hi - lo, g))
        n = sizes[picked]
        x = rng.binomial(n, share[picked])
        d = (x * first[1] + (n - x) * other[1]).sum(axis=1)
        s = (x * first[0] + (n - x) * other[0]).sum(axis=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            stats[lo:hi] = np.where(d != 0, s / np.where(d != 0, d, 1), np.nan)
    return stats
