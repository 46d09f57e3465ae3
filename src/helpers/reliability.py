"""Agreement between hand codings of the frame gold sample, and the detector against each.

In: two or more codings of the same sentences in the format of
``data/validation/frames_gold.csv`` (``helpers.frames.load_gold``): the first
coder's ``frames_gold.csv``, the second coder's ``frames_coder2.csv`` and the
adjudicated ``frames_consensus.csv`` (see ``data/validation/README.md``), and
the detector's frames for the gold sentences (``helpers.frames.detect_gold``).
Out: per-frame Krippendorff's alpha and the F1 of one coder against the other
(``agreement_table``); the detector's per-frame precision, recall and F1 against
each reference coding, per split (``reference_scores``).
Used by: 03-framing, section "Validation" (``validation_tables``, whose two tables
``helpers.framing.write_validation_tables`` writes, and the views built on them).

Alpha is computed per frame on the binary "frame present" judgement of each
sentence (nominal level, Krippendorff 2004; the ``krippendorff`` package). It is
undefined (NaN) for a frame that no coder used or that every coder gave every
sentence: there is no variation to agree on. F1 between two coders is the same
whichever is taken as reference (precision and recall swap), so it reads on the
same scale as the detector's F1 against a coder: the ceiling set by the coders.
"""

from __future__ import annotations

from pathlib import Path
from typing import Mapping, Sequence

import krippendorff
import numpy as np
import pandas as pd

from .frames import FRAME_NAMES, CodebookError, load_gold, match_key, score_frames, subset_masks, validation_table


def load_codings(files: Mapping[str, str | Path], frame_names: Sequence[str] = FRAME_NAMES) -> dict[str, pd.DataFrame]:
    """Read each named coding and check they code the same sentences.

    The first file is the reference for the sentence set and the split of each
    row; the others must hold exactly its sentences (compared by
    ``match_key``: letters and digits only), else the error names the file and
    the sentences it lacks or adds. Rows are returned in the first file's order.
    """
    names = list(files)
    if not names:
        raise ValueError("no codings given")
    first = load_gold(files[names[0]], frame_names)
    keys = first["text"].map(match_key)
    if keys.duplicated().any():
        dup = first.loc[keys.duplicated(), "text"].iloc[0]
        raise CodebookError(f"{files[names[0]]}: two sentences differ only in punctuation: {dup!r}")
    codings = {names[0]: first}
    for name in names[1:]:
        other = load_gold(files[name], frame_names)
        other_keys = other["text"].map(match_key)
        missing = sorted(set(keys) - set(other_keys))
        extra = sorted(set(other_keys) - set(keys))
        if missing or extra:
            lacks = first.loc[keys.isin(missing), "text"].head(3).tolist()
            adds = other.loc[other_keys.isin(extra), "text"].head(3).tolist()
            raise CodebookError(
                f"{files[name]}: does not code the same sentences as {files[names[0]]} "
                f"({len(missing)} missing, e.g. {lacks}; {len(extra)} extra, e.g. {adds}); "
                f"a coding of another gold sample needs its own second coding, or none (None / null)"
            )
        aligned = other.set_index(other_keys).loc[keys].reset_index(drop=True)
        codings[name] = aligned.assign(split=first["split"].to_numpy())
    return codings


def krippendorff_alpha(first: Sequence[bool], second: Sequence[bool]) -> float:
    """Krippendorff's alpha (nominal) for two coders' binary judgements; NaN without variation."""
    data = np.array([first, second], dtype=float)
    if np.unique(data).size < 2:
        return float("nan")
    return float(krippendorff.alpha(reliability_data=data, level_of_measurement="nominal"))


