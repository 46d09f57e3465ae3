"""The Dask backend of the entity stage: partitions of articles parsed on a cluster, then combined.

In: the articles frame (contract ``schema.ARTICLES``), a spaCy pipeline name, the alias lexicon
and a Dask scheduler address (or ``""`` for a ``LocalCluster`` started for the run).
Out: the same ``sentences.parquet``, ``entities.parquet`` and ``entity_counts.csv`` as the local
path of ``helpers.entities.run_entities``, byte for byte; per-partition Parquet files under
``<interim>/partitions/<run key>/`` while the run lasts (removed when it succeeds, kept for
inspection when it fails). Both paths build rows with ``helpers.parsing``; this module does not
import ``helpers.entities`` (which imports this one when asked for dask).
Used by: notebooks/02-entities.ipynb with ``backend = "dask"`` (through ``run_entities``).

How it works
    1. The articles, sorted by article_id as the local path sorts them, are cut into contiguous
       partitions; each partition's (article_id, text) goes to ``part-NNNNN-articles.parquet``
       so a retried task reads its input from disk, not from a worker that may have died.
    2. One task per partition (``retries=2``): the worker builds the spaCy pipeline once per
       process (``_worker_nlp`` caches it by model, lexicon file and lexicon sha256), parses its
       articles through ``iter_docs`` (so it reads and fills the same DocBin cache as the local
       path) and writes ``part-NNNNN-sentences.parquet`` / ``part-NNNNN-entities.parquet`` with
       ``parsing.article_rows`` (the row code the local path uses), each file written to a
       temporary name and renamed.
    3. The driver checks that every partition succeeded and that its two files exist and hold
       the row counts the task reported, then streams the partitions, in order, through
       ``parsing.EntityTables`` with the local path's row groups: the final tables are those
       of a local run. A partition that still fails after its retries stops the run with an
       error naming the partition and its article ids; nothing is combined then.

Workers must see the same filesystem as the driver (the output directory and the cache): true
for a LocalCluster; on several machines, put ``out_dir`` on a shared disk.
"""

from __future__ import annotations

import hashlib
import math
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
from spacy.language import Language

from .cluster import TASK_RETRIES, PartitionError, dask_client, partition_bounds, restored_environ  # noqa: F401
from .parsing import (
    CacheStats,
    EntitiesSummary,
    EntityTables,
    article_rows,
    build_nlp,
    finish_entities,
    iter_docs,
    sorted_articles,
)
from .io import atomic_path
from .lexicon import lexicon_sha256, load_aliases
from .paths import Paths
from .schema import ENTITIES, SENTENCES

__all__ = ["PartitionError", "entities_partition", "partition_bounds", "run_entities_dask"]

# Default partition size: big enough that scheduling costs nothing next to parsing, small
# enough that a lost partition costs little to redo and that workers share the load.
ARTICLES_PER_PARTITION = 1000


@dataclass(frozen=True)
class _Partition:
    index: int
    article_ids: tuple[str, ...]
    articles_file: Path
    sentences_file: Path
    entities_file: Path

    def describe(self) -> str:
        ids = self.article_ids
        shown = ", ".join(ids) if len(ids) <= 10 else f"{', '.join(ids[:5])}, ..., {', '.join(ids[-3:])}"
        return f"partition {self.index:05d} ({len(ids)} articles: {shown})"


def _run_key(articles: pd.DataFrame, spacy_model: str, aliases_path: Path, n_partitions: int, batch_size: int) -> str:
    """A name for the run's scratch directory, from everything that decides its partitions."""
    h = hashlib.sha256()
    for part in (spacy_model, lexicon_sha256(aliases_path), str(n_partitions), str(batch_size)):
        h.update(part.encode("utf-8") + b"\0")
    for article_id, text in zip(articles["article_id"], articles["text"]):
        h.update(str(article_id).encode("utf-8") + b"\0" + hashlib.sha256(text.encode("utf-8")).digest())
    return h.hexdigest()[:16]


# --- on the workers -------------------------------------------------------------------------------

# One pipeline per worker process and (model, lexicon): loading spaCy takes seconds, a task
# should not pay for it again.
_NLP_CACHE: dict[tuple[str, str, str], Language] = {}


