"""Faults: interrupted runs, bad parameters and bad control files leave a sound state.

* Interrupted runs (``e2e``): the batch runner is started as a subprocess and
  stopped by SIGINT, SIGTERM or SIGKILL in the middle of a stage: the clean
  stage inside its cleaning cell (before any table is written), the later
  stages once they have begun writing their outputs but not finished. The
  signal is sent on an observable event, never after a guessed time: the
  stage's executed notebook (planted from an earlier run) has been removed and
  papermill's copy of the notebook marks the cleaning cell as running, or the
  stage's first output file (temporary or final) has appeared. The kernel is
  then stopped (SIGSTOP) while the test checks that the stage has work left
  (an output of an uninterrupted run is still missing), so the stage cannot
  finish between that check and the signal; a stage found finished fails the
  test. No table is ever present half-written under its final name, the
  kernel does not outlive the runner (nor does anything it started, nor does
  any file change once it is gone), and the next run completes with outputs
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

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pandas as pd
import psutil
import pytest

from helpers import pipeline
from helpers.io import is_temporary, remove_stale_temporaries, write_parquet
from helpers.paths import DEFAULT_RAW_DIR, PROJ_ROOT, run_paths

SEEDS = sorted(DEFAULT_RAW_DIR.glob("*.txt"))
N_COPIES = 60  # 300 pages: the cleaning cell runs for seconds, the window in which the clean test signals

POLL_SECONDS = 0.01  # how often a condition is looked at
EVENT_TIMEOUT = 300.0  # generous (a kernel starting on a loaded machine): a test that waits longer fails, saying for what
GONE_TIMEOUT = 60.0  # for the kernel, and whatever it started, to exit once the runner is stopped


def make_corpus(raw: Path) -> None:
    """Copies of the seed pages, each with its own first paragraph (different bytes and hashes)."""
    raw.mkdir(parents=True)
    for i in range(N_COPIES):
        for seed in SEEDS:
            text = seed.read_text(encoding="utf-8")
            (raw / f"{i:03d}_{seed.name}").write_text(
                f"This page is copy number {i} of a seed page, made for a fault test.\n\n{text}", encoding="utf-8"
            )


def runner(raw: Path, out: Path, stage: str = "clean") -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "helpers.pipeline", "--only", stage, "--raw-dir", str(raw), "--out-dir", str(out)],
        cwd=PROJ_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def tree(root: Path) -> dict[str, bytes]:
    """Every file's bytes; the output root itself (the notebook's out_dir parameter) is masked."""
    return {
        p.relative_to(root).as_posix(): p.read_bytes().replace(str(root).encode(), b"<OUT>")
        for p in sorted(root.rglob("*")) if p.is_file()
    }


def files(root: Path) -> set[str]:
    """The relative paths of the files under ``root``."""
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()} if root.is_dir() else set()


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


# --- waiting on observable events -----------------------------------------------------


def wait_until(condition: Callable[[], object], what: str, proc: subprocess.Popen | None = None,
               timeout: float = EVENT_TIMEOUT) -> object:
    """Poll ``condition`` until it returns a true value, and return that value. Fails the test,
    naming ``what``, when the runner ``proc`` exits first or ``timeout`` seconds pass."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if proc is not None and proc.poll() is not None:
            out, err = proc.communicate()
            pytest.fail(f"the runner exited (status {proc.returncode}) before {what}: "
                        "the stage finished (or failed) before it could be interrupted\n"
                        f"{out[-1500:]}\n{err[-3000:]}")
        if time.monotonic() > deadline:
            pytest.fail(f"gave up after {timeout:.0f} s waiting for {what}")
        time.sleep(POLL_SECONDS)


def papermill_copy(notebooks_dir: Path, notebook: str) -> dict | None:
    """The notebook as papermill is executing it: papermill saves it, with each cell's status,
    to the runner's temporary name for the executed notebook (``atomic_path``) when a cell
    starts and ends. None while there is none, or while it is half-saved."""
    for path in notebooks_dir.glob(f".{notebook}.*"):
        if is_temporary(path):
            try:
                return json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):  # being rewritten, or renamed into place just now
                return None
    return None


