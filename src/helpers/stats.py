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
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np


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
    num = np.asarray(numerators, dtype=float)
    den = np.ones_like(num) if denominators is None else np.asarray(denominators, dtype=float)
    if len(num) != len(den) or len(num) != len(groups):
        raise ValueError("groups, numerators and denominators must have the same length")
    if len(num) == 0 or den.sum() == 0:
        return RatioCI(float("nan"), float("nan"), float("nan"), len(num), 0)
    estimate = float(num.sum() / den.sum())
    # Group rows by article in a stable order so the draw depends only on the data.
    labels = np.asarray([str(g) for g in groups])
    unique = sorted(set(labels))
    index_by_group = [np.flatnonzero(labels == g) for g in unique]
    rng = np.random.default_rng(seed)
    stats = np.empty(n_boot)
    for b in range(n_boot):
        picked = rng.integers(0, len(unique), size=len(unique))
        rows = np.concatenate(
            [index_by_group[g][rng.integers(0, len(index_by_group[g]), size=len(index_by_group[g]))] for g in picked]
        )
        d = den[rows].sum()
        stats[b] = num[rows].sum() / d if d else np.nan
    stats = stats[~np.isnan(stats)]
    alpha = (1 - level) / 2
    low, high = np.quantile(stats, [alpha, 1 - alpha]) if len(stats) else (np.nan, np.nan)
    return RatioCI(estimate, float(low), float(high), len(num), len(unique))