def _worker_nlp(spacy_model: str, aliases_path: str) -> Language:
    key = (spacy_model, aliases_path, lexicon_sha256(Path(aliases_path)))
    if key not in _NLP_CACHE:
        _NLP_CACHE[key] = build_nlp(spacy_model, Path(aliases_path))
    return _NLP_CACHE[key]


def entities_partition(
    index: int,
    articles_file: str,
    sentences_file: str,
    entities_file: str,
    spacy_model: str,
    aliases_path: str,
    cache_dir: str,
    batch_size: int,
    fail: bool = False,
    kill_marker: str = "",
) -> dict[str, int]:
    """Parse one partition and write its two tables; returns its row counts and cache stats.

    For the tests of failure handling only: ``fail`` makes the task raise every time;
    ``kill_marker`` (a file name) makes the first attempt kill its worker process outright,
    as a crash or an OOM kill would, and leaves the file behind so that the retry runs.
    """
    if fail:
        raise RuntimeError(f"failure injected into partition {index:05d}")
    if kill_marker and not Path(kill_marker).exists():
        Path(kill_marker).touch()
        os._exit(1)
    nlp = _worker_nlp(spacy_model, aliases_path)
    articles = pd.read_parquet(articles_file)
    stats = CacheStats()
    with atomic_path(Path(sentences_file)) as tmp_sentences, atomic_path(Path(entities_file)) as tmp_entities:
        tables = EntityTables(tmp_sentences, tmp_entities, batch_size)
        try:
            docs = iter_docs(articles, nlp, Path(cache_dir), batch_size, 1, stats)
            for (article_id, doc), text in zip(docs, articles["text"]):
                tables.add_article(*article_rows(article_id, doc, text))
        finally:
            tables.close()
    return {
        "index": index, "n_articles": tables.n_articles, "n_sentences": tables.n_sentences,
        "n_entities": tables.n_entities, "n_cache_hits": stats.hits, "n_parsed": stats.parsed,
    }


# --- on the driver --------------------------------------------------------------------------------

def _check_partition(part: _Partition, result: dict[str, int]) -> None:
    """The task's files exist and hold the rows it reported; else the partition is not complete."""
    expected = {part.sentences_file: result["n_sentences"], part.entities_file: result["n_entities"]}
    if result["n_articles"] != len(part.article_ids):
        raise PartitionError(
            f"entities (dask): {part.describe()} processed {result['n_articles']} articles, not {len(part.article_ids)}"
        )
    for path, n_rows in expected.items():
        if not path.exists():
            raise PartitionError(f"entities (dask): {part.describe()} reported success but {path.name} is missing")
        found = pq.ParquetFile(path).metadata.num_rows
        if found != n_rows:
            raise PartitionError(
                f"entities (dask): {part.describe()}: {path.name} has {found} rows, the task wrote {n_rows}"
            )


def _rows(path: Path, columns: list[str]) -> list[tuple]:
    data = pq.read_table(path, columns=list(columns)).to_pydict()
    return list(zip(*(data[c] for c in columns)))


def _combine(parts: list[_Partition], tables: EntityTables) -> None:
    """Feed the partitions' rows, article by article and in order, into the final tables."""
    for part in parts:
        sentence_rows = _rows(part.sentences_file, SENTENCES.names)
        entity_rows = _rows(part.entities_file, ENTITIES.names)
        i_sent = i_ent = 0
        for article_id in part.article_ids:
            j_sent = i_sent
            while j_sent < len(sentence_rows) and sentence_rows[j_sent][0] == article_id:
                j_sent += 1
            j_ent = i_ent
            while j_ent < len(entity_rows) and entity_rows[j_ent][0] == article_id:
                j_ent += 1
            tables.add_article(sentence_rows[i_sent:j_sent], entity_rows[i_ent:j_ent])
            i_sent, i_ent = j_sent, j_ent
        if i_sent != len(sentence_rows) or i_ent != len(entity_rows):
            raise PartitionError(f"entities (dask): {part.describe()} holds rows out of article order or of other articles")