def agreement_table(
    first: pd.DataFrame, second: pd.DataFrame, frame_names: Sequence[str] = FRAME_NAMES
) -> pd.DataFrame:
    """Per frame (and a 'macro' mean): positives per coder, sentences coded alike,
    Krippendorff's alpha and the F1 of ``second`` against ``first``.

    ``first`` and ``second`` code the same sentences in the same order
    (``load_codings``); ``frames`` holds tuples of frame names.
    """
    if len(first) != len(second) or not (first["text"].map(match_key).to_numpy()
                                         == second["text"].map(match_key).to_numpy()).all():
        raise ValueError("the two codings do not hold the same sentences in the same order")
    scores = score_frames(pd.DataFrame({"frames": first["frames"], "predicted": second["frames"]}), frame_names)
    rows = []
    for frame in frame_names:
        a = first["frames"].map(lambda fs: frame in fs).to_numpy()
        b = second["frames"].map(lambda fs: frame in fs).to_numpy()
        rows.append(
            {"frame": frame, "n_sentences": len(a), "n_first": int(a.sum()), "n_second": int(b.sum()),
             "n_both": int((a & b).sum()), "agreement": float((a == b).mean()) if len(a) else np.nan,
             "alpha": krippendorff_alpha(a, b)}
        )
    table = pd.DataFrame(rows).merge(scores[["frame", "f1"]], on="frame", how="left")
    macro = {"frame": "macro", "n_sentences": len(first), "n_first": int(table["n_first"].sum()),
             "n_second": int(table["n_second"].sum()), "n_both": int(table["n_both"].sum()),
             "agreement": float(table["agreement"].mean()), "alpha": float(table["alpha"].mean()),
             "f1": float(table["f1"].mean())}
    return pd.concat([table, pd.DataFrame([macro])], ignore_index=True)


def _predictions(coded: pd.DataFrame, texts: pd.Series, where: str) -> list[tuple[str, ...]]:
    """The detector's frames (``coded['predicted']``) for each of ``texts``, matched by ``match_key``."""
    predicted = dict(zip(coded["text"].map(match_key), coded["predicted"]))
    keys = texts.map(match_key)
    missing = [t for t, k in zip(texts, keys) if k not in predicted]
    if missing:
        raise ValueError(f"{where}: {len(missing)} sentence(s) have no prediction, e.g. {missing[0]!r}")
    return [predicted[k] for k in keys]


def reference_scores(coded: pd.DataFrame, references: Mapping[str, pd.DataFrame],
                     frame_names: Sequence[str] = FRAME_NAMES) -> pd.DataFrame:
    """The detector's scores against each reference coding, stacked with a ``reference`` column.

    ``coded`` is ``detect_gold``'s output (columns ``text``, ``split``,
    ``predicted``); each reference codes the same sentences (``load_codings``).
    Scores are per split, on the tuning rows and on all rows (``validation_table``).
    """
    parts = []
    for name, reference in references.items():
        scored = reference.assign(predicted=_predictions(coded, reference["text"], f"reference {name!r}"))
        parts.append(validation_table(scored, frame_names).assign(reference=name))
    out = pd.concat(parts, ignore_index=True)
    return out[["reference"] + [c for c in out.columns if c != "reference"]]


def agreement_by_subset(first: pd.DataFrame, second: pd.DataFrame,
                        frame_names: Sequence[str] = FRAME_NAMES) -> pd.DataFrame:
    """``agreement_table`` per split, on the tuning rows (dev + heldout) and on all rows
    (``subset`` column, the subsets of ``helpers.frames.validation_table``), stacked."""
    parts = [agreement_table(first[rows], second[rows], frame_names).assign(subset=subset)
             for subset, rows in subset_masks(first["split"]).items()]
    out = pd.concat(parts, ignore_index=True)
    return out[["subset"] + [c for c in out.columns if c != "subset"]]


