"""The batch runner: parameter checks before any work, clear failures, stable executed notebooks."""

from __future__ import annotations

import nbformat
import pytest

from helpers import pipeline
from helpers.paths import NOTEBOOKS_DIR


def write(path, text):
    path.write_text(text, encoding="utf-8")
    return path


def test_load_params_reads_sections(tmp_path):
    f = write(tmp_path / "p.yaml", "common:\n  raw_dir: x\nclean:\n  verify_checksums: false\n")
    assert pipeline.load_params(f) == {"common": {"raw_dir": "x"}, "clean": {"verify_checksums": False}}


def test_malformed_yaml_names_file_and_line(tmp_path):
    f = write(tmp_path / "p.yaml", "common:\n  raw_dir: [unclosed\n")
    with pytest.raises(pipeline.PipelineError, match=r"p\.yaml line \d+: not valid YAML"):
        pipeline.load_params(f)


def test_missing_params_file(tmp_path):
    with pytest.raises(pipeline.PipelineError, match="parameters file not found"):
        pipeline.load_params(tmp_path / "nope.yaml")


def test_unknown_section_is_rejected(tmp_path):
    f = write(tmp_path / "p.yaml", "cleaning:\n  a: 1\n")
    with pytest.raises(pipeline.PipelineError, match="unknown section 'cleaning'"):
        pipeline.load_params(f)


def test_section_must_be_a_mapping(tmp_path):
    f = write(tmp_path / "p.yaml", "clean: 3\n")
    with pytest.raises(pipeline.PipelineError, match="section 'clean' must be a mapping"):
        pipeline.load_params(f)


def test_unknown_parameter_names_the_notebook(tmp_path):
    f = write(tmp_path / "p.yaml", "clean:\n  verify_checksum: true\n")
    params = pipeline.load_params(f)
    stages = [s for s in pipeline.available_stages() if s.name == "clean"]
    with pytest.raises(pipeline.PipelineError, match=r"unknown parameter\(s\) \['verify_checksum'\] for notebooks/01-clean.ipynb"):
        pipeline.plan(params, stages, f)


def test_unknown_common_parameter(tmp_path):
    f = write(tmp_path / "p.yaml", "common:\n  rawdir: x\n")
    params = pipeline.load_params(f)
    with pytest.raises(pipeline.PipelineError, match="common parameter 'rawdir' is not declared"):
        pipeline.plan(params, pipeline.available_stages(), f)


def test_common_parameters_go_only_where_declared(tmp_path):
    f = write(tmp_path / "p.yaml", "common:\n  raw_dir: r\n  out_dir: o\nclean:\n  apply_overrides: false\n")
    planned = dict((s.name, p) for s, p in pipeline.plan(pipeline.load_params(f), pipeline.available_stages(), f))
    assert planned["clean"] == {"raw_dir": "r", "out_dir": "o", "apply_overrides": False}


def test_every_notebook_declares_its_parameters():
    for stage in pipeline.available_stages():
        declared = pipeline.notebook_parameters(NOTEBOOKS_DIR / stage.notebook)
        assert {"raw_dir", "out_dir"} <= set(declared), stage.notebook


def test_project_params_file_matches_the_notebooks():
    params = pipeline.load_params(pipeline.P.PARAMS_FILE)
    planned = pipeline.plan(params, pipeline.available_stages(), pipeline.P.PARAMS_FILE)
    assert [s.name for s, _ in planned] == [s.name for s in pipeline.available_stages()]


def test_raw_dir_checks(tmp_path):
    with pytest.raises(pipeline.PipelineError, match="does not exist"):
        pipeline.check_raw_dir(tmp_path / "missing")
    (tmp_path / "empty").mkdir()
    with pytest.raises(pipeline.PipelineError, match="holds no page"):
        pipeline.check_raw_dir(tmp_path / "empty")
    (tmp_path / "empty" / "SHA256SUMS").write_text("")
    with pytest.raises(pipeline.PipelineError, match="holds no page"):
        pipeline.check_raw_dir(tmp_path / "empty")


def test_main_reports_bad_params_and_exits_nonzero(tmp_path, capsys):
    f = write(tmp_path / "p.yaml", "clean:\n  bogus: 1\n")
    assert pipeline.main(["--params", str(f)]) == 1
    assert "unknown parameter(s) ['bogus']" in capsys.readouterr().err


def test_main_rejects_missing_raw_dir_before_running(tmp_path, capsys):
    assert pipeline.main(["--raw-dir", str(tmp_path / "nowhere"), "--out-dir", str(tmp_path / "out")]) == 1
    assert "does not exist" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_scrub_notebook_removes_timings_and_paths():
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1")])
    nb.metadata["papermill"] = {"start_time": "t", "end_time": "t", "duration": 1.0,
                                "input_path": "/abs/in", "output_path": "/abs/out", "parameters": {"a": 1}}
    nb.cells[0].metadata["papermill"] = {"start_time": "t", "end_time": "t", "duration": 1.0, "status": "completed"}
    nb.cells[0].metadata["execution"] = {"iopub.status.busy": "t"}
    injected = nbformat.v4.new_code_cell("a = 1", metadata={"tags": ["injected-parameters"]})
    nb.cells.append(injected)
    out = pipeline.scrub_notebook(nb)
    assert out.metadata["papermill"] == {"parameters": {"a": 1}}
    assert out.cells[1]["id"] == "injected-parameters"
    assert out.cells[0].metadata == {"papermill": {"status": "completed"}}
