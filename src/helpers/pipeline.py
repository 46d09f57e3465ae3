"""Batch runner: execute the study's notebooks in order with papermill.

In: ``params.yaml`` (or ``--params FILE``), the source notebooks in
``notebooks/``, a raw directory (``--raw-dir``) and an output root
(``--out-dir``).
Out: the executed notebooks under ``<out>/reports/notebooks/`` (byte-stable:
papermill's timestamps and absolute paths are removed) and whatever the
notebooks write under ``<out>/data/processed/`` and ``<out>/reports/``.
Used by: ``make run`` and users running the study on their own corpus::

    python -m helpers.pipeline                      # the whole study, params.yaml
    python -m helpers.pipeline --only clean         # one stage
    python -m helpers.pipeline --raw-dir ~/my_pages --out-dir ~/my_study

Every parameter in the YAML file is checked against the ``parameters`` cell
of the notebook it is meant for *before* any notebook runs, so a typo fails
fast with the file and key named; so are the raw directory (exists, holds a
page) and, for the clean stage, the format of its ``SHA256SUMS`` and metadata
overrides files (file and line named). Nothing is written under the output root
before these checks pass. The run stops at the first failing notebook, names
the notebook and the cell, keeps the failed notebook as ``<name>.failed.ipynb``
and exits non-zero.

Findings about the data (a missed mention, a page with no article, suspicious metadata) never
stop a run: each notebook writes them to a table and prints a ``data warning:`` line
(``helpers.findings``), and the runner repeats those lines, prefixed with the stage, after the
stage ends.

Interruptions: every table is written to a hidden temporary name and renamed
(``helpers.io``), so a killed run never leaves a half-written table under its
final name. On Ctrl-C (SIGINT) or SIGTERM the runner stops the notebook's
kernel (nbclient shuts it down), removes its temporary files and exits with
status 130; after SIGKILL the kernel notices its parent is gone and exits
within about a second (ipykernel's parent poller). The executed copy of a
notebook is removed when its stage starts and written when it ends, so its
presence means the stage's last run completed. The next run removes temporary
files a killed run left under the output root, then recomputes every table:
its outputs are byte-identical to an uninterrupted run's.
"""

from __future__ import annotations

import argparse
import ast
import os
import signal
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat

from . import paths as P
from .findings import warnings_in_notebook
from .io import atomic_path, read_yaml, remove_stale_temporaries


@dataclass(frozen=True)
class Stage:
    name: str  # key in params.yaml and value of --only
    notebook: str  # file name in notebooks/


STAGES: tuple[Stage, ...] = (
    Stage("clean", "01-clean.ipynb"),
    Stage("entities", "02-entities.ipynb"),
    Stage("framing", "03-framing.ipynb"),
    Stage("charts", "04-charts.ipynb"),
)
COMMON = "common"  # params.yaml section passed to every notebook that declares the key
PATH_PARAMS = ("raw_dir", "out_dir")


class PipelineError(RuntimeError):
    """A problem the user can fix; the message says what and where."""


def available_stages(notebooks_dir: Path = P.NOTEBOOKS_DIR) -> list[Stage]:
    """The stages whose notebook exists, in run order."""
    return [s for s in STAGES if (notebooks_dir / s.notebook).exists()]


def notebook_parameters(notebook: Path) -> dict[str, Any]:
    """Names and defaults declared in a notebook's ``parameters`` cell."""
    import papermill as pm

    declared = pm.inspect_notebook(str(notebook))
    if not declared:
        raise PipelineError(f"{notebook}: no cell tagged 'parameters'")
    return {name: info["default"] for name, info in declared.items()}


def load_params(params_file: Path) -> dict[str, dict[str, Any]]:
    """Read the YAML parameters file; sections are 'common' and stage names."""
    if not params_file.exists():
        raise PipelineError(f"{params_file}: parameters file not found")
    data = read_yaml(params_file, PipelineError)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise PipelineError(f"{params_file}: expected a mapping of sections (common, clean, ...), got {type(data).__name__}")
    known = {COMMON, *(s.name for s in STAGES)}
    for section, values in data.items():
        if section not in known:
            raise PipelineError(
                f"{params_file}: unknown section '{section}' (expected one of: {', '.join(sorted(known))})"
            )
        if values is not None and not isinstance(values, dict):
            raise PipelineError(f"{params_file}: section '{section}' must be a mapping of name: value")
    return {k: dict(v or {}) for k, v in data.items()}


