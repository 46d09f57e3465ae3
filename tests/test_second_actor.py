"""End to end: the study pointed at another actor, as the README says, with lexicons of its own.

The fixture (tests/fixtures/second_actor/) makes the United States government the target: its
alias rows have no alias_class (so naming is by alias), its label lexicon has classes of its own
and its frame codebook three frames written for it. All four notebooks run through the batch
runner on the seed pages; no hand-coded gold exists for this actor, so validation is skipped.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pandas as pd
import pytest
import yaml

from helpers import pipeline, schema
from helpers.frames import load_codebook
from helpers.io import read_table
from helpers.labels import lexicon_classes, load_label_lexicon
from helpers.lexicon import load_aliases, naming_key
from helpers.paths import DEFAULT_RAW_DIR, PROJ_ROOT, run_paths

pytestmark = pytest.mark.e2e

FIXTURE = Path(__file__).parent / "fixtures" / "second_actor"
TARGET = "USA"


def readme_example() -> str:
    """The parameters file the README's "Studying another actor" shows (so the test runs what it says)."""
    readme = (PROJ_ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Studying another actor", 1)[1]
    return re.search(r"```yaml\n(.*?)```", section, flags=re.S).group(1)


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    base = tmp_path_factory.mktemp("second_actor")
    example = readme_example()
    params = yaml.safe_load(example)
    assert params["common"] == {"target": TARGET, "aliases_file": "tests/fixtures/second_actor/aliases.csv"}
    assert params["framing"]["gold_file"] is None
    params_file = base / "my.yaml"
    params_file.write_text(example, encoding="utf-8")
    out = base / "out"
    assert pipeline.main(["--params", str(params_file), "--raw-dir", str(DEFAULT_RAW_DIR), "--out-dir", str(out)]) == 0
    return run_paths(DEFAULT_RAW_DIR, out)


def test_every_notebook_ran(study) -> None:
    for stage in pipeline.available_stages():
        assert (study.executed_notebooks_dir / stage.notebook).exists()
    assert not list(study.executed_notebooks_dir.glob("*.failed.ipynb"))


def test_the_target_is_found_and_checked(study) -> None:
    entities = read_table(study.entities, schema.ENTITIES)
    usa = entities[entities["canonical_id"] == TARGET]
    assert len(usa) >= 30  # the seed pages name the United States often
    assert usa["alias_class"].isna().all()  # no classes in the fixture: naming by alias
    misses = read_table(study.entity_misses, schema.ENTITY_MISSES)  # the self-check ran (and wrote its table)
    assert len(misses) <= len(usa) // 10


def test_naming_is_by_alias_and_adds_up(study) -> None:
    entities = read_table(study.entities, schema.ENTITIES)
    usa = entities[entities["canonical_id"] == TARGET]
    naming = pd.read_csv(study.processed_dir / "framing_naming.csv")
    assert len(naming) > 0
    written = {naming_key(None, t) for t in usa["text"]}
    assert set(naming["alias_class"]) == written  # one family per written form, and no class of the MEK
    everything = naming[naming["voice"] == "all"]
    per_author = everything.groupby("author").agg(n=("n_mentions", "sum"), total=("n_target_mentions", "first"))
    assert (per_author["n"] == per_author["total"]).all()
    assert per_author["n"].sum() == len(usa)


def test_labels_and_frames_use_the_given_lexicons(study) -> None:
    labels = pd.read_csv(study.processed_dir / "framing_labels.csv")
    assert set(labels["label_class"]) == set(lexicon_classes(load_label_lexicon(FIXTURE / "labels.csv")))
    assert labels["n_labels"].sum() > 0
    frames = pd.read_csv(study.processed_dir / "framing_frames.csv")
    assert set(frames["frame"]) == set(load_codebook(FIXTURE / "frames.yaml"))
    everything = frames[(frames["voice"] == "all") & (frames["scope"] == "all_sentences")]
    assert everything["n_sentences"].sum() > 0
    assert ((frames["share"].dropna() >= 0) & (frames["share"].dropna() <= 1)).all()
    stance = pd.read_csv(study.processed_dir / "stance.csv")
    assert stance["n_sentences"].sum() > 0


def test_validation_is_skipped_and_said_so(study) -> None:
    for name, table in (("frames_validation.csv", schema.FRAMES_VALIDATION), ("coder_agreement.csv", schema.CODER_AGREEMENT)):
        written = pd.read_csv(study.processed_dir / name)
        assert list(written.columns) == table.names and written.empty
    nb = nbformat.read(study.executed_notebooks_dir / "03-framing.ipynb", as_version=4)
    shown = "\n".join(
        str(out.get("text", "")) + str(out.get("data", {}).get("text/plain", ""))
        for cell in nb.cells for out in cell.get("outputs", [])
    )
    assert "yes, by alias" in shown
    assert "gold_file is null" in shown


def test_charts_draw_what_exists(study) -> None:
    figures = study.figures_dir
    for slug in ("naming-shares", "label-classes", "frame-shares", "stance", "actor-cooccurrence"):
        assert (figures / f"{slug}.png").exists()
        assert len(pd.read_csv(figures / f"{slug}.csv")) > 0
    naming = pd.read_csv(figures / "naming-shares.csv")
    assert set(naming["alias_class"]) <= set(load_aliases(FIXTURE / "aliases.csv").query("canonical_id == @TARGET")["alias"]) | {"U.S.", "U.S"}
