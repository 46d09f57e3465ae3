"""The dask backend of the cleaning stage: same tables as the local path, clear failures."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest

from helpers import clean
from helpers.cluster import PartitionError
from helpers.dask_clean import scan_and_draft_dask
from helpers.paths import DEFAULT_RAW_DIR
from helpers.rawfiles import scan_settings

TABLES = ("articles", "manifest", "blocks", "removed", "overrides")


@pytest.fixture(scope="module")
def raw(tmp_path_factory) -> Path:
    """The seed pages plus files every rule of the scan must see: duplicates across partitions,
    a checksum mismatch, an empty page, other file types, HTML, mixed encodings, boilerplate only."""
    raw = tmp_path_factory.mktemp("dask-clean") / "raw"
    raw.mkdir()
    seeds = sorted(DEFAULT_RAW_DIR.glob("*.txt"))
    for page in seeds:
        shutil.copy(page, raw / page.name)
    shutil.copy(seeds[0], raw / "zz_copy_of_first.txt")  # a duplicate, far from its original
    (raw / "a_empty.txt").write_bytes(b"")
    (raw / "b_notes.docx").write_bytes(b"PK\x03\x04 not a page")
    (raw / "c_page.html").write_text(
        "<html><body><nav>Home | News</nav><article><h1>A page</h1>"
        + "".join(f"<p>The MEK was discussed again in paragraph {i}, a sentence long enough to keep.</p>" for i in range(8))
        + "</article></body></html>", encoding="utf-8")
    (raw / "d_mixed.txt").write_bytes("Caf\u00e9 society and the MKO. ".encode() * 20 + b"A \x93quoted\x94 word.\n")
    (raw / "e_furniture.txt").write_text("Share\nTweet\nSubscribe\n", encoding="utf-8")
    (raw / "f_mismatch.txt").write_text("Listed with a wrong checksum.\n", encoding="utf-8")
    sums = [f"{hashlib.sha256(p.read_bytes()).hexdigest()}  {p.name}" for p in sorted(raw.iterdir())]
    sums = [line if not line.endswith("f_mismatch.txt") else "0" * 64 + "  f_mismatch.txt" for line in sums]
    (raw / "SHA256SUMS").write_text("\n".join(sums + ["1" * 64 + "  listed_but_missing.txt"]) + "\n")
    return raw


@pytest.fixture(scope="module")
def cluster():
    from distributed import LocalCluster

    from helpers.cluster import restored_environ

    with restored_environ(), LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                          dashboard_address=None) as c:
        yield c


def _clean(raw: Path, **kw) -> clean.CleanResult:
    return clean.clean_corpus(raw, checksums_file=raw / "SHA256SUMS", **kw)


def _same(a: clean.CleanResult, b: clean.CleanResult) -> None:
    for name in TABLES:
        x, y = getattr(a, name), getattr(b, name)
        assert x.equals(y), name
        assert list(x.dtypes) == list(y.dtypes), name
    assert a.warnings == b.warnings
    assert a.page_texts == b.page_texts


@pytest.mark.e2e
def test_dask_gives_the_same_tables_as_local(raw, cluster):
    local = _clean(raw)
    got = _clean(raw, backend="dask", scheduler=cluster.scheduler_address)
    _same(local, got)
    status = local.manifest.set_index("source_file")["status"]
    # the scan's rules all fired, so the comparison covers them
    assert status["zz_copy_of_first.txt"] == "rejected" and status["f_mismatch.txt"] == "rejected"
    assert status["c_page.html"] == "ok" and status["d_mixed.txt"] == "ok"
    assert any("listed_but_missing.txt" in w for w in local.warnings)


@pytest.mark.e2e
@pytest.mark.parametrize("n_partitions", [1, 3, 40])
def test_partitioning_does_not_change_the_result(raw, cluster, n_partitions):
    """Duplicates and repeated sentences across partition borders are still found."""
    settings = scan_settings(raw, raw / "SHA256SUMS")
    from helpers.rawfiles import scan_raw_dir
    from helpers.segment import draft_page

    expected = scan_raw_dir(raw, raw / "SHA256SUMS")
    got, drafts = scan_and_draft_dask(raw, settings, cluster.scheduler_address, n_partitions=n_partitions)
    assert got.manifest_rows == expected.manifest_rows and got.warnings == expected.warnings
    assert [p.source_file for p in got.pages] == [p.source_file for p in expected.pages]
    assert [d.index for d in drafts] == list(range(len(expected.pages)))
    assert [d.page is p for d, p in zip(drafts, got.pages)] == [True] * len(drafts)
    local_drafts = [draft_page(p, i) for i, p in enumerate(expected.pages)]
    assert [len(d.paras) for d in drafts] == [len(d.paras) for d in local_drafts]


@pytest.mark.e2e
def test_a_partition_that_always_fails_stops_the_run_and_names_its_files(raw, cluster):
    settings = scan_settings(raw, raw / "SHA256SUMS")
    with pytest.raises(PartitionError) as err:
        scan_and_draft_dask(raw, settings, cluster.scheduler_address, n_partitions=4, fail_partition=1)
    message = str(err.value)
    assert "1 of 4 partitions failed after 2 retries" in message and "partition 00001" in message
    assert "failure injected" in message and ".txt" in message


@pytest.mark.e2e
def test_a_worker_killed_mid_run_is_retried_and_loses_nothing(raw, tmp_path):
    """Its own cluster: the killed worker's nanny restarts it, the task runs again."""
    settings = scan_settings(raw, raw / "SHA256SUMS")
    got, _ = scan_and_draft_dask(raw, settings, "", n_workers=2, n_partitions=3, kill_partition=1, kill_dir=tmp_path)
    assert (tmp_path / ".clean-part-00001.killed").exists()  # the first attempt really died
    from helpers.rawfiles import scan_raw_dir

    assert got.manifest_rows == scan_raw_dir(raw, raw / "SHA256SUMS").manifest_rows


def test_unknown_backend_or_stray_scheduler_is_refused_before_any_work(raw):
    with pytest.raises(ValueError, match=r"clean: unknown backend 'spark'.*local, dask"):
        _clean(raw, backend="spark")
    with pytest.raises(ValueError, match="only used with backend 'dask'"):
        _clean(raw, scheduler="tcp://127.0.0.1:8786")
