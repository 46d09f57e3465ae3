"""The trained half of the frame detector: a classifier on sentence embeddings, and how it is
combined with the codebook's rules.

In: sentences with the two sentences before them (their context), the rules' frames for them
(``helpers.frames.FrameDetector``), sentence embeddings (``helpers.embeddings``), hand-coded
gold for training (``data/validation/v2/``, ``data/validation/frames_consensus.csv``) and the
codebook's own prose (definitions, include and exclude notes, used as labelled examples).
Out: ``FrameModel`` — per frame, a logistic regression on [sentence embedding, context
embedding, the rules' nine verdicts, the sentence's TF-IDF word and word-pair weights], a
decision threshold, and the declared way its verdict and the rules' are combined
(``combine``: 'rules', 'model', 'union' or 'stacked'); saved as one ``.npz`` file (weights,
vocabulary and idf) with its sha256 recorded beside it (``data/models/``).
Used by: ``helpers.framing`` (03-framing) through ``FrameModel.frames``; trained by
``python -m helpers.frame_training`` (``make frame-model``).

Everything is deterministic: the embeddings are static, scikit-learn's ``lbfgs`` solver is
seeded, and the features are built in a fixed order, so the same gold gives the same file.
"""

from __future__ import annotations

import hashlib
import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import numpy as np

from .frames import FRAME_NAMES

COMBINATIONS = ("rules", "model", "union", "stacked")
MODEL_FORMAT = "frame-model-2"
# how sentences are turned into TF-IDF weights (scikit-learn's TfidfVectorizer, fixed vocabulary)
TFIDF_OPTIONS = {"ngram_range": (1, 2), "sublinear_tf": True, "lowercase": True}


class FrameModelError(ValueError):
    """A model file cannot be used (names the file and the problem)."""


def context_vectors(sentence_vectors: np.ndarray, article_starts: np.ndarray, window: int = 2) -> np.ndarray:
    """For each sentence, the normalised mean of the embeddings of up to ``window`` sentences
    before it in the same article (zeros for an article's first sentence).

    ``article_starts[i]`` is the index of the first sentence of sentence i's article.
    """
    n, dim = sentence_vectors.shape
    out = np.zeros((n, dim), dtype=np.float32)
    for k in range(1, window + 1):
        prev = np.arange(n) - k
        ok = prev >= article_starts
        out[ok] += sentence_vectors[prev[ok]]
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    return np.where(norms > 0, out / np.where(norms > 0, norms, 1), 0).astype(np.float32)


def feature_matrix(sentence_vectors: np.ndarray, context: np.ndarray, rule_flags: np.ndarray) -> np.ndarray:
    """[sentence embedding, context embedding, the rules' nine verdicts (0/1)]."""
    return np.hstack([sentence_vectors, context, rule_flags.astype(np.float32)]).astype(np.float32)


