"""The README documents what the code does."""

import re

from helpers import datadict
from helpers.paths import PROJ_ROOT

README = (PROJ_ROOT / "README.md").read_text(encoding="utf-8")


def test_data_dictionary_matches_the_schema():
    section = datadict.readme_section(README)
    assert section is not None, "README lacks the data-dictionary markers"
    assert section == datadict.markdown(), "README data dictionary is stale: run python -m helpers.datadict --write"


def test_readme_names_the_two_commands_and_every_make_target():
    makefile = (PROJ_ROOT / "Makefile").read_text()
    targets = [line.split(":")[0] for line in makefile.splitlines() if re.match(r"^[a-z-]+:.*## ", line)]
    assert len(targets) >= 8
    assert "make run" in README and "make test" in README
    for target in targets:
        if target != "help":
            assert f"make {target}" in README, f"make {target} is not documented in README"
