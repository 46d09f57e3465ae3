"""Reading and writing tables: atomic, deterministic, validated.

In: DataFrames and a ``schema.Table`` contract (or none, for free-form outputs).
Out: Parquet/CSV files whose bytes depend only on their content.
Used by: every stage module.

Writes go to a temporary name in the same directory and are renamed into
place, so an interrupted run never leaves a half-written table that a later
stage would read as complete. The temporary name is hidden and cannot be taken
for a table: ``.<name>.<random>.tmp<suffix>``. A run killed outright (SIGKILL,
power loss) can leave such a file behind; it is harmless, and the batch runner
removes those under its output root at the start of the next run
(``remove_stale_temporaries``).
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Sequence

import pandas as pd

from .schema import Table, conform


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


@contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it over ``path`` on success."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=f".tmp{path.suffix}", dir=path.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        os.replace(tmp_path, path)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


# what atomic_path's mkstemp names look like (8 random characters)
_TEMPORARY_NAME = re.compile(r"^\..+\.[a-z0-9_]{8}\.tmp(\.[^.]+)?$")


def is_temporary(path: Path) -> bool:
    """True for a name ``atomic_path`` gives to a file it has not renamed yet."""
    return bool(_TEMPORARY_NAME.match(Path(path).name))


def remove_stale_temporaries(root: Path) -> list[Path]:
    """Delete every ``atomic_path`` temporary under ``root``; returns them, sorted.

    Only safe when no other run writes under ``root`` at the same time (the
    runner calls it before its first stage).
    """
    root = Path(root)
    if not root.is_dir():
        return []
    stale = sorted(p for p in root.rglob(".*.tmp*") if p.is_file() and is_temporary(p))
    for p in stale:
        p.unlink(missing_ok=True)
    return stale


def write_text(path: Path, text: str) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8", newline="\n")


def write_parquet(df: pd.DataFrame, path: Path, table: Table | None = None) -> pd.DataFrame:
    """Validate (when a contract is given) and write ``df``; returns what was written."""
    if table is not None:
        df = conform(df, table)
    with atomic_path(path) as tmp:
        df.to_parquet(tmp, index=False, engine="pyarrow", compression="zstd")
    return df


def write_csv(df: pd.DataFrame, path: Path, table: Table | None = None, float_format: str = "%.6g") -> pd.DataFrame:
    if table is not None:
        df = conform(df, table)
    with atomic_path(path) as tmp:
        df.to_csv(tmp, index=False, lineterminator="\n", float_format=float_format)
    return df


def read_yaml(path: Path, error: type[Exception] = ValueError):
    """Parse a YAML file; a syntax error becomes ``error`` naming the file and the line."""
    import yaml

    try:
        return yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        raise error(f"{path}{where}: not valid YAML: {getattr(exc, 'problem', None) or exc}") from None


def read_table(path: Path, table: Table | None = None, columns: Sequence[str] | None = None) -> pd.DataFrame:
    """Read a Parquet or CSV table, with a message that says which stage makes it when missing.

    ``columns``: read only these (from Parquet, only these are loaded: e.g. every column of
    the articles but their text) and check them against their part of ``table``.
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(
            f"{path} does not exist: run the stage that produces it first "
            "(see README, 'Which notebook produces which file')."
        )
    if table is not None and columns is not None:
        table = table.select(columns)  # an unknown column is an error naming the table, before reading
    if path.suffix == ".parquet":
        df = pd.read_parquet(path, columns=list(columns) if columns is not None else None)
    else:
        df = pd.read_csv(path, keep_default_na=False, na_values=[""], usecols=list(columns) if columns is not None else None)
    return conform(df, table) if table is not None else df


def iter_parquet(path: Path, columns: Sequence[str], batch_rows: int = 2000) -> Iterator[pd.DataFrame]:
    """``columns`` of a Parquet table, ``batch_rows`` rows at a time, in file order: for a
    table too big to hold whole (the articles' text of a large corpus)."""
    import pyarrow.parquet as pq

    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path} does not exist: run the stage that produces it first.")
    for batch in pq.ParquetFile(path).iter_batches(batch_size=batch_rows, columns=list(columns)):
        yield batch.to_pandas()