def tfidf_vectorizer(vocabulary: Sequence[str] | None = None, idf: np.ndarray | None = None, min_df: int = 2):
    """The project's TF-IDF vectorizer: unfitted (``vocabulary`` None, to fit on training
    text), or rebuilt from a saved vocabulary and idf."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    if vocabulary is None:
        return TfidfVectorizer(min_df=min_df, dtype=np.float64, **TFIDF_OPTIONS)
    vectorizer = TfidfVectorizer(vocabulary={t: i for i, t in enumerate(vocabulary)}, dtype=np.float64, **TFIDF_OPTIONS)
    vectorizer.idf_ = np.asarray(idf, dtype=np.float64)
    return vectorizer


@dataclass
class FrameModel:
    """Per frame: weights and bias of a logistic regression over ``feature_matrix`` and the
    sentence's TF-IDF weights, a threshold on its probability, and the combination with the
    rules declared for it."""

    frames: tuple[str, ...]
    weights: np.ndarray  # (n_frames, n_dense_features + len(vocabulary))
    bias: np.ndarray  # (n_frames,)
    thresholds: np.ndarray  # (n_frames,)
    combine: dict[str, str]
    embedding: str  # helpers.embeddings.model_id() of the vectors it was trained on
    vocabulary: tuple[str, ...] = ()
    idf: np.ndarray = field(default_factory=lambda: np.zeros(0))
    meta: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._vectorizer = tfidf_vectorizer(self.vocabulary, self.idf) if self.vocabulary else None

    @property
    def n_dense(self) -> int:
        return self.weights.shape[1] - len(self.vocabulary)

    def probabilities(self, features: np.ndarray, texts: Sequence[str] | None = None) -> np.ndarray:
        """(n_sentences, n_frames) probabilities from the dense features and the texts."""
        z = features @ self.weights[:, : self.n_dense].T + self.bias
        if self._vectorizer is not None:
            if texts is None or len(texts) != len(features):
                raise ValueError("this frame model reads the sentences' words: pass their texts")
            z = z + np.asarray(self._vectorizer.transform(list(texts)) @ self.weights[:, self.n_dense:].T)
        return 1.0 / (1.0 + np.exp(-np.clip(z, -50, 50)))

    def decide(self, features: np.ndarray, rule_flags: np.ndarray, texts: Sequence[str] | None = None) -> np.ndarray:
        """(n_sentences, n_frames) booleans: each frame's combination of model and rules."""
        rules = rule_flags.astype(bool)
        if len(features) == 0:
            return rules.copy()
        model = self.probabilities(features, texts) >= self.thresholds
        out = np.zeros_like(rules)
        for j, frame in enumerate(self.frames):
            how = self.combine.get(frame, "rules")
            if how == "rules":
                out[:, j] = rules[:, j]
            elif how == "union":
                out[:, j] = rules[:, j] | model[:, j]
            else:  # 'model', 'stacked': the model decides (stacked: it also reads the rules' verdicts)
                out[:, j] = model[:, j]
        return out

    # --- files -----------------------------------------------------------------------------------

    def save(self, path: Path) -> str:
        """Write the model (deterministic bytes) and ``<path>.sha256``; returns the sha256."""
        path = Path(path)
        header = {"format": MODEL_FORMAT, "frames": list(self.frames), "combine": self.combine,
                  "embedding": self.embedding, "meta": self.meta, "vocabulary": list(self.vocabulary)}
        buf = io.BytesIO()
        np.savez(buf, weights=self.weights.astype(np.float64), bias=self.bias.astype(np.float64),
                 thresholds=self.thresholds.astype(np.float64), idf=np.asarray(self.idf, dtype=np.float64),
                 header=np.frombuffer(json.dumps(header, sort_keys=True).encode(), dtype=np.uint8))
        data = _stable_npz(buf.getvalue())
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        digest = hashlib.sha256(data).hexdigest()
        path.with_name(path.name + ".sha256").write_text(f"{digest}  {path.name}\n", encoding="utf-8")
        return digest

    @classmethod
    def load(cls, path: Path) -> "FrameModel":
        path = Path(path)
        if not path.is_file():
            raise FrameModelError(f"{path}: no frame model file (build it with `make frame-model`)")
        data = path.read_bytes()
        recorded = path.with_name(path.name + ".sha256")
        if recorded.is_file():
            expected = recorded.read_text(encoding="utf-8").split()[0]
            if hashlib.sha256(data).hexdigest() != expected:
                raise FrameModelError(f"{path}: sha256 differs from {recorded.name} (the file changed; rebuild it)")
        with np.load(io.BytesIO(data)) as npz:
            header = json.loads(bytes(npz["header"]).decode())
            if header.get("format") != MODEL_FORMAT:
                raise FrameModelError(f"{path}: format {header.get('format')!r}, expected {MODEL_FORMAT!r}")
            frames = tuple(header["frames"])
            if set(frames) - set(FRAME_NAMES):
                raise FrameModelError(f"{path}: unknown frame(s) {sorted(set(frames) - set(FRAME_NAMES))}")
            bad = {f: c for f, c in header["combine"].items() if c not in COMBINATIONS}
            if bad:
                raise FrameModelError(f"{path}: unknown combination(s) {bad} (allowed: {', '.join(COMBINATIONS)})")
            vocabulary = tuple(header.get("vocabulary", ()))
            if npz["weights"].shape[1] < len(vocabulary) or len(npz["idf"]) != len(vocabulary):
                raise FrameModelError(f"{path}: weights, vocabulary and idf do not fit together")
            return cls(frames, npz["weights"], npz["bias"], npz["thresholds"], header["combine"],
                       header["embedding"], vocabulary, npz["idf"], header.get("meta", {}))


def _stable_npz(data: bytes) -> bytes:
    """An .npz (a zip) rewritten with fixed timestamps, so equal arrays give equal bytes."""
    import zipfile

    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as dst:
        for name in sorted(src.namelist()):
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            dst.writestr(info, src.read(name))
    return out.getvalue()