def compare_codings(coded: pd.DataFrame, codings: Mapping[str, pd.DataFrame],
                    frame_names: Sequence[str] = FRAME_NAMES) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Agreement of the first two codings (per subset) and the detector's scores against
    every coding (``reference_scores``).

    ``codings`` comes from ``load_codings``, the first coder's gold file first (it sets the
    sentences and splits); ``coded`` is ``detect_gold``'s output for that gold file. With a
    single coding the agreement table is empty.
    """
    names = list(codings)
    if len(names) >= 2:
        agreement = agreement_by_subset(codings[names[0]], codings[names[1]], frame_names)
        agreement.insert(1, "codings", f"{names[1]} vs {names[0]}")
    else:
        agreement = pd.DataFrame(columns=["subset", "codings", "frame", "n_sentences", "n_first", "n_second",
                                          "n_both", "agreement", "alpha", "f1"])
    return agreement, reference_scores(coded, codings, frame_names)


def macro_scores(by_reference: pd.DataFrame) -> pd.DataFrame:
    """The macro rows of ``reference_scores``: one row per reference and subset."""
    macro = by_reference[by_reference["frame"] == "macro"]
    columns = ["reference", "subset", "n_sentences", "precision", "recall", "f1"]
    columns += [c for c in ("f1_ci_low", "f1_ci_high") if c in macro.columns]
    return macro[columns].reset_index(drop=True)


def frame_comparison(agreement: pd.DataFrame, by_reference: pd.DataFrame, subset: str = "test") -> pd.DataFrame:
    """Per frame (and 'macro') on one subset: the support of the last reference (the
    consensus, when given), the two coders' alpha and F1 (the ceiling set by the coders) and the
    detector's F1 against each reference (columns ``detector_vs_<reference>``)."""
    scores = by_reference[by_reference["subset"] == subset]
    if scores.empty:
        raise ValueError(f"no scores for subset {subset!r}")
    last = scores["reference"].iloc[-1]
    out = scores[scores["reference"] == last].set_index("frame")[["support"]]
    out = out.rename(columns={"support": f"support_{last}"})
    if len(agreement):
        rows = agreement[agreement["subset"] == subset].set_index("frame")
        out["coders_alpha"], out["coders_f1"] = rows["alpha"], rows["f1"]
    for reference, table in scores.groupby("reference", sort=False):
        out[f"detector_vs_{reference}"] = table.set_index("frame")["f1"]
    return out.reset_index()


def _indicators(frames: Sequence[Sequence[str]], frame_names: Sequence[str]) -> np.ndarray:
    """sentences x frames boolean matrix: does the sentence carry the frame."""
    return np.array([[f in fs for f in frame_names] for fs in frames], dtype=bool).reshape(len(frames), len(frame_names))


