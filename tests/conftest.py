"""Shared fixtures: the project's seed pages and a temporary copy to run on."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from helpers.paths import DEFAULT_RAW_DIR


@pytest.fixture
def raw_copy(tmp_path: Path) -> Path:
    """A temporary copy of data/raw (pages + control files)."""
    dest = tmp_path / "raw"
    shutil.copytree(DEFAULT_RAW_DIR, dest)
    return dest
