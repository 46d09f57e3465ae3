"""End to end: the batch runner on a temporary copy of some pages, as a user with their own corpus."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from helpers import pipeline, schema
from helpers.paths import DEFAULT_RAW_DIR, run_paths

pytestmark = pytest.mark.e2e


def _pages(n: int) -> list[Path]:
    return sorted(p for p in DEFAULT_RAW_DIR.glob("*.txt"))[:n]


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    """Run every available stage on three seed pages, twice into the same output root."""
    base = tmp_path_factory.mktemp("e2e")
    raw = base / "my_pages"
    raw.mkdir()
    for page in _pages(3):
        shutil.copy(page, raw / page.name)
    (raw / "notes.docx").write_bytes(b"PK\x03\x04 not a page")  # must be rejected, not crash the run
    out = base / "study"
    assert pipeline.main(["--raw-dir", str(raw), "--out-dir", str(out)]) == 0
    first = base / "first_run"
    shutil.copytree(out, first, ignore=shutil.ignore_patterns("interim"))
    # a second run over the same output (warm caches) must reproduce every byte
    assert pipeline.main(["--raw-dir", str(raw), "--out-dir", str(out)]) == 0
    return raw, (out, first)


def test_outputs_land_under_out_dir(study):
    raw, (out, _) = study
    paths = run_paths(raw, out)
    for stage in pipeline.available_stages():
        assert (paths.executed_notebooks_dir / stage.notebook).exists()
    articles = pd.read_parquet(paths.articles)
    schema.conform(articles, schema.ARTICLES)
    assert set(articles["source_file"]) == {p.name for p in _pages(3)}
    for row in articles.itertuples():
        assert row.n_words == len(row.text.split())


def test_every_raw_file_is_accounted_for(study):
    raw, (out, _) = study
    manifest = pd.read_csv(run_paths(raw, out).raw_manifest)
    assert sorted(manifest["source_file"]) == sorted(p.name for p in raw.iterdir())
    docx = manifest.set_index("source_file").loc["notes.docx"]
    assert docx["status"] == "rejected" and "unsupported" in docx["reason"]
    # no SHA256SUMS in the user's corpus: nothing to verify against, said so
    assert set(manifest.loc[manifest["role"] == "page", "checksum_status"]) == {"unverified"}


def test_two_runs_give_the_same_bytes(study):
    _, (a, b) = study
    files_a = sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file() and "interim" not in p.parts)
    files_b = sorted(p.relative_to(b) for p in b.rglob("*") if p.is_file() and "interim" not in p.parts)
    assert files_a == files_b and files_a
    differing = [str(f) for f in files_a if (a / f).read_bytes() != (b / f).read_bytes()]
    assert differing == []


def test_executed_notebooks_hold_no_machine_path(study):
    raw, (out, _) = study
    for nb in run_paths(raw, out).executed_notebooks_dir.glob("*.ipynb"):
        text = nb.read_text()
        assert "start_time" not in text and "input_path" not in text


def test_a_failing_notebook_is_named_and_stops_the_run(tmp_path, capsys):
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "empty.txt").write_bytes(b"")  # a page, but it yields no article: the clean stage must fail
    code = pipeline.main(["--raw-dir", str(raw), "--out-dir", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 1
    assert "notebooks/01-clean.ipynb failed in cell" in err
    assert (tmp_path / "out" / "reports" / "notebooks" / "01-clean.failed.ipynb").exists()
    assert not (tmp_path / "out" / "reports" / "notebooks" / "02-entities.ipynb").exists()


def test_the_dask_backend_gives_the_same_tables_through_the_notebooks(study, tmp_path):
    """01-clean and 02-entities run by papermill with backend dask (a LocalCluster in the kernel)."""
    import yaml

    from helpers.paths import PARAMS_FILE

    raw, (_, first) = study
    params = yaml.safe_load(PARAMS_FILE.read_text())
    params["common"]["backend"] = "dask"
    params_file = tmp_path / "params-dask.yaml"
    params_file.write_text(yaml.safe_dump(params))
    out = tmp_path / "dask"
    assert pipeline.main(["--params", str(params_file), "--raw-dir", str(raw), "--out-dir", str(out),
                          "--only", "clean", "--only", "entities"]) == 0
    written = sorted(p.name for p in (out / "data" / "processed").iterdir())
    assert {"articles.parquet", "raw_manifest.csv", "blocks.parquet", "sentences.parquet", "entities.parquet"} <= set(written)
    differing = [n for n in written if (out / "data" / "processed" / n).read_bytes()
                 != (first / "data" / "processed" / n).read_bytes()]
    assert differing == []