def macro_f1_draws(gold: np.ndarray, pred: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Macro-F1 of ``pred`` against ``gold`` (sentences x frames booleans) for each row of
    ``rows`` (draws x sentences, indices of a resample). F1 is 2tp / (2tp + fp + fn), 0 when
    a frame has neither gold positives nor predictions in the draw (``score_frames``' rule)."""
    tp = (gold & pred)[rows].sum(axis=1)
    errors = (gold ^ pred)[rows].sum(axis=1)
    denominator = 2 * tp + errors
    f1 = np.divide(2 * tp, denominator, out=np.zeros(tp.shape, dtype=float), where=denominator > 0)
    return f1.mean(axis=1)


def macro_f1_interval(reference: Sequence[Sequence[str]], predicted: Sequence[Sequence[str]],
                      frame_names: Sequence[str] = FRAME_NAMES, n_boot: int = 1000, seed: int = 2024,
                      level: float = 0.95) -> tuple[float, float, float]:
    """Macro-F1 of ``predicted`` against ``reference`` with a seeded percentile bootstrap
    interval over sentences: (estimate, ci_low, ci_high); NaN for no sentences.

    Sentences are resampled one by one: the gold sample is a random sample of
    sentences, and its few source pages are too few to resample as clusters. A
    frame absent from a draw scores 0 there, as in the point estimate, which pulls
    the interval down for rare frames.
    """
    gold, pred = _indicators(reference, frame_names), _indicators(predicted, frame_names)
    n = len(gold)
    if n == 0:
        return float("nan"), float("nan"), float("nan")
    estimate = float(macro_f1_draws(gold, pred, np.arange(n)[None, :])[0])
    rows = np.random.default_rng(seed).integers(0, n, size=(n_boot, n))
    draws = macro_f1_draws(gold, pred, rows)
    tail = (1 - level) / 2 * 100
    low, high = np.percentile(draws, [tail, 100 - tail])
    return estimate, float(low), float(high)


def interval_table(coded: pd.DataFrame, codings: Mapping[str, pd.DataFrame], subsets: Sequence[str] = ("test",),
                   frame_names: Sequence[str] = FRAME_NAMES, n_boot: int = 1000, seed: int = 2024) -> pd.DataFrame:
    """Macro-F1 with 95% intervals (``macro_f1_interval``) per subset (a split, 'tuning' or
    'all'): the detector against each coding (``load_codings``, as in ``compare_codings``),
    and the second coding against the first, the ceiling set by the coders."""
    names = list(codings)
    first = codings[names[0]]
    detector = pd.Series(_predictions(coded, first["text"], "gold"), index=first.index, dtype=object)
    masks = subset_masks(first["split"])
    pairs = [(f"detector vs {name}", codings[name]["frames"], detector) for name in names]
    if len(names) >= 2:
        pairs.append((f"{names[1]} vs {names[0]}", first["frames"], codings[names[1]]["frames"]))
    out = []
    for subset in subsets:
        rows = masks.get(subset, np.zeros(len(first), dtype=bool))
        for comparison, reference, other in pairs:
            estimate, low, high = macro_f1_interval(reference[rows].tolist(), other[rows].tolist(),
                                                    frame_names, n_boot, seed)
            out.append({"subset": subset, "comparison": comparison, "n_sentences": int(rows.sum()),
                        "macro_f1": estimate, "ci_low": low, "ci_high": high})
    return pd.DataFrame(out)


def validation_tables(coded: pd.DataFrame, files: Mapping[str, str | Path], frame_names: Sequence[str] = FRAME_NAMES,
                      n_boot: int = 1000, seed: int = 2024) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The detector's scores against every coding and the agreement of the first two
    (``compare_codings``), each macro row with its bootstrap interval (``interval_table``,
    columns ``f1_ci_low``/``f1_ci_high``; null on frame rows): the tables
    ``frames_validation`` and ``coder_agreement`` of ``helpers.schema``."""
    codings = load_codings(files, frame_names)
    agreement, by_reference = compare_codings(coded, codings, frame_names)
    intervals = interval_table(coded, codings, tuple(by_reference["subset"].drop_duplicates()),
                               frame_names, n_boot, seed)
    ci = intervals.rename(columns={"ci_low": "f1_ci_low", "ci_high": "f1_ci_high"})
    ci = ci.assign(frame="macro")[["subset", "comparison", "frame", "f1_ci_low", "f1_ci_high"]]
    by_reference = by_reference.assign(comparison="detector vs " + by_reference["reference"])
    by_reference = by_reference.merge(ci, on=["subset", "comparison", "frame"], how="left").drop(columns="comparison")
    agreement = agreement.merge(ci.rename(columns={"comparison": "codings"}), on=["subset", "codings", "frame"],
                                how="left")
    return by_reference, agreement


def macro_intervals(by_reference: pd.DataFrame, agreement: pd.DataFrame,
                    subsets: Sequence[str] = ("test", "tuning")) -> pd.DataFrame:
    """Macro-F1 and its interval per subset: the detector against each coding, then the
    second coding against the first (``validation_tables``' two tables, macro rows)."""
    detector = macro_scores(by_reference).assign(comparison=lambda t: "detector vs " + t["reference"])
    coders = agreement[agreement["frame"] == "macro"].rename(columns={"codings": "comparison"})
    both = pd.concat([detector, coders], ignore_index=True)
    both = both[both["subset"].isin(subsets)]
    order = {s: i for i, s in enumerate(subsets)}
    both = both.sort_values("subset", key=lambda s: s.map(order), kind="mergesort")
    return both[["subset", "comparison", "n_sentences", "f1", "f1_ci_low", "f1_ci_high"]].reset_index(drop=True)
