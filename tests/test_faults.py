"""Faults: interrupted runs, bad parameters and bad control files leave a sound state.

* Interrupted runs (``e2e``): the batch runner is started as a subprocess on a
  corpus that takes several seconds to clean and is stopped in the middle of
  the clean stage by SIGINT, SIGTERM or SIGKILL. No table is ever present
  half-written under its final name, the kernel does not outlive the runner
  (nor write anything afterwards), and the next run completes with outputs
  byte-identical to an uninterrupted run.
* An atomic write killed while the temporary file is being written: the final
  name holds the previous complete version (or nothing), the temporary is
  hidden and recognised, and ``remove_stale_temporaries`` removes it.
* Bad input found before any work: missing/malformed parameters file, unknown
  parameter, missing/empty raw directory, a malformed ``SHA256SUMS`` or
  overrides line. The error names the file (and line), and nothing is written
  under the output root. (Message wording for each is unit-tested in
  test_pipeline.py and test_clean.py; here: through ``main``, before any work.)
"""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import psutil
import pytest

from helpers import pipeline
from helpers.io import is_temporary, remove_stale_temporaries, write_parquet
from helpers.paths import DEFAULT_RAW_DIR, PROJ_ROOT, run_paths

SEEDS = sorted(DEFAULT_RAW_DIR.glob("*.txt"))
N_COPIES = 60  # 300 pages: the kernel runs for about 7 s on the 2-core CI machine


def make_corpus(raw: Path) -> None:
    """Copies of the seed pages, each with its own first paragraph (different bytes and hashes)."""
    raw.mkdir(parents=True)
    for i in range(N_COPIES):
        for seed in SEEDS:
            text = seed.read_text(encoding="utf-8")
            (raw / f"{i:03d}_{seed.name}").write_text(
                f"This page is copy number {i} of a seed page, made for a fault test.\n\n{text}", encoding="utf-8"
            )


def runner(raw: Path, out: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "helpers.pipeline", "--only", "clean", "--raw-dir", str(raw), "--out-dir", str(out)],
        cwd=PROJ_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def tree(root: Path) -> dict[str, bytes]:
    """Every file's bytes; the output root itself (the notebook's out_dir parameter) is masked."""
    return {
        p.relative_to(root).as_posix(): p.read_bytes().replace(str(root).encode(), b"<OUT>")
        for p in sorted(root.rglob("*")) if p.is_file()
    }


def assert_no_half_written_table(out: Path) -> None:
    """Every file under its final name is complete: tables read, notebooks parse."""
    for path in out.rglob("*"):
        if not path.is_file() or is_temporary(path):
            continue
        if path.suffix == ".parquet":
            pd.read_parquet(path)
        elif path.suffix == ".csv":
            pd.read_csv(path)
        elif path.suffix == ".ipynb":
            import nbformat

            nbformat.read(path, as_version=4)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """The corpus and the outputs of an uninterrupted run of the clean stage."""
    base = tmp_path_factory.mktemp("faults")
    raw = base / "raw"
    make_corpus(raw)
    out = base / "reference"
    proc = runner(raw, out)
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err[-3000:]
    return raw, tree(out)


@pytest.mark.e2e
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM, signal.SIGKILL], ids=lambda s: s.name)
def test_interrupted_clean_stage_leaves_sound_state_and_rerun_gives_same_bytes(corpus, tmp_path, sig):
    raw, reference = corpus
    out = tmp_path / "out"
    proc = runner(raw, out)
    runner_proc = psutil.Process(proc.pid)
    kernel = None
    deadline = time.monotonic() + 120
    while kernel is None and proc.poll() is None and time.monotonic() < deadline:
        kids = runner_proc.children(recursive=True)
        kernel = kids[0] if kids else None
        time.sleep(0.05)
    assert kernel is not None, "the runner never started a kernel"
    # ~4 s into the kernel's ~7 s: inside the cleaning cell, before any table is written
    time.sleep(4.0)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode != 0, "the run finished before the signal: make the corpus bigger"
    if sig != signal.SIGKILL:
        assert proc.returncode == 130
        assert "interrupted" in err and "run again" in err

    # the kernel does not outlive the runner (SIGKILL: ipykernel's parent poller, ~1 s)
    try:
        kernel.wait(timeout=10)
    except psutil.TimeoutExpired:
        kernel.kill()
        pytest.fail("the notebook kernel outlived the killed runner")
    after_kernel = tree(out) if out.exists() else {}
    time.sleep(1.5)
    assert (tree(out) if out.exists() else {}) == after_kernel, "files changed after the kernel was gone"

    # nothing half-written under a final name; the stage is not marked done
    if out.exists():
        assert_no_half_written_table(out)
    paths = run_paths(raw, out)
    assert not (paths.executed_notebooks_dir / "01-clean.ipynb").exists()
    temporaries = [p for p in out.rglob("*") if p.is_file() and is_temporary(p)] if out.exists() else []
    if sig != signal.SIGKILL:
        assert temporaries == []  # an orderly interruption removes its own temporaries

    # the next run completes and gives the same bytes as the uninterrupted one
    again = runner(raw, out)
    stdout, err = again.communicate(timeout=300)
    assert again.returncode == 0, err[-3000:]
    if temporaries:
        assert "temporary file(s) left by an interrupted run" in stdout
    assert tree(out) == reference
    manifest = pd.read_csv(paths.raw_manifest)
    assert sorted(manifest["source_file"]) == sorted(p.name for p in raw.iterdir())


