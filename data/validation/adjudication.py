"""Build the second coding, the adjudication packet and the consensus gold.

In: frames_gold.csv (coder 1), the second coder's answers, the adjudicator's
decisions, and data/processed/sentences.parquet (for the two sentences of
context before each gold sentence).
Out: frames_coder2.csv, an adjudication packet and its key, frames_consensus.csv.
Used by: nobody at run time — it records how the consensus gold was made
(README.md in this folder, "Round 4"). Run with .venv/bin/python:

    adjudication.py packet-coder2 DIR        # DIR/codebook.md (no patterns) and DIR/sentences.csv
    adjudication.py import-coder2 DIR        # DIR/coder2.csv (id, frames, note) -> frames_coder2.csv
    adjudication.py packet-adjudicate DIR    # DIR/disputes.csv (A/B in seeded random order), DIR/key.csv
    adjudication.py merge DIR                # DIR/decisions.csv (id, frame, present, note) -> frames_consensus.csv

Procedure:
1. The second coder gets the codebook without its Matcher patterns (definitions,
   include cues, exclusions and the coding rules of README.md) and the sentences
   in the first coder's order under neutral ids (s000 ...), with no split, rank
   or code. The adjudicator gets the same codebook.
2. A sentence is disputed when the two codings differ; each frame in the
   symmetric difference is a disputed frame. Which coder is shown as "A" is
   drawn per sentence with random.Random(2024).
3. The adjudicator decides each disputed frame (present 1/0). The consensus is
   the agreed frames plus the disputed frames decided present;
   ``resolution`` says "agreed" or "adjudicated".
"""

from __future__ import annotations

import csv
import random
import sys
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT / "src"))

from helpers.frames import FRAME_NAMES, match_key  # noqa: E402

GOLD = HERE / "frames_gold.csv"
CODER2 = HERE / "frames_coder2.csv"
CONSENSUS = HERE / "frames_consensus.csv"
COLUMNS = ["sample_rank", "source_file", "split", "text", "frames", "coder_note"]


def read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, keep_default_na=False, dtype=str)


def frames_of(cell: str) -> set[str]:
    frames = {f.strip() for f in cell.split(";") if f.strip()}
    unknown = frames - set(FRAME_NAMES)
    if unknown:
        raise ValueError(f"unknown frame(s) {sorted(unknown)}")
    return frames


def joined(frames: set[str]) -> str:
    return ";".join(f for f in FRAME_NAMES if f in frames)


def ids(gold: pd.DataFrame) -> list[str]:
    return [f"s{i:03d}" for i in range(len(gold))]


def contexts(gold: pd.DataFrame, n: int = 2) -> list[str]:
    """The ``n`` sentences before each gold sentence in its cleaned article ('' when not found)."""
    sents = pd.read_parquet(ROOT / "data" / "processed" / "sentences.parquet").sort_values(["article_id", "sent_id"])
    before: dict[str, str] = {}
    for _, group in sents.groupby("article_id", sort=False):
        texts = group["text"].tolist()
        for i, text in enumerate(texts):
            before.setdefault(match_key(text), " ".join(texts[max(0, i - n):i]))
    return [before.get(match_key(t), "") for t in gold["text"]]


CODING_RULES = [
    "Code each sentence with zero or more of the nine frames below. Rules:",
    "",
    "- Code a sentence on what it says. Use the context (the sentences before it, or the raw page) only to "
    "resolve pronouns and anaphora (\"the former\", \"its wish\", \"the decision\", \"they\").",
    "- A label alone (e.g. \"terrorist group\", \"cult\") is not a frame: `terrorism_violence` needs violence "
    "described or the group's violent/armed character as the point; `legal_designation` needs a legal act or "
    "status (listing, delisting, court, proscription, legal protection).",
    "- The frames are about the MEK (also MKO, PMOI, People's Mujahedin, Mujahedin-e Khalq, NCRI, 'the Iranian "
    "Resistance', 'the Rajavi cult') — 'the group' below. Frames about US/Western policy toward Iran "
    "(`regime_change_policy`) need not name the group.",
    "- A sentence may carry several frames, or none (many sentences carry none).",
    "",
]