def plan(
    params: dict[str, dict[str, Any]],
    stages: list[Stage],
    params_file: Path,
    notebooks_dir: Path = P.NOTEBOOKS_DIR,
) -> list[tuple[Stage, dict[str, Any]]]:
    """Match parameters to notebooks; fail on any key no notebook declares."""
    declared = {s.name: notebook_parameters(notebooks_dir / s.notebook) for s in available_stages(notebooks_dir)}
    common = params.get(COMMON, {})
    for key in common:
        if not any(key in d for d in declared.values()):
            raise PipelineError(f"{params_file}: common parameter '{key}' is not declared by any notebook")
    out = []
    for stage in stages:
        own = params.get(stage.name, {})
        unknown = sorted(set(own) - set(declared[stage.name]))
        if unknown:
            allowed = ", ".join(sorted(declared[stage.name]))
            raise PipelineError(
                f"{params_file}: section '{stage.name}': unknown parameter(s) {unknown} "
                f"for notebooks/{stage.notebook} (it declares: {allowed})"
            )
        merged = {k: v for k, v in common.items() if k in declared[stage.name]}
        merged.update(own)
        out.append((stage, merged))
    return out


def _relative_or_absolute(path: Path) -> str:
    """Project-relative string when inside the project (so committed notebooks hold no machine path)."""
    try:
        return path.resolve().relative_to(P.PROJ_ROOT).as_posix() or "."
    except ValueError:
        return str(path.resolve())


def check_raw_dir(raw_dir: Path) -> None:
    if not raw_dir.exists():
        raise PipelineError(f"raw directory {raw_dir} does not exist")
    if not raw_dir.is_dir():
        raise PipelineError(f"raw directory {raw_dir} is not a directory")
    # the same files the clean stage reads: hidden files and subdirectories are not pages
    pages = [p for p in raw_dir.iterdir()
             if p.is_file() and not p.name.startswith(".") and p.name not in P.CONTROL_FILES]
    if not pages:
        raise PipelineError(f"raw directory {raw_dir} holds no page to analyse")


def _parameter_value(name: str, parameters: dict[str, Any], declared: dict[str, Any]) -> Any:
    """The value a notebook will see: the planned one, else its literal default."""
    if name in parameters:
        return parameters[name]
    try:
        return ast.literal_eval(str(declared.get(name)))
    except (ValueError, SyntaxError):
        return None


def check_clean_inputs(raw_dir: Path, parameters: dict[str, Any],
                       notebooks_dir: Path = P.NOTEBOOKS_DIR) -> None:
    """The clean stage's control files, checked before any work (file and line named)."""
    from .clean import OverrideError, check_overrides_file
    from .rawfiles import ChecksumFileError, read_checksums

    declared = notebook_parameters(notebooks_dir / next(s.notebook for s in STAGES if s.name == "clean"))
    sums = raw_dir / P.CHECKSUMS_NAME
    overrides = raw_dir / P.OVERRIDES_NAME
    checks = []
    if _parameter_value("verify_checksums", parameters, declared) and sums.is_file():
        checks.append((sums, read_checksums))
    if _parameter_value("apply_overrides", parameters, declared) and overrides.is_file():
        checks.append((overrides, check_overrides_file))
    for path, check in checks:
        try:
            check(path)
        except (ChecksumFileError, OverrideError) as exc:
            raise PipelineError(str(exc)) from None
        except UnicodeDecodeError as exc:
            raise PipelineError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None