# --- interrupted later stages -------------------------------------------------------

LATER_STAGES = ("entities", "framing", "charts")
STAGE_COPIES = 12  # 60 pages: the entity stage parses for ~15 s, long enough to land a signal in


def stage_runner(raw: Path, out: Path, stage: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "helpers.pipeline", "--only", stage, "--raw-dir", str(raw), "--out-dir", str(out)],
        cwd=PROJ_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


@pytest.fixture(scope="module")
def staged(tmp_path_factory):
    """A corpus run stage by stage: a copy of the output root before each later stage, the
    tree after it, and how long the stage's run took."""
    import shutil

    base = tmp_path_factory.mktemp("staged")
    raw = base / "raw"
    raw.mkdir()
    for i in range(STAGE_COPIES):
        for seed in SEEDS:
            (raw / f"{i:03d}_{seed.name}").write_text(
                f"Copy {i} of a seed page, for the interruption tests.\n\n{seed.read_text(encoding='utf-8')}",
                encoding="utf-8")
    out = base / "out"
    before, after, seconds = {}, {}, {}
    for stage in ("clean", *LATER_STAGES):
        if stage in LATER_STAGES:
            before[stage] = base / f"before-{stage}"
            shutil.copytree(out, before[stage])
        start = time.monotonic()
        proc = stage_runner(raw, out, stage)
        _, err = proc.communicate(timeout=600)
        assert proc.returncode == 0, err[-3000:]
        seconds[stage] = time.monotonic() - start
        after[stage] = tree(out)
    return raw, before, after, seconds, out


@pytest.mark.e2e
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGKILL], ids=lambda s: s.name)
@pytest.mark.parametrize("stage", LATER_STAGES)
def test_interrupted_later_stage_leaves_sound_state_and_rerun_gives_same_bytes(staged, tmp_path, stage, sig):
    """Entities, framing and charts stopped part-way (60% of an uninterrupted run's time): no
    half-written table or figure, the stage not marked done, and its next run gives the bytes
    of an uninterrupted run, Doc cache included."""
    import shutil

    raw, before, after, seconds, root = staged
    out = tmp_path / "out"
    shutil.copytree(before[stage], out)
    proc = stage_runner(raw, out, stage)
    time.sleep(0.6 * seconds[stage])
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode != 0, f"the {stage} stage finished before the signal"
    if sig != signal.SIGKILL:
        assert proc.returncode == 130 and "interrupted" in err
    time.sleep(1.5)  # a killed runner's kernel notices its parent is gone within about a second
    assert_no_half_written_table(out)
    notebook = next(s.notebook for s in pipeline.STAGES if s.name == stage)
    assert not (run_paths(raw, out).executed_notebooks_dir / notebook).exists()

    again = stage_runner(raw, out, stage)
    _, err = again.communicate(timeout=600)
    assert again.returncode == 0, err[-3000:]
    # the earlier stages' notebooks, copied, name the original output root: mask it too
    assert {k: v.replace(str(root).encode(), b"<OUT>") for k, v in tree(out).items()} == after[stage]


KILL_WHILE_WRITING = r"""
import os, signal, sys, threading, time
from pathlib import Path
import numpy as np, pandas as pd
from helpers.io import write_parquet
target = Path(sys.argv[1])
def kill_when_temporary_appears():
    while not any(p.name.startswith("." + target.name) for p in target.parent.iterdir()):
        time.sleep(0.001)
    os.kill(os.getpid(), signal.SIGKILL)
threading.Thread(target=kill_when_temporary_appears, daemon=True).start()
rng = np.random.default_rng(0)
big = pd.DataFrame({"x": rng.random(20_000_000), "y": rng.integers(0, 1 << 40, 20_000_000)})
write_parquet(big, target)
print("not killed")
"""


