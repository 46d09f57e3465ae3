"""Distinctive words: log-odds ratios with an informative Dirichlet prior ("Fightin' Words").

In: term counts per author (a long table author, term, count), built from
parsed Docs by ``term_counts``.
Out: for each author against all other authors pooled, each term's log-odds
ratio delta, its variance and z-score (Monroe, Colaresi & Quinn 2008,
"Fightin' Words", Political Analysis 16(4), eq. 16-22).
Used by: ``helpers.framing`` (03-framing, section "Distinctive words").

For author i against the rest j, with counts y, totals n, and prior
pseudo-counts alpha_w (alpha_0 = sum alpha_w):

    delta_w = log((y_iw + a_w) / (n_i + a_0 - y_iw - a_w))
            - log((y_jw + a_w) / (n_j + a_0 - y_jw - a_w))
    var_w  ~= 1 / (y_iw + a_w) + 1 / (y_jw + a_w)
    z_w     = delta_w / sqrt(var_w)

The prior is the whole corpus's term counts times ``prior_scale`` (1 by
default: the prior is as strong as the corpus itself, which shrinks rare
words hard — the point of the method on small samples).
"""

from __future__ import annotations

from collections import Counter
from typing import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd
from spacy.lang.en.stop_words import STOP_WORDS
from spacy.tokens import Doc


def term_counts(doc: Doc, exclude_spans: Sequence[tuple[int, int]] = ()) -> Counter:
    """Lower-cased lemmas of alphabetic, non-stop-word tokens outside ``exclude_spans``."""
    counts: Counter = Counter()
    for tok in doc:
        if not tok.is_alpha or tok.is_stop or tok.is_punct or len(tok) < 2:
            continue
        if any(tok.idx < e and s < tok.idx + len(tok) for s, e in exclude_spans):
            continue
        lemma = tok.lemma_.lower()
        if lemma in STOP_WORDS:  # "be", "have" from inflected forms the stop list misses
            continue
        counts[lemma] += 1
    return counts


def log_odds_z(
    counts_i: Mapping[str, float],
    counts_j: Mapping[str, float],
    prior: Mapping[str, float],
) -> pd.DataFrame:
    """Monroe et al.'s log-odds with informative Dirichlet prior, one row per prior term.

    Returns columns term, count (in i), count_other (in j), delta, variance, z;
    sorted by z descending then term.
    """
    terms = sorted(t for t, a in prior.items() if a > 0)
    if not terms:
        return pd.DataFrame(columns=["term", "count", "count_other", "delta", "variance", "z"])
    a = np.array([prior[t] for t in terms], dtype=float)
    yi = np.array([counts_i.get(t, 0) for t in terms], dtype=float)
    yj = np.array([counts_j.get(t, 0) for t in terms], dtype=float)
    a0, ni, nj = a.sum(), sum(counts_i.values()), sum(counts_j.values())
    delta = np.log((yi + a) / (ni + a0 - yi - a)) - np.log((yj + a) / (nj + a0 - yj - a))
    variance = 1.0 / (yi + a) + 1.0 / (yj + a)
    out = pd.DataFrame(
        {"term": terms, "count": yi.astype(int), "count_other": yj.astype(int),
         "delta": delta, "variance": variance, "z": delta / np.sqrt(variance)}
    )
    return out.sort_values(["z", "term"], ascending=[False, True], kind="mergesort").reset_index(drop=True)


def distinctive_terms(
    counts: pd.DataFrame,
    min_count: int = 5,
    top_n: int = 15,
    prior_scale: float = 1.0,
    authors: Iterable[str] | None = None,
) -> pd.DataFrame:
    """Top terms per author against all other authors pooled.

    ``counts`` has columns author, term, count. Terms used fewer than
    ``min_count`` times in the whole corpus are dropped before anything is
    computed. Returns author, rank, term, count, count_other, z (the
    ``top_n`` highest z per author), sorted by author and rank.
    """
    totals = counts.groupby("term")["count"].sum()
    keep = totals[totals >= min_count]
    prior = {t: float(c) * prior_scale for t, c in keep.items()}
    counts = counts[counts["term"].isin(keep.index)]
    by_author = {a: dict(zip(g["term"], g["count"])) for a, g in counts.groupby("author", sort=True)}
    wanted = sorted(by_author) if authors is None else [a for a in authors if a in by_author]
    rows = []
    for author in wanted:
        others: Counter = Counter()
        for other, c in by_author.items():
            if other != author:
                others.update(c)
        table = log_odds_z(by_author[author], others, prior).head(top_n)
        table.insert(0, "rank", range(1, len(table) + 1))
        table.insert(0, "author", author)
        rows.append(table)
    if not rows:
        return pd.DataFrame(columns=["author", "rank", "term", "count", "count_other", "z"])
    out = pd.concat(rows, ignore_index=True)
    return out[["author", "rank", "term", "count", "count_other", "z"]]
