"""Frame shares corrected for the detector's measured error (Rogan-Gladen), with intervals that
carry both the sampling error over a writer's articles and the validation error over the gold.

In: the per-sentence frames of a framing run (``FramingResult.sentences``), and gold sentences
with the detector's frames for them (the locked test splits: ``helpers.frame_validation``).
Out: ``corrected_shares`` — per writer and frame, the raw share of sentences the detector marks
and the share corrected for its sensitivity and specificity, each with a 95% interval.
Used by: notebooks/03-framing.ipynb (section 5) and 04-charts (the corrected-shares figure).

The detector marks a sentence with probability p = se * theta + (1 - sp) * (1 - theta), where
theta is the true share, se its sensitivity and sp its specificity on that frame. Solving for
theta gives the Rogan-Gladen estimator (Rogan & Gladen 1978):
theta = (p + sp - 1) / (se + sp - 1), clipped to [0, 1]. It needs se + sp > 1 (a detector
better than chance); otherwise the share cannot be corrected and is NaN.

Intervals: a double bootstrap. Each of ``n_boot`` draws resamples the writer's articles and
the sentences within them (``helpers.stats.ratio_draws``, as the raw share's interval does) and,
independently, the gold sentences (for se and sp); the corrected share of each draw pair is
computed, and the 2.5th and 97.5th percentiles of the draws are the interval. The gold draws are
the same for every writer, so writers are compared under one draw of the detector's error.

Assumption (said in the notebook): the error rates measured on whole gold sentences (all
voices) hold for the writer's own-voice sentences, and for the study's corpus as for the gold's
text; the gold's test pages and the seed test split are pooled to measure them.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd

from .frames import FRAME_NAMES
from .reliability import _indicators
from .stats import ratio_draws


def rogan_gladen(p, se, sp):
    """Corrected share(s): (p + sp - 1) / (se + sp - 1) clipped to [0, 1]; NaN where se + sp <= 1."""
    p, se, sp = np.asarray(p, dtype=float), np.asarray(se, dtype=float), np.asarray(sp, dtype=float)
    denominator = se + sp - 1
    with np.errstate(invalid="ignore", divide="ignore"):
        theta = np.where(denominator > 0, (p + sp - 1) / np.where(denominator > 0, denominator, 1), np.nan)
    return np.clip(theta, 0.0, 1.0)


def error_rate_draws(reference: Sequence[Sequence[str]], predicted: Sequence[Sequence[str]],
                     frame_names: Sequence[str] = FRAME_NAMES, n_boot: int = 1000, seed: int = 2024,
                     weights: Sequence[float] | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(se, sp, se draws, sp draws): per frame, the detector's sensitivity and specificity on
    the gold sentences, and ``n_boot`` draws of each from resampled sentences (draws x frames;
    NaN where a draw has no positive, or no negative, gold sentence for the frame).
    ``weights``: each sentence's sampling weight (a review sample drawn by strata,
    ``helpers.review``): the rates are then weighted back to the corpus."""
    gold, pred = _indicators(reference, frame_names), _indicators(predicted, frame_names)
    w = np.ones(len(gold)) if weights is None else np.asarray(weights, dtype=float)

    def rates(g: np.ndarray, p: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        wc = w[:, None]
        pos, neg = (g * wc).sum(axis=0), (~g * wc).sum(axis=0)
        with np.errstate(invalid="ignore", divide="ignore"):
            se = np.where(pos > 0, ((g & p) * wc).sum(axis=0) / np.where(pos > 0, pos, 1), np.nan)
            sp = np.where(neg > 0, ((~g & ~p) * wc).sum(axis=0) / np.where(neg > 0, neg, 1), np.nan)
        return se, sp

    se, sp = rates(gold, pred, w)
    n = len(gold)
    rows = np.random.default_rng(seed).integers(0, n, size=(n_boot, n))
    se_draws = np.empty((n_boot, len(frame_names)))
    sp_draws = np.empty((n_boot, len(frame_names)))
    for b in range(n_boot):  # one draw at a time: n_boot x n x frames booleans would be large
        se_draws[b], sp_draws[b] = rates(gold[rows[b]], pred[rows[b]], w[rows[b]])
    return se, sp, se_draws, sp_draws


def corrected_shares(
    sentences: pd.DataFrame,
    reference: Sequence[Sequence[str]],
    predicted: Sequence[Sequence[str]],
    authors: Sequence[str],
    frame_names: Sequence[str] = FRAME_NAMES,
    voice: str = "own",
    n_boot: int = 1000,
    seed: int = 2024,
    level: float = 0.95,
    weights: Sequence[float] | None = None,
) -> pd.DataFrame:
    """Per writer and frame: the raw share of sentences marked (``voice``, all sentences, as in
    ``framing.frames_table``) and the Rogan-Gladen corrected share, each with a percentile
    interval (raw: the two-stage bootstrap; corrected: the double bootstrap of the module
    docstring), and the frame's sensitivity and specificity on the gold (``weights``: the
    gold sentences' sampling weights, for a review sample of the user's own corpus)."""
    se, sp, se_draws, sp_draws = error_rate_draws(reference, predicted, frame_names, n_boot, seed, weights)
    base = sentences if voice == "all" else sentences[sentences["has_own_text"]]
    column = f"frames_{voice}"
    tail = (1 - level) / 2
    rows = []
    for author in authors:
        a = base[base["author"] == author]
        for j, frame in enumerate(frame_names):
            hit = a[column].map(lambda fs: frame in fs).astype(float)
            p, p_draws, n_units, _ = ratio_draws(a["article_id"].tolist(), hit.tolist(), None, n_boot, seed)
            theta = float(rogan_gladen(p, se[j], sp[j]))
            theta_draws = rogan_gladen(p_draws, se_draws[:, j], sp_draws[:, j])
            p_ok, t_ok = p_draws[~np.isnan(p_draws)], theta_draws[~np.isnan(theta_draws)]
            p_low, p_high = np.quantile(p_ok, [tail, 1 - tail]) if len(p_ok) else (np.nan, np.nan)
            t_low, t_high = np.quantile(t_ok, [tail, 1 - tail]) if len(t_ok) else (np.nan, np.nan)
            rows.append({
                "author": author, "frame": frame, "n_base": n_units, "n_sentences": int(hit.sum()),
                "share": p, "ci_low": float(p_low), "ci_high": float(p_high),
                "corrected_share": theta, "corrected_ci_low": float(t_low), "corrected_ci_high": float(t_high),
                "sensitivity": float(se[j]), "specificity": float(sp[j]),
                "usable_draws": round(len(t_ok) / n_boot, 3) if n_boot else float("nan"), "voice": voice,
            })
    return pd.DataFrame(rows)
