"""The Dask backend of the cleaning stage: files read, decoded and segmented on a cluster.

In: the raw directory, the run's ``rawfiles.ScanSettings`` and a Dask scheduler address (or
``""`` for a ``LocalCluster`` started for the run).
Out: the same ``RawScan`` and page drafts as the local path, in the same order, so that
``clean.clean_corpus`` goes on to give the same tables, byte for byte.
Used by: ``clean.clean_corpus(backend="dask")`` (notebook 01-clean with ``backend = "dask"``).

How it works
    1. The raw directory's files, in name order, are cut into contiguous partitions.
    2. One task per partition (``retries=2``) runs, for each file, what needs that file alone:
       reading, hashing, checking, decoding, HTML extraction (``rawfiles.scan_file``) and the
       per-page rules 1-5 (``segment.draft_page``). The results come back to the driver
       through Dask (pickled): they are small next to the parse of the next stage, and the
       next step needs them all in one place.
    3. The driver checks that every partition answered for every one of its files, then does
       what needs every page at once, exactly as the local path does: exact duplicates
       (``rawfiles.combine_scans``), cross-page sentence dedup, datelines and fragments.
       A partition that still fails after its retries stops the run with an error naming the
       partition and its files; nothing is written then.

Workers read the raw files themselves: on several machines, put ``raw_dir`` on a shared disk
(at the same path) and install the project on every worker.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

from .cluster import TASK_RETRIES, PartitionError, dask_client, partition_bounds
from .rawfiles import FileScan, RawScan, ScanSettings, combine_scans, raw_files, scan_file
from .segment import PageDraft, draft_page

__all__ = ["FILES_PER_PARTITION", "clean_partition", "scan_and_draft_dask"]

# Cleaning costs milliseconds per ordinary page: partitions of a few hundred pages keep the
# scheduler's per-task cost small while several partitions share every worker.
FILES_PER_PARTITION = 500


def clean_partition(files: list[str], settings: ScanSettings, fail: bool = False,
                    kill_marker: str = "") -> list[tuple[FileScan, PageDraft | None]]:
    """Scan and draft each file of one partition (on a worker).

    For the tests of failure handling only: ``fail`` makes the task raise every time;
    ``kill_marker`` (a file name) makes the first attempt kill its worker process, as a crash
    or an OOM kill would, and leaves the file behind so that the retry runs.
    """
    if fail:
        raise RuntimeError("failure injected into a cleaning partition")
    if kill_marker and not Path(kill_marker).exists():
        Path(kill_marker).touch()
        os._exit(1)
    out = []
    for name in files:
        scan = scan_file(Path(name), settings)
        # the page's index among accepted pages is only known on the driver; set there
        out.append((scan, draft_page(scan.page, 0) if scan.page is not None else None))
    return out


def _describe(index: int, files: list[str]) -> str:
    names = [Path(f).name for f in files]
    shown = ", ".join(names) if len(names) <= 6 else f"{', '.join(names[:3])}, ..., {', '.join(names[-2:])}"
    return f"partition {index:05d} ({len(names)} files: {shown})"


def scan_and_draft_dask(raw_dir: Path, settings: ScanSettings, scheduler: str = "", n_workers: int = 2,
                        n_partitions: int | None = None, fail_partition: int | None = None,
                        kill_partition: int | None = None, kill_dir: Path | None = None,
                        ) -> tuple[RawScan, list[PageDraft]]:
    """``scan_raw_dir`` + ``draft_page`` for every accepted page, on a Dask cluster.

    ``n_partitions``: by default one per ``FILES_PER_PARTITION`` files and at least two per
    worker. ``fail_partition`` / ``kill_partition`` (with ``kill_dir`` for the marker file):
    for tests only, see ``clean_partition``.
    Raises ``PartitionError`` naming every partition that failed after its retries.
    """
    files = [str(p) for p in raw_files(raw_dir)]
    scans: list[tuple[FileScan, PageDraft | None]] = []
    with dask_client(scheduler, n_workers) as client:
        n_live = len(client.scheduler_info().get("workers", {})) or n_workers
        if n_partitions is None:
            n_partitions = max(2 * n_live, math.ceil(len(files) / FILES_PER_PARTITION))
        parts = [files[a:b] for a, b in partition_bounds(len(files), n_partitions)]
        futures = [
            client.submit(
                clean_partition, part, settings, i == fail_partition,
                str(Path(kill_dir or raw_dir) / f".clean-part-{i:05d}.killed") if i == kill_partition else "",
                retries=TASK_RETRIES, pure=False,
            )
            for i, part in enumerate(parts)
        ]
        failures = []
        for i, (part, future) in enumerate(zip(parts, futures)):
            try:
                result = future.result()
            except Exception as exc:  # collect every failed partition, then report them all
                failures.append(f"{_describe(i, part)}: {type(exc).__name__}: {exc}")
                continue
            if [s.name for s, _ in result] != [Path(f).name for f in part]:
                failures.append(f"{_describe(i, part)}: returned {len(result)} results, not one per file in order")
                continue
            scans.extend(result)
    if failures:
        raise PartitionError(
            f"clean (dask): {len(failures)} of {len(parts)} partitions failed after {TASK_RETRIES} retries; "
            "no table was written:\n  " + "\n  ".join(failures)
        )
    raw = combine_scans([s for s, _ in scans], settings, raw_dir)
    accepted = {id(p) for p in raw.pages}
    drafts = [d for s, d in scans if d is not None and id(s.page) in accepted]
    for index, draft in enumerate(drafts):
        draft.index = index
    return raw, drafts