def cell_running(nb: dict | None, marker: str) -> bool:
    """Whether papermill marks as running a code cell whose source contains ``marker``."""
    for cell in (nb or {}).get("cells", []):
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else source
        if cell.get("cell_type") == "code" and marker in source:
            return cell.get("metadata", {}).get("papermill", {}).get("status") == "running"
    return False


def alive(p: psutil.Process) -> bool:
    try:
        return p.is_running() and p.status() != psutil.STATUS_ZOMBIE  # a zombie has exited: it writes nothing
    except psutil.NoSuchProcess:
        return False


def session_members(sid: int | None) -> list[psutil.Process]:
    """The processes of session ``sid`` (jupyter_client starts each kernel in a session of its
    own, so what a kernel started stays in it even when orphaned)."""
    if sid is None:
        return []
    members = []
    for p in psutil.process_iter():
        try:
            if os.getsid(p.pid) == sid:
                members.append(p)
        except (OSError, psutil.Error):
            pass
    return members


def wait_gone(processes: list[psutil.Process], what: str) -> None:
    """Wait until none of ``processes`` is alive; fail (and kill them) after ``GONE_TIMEOUT``."""
    deadline = time.monotonic() + GONE_TIMEOUT
    while True:
        left = [p for p in processes if alive(p)]
        if not left:
            return
        if time.monotonic() > deadline:
            described = []
            for p in left:
                try:
                    described.append(f"{p.pid} {' '.join(p.cmdline()[:4])}")
                    p.kill()
                except psutil.Error:
                    pass
            pytest.fail(f"{what} outlived the runner by more than {GONE_TIMEOUT:.0f} s: {described}")
        time.sleep(POLL_SECONDS)


@dataclass
class Interruption:
    kernel: psutil.Process  # the notebook's kernel
    processes: list[psutil.Process]  # the kernel and what it had started, when the signal was sent
    session: int | None  # the kernel's session id, when it is not the test's own


def the_kernel(proc: subprocess.Popen) -> psutil.Process:
    kernels = [p for p in psutil.Process(proc.pid).children(recursive=True)
               if any("ipykernel" in part for part in p.cmdline())]
    assert len(kernels) == 1, f"expected one notebook kernel under the runner, found {kernels}"
    return kernels[0]


def interrupt_on(proc: subprocess.Popen, sig: signal.Signals, event: Callable[[], object], what: str,
                 progress: Callable[[], tuple[bool, str]]) -> Interruption:
    """Send ``sig`` to the runner once ``event()`` holds, with the stage shown to be unfinished.

    When the event is seen, the notebook's kernel (and anything it started) is stopped with
    SIGSTOP: the stage cannot advance while ``progress()`` looks at the output root, nor
    between that look and the signal. ``progress()`` returns whether the stage still has work
    to do and what it found; a stage found done fails the test (the event came too late on this
    corpus: make it bigger). The kernel is resumed right after the signal is sent.
    """
    wait_until(event, what, proc)
    try:
        kernel = the_kernel(proc)
        frozen = [kernel, *kernel.children(recursive=True)]
        sid = os.getsid(kernel.pid)
    except (psutil.NoSuchProcess, ProcessLookupError):
        pytest.fail(f"the notebook kernel was gone right after {what}: the stage had ended")
    for p in frozen:
        p.suspend()
    try:
        wait_until(lambda: all(not alive(p) or p.status() == psutil.STATUS_STOPPED for p in frozen),
                   "the notebook kernel to stop (SIGSTOP)", proc)
        if not alive(kernel):
            pytest.fail(f"the notebook kernel exited before the signal (after {what})")
        in_progress, state = progress()
        if not in_progress:
            pytest.fail(f"the stage was no longer in progress after {what}: {state}; make the corpus bigger")
        assert proc.poll() is None, "the runner exited before the signal"
        proc.send_signal(sig)
        print(f"{sig.name} sent after {what}; {state}")
    finally:
        for p in frozen:
            try:
                p.resume()
            except psutil.NoSuchProcess:
                pass
    return Interruption(kernel, frozen, None if sid == os.getsid(0) else sid)