def codebook_text() -> str:
    """The codebook as the coders read it: frames.yaml without patterns or linkage rules."""
    import yaml

    frames = yaml.safe_load((ROOT / "data" / "lexicons" / "frames.yaml").read_text(encoding="utf-8"))["frames"]
    lines = ["# Frame codebook (coding instructions)", ""] + CODING_RULES
    for name, frame in frames.items():
        lines += [f"## `{name}`", f"Dimension (Policy Frames Codebook): {frame['dimension']}", "",
                  f"**Definition.** {frame['definition']}", "", "**Include:**"]
        lines += [f"- {x}" for x in frame.get("include", [])]
        lines += ["", "**Exclude:**"] + [f"- {x}" for x in frame.get("exclude", [])] + [""]
    return "\n".join(lines)


def packet_coder2(out: Path) -> None:
    gold = read(GOLD)
    (out / "codebook.md").write_text(codebook_text(), encoding="utf-8")
    pd.DataFrame({"id": ids(gold), "source_file": gold["source_file"], "context_before": contexts(gold),
                  "sentence": gold["text"]}).to_csv(out / "sentences.csv", index=False, quoting=csv.QUOTE_NONNUMERIC)


def import_coder2(out: Path) -> None:
    gold = read(GOLD)
    answers = read(out / "coder2.csv")
    if answers["id"].tolist() != ids(gold):
        raise ValueError(f"{out / 'coder2.csv'}: ids are not s000..s{len(gold) - 1:03d} in order")
    coder2 = gold[["sample_rank", "source_file", "split", "text"]].assign(
        frames=[joined(frames_of(c)) for c in answers["frames"]], coder_note=answers["note"])
    coder2[COLUMNS].to_csv(CODER2, index=False, lineterminator="\n")


def packet_adjudicate(out: Path) -> None:
    gold, coder2 = read(GOLD), read(CODER2)
    rng = random.Random(2024)
    disputes, key = [], []
    for sid, context, g, c in zip(ids(gold), contexts(gold), gold.itertuples(), coder2.itertuples()):
        first, second = frames_of(g.frames), frames_of(c.frames)
        if first == second:
            continue
        coder_1_is_a = rng.random() < 0.5
        a, b = (first, second) if coder_1_is_a else (second, first)
        disputes.append({"id": sid, "source_file": g.source_file, "context_before": context, "sentence": g.text,
                         "coding_A": joined(a), "coding_B": joined(b), "disputed_frames": joined(first ^ second)})
        key.append({"id": sid, "A": "coder_1" if coder_1_is_a else "coder_2"})
    pd.DataFrame(disputes).to_csv(out / "disputes.csv", index=False, quoting=csv.QUOTE_NONNUMERIC)
    pd.DataFrame(key).to_csv(out / "key.csv", index=False)


def merge(out: Path) -> None:
    gold, coder2 = read(GOLD), read(CODER2)
    decisions = read(out / "decisions.csv")
    decided = {(d.id, d.frame): d.present.strip() == "1" for d in decisions.itertuples()}
    notes: dict[str, list[str]] = {}
    for d in decisions.itertuples():
        if d.note.strip():
            notes.setdefault(d.id, []).append(f"{d.frame}: {d.note.strip()}")
    rows = []
    for sid, g, c in zip(ids(gold), gold.itertuples(), coder2.itertuples()):
        first, second = frames_of(g.frames), frames_of(c.frames)
        consensus = first & second
        for frame in sorted(first ^ second):
            if (sid, frame) not in decided:
                raise ValueError(f"{out / 'decisions.csv'}: no decision for {sid} {frame}")
            if decided[(sid, frame)]:
                consensus.add(frame)
        rows.append({"sample_rank": g.sample_rank, "source_file": g.source_file, "split": g.split, "text": g.text,
                     "frames": joined(consensus), "coder_note": " | ".join(notes.get(sid, [])),
                     "resolution": "agreed" if first == second else "adjudicated"})
    pd.DataFrame(rows).to_csv(CONSENSUS, index=False, lineterminator="\n")


if __name__ == "__main__":
    commands = {"packet-coder2": packet_coder2, "import-coder2": import_coder2,
                "packet-adjudicate": packet_adjudicate, "merge": merge}
    if len(sys.argv) != 3 or sys.argv[1] not in commands:
        sys.exit(f"usage: {Path(sys.argv[0]).name} {{{'|'.join(commands)}}} DIR")
    commands[sys.argv[1]](Path(sys.argv[2]))