@pytest.mark.parametrize("previous", [False, True], ids=["first_write", "overwrite"])
def test_write_killed_midway_never_leaves_a_partial_table(tmp_path, previous):
    target = tmp_path / "processed" / "table.parquet"
    target.parent.mkdir(parents=True)
    old = pd.DataFrame({"x": [1.0, 2.0], "y": [3, 4]})
    if previous:
        write_parquet(old, target)
    proc = subprocess.run([sys.executable, "-c", KILL_WHILE_WRITING, str(target)], capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == -signal.SIGKILL, proc.stdout + proc.stderr[-2000:]
    if previous:
        pd.testing.assert_frame_equal(pd.read_parquet(target), old)  # the old complete version
    else:
        assert not target.exists()
    left = [p for p in target.parent.iterdir() if p != target]
    assert left and all(is_temporary(p) and p.name.startswith(".") for p in left)
    assert remove_stale_temporaries(tmp_path) == sorted(left)
    assert [p.name for p in target.parent.iterdir()] == (["table.parquet"] if previous else [])


def test_remove_stale_temporaries_spares_everything_else(tmp_path):
    keep = [tmp_path / "articles.parquet", tmp_path / ".gitkeep", tmp_path / "notes.tmp",
            tmp_path / "sub" / ".hidden.parquet"]
    stale = [tmp_path / ".articles.parquet.ab12cd34.tmp.parquet", tmp_path / "sub" / ".x.csv.zz_99abc.tmp.csv"]
    for p in keep + stale:
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(b"x")
    assert remove_stale_temporaries(tmp_path) == sorted(stale)
    assert all(p.exists() for p in keep) and not any(p.exists() for p in stale)
    assert remove_stale_temporaries(tmp_path / "missing") == []


# --- bad input, found before any work ------------------------------------------------


def _pages(raw: Path) -> Path:
    raw.mkdir(parents=True, exist_ok=True)
    (raw / SEEDS[0].name).write_bytes(SEEDS[0].read_bytes())
    return raw


def _params(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "params.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _missing(raw: Path) -> Path:
    return raw


def _empty(raw: Path) -> Path:
    raw.mkdir()
    return raw


def _hidden_and_control_files_only(raw: Path) -> Path:
    raw.mkdir()
    (raw / ".DS_Store").write_bytes(b"\0")
    (raw / "SHA256SUMS").write_text("")
    (raw / "subdir").mkdir()
    return raw


def _a_file(raw: Path) -> Path:
    raw.write_text("x")
    return raw


def _bad_checksums(raw: Path) -> Path:
    _pages(raw)
    (raw / "SHA256SUMS").write_text(f"{'0' * 64}  a.txt\nnot a sum\n")
    return raw


def _short_override_line(raw: Path) -> Path:
    _pages(raw)
    (raw / "metadata_overrides.csv").write_text("# overrides\narticle_id,field,value,source\nabc123abc123,author\n")
    return raw


def _unknown_override_field(raw: Path) -> Path:
    _pages(raw)
    (raw / "metadata_overrides.csv").write_text("article_id,field,value,source\nabc123abc123,colour,blue,me\n")
    return raw


BAD_RUNS = {
    # name: (params.yaml text, or None for a missing file; raw dir setup; expected message pattern)
    "missing_params_file": (None, _pages, r"nope\.yaml: parameters file not found"),
    "malformed_params_yaml": ("clean:\n  verify_checksums: true\n  apply_overrides: [oops\n", _pages,
                              r"params\.yaml line \d+: not valid YAML"),
    "params_not_a_mapping": ("- clean\n", _pages, r"params\.yaml: expected a mapping"),
    "unknown_parameter": ("clean:\n  max_page_byte: 10\n", _pages,
                          r"params\.yaml: section 'clean': unknown parameter\(s\) \['max_page_byte'\]"),
    "missing_raw_dir": ("", _missing, r"raw directory \S*raw does not exist"),
    "empty_raw_dir": ("", _empty, r"raw directory \S*raw holds no page"),
    "raw_dir_of_hidden_and_control_files": ("", _hidden_and_control_files_only, r"raw directory \S*raw holds no page"),
    "raw_dir_is_a_file": ("", _a_file, r"raw directory \S*raw is not a directory"),
    "malformed_checksums_line": ("", _bad_checksums, r"raw/SHA256SUMS:2: not a sha256sum line"),
    "malformed_overrides_line": ("", _short_override_line, r"raw/metadata_overrides\.csv:3: expected 4 fields, found 2"),
    "overrides_unknown_field": ("", _unknown_override_field, r"raw/metadata_overrides\.csv:2: unknown field 'colour'"),
}


@pytest.mark.parametrize("case", sorted(BAD_RUNS))
def test_bad_input_fails_before_any_work_naming_the_file(tmp_path, capsys, case):
    text, setup, message = BAD_RUNS[case]
    params = tmp_path / "nope.yaml" if text is None else _params(tmp_path, text)
    raw = setup(tmp_path / "raw")
    out = tmp_path / "out"
    code = pipeline.main(["--params", str(params), "--raw-dir", str(raw), "--out-dir", str(out)])
    err = capsys.readouterr().err
    assert code == 1
    assert err.startswith("error: ")
    assert re.search(message, err), err
    assert not out.exists(), "something was written before the checks passed"


def test_control_files_are_checked_only_when_the_stage_uses_them(tmp_path):
    raw = _pages(tmp_path / "raw")
    (raw / "SHA256SUMS").write_text("not a sum\n")
    (raw / "metadata_overrides.csv").write_text("article_id,field,value,source\nx,author\n")
    with pytest.raises(pipeline.PipelineError, match="SHA256SUMS:1"):
        pipeline.check_clean_inputs(raw, {})  # the notebook's defaults: verify and apply
    with pytest.raises(pipeline.PipelineError, match="metadata_overrides.csv:2"):
        pipeline.check_clean_inputs(raw, {"verify_checksums": False})
    pipeline.check_clean_inputs(raw, {"verify_checksums": False, "apply_overrides": False})