def scrub_notebook(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Remove what varies between identical runs: timings and machine paths."""
    pm_meta = nb.metadata.get("papermill", {})
    for key in ("start_time", "end_time", "duration", "input_path", "output_path", "environment_variables"):
        pm_meta.pop(key, None)
    for cell in nb.cells:
        if "injected-parameters" in cell.metadata.get("tags", []):
            cell["id"] = "injected-parameters"  # papermill gives it a random id on every run
        cell.metadata.pop("execution", None)
        cp = cell.metadata.get("papermill")
        if cp is not None:
            for key in ("start_time", "end_time", "duration"):
                cp.pop(key, None)
    return nb


def kernel_name() -> str:
    """The project's kernel when registered (make setup does it), else this interpreter's."""
    from jupyter_client.kernelspec import KernelSpecManager

    specs = KernelSpecManager().find_kernel_specs()
    return P.KERNEL_NAME if P.KERNEL_NAME in specs else "python3"


def run_stage(stage: Stage, parameters: dict[str, Any], out_notebooks: Path, kernel: str,
              notebooks_dir: Path = P.NOTEBOOKS_DIR) -> Path:
    """Execute one notebook; return the executed copy's path or raise PipelineError."""
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    source = notebooks_dir / stage.notebook
    target = out_notebooks / stage.notebook
    out_notebooks.mkdir(parents=True, exist_ok=True)
    target.unlink(missing_ok=True)  # present again only when this run of the stage completes
    with atomic_path(target) as tmp:
        try:
            pm.execute_notebook(
                str(source), str(tmp), parameters=parameters, kernel_name=kernel,
                cwd=str(notebooks_dir), progress_bar=False, log_output=False,
            )
        except PapermillExecutionError as exc:
            failed = target.with_suffix(".failed.ipynb")
            nb = scrub_notebook(nbformat.read(tmp, as_version=4))
            nbformat.write(nb, failed)
            raise PipelineError(
                f"notebooks/{stage.notebook} failed in cell {exc.cell_index} "
                f"(execution count {exc.exec_count}): {exc.ename}: {exc.evalue}\n"
                f"The partly executed notebook is at {failed}"
            ) from None
        nb = scrub_notebook(nbformat.read(tmp, as_version=4))
        nbformat.write(nb, tmp)
    stale_failure = target.with_suffix(".failed.ipynb")
    if stale_failure.exists():
        stale_failure.unlink()
    return target


def build_arg_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="python -m helpers.pipeline", description=__doc__.split("\n")[0])
    ap.add_argument("--params", type=Path, default=P.PARAMS_FILE, help="YAML parameters file (default: params.yaml)")
    ap.add_argument("--raw-dir", type=Path, help="directory of raw pages (overrides common.raw_dir)")
    ap.add_argument("--out-dir", type=Path, help="root for every output: OUT/data/processed, OUT/reports (overrides common.out_dir)")
    ap.add_argument("--only", action="append", choices=[s.name for s in STAGES], metavar="STAGE",
                    help="run only this stage (repeatable): " + ", ".join(s.name for s in STAGES))
    ap.add_argument("--kernel", help="Jupyter kernel name (default: mek-framing when registered)")
    return ap


def _interrupt_on_sigterm(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt(f"signal {signal.Signals(signum).name}")


def main(argv: list[str] | None = None) -> int:
    args = build_arg_parser().parse_args(argv)
    # SIGTERM (kill, a batch system's time limit) unwinds like Ctrl-C: the kernel
    # is shut down and temporary files are removed instead of left behind.
    previous_sigterm = signal.signal(signal.SIGTERM, _interrupt_on_sigterm)
    try:
        params_file = P.resolve(args.params, Path.cwd())
        params = load_params(params_file)
        common = params.setdefault(COMMON, {})
        # CLI paths are relative to where the user stands; YAML paths to the project root.
        if args.raw_dir is not None:
            common["raw_dir"] = _relative_or_absolute(P.resolve(args.raw_dir, Path.cwd()))
        if args.out_dir is not None:
            common["out_dir"] = _relative_or_absolute(P.resolve(args.out_dir, Path.cwd()))
        stages = available_stages()
        if args.only:
            missing = [n for n in args.only if n not in {s.name for s in stages}]
            if missing:
                raise PipelineError(f"stage(s) {missing} have no notebook yet in {P.NOTEBOOKS_DIR}")
            stages = [s for s in stages if s.name in args.only]
        if not stages:
            raise PipelineError(f"no notebook to run in {P.NOTEBOOKS_DIR}")
        run_plan = plan(params, stages, params_file)
        run_paths = P.run_paths(common.get("raw_dir", "data/raw"), common.get("out_dir", "."))
        for stage, parameters in run_plan:
            if stage.name == "clean":
                check_raw_dir(run_paths.raw_dir)
                check_clean_inputs(run_paths.raw_dir, parameters)
        kernel = args.kernel or kernel_name()
        # all checks passed: from here on the run may write under the output root
        stale = [d for root in (run_paths.processed_dir, run_paths.interim_dir, run_paths.reports_dir)
                 for d in remove_stale_temporaries(root)]
        if stale:
            print(f"removed {len(stale)} temporary file(s) left by an interrupted run", flush=True)
        for stage, parameters in run_plan:
            print(f"[{stage.name}] notebooks/{stage.notebook}", flush=True)
            written = run_stage(stage, parameters, run_paths.executed_notebooks_dir, kernel)
            for line in warnings_in_notebook(nbformat.read(written, as_version=4)):
                print(f"[{stage.name}] data warning: {line}", flush=True)
            print(f"[{stage.name}] done -> {_relative_or_absolute(written)}", flush=True)
    except PipelineError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt as exc:
        print(f"interrupted ({str(exc) or 'SIGINT'}): tables written so far are complete; "
              "run again to finish (it recomputes every table)", file=sys.stderr)
        return 130
    finally:
        signal.signal(signal.SIGTERM, previous_sigterm)
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")  # quiet debugpy warning in kernels
    sys.exit(main())
