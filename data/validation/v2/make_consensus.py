"""Combine the two independent codings and the adjudication into the v2 consensus gold.

For each coded sample — the main sample (``sample.csv``) and the training extension
(``extension_sample.csv``, files prefixed ``extension_``) — in (beside this file):
``coder_1.csv``, ``coder_2.csv`` (each ``sample_id,frames,note``), ``adjudication.csv`` (the
disputed sentences, decided by a third reader who saw the codebook, the sentence, its context
and both codings, anonymised as coder a and b, and nothing else). Out: ``consensus.csv`` — one
row per sentence of the sample: ``sample_id, split, frames, resolution`` ('agreed' when both
coders gave the same set of frames, 'adjudicated' otherwise).
Run from the project root: ``.venv/bin/python data/validation/v2/make_consensus.py``.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent


def frame_set(value) -> tuple[str, ...]:
    return tuple(sorted(f for f in str(value if isinstance(value, str) else "").split(";") if f))


def consensus(prefix: str) -> None:
    sample = pd.read_csv(HERE / f"{prefix}sample.csv")
    if not (HERE / f"{prefix}adjudication.csv").exists():
        print(f"{prefix}adjudication.csv: not there yet, {prefix}consensus.csv not written")
        return
    c1 = pd.read_csv(HERE / f"{prefix}coder_1.csv", keep_default_na=False).set_index("sample_id")
    c2 = pd.read_csv(HERE / f"{prefix}coder_2.csv", keep_default_na=False).set_index("sample_id")
    adj = pd.read_csv(HERE / f"{prefix}adjudication.csv", keep_default_na=False).set_index("sample_id")
    order = ["terrorism_violence", "cult_abuse", "saddam_collaboration", "legal_designation", "lobbying_influence",
             "regime_change_policy", "intelligence_credibility", "opposition_legitimacy", "humanitarian_displacement"]
    rows = []
    for sid, split in zip(sample["sample_id"], sample["split"]):
        a, b = frame_set(c1.at[sid, "frames"]), frame_set(c2.at[sid, "frames"])
        if a == b:
            frames, resolution = a, "agreed"
        else:
            frames, resolution = frame_set(adj.at[sid, "frames"]), "adjudicated"
        rows.append({"sample_id": sid, "split": split, "frames": ";".join(f for f in order if f in frames),
                     "resolution": resolution})
    pd.DataFrame(rows).to_csv(HERE / f"{prefix}consensus.csv", index=False, quoting=csv.QUOTE_MINIMAL)


def main() -> None:
    for prefix in ("", "extension_"):
        consensus(prefix)


if __name__ == "__main__":
    main()