def assert_run_ends_with_runner(run: Interruption, out: Path) -> None:
    """The kernel does not outlive the runner, nor does anything it started; once the kernel is
    gone, no file under the output root changes."""
    wait_gone([run.kernel], "the notebook kernel")  # SIGKILL: ipykernel's parent poller, about 1 s
    after_kernel = tree(out)
    wait_gone(run.processes + session_members(run.session), "a process started by the notebook kernel")
    assert tree(out) == after_kernel, "files changed after the kernel was gone"


@pytest.fixture
def spawn():
    """Start runners; any still running when the test ends (it failed) is killed with its kernel."""
    started: list[subprocess.Popen] = []

    def start(raw: Path, out: Path, stage: str = "clean") -> subprocess.Popen:
        proc = runner(raw, out, stage)
        started.append(proc)
        return proc

    yield start
    for proc in started:
        if proc.poll() is None:
            try:
                family = [psutil.Process(proc.pid), *psutil.Process(proc.pid).children(recursive=True)]
            except psutil.NoSuchProcess:
                family = []
            for p in family:
                try:
                    p.resume()
                    p.kill()
                except psutil.Error:
                    pass
            proc.communicate()


# --- an interrupted clean stage ------------------------------------------------------

CLEANING_CELL = "clean.clean_corpus("  # the cell that reads and cleans every page; tables are written later


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """The corpus, the output root of an uninterrupted run of the clean stage and its files."""
    base = tmp_path_factory.mktemp("faults")
    raw = base / "raw"
    make_corpus(raw)
    out = base / "reference"
    proc = runner(raw, out)
    _, err = proc.communicate(timeout=600)
    assert proc.returncode == 0, err[-3000:]
    return raw, out, tree(out)


@pytest.mark.e2e
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM, signal.SIGKILL], ids=lambda s: s.name)
def test_interrupted_clean_stage_leaves_sound_state_and_rerun_gives_same_bytes(corpus, tmp_path, spawn, sig):
    """Stopped inside the cleaning cell, before any table is written."""
    raw, reference_root, reference = corpus
    out = tmp_path / "out"
    paths = run_paths(raw, out)
    executed = paths.executed_notebooks_dir / "01-clean.ipynb"
    notebooks = paths.executed_notebooks_dir.relative_to(out).as_posix() + "/"
    tables = sorted(k for k in reference if not k.startswith(notebooks))
    assert tables, "the uninterrupted run wrote no table"
    # an earlier complete run's executed notebook: the runner removes it when the stage starts
    executed.parent.mkdir(parents=True)
    shutil.copy2(run_paths(raw, reference_root).executed_notebooks_dir / executed.name, executed)

    def progress() -> tuple[bool, str]:
        written = [k for k in tables if (out / k).exists()]
        if executed.exists():
            return False, "the executed notebook is back"
        return not written, f"tables written: {written or 'none'}"

    proc = spawn(raw, out)
    run = interrupt_on(
        proc, sig,
        lambda: not executed.exists() and cell_running(papermill_copy(executed.parent, executed.name), CLEANING_CELL),
        "the executed notebook to be removed and papermill to mark the cleaning cell as running",
        progress,
    )
    _, err = proc.communicate(timeout=GONE_TIMEOUT)
    assert proc.returncode != 0, "the run finished before the signal: make the corpus bigger"
    if sig != signal.SIGKILL:
        assert proc.returncode == 130
        assert "interrupted" in err and "run again" in err

    # the kernel does not outlive the runner, and nothing is written once it is gone
    assert_run_ends_with_runner(run, out)

    # nothing half-written under a final name; the stage is not marked done
    assert_no_half_written_table(out)
    assert not executed.exists()
    temporaries = [p for p in out.rglob("*") if p.is_file() and is_temporary(p)]
    if sig != signal.SIGKILL:
        assert temporaries == []  # an orderly interruption removes its own temporaries

    # the next run completes and gives the same bytes as the uninterrupted one
    again = spawn(raw, out)
    stdout, err = again.communicate(timeout=600)
    assert again.returncode == 0, err[-3000:]
    if temporaries:
        assert "temporary file(s) left by an interrupted run" in stdout
    assert tree(out) == reference
    manifest = pd.read_csv(paths.raw_manifest)
    assert sorted(manifest["source_file"]) == sorted(p.name for p in raw.iterdir())


