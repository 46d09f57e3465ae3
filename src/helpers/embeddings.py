"""Sentence embeddings for the frame model, from weights installed with the package.

In: sentences (strings).
Out: ``embed(texts)`` — one unit-length float32 vector per text (256 dimensions), the same on
every machine for the same text.
Used by: ``helpers.frame_model`` (the trained half of the frame detector, 03-framing).

The model is WordLlama (``wordllama`` on PyPI, MIT licence): static token embeddings distilled
from a large language model's embedding layer, averaged over a sentence's tokens. Its weights
(``l2_supercat_256.safetensors``, 16 MB) and tokenizer ship inside the wheel, which is pure
Python, so it installs from the lock on Linux and macOS alike. ``WordLlama.load()`` would
reach for a model hub to fetch its tokenizer configuration; this module builds the model from
the installed files instead, so nothing is downloaded at run time. It embeds about 7,800
sentences a second on one core of the project's machine: a corpus of 280,000 sentences costs
about 40 seconds.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np

MODEL_CONFIG = "l2_supercat"
MODEL_DIM = 256


class EmbeddingModelError(RuntimeError):
    """The installed embedding model cannot be read (names the file)."""


@lru_cache(maxsize=1)
def _model():
    import wordllama
    from safetensors import safe_open
    from wordllama import WordLlama
    from wordllama.config import Config
    from wordllama.inference import WordLlamaInference

    root = Path(wordllama.__file__).parent
    weights = root / "weights" / f"{MODEL_CONFIG}_{MODEL_DIM}.safetensors"
    tokenizer_file = root / "tokenizers" / f"{MODEL_CONFIG}_tokenizer_config.json"
    for path in (weights, tokenizer_file):
        if not path.is_file():
            raise EmbeddingModelError(f"{path}: not installed (the wordllama package ships it; reinstall from the lock)")
    config = Config._configurations[MODEL_CONFIG]
    tokenizer = WordLlama.load_tokenizer(tokenizer_file, config)
    with safe_open(str(weights), framework="np", device="cpu") as fh:
        embedding = fh.get_tensor("embedding.weight")
    return WordLlamaInference(embedding, config, tokenizer)


def model_id() -> str:
    """What decides the vectors (for caches and model files): package version, model, size."""
    import wordllama

    return f"wordllama-{getattr(wordllama, '__version__', 'unknown')}:{MODEL_CONFIG}:{MODEL_DIM}"


def embed(texts: list[str], batch_size: int = 4096) -> np.ndarray:
    """Unit-length embeddings, float32, shape (len(texts), MODEL_DIM); an empty text gives zeros."""
    if not texts:
        return np.zeros((0, MODEL_DIM), dtype=np.float32)
    model = _model()
    out = np.zeros((len(texts), MODEL_DIM), dtype=np.float32)
    for start in range(0, len(texts), batch_size):
        chunk = [t if t and t.strip() else " " for t in texts[start:start + batch_size]]
        vectors = np.asarray(model.embed(chunk, norm=False), dtype=np.float64)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        out[start:start + len(chunk)] = np.where(norms > 0, vectors / np.where(norms > 0, norms, 1), 0)
    return out
