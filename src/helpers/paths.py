"""Every path the project uses, from one place.

In: nothing (the project root is found from this file's location).
Out: ``Paths`` — the layout of a run (raw input, processed tables, reports),
rooted at the project or at a user's ``--out-dir``.
Used by: every notebook's first code cell and by ``helpers.pipeline``.

Notebooks never build a path by hand: they call ``run_paths(raw_dir, out_dir)``
with their parameters and use the attributes.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

PROJ_ROOT = Path(__file__).resolve().parents[2]

NOTEBOOKS_DIR = PROJ_ROOT / "notebooks"
LEXICONS_DIR = PROJ_ROOT / "data" / "lexicons"
VALIDATION_DIR = PROJ_ROOT / "data" / "validation"
DEFAULT_RAW_DIR = PROJ_ROOT / "data" / "raw"
PARAMS_FILE = PROJ_ROOT / "params.yaml"

# Control files that may sit in a raw directory beside the pages.
CHECKSUMS_NAME = "SHA256SUMS"
OVERRIDES_NAME = "metadata_overrides.csv"
CONTROL_FILES = (CHECKSUMS_NAME, OVERRIDES_NAME)

KERNEL_NAME = "mek-framing"


def resolve(path: str | Path, base: Path = PROJ_ROOT) -> Path:
    """A path from a parameter: absolute as given, relative to ``base`` otherwise."""
    p = Path(path).expanduser()
    return p if p.is_absolute() else (base / p)


@dataclass(frozen=True)
class Paths:
    """The layout of one run: where it reads and where it writes."""

    raw_dir: Path
    out_root: Path

    @property
    def processed_dir(self) -> Path:
        return self.out_root / "data" / "processed"

    @property
    def interim_dir(self) -> Path:
        """Caches and scratch (never committed, safe to delete)."""
        return self.out_root / "data" / "interim"

    @property
    def reports_dir(self) -> Path:
        return self.out_root / "reports"

    @property
    def figures_dir(self) -> Path:
        return self.reports_dir / "figures"

    @property
    def executed_notebooks_dir(self) -> Path:
        return self.reports_dir / "notebooks"

    @property
    def benchmarks_dir(self) -> Path:
        return self.reports_dir / "benchmarks"

    @property
    def checksums_file(self) -> Path:
        return self.raw_dir / CHECKSUMS_NAME

    @property
    def overrides_file(self) -> Path:
        return self.raw_dir / OVERRIDES_NAME

    # Tables, by the stage that writes them.
    @property
    def raw_manifest(self) -> Path:
        return self.processed_dir / "raw_manifest.csv"

    @property
    def articles(self) -> Path:
        return self.processed_dir / "articles.parquet"

    @property
    def cleaning_findings(self) -> Path:
        return self.processed_dir / "cleaning_findings.csv"

    @property
    def removed_blocks(self) -> Path:
        return self.processed_dir / "removed_blocks.parquet"

    @property
    def overrides_applied(self) -> Path:
        return self.processed_dir / "overrides_applied.csv"

    @property
    def sentences(self) -> Path:
        return self.processed_dir / "sentences.parquet"

    @property
    def entities(self) -> Path:
        return self.processed_dir / "entities.parquet"

    @property
    def entity_counts(self) -> Path:
        return self.processed_dir / "entity_counts.csv"

    @property
    def entity_misses(self) -> Path:
        """Names of the target in the text that the entity stage did not make target entities (02's self-check)."""
        return self.processed_dir / "entity_misses.csv"

    @property
    def doc_cache_dir(self) -> Path:
        return self.interim_dir / "doc_cache"

    def ensure(self) -> "Paths":
        for d in (self.processed_dir, self.figures_dir, self.executed_notebooks_dir):
            d.mkdir(parents=True, exist_ok=True)
        return self


def run_paths(raw_dir: str | Path = "data/raw", out_dir: str | Path = ".") -> Paths:
    """The layout for a run with the given parameters (relative = to the project root)."""
    return Paths(raw_dir=resolve(raw_dir), out_root=resolve(out_dir))