def run_entities_dask(
    articles: pd.DataFrame,
    paths: Paths,
    spacy_model: str,
    aliases_path: Path,
    batch_size: int = 64,
    n_process: int = 1,
    scheduler: str = "",
    n_partitions: int | None = None,
    n_workers: int = 2,
    fail_partition: int | None = None,
    kill_partition: int | None = None,
) -> EntitiesSummary:
    """``run_entities`` on a Dask cluster: same tables, same bytes, same summary.

    ``scheduler``: address of a running scheduler (``"tcp://host:8786"``), or ``""`` to start a
    LocalCluster of ``n_workers`` single-threaded processes for this run.
    ``n_partitions``: how many partitions to cut the articles into; by default one per
    ``ARTICLES_PER_PARTITION`` articles and at least two per worker.
    ``n_process`` is accepted for the same call as the local path but not used: each worker is
    one process, the cluster's size is the parallelism.
    ``fail_partition`` / ``kill_partition``: for tests only, the index of a partition whose task
    always raises / whose first attempt kills its worker process (the retry must then succeed).
    Raises ``PartitionError`` naming the partition and its article ids when a partition fails
    after ``TASK_RETRIES`` retries or leaves incomplete output; the final tables are then untouched.
    """
    del n_process  # see docstring
    aliases_path = Path(aliases_path)
    load_aliases(aliases_path)  # a bad lexicon fails here, before a cluster starts
    articles = sorted_articles(articles)
    stats = CacheStats()
    paths.processed_dir.mkdir(parents=True, exist_ok=True)
    with dask_client(scheduler, n_workers) as client:
        n_live = len(client.scheduler_info().get("workers", {})) or n_workers
        if n_partitions is None:
            n_partitions = max(2 * n_live, math.ceil(len(articles) / ARTICLES_PER_PARTITION))
        bounds = partition_bounds(len(articles), n_partitions)
        run_dir = paths.interim_dir / "partitions" / _run_key(articles, spacy_model, aliases_path, len(bounds), batch_size)
        shutil.rmtree(run_dir, ignore_errors=True)  # leftovers of a failed run with the same inputs
        run_dir.mkdir(parents=True)
        parts = []
        for index, (start, stop) in enumerate(bounds):
            chunk = articles.iloc[start:stop][["article_id", "text"]]
            prefix = run_dir / f"part-{index:05d}"
            part = _Partition(
                index=index, article_ids=tuple(str(a) for a in chunk["article_id"]),
                articles_file=Path(f"{prefix}-articles.parquet"),
                sentences_file=Path(f"{prefix}-sentences.parquet"),
                entities_file=Path(f"{prefix}-entities.parquet"),
            )
            with atomic_path(part.articles_file) as tmp:
                chunk.to_parquet(tmp, index=False, engine="pyarrow", compression="zstd")
            parts.append(part)
        futures = [
            client.submit(
                entities_partition, part.index, str(part.articles_file), str(part.sentences_file),
                str(part.entities_file), spacy_model, str(aliases_path), str(paths.doc_cache_dir), batch_size,
                part.index == fail_partition,
                str(run_dir.parent / f"{run_dir.name}-part-{part.index:05d}.killed") if part.index == kill_partition else "",
                key=f"entities-{run_dir.name}-part-{part.index:05d}", retries=TASK_RETRIES, pure=False,
            )
            for part in parts
        ]
        failures = []
        results: list[dict[str, int]] = []
        for part, future in zip(parts, futures):
            try:
                results.append(future.result())
            except Exception as exc:  # collect every failed partition, then report them all
                failures.append(f"{part.describe()}: {type(exc).__name__}: {exc}")
    if failures:
        raise PartitionError(
            f"entities (dask): {len(failures)} of {len(parts)} partitions failed after {TASK_RETRIES} retries "
            f"(partial output kept in {run_dir}); no table was written:\n  " + "\n  ".join(failures)
        )
    for part, result in zip(parts, results):
        _check_partition(part, result)
        stats.hits += result["n_cache_hits"]
        stats.parsed += result["n_parsed"]
    with atomic_path(paths.sentences) as tmp_sentences, atomic_path(paths.entities) as tmp_entities:
        tables = EntityTables(tmp_sentences, tmp_entities, batch_size)
        try:
            _combine(parts, tables)
        finally:
            tables.close()
    summary = finish_entities(tables, articles, paths, stats)
    shutil.rmtree(run_dir, ignore_errors=True)
    return summary