# --- interrupted later stages -------------------------------------------------------

LATER_STAGES = ("entities", "framing", "charts")
# 60 pages. Each stage has seconds of work left after its first output file appears (entities:
# parsing, after the temporaries of its tables are opened; framing: the other tables and the
# validation; charts: the other figures), far more than the polling interval.
STAGE_COPIES = 12


@pytest.fixture(scope="module")
def staged(tmp_path_factory):
    """A corpus run stage by stage: a copy of the output root before each later stage, the
    tree after it, and the output root after every stage (holding the executed notebooks)."""
    base = tmp_path_factory.mktemp("staged")
    raw = base / "raw"
    raw.mkdir()
    for i in range(STAGE_COPIES):
        for seed in SEEDS:
            (raw / f"{i:03d}_{seed.name}").write_text(
                f"Copy {i} of a seed page, for the interruption tests.\n\n{seed.read_text(encoding='utf-8')}",
                encoding="utf-8")
    out = base / "out"
    before, after = {}, {}
    for stage in ("clean", *LATER_STAGES):
        if stage in LATER_STAGES:
            before[stage] = base / f"before-{stage}"
            shutil.copytree(out, before[stage])
        proc = runner(raw, out, stage)
        _, err = proc.communicate(timeout=600)
        assert proc.returncode == 0, err[-3000:]
        after[stage] = tree(out)
    return raw, before, after, out


@pytest.mark.e2e
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGKILL], ids=lambda s: s.name)
@pytest.mark.parametrize("stage", LATER_STAGES)
def test_interrupted_later_stage_leaves_sound_state_and_rerun_gives_same_bytes(staged, tmp_path, spawn, stage, sig):
    """Entities, framing and charts stopped part-way (after the stage's first output file appears,
    with another still to come): no half-written table or figure, the stage not marked done,
    and its next run gives the bytes of an uninterrupted run, Doc cache included."""
    raw, before, after, root = staged
    out = tmp_path / "out"
    shutil.copytree(before[stage], out)
    paths = run_paths(raw, out)
    notebooks = paths.executed_notebooks_dir.relative_to(out).as_posix() + "/"
    notebook = next(s.notebook for s in pipeline.STAGES if s.name == stage)
    executed = paths.executed_notebooks_dir / notebook
    # an earlier complete run's executed notebook: the runner removes it when the stage starts
    shutil.copy2(run_paths(raw, root).executed_notebooks_dir / notebook, executed)
    present = files(out)
    outputs = sorted(k for k in set(after[stage]) - present if not k.startswith(notebooks))
    assert outputs, f"an uninterrupted run of {stage} adds no file"

    def first_output() -> list[str]:
        if executed.exists():
            return []
        return sorted(k for k in files(out) - present if not k.startswith(notebooks))

    def progress() -> tuple[bool, str]:
        missing = [k for k in outputs if not (out / k).exists()]
        if executed.exists():
            return False, "the executed notebook is back"
        temporaries = sorted(k for k in files(out) if is_temporary(out / k))
        return bool(missing), (f"{len(outputs) - len(missing)} of the {len(outputs)} output files written, "
                               f"temporaries: {temporaries or 'none'}, still missing e.g. {missing[-3:]}")

    proc = spawn(raw, out, stage)
    run = interrupt_on(proc, sig, first_output,
                       f"the executed notebook to be removed and the {stage} stage's first output file to appear",
                       progress)
    _, err = proc.communicate(timeout=GONE_TIMEOUT)
    assert proc.returncode != 0, f"the {stage} stage finished before the signal"
    if sig != signal.SIGKILL:
        assert proc.returncode == 130 and "interrupted" in err
    # the kernel does not outlive the runner, and nothing is written once it is gone
    assert_run_ends_with_runner(run, out)
    assert_no_half_written_table(out)
    assert not executed.exists()

    again = spawn(raw, out, stage)
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
