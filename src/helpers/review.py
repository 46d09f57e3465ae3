"""Validate the frame detector on your own corpus: draw a blind review sheet, score the filled one.

How far to trust the detector's frames on a corpus it was not tuned on: a sample of a finished
run's sentences goes to a reviewer without the detector's calls, and the detector is scored
against the reviewer's frames, weighted back to the corpus.

In: a finished run (``--out-dir RUN``, default the project root): its ``articles.parquet``,
``sentences.parquet`` and ``sentence_frames.parquet``, and the frame codebook
(``data/lexicons/frames.yaml`` or the one the run used); for ``score``, the filled sheet and its key.
Out:

* ``sample`` (``--sheet-dir``, default ``RUN/reports/review/``): ``review_sheet.csv`` (one row
  per sampled sentence: ``review_id``, ``article_id``, ``sent_id``, ``title``, ``context`` (the
  two sentences before it in its article), ``sentence``, one empty column per frame in codebook
  order, ``note``), ``review_key.csv`` (``review_id``, ``article_id``, ``sent_id``, ``author``,
  ``stratum``, ``stratum_size``, ``stratum_sample``, ``weight``, ``detected``: the design and the
  detector's calls, kept out of the sheet) and ``codebook.csv`` (frame, definition, include, exclude);
* ``score`` (``--report-dir``, default ``RUN/reports/review/``): ``review_scores.csv``, per frame
  and macro: precision, recall and F1 weighted back to the corpus with a 95% stratified bootstrap
  interval of F1, weighted sensitivity and specificity, and the unweighted counts (tp, fp, fn).

Used by: ``python -m helpers.review sample|score`` (README, "Running on your own corpus"); a
notebook can take ``review_coded(...)`` (reference, predicted, weight per reviewed sentence)
instead of the project's gold, e.g. for ``helpers.correction.error_rate_draws``.

Decisions:

* Sentences of fewer than ``MIN_WORDS`` words are not sampled; the scores are about the others.
* Strata (disjoint): ``detected:<frame>``, the sentences whose first all-voice frame in codebook
  order is that frame, and ``none``, the sentences with no frame. Sampling the detections
  estimates precision; sampling ``none`` finds what the detector missed (recall).
* Allocation: equal across strata, a stratum smaller than its share taken whole and the surplus
  shared among the others; the last few sentences go to the largest strata. Every stratum gets at
  least ``MIN_PER_STRATUM`` sentences (or all it has), else ``--n`` is too small.
* Within a stratum, writers take turns (sorted names; each writer's sentences shuffled with the
  seed), so no prolific writer fills a stratum. The draw is therefore random within each cell
  (stratum x writer), not within the stratum, and the weights are the cells': a sentence stands
  for N_hw / n_hw sentences (N_hw the cell's sentences, n_hw those drawn), which adds up to N_h
  over the stratum and keeps a writer with few sentences from weighing like a prolific one.
* Blind: the sheet holds no detector call and no stratum, and its rows are shuffled (seeded);
  review ids are given in sheet order.
* A frame cell is ``1``, ``0`` or empty (surrounding spaces ignored); empty counts as 0 when the
  row has another frame cell filled or a note. A row with every frame cell and the note empty was
  not reviewed and is skipped (counted). Weights use the reviewed rows: N_hw / r_hw, with r_hw the
  reviewed rows of the cell (= N_hw / n_hw for a fully reviewed sheet).
* The detector's frames are read from the run at scoring time (``sentence_frames``, voice
  ``all``): the reviewer codes whole sentences. Without a key every row weighs 1 (stratum
  ``all``): a sheet made from an existing gold.
* F1 is 2 tp / (2 tp + fp + fn), 0 when a frame has neither (the project's rule, as in
  ``frames.score_frames``); precision (recall, specificity) is empty where undefined. The macro
  row averages over the frames and sums the counts. Intervals: rows resampled within strata.
"""

from __future__ import annotations

import argparse
import csv
import difflib
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd

from . import paths as P
from . import schema
from .io import iter_parquet, read_table, write_csv

DEFAULT_FRAMES_FILE = P.LEXICONS_DIR / "frames.yaml"
MIN_WORDS = 5
MIN_PER_STRATUM = 2
CONTEXT_SENTENCES = 2
NONE_STRATUM = "none"
SHEET_NAME, KEY_NAME, CODEBOOK_NAME, SCORES_NAME = "review_sheet.csv", "review_key.csv", "codebook.csv", "review_scores.csv"
ID_COLUMNS = ("review_id", "article_id", "sent_id")
TEXT_COLUMNS = ("title", "context", "sentence")
KEY_COLUMNS = ("review_id", "article_id", "sent_id", "author", "stratum", "stratum_size", "stratum_sample",
               "cell_size", "cell_sample", "weight", "detected")
MARKS = {"": None, "0": False, "1": True}
_FRAME_LIKE = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)+$")  # lower_snake_case, as frame names are


class ReviewError(ValueError):
    """A sheet, key or request the review cannot use (the message starts with the file)."""


# --- the run --------------------------------------------------------------------------------------

def _codebook(frames_file: Path) -> dict:
    from .frames import load_codebook  # spaCy comes with it: only when a codebook is needed

    return load_codebook(frames_file)


def _detected(processed: Path, frame_names: Sequence[str], frames_file: Path) -> dict[tuple[str, int], tuple[str, ...]]:
    """(article_id, sent_id) -> the all-voice frames of the run, in codebook order."""
    path = processed / "sentence_frames.parquet"
    sf = read_table(path, schema.SENTENCE_FRAMES)
    sf = sf[sf["voice"] == "all"]
    unknown = sorted(set(sf["frame"]) - set(frame_names))
    if unknown:
        raise ReviewError(f"{path}: frame(s) {unknown} are not in the codebook {frames_file}: "
                          "pass the codebook the run used (--frames-file)")
    order = {f: i for i, f in enumerate(frame_names)}
    out: dict[tuple[str, int], list[str]] = {}
    for aid, sid, frame in zip(sf["article_id"], sf["sent_id"], sf["frame"]):
        out.setdefault((aid, int(sid)), []).append(frame)
    return {k: tuple(sorted(v, key=order.get)) for k, v in out.items()}


def _authors(processed: Path) -> pd.DataFrame:
    """article_id, author (``schema.UNATTRIBUTED`` when the page names none), title."""
    arts = read_table(processed / "articles.parquet", schema.ARTICLES, columns=["article_id", "title", "author"])
    return arts.assign(author=arts["author"].fillna(schema.UNATTRIBUTED), title=arts["title"].fillna(""))


# --- sample ---------------------------------------------------------------------------------------

def allocate(sizes: dict[str, int], n: int) -> dict[str, int]:
    """Sentences to draw per stratum (``sizes``: N_h in stratum order): equal shares capped by
    N_h, the surplus shared again; the remainder to the largest strata (ties: stratum order)."""
    alloc = {h: 0 for h in sizes}
    order = list(sizes)
    remaining = min(n, sum(sizes.values()))
    open_ = [h for h in order if sizes[h] > 0]
    while remaining > 0:
        share = remaining // len(open_)
        if share == 0:
            for h in sorted(open_, key=lambda h: (-sizes[h], order.index(h)))[:remaining]:
                alloc[h] += 1
            break
        for h in open_:
            take = min(share, sizes[h] - alloc[h])
            alloc[h] += take
            remaining -= take
        open_ = [h for h in open_ if alloc[h] < sizes[h]]
    return alloc


def _draw(stratum: pd.DataFrame, n_h: int, rng: np.random.Generator) -> list[int]:
    """Row labels of ``n_h`` sentences of one stratum, writers taking turns (sorted names)."""
    queues = []
    for _, rows in stratum.groupby("author", sort=True):
        queues.append(list(rows.index[rng.permutation(len(rows))]))
    picked: list[int] = []
    turn = 0
    while len(picked) < n_h:
        for q in queues:
            if turn < len(q) and len(picked) < n_h:
                picked.append(q[turn])
        turn += 1
    return picked


@dataclass
class Sample:
    sheet: pd.DataFrame
    key: pd.DataFrame
    codebook: pd.DataFrame


def draw_sample(out_dir: str | Path, n: int = 200, seed: int = 2024,
                frames_file: str | Path = DEFAULT_FRAMES_FILE) -> Sample:
    """The review sheet, its key and the codebook table for a seeded, stratified sample of the
    run's sentences (module docstring)."""
    frames_file = Path(frames_file)
    codebook = _codebook(frames_file)
    frame_names = list(codebook)
    processed = P.run_paths(out_dir=out_dir).processed_dir
    detected = _detected(processed, frame_names, frames_file)
    arts = _authors(processed)
    sentences_path = processed / "sentences.parquet"
    parts = []
    for batch in iter_parquet(sentences_path, ["article_id", "sent_id", "text"]):
        n_words = batch["text"].str.split().str.len()
        parts.append(batch.loc[n_words >= MIN_WORDS, ["article_id", "sent_id"]])
    pool = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=["article_id", "sent_id"])
    pool = pool.astype({"sent_id": "int64"}).merge(arts[["article_id", "author"]], on="article_id", how="left")
    pool["author"] = pool["author"].fillna(schema.UNATTRIBUTED)
    pool = pool.sort_values(["article_id", "sent_id"], kind="mergesort").reset_index(drop=True)
    pool["detected"] = [detected.get((a, int(s)), ()) for a, s in zip(pool["article_id"], pool["sent_id"])]
    pool["stratum"] = [f"detected:{d[0]}" if d else NONE_STRATUM for d in pool["detected"]]
    strata = [f"detected:{f}" for f in frame_names] + [NONE_STRATUM]
    sizes = {h: int((pool["stratum"] == h).sum()) for h in strata}
    needed = sum(min(size, MIN_PER_STRATUM) for size in sizes.values())
    if not needed:
        raise ReviewError(f"{sentences_path}: no sentence of {MIN_WORDS} words or more to review")
    if n < needed:
        raise ReviewError(f"{sentences_path}: --n {n} is too small: {sum(s > 0 for s in sizes.values())} strata "
                          f"need at least {needed} sentences ({MIN_PER_STRATUM} each, or all a stratum has)")
    alloc = allocate(sizes, n)
    rng = np.random.default_rng(seed)
    picked = []
    for h in strata:
        if alloc[h]:
            rows = _draw(pool[pool["stratum"] == h], alloc[h], rng)
            picked.append(pool.loc[rows].assign(stratum_size=sizes[h], stratum_sample=alloc[h]))
    sample = pd.concat(picked).iloc[rng.permutation(sum(alloc.values()))].reset_index(drop=True)
    cells = pool.groupby(["stratum", "author"]).size().rename("cell_size")
    sample = sample.join(cells, on=["stratum", "author"])
    sample["cell_sample"] = sample.groupby(["stratum", "author"])["sent_id"].transform("size")
    width = max(4, len(str(len(sample))))
    sample.insert(0, "review_id", [f"r{i + 1:0{width}d}" for i in range(len(sample))])
    sample["weight"] = sample["cell_size"] / sample["cell_sample"]
    sample["detected"] = sample["detected"].map(";".join)
    key = sample[list(KEY_COLUMNS)]

    wanted = {(a, s - k) for a, s in zip(sample["article_id"], sample["sent_id"]) for k in range(CONTEXT_SENTENCES + 1)}
    texts: dict[tuple[str, int], str] = {}
    for batch in iter_parquet(sentences_path, ["article_id", "sent_id", "text"]):
        for a, s, t in zip(batch["article_id"], batch["sent_id"], batch["text"]):
            if (a, int(s)) in wanted:
                texts[(a, int(s))] = " ".join(str(t).split())  # one line per row in the sheet
    titles = dict(zip(arts["article_id"], arts["title"]))
    sheet = pd.DataFrame({
        "review_id": sample["review_id"], "article_id": sample["article_id"], "sent_id": sample["sent_id"],
        "title": [" ".join(titles.get(a, "").split()) for a in sample["article_id"]],
        "context": [" ".join(texts[(a, s - k)] for k in range(CONTEXT_SENTENCES, 0, -1) if (a, s - k) in texts)
                    for a, s in zip(sample["article_id"], sample["sent_id"])],
        "sentence": [texts[(a, s)] for a, s in zip(sample["article_id"], sample["sent_id"])],
        **{f: "" for f in frame_names}, "note": "",
    })
    book = pd.DataFrame([{"frame": f.name, "definition": f.definition,
                          "include": "\n".join(f"- {x}" for x in f.include),
                          "exclude": "\n".join(f"- {x}" for x in f.exclude)} for f in codebook.values()])
    return Sample(sheet, key, book)


def _filled(path: Path) -> bool:
    """Whether a sheet on disk has a mark or a note in it (so drawing again would lose work);
    a sheet that cannot be read counts as filled."""
    try:
        sheet = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (ValueError, UnicodeDecodeError):
        return True
    marks = sheet.drop(columns=[c for c in (*ID_COLUMNS, *TEXT_COLUMNS) if c in sheet.columns])
    return bool((marks.apply(lambda c: c.str.strip()) != "").to_numpy().any())


def write_sample(sample: Sample, sheet_dir: str | Path, force: bool = False) -> dict[str, Path]:
    sheet_dir = Path(sheet_dir)
    out = {"sheet": sheet_dir / SHEET_NAME, "key": sheet_dir / KEY_NAME, "codebook": sheet_dir / CODEBOOK_NAME}
    if not force and out["sheet"].is_file() and _filled(out["sheet"]):
        raise ReviewError(f"{out['sheet']}: already holds a reviewer's marks; move it away or pass --force")
    write_csv(sample.sheet, out["sheet"])
    write_csv(sample.key, out["key"])
    write_csv(sample.codebook, out["codebook"])
    return out


# --- score ----------------------------------------------------------------------------------------

def read_sheet(path: str | Path, frame_names: Sequence[str]) -> pd.DataFrame:
    """The rows of a sheet: review_id, article_id, sent_id, reference (the frames marked 1),
    note, reviewed (False: every frame cell and the note empty) and line; a malformed sheet
    raises ``ReviewError`` naming the line (the header is line 1) and the column."""
    path = Path(path)
    try:
        with open(path, newline="", encoding="utf-8-sig") as fh:
            reader = csv.reader(fh)
            header = [h.strip() for h in next(reader, [])]
            records = []
            last = reader.line_num
            for cells in reader:
                records.append((last + 1, cells))  # a quoted cell may span lines: its record starts here
                last = reader.line_num
    except FileNotFoundError:
        raise FileNotFoundError(f"{path}: no such sheet") from None
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise ReviewError(f"{path}: cannot read the sheet as CSV (UTF-8): {exc}") from None
    if len(header) == 1 and re.search(r"[;\t]", header[0]):
        raise ReviewError(f"{path}, line 1: one column only: save the sheet comma-separated (CSV UTF-8)")
    known = set(ID_COLUMNS) | set(TEXT_COLUMNS) | set(KEY_COLUMNS) | {"note"}
    for name in header:
        if header.count(name) > 1:
            raise ReviewError(f"{path}, line 1, column '{name}': the column appears twice")
        if name not in known and name not in frame_names and (
                _FRAME_LIKE.match(name) or difflib.get_close_matches(name, frame_names, 1, 0.8)):
            close = difflib.get_close_matches(name, frame_names, 1, 0.6)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            raise ReviewError(f"{path}, line 1, column '{name}': not a frame of the codebook{hint}; "
                              f"the frames are {list(frame_names)}")
    missing = [c for c in ID_COLUMNS if c not in header]
    if missing:
        raise ReviewError(f"{path}, line 1: missing column(s) {missing}")
    missing = [f for f in frame_names if f not in header]
    if missing:
        raise ReviewError(f"{path}, line 1: frame column(s) {missing} missing (one column per frame of the codebook)")
    col = {name: i for i, name in enumerate(header)}
    rows = []
    seen_id: dict[str, int] = {}
    seen_sentence: dict[tuple[str, int], int] = {}
    for line, cells in records:
        if not any(c.strip() for c in cells):
            continue
        if len(cells) > len(header) and any(c.strip() for c in cells[len(header):]):
            raise ReviewError(f"{path}, line {line}: more cells than the header has columns")
        cell = {name: (cells[i].strip() if i < len(cells) else "") for name, i in col.items()}
        for name in ID_COLUMNS:
            if not cell[name]:
                raise ReviewError(f"{path}, line {line}, column '{name}': empty")
        if not re.fullmatch(r"\d+", cell["sent_id"]):
            raise ReviewError(f"{path}, line {line}, column 'sent_id': {cell['sent_id']!r} is not a sentence number")
        rid, sentence = cell["review_id"], (cell["article_id"], int(cell["sent_id"]))
        if rid in seen_id:
            raise ReviewError(f"{path}, line {line}, column 'review_id': {rid!r} appears twice (first on line {seen_id[rid]})")
        if sentence in seen_sentence:
            raise ReviewError(f"{path}, line {line}, column 'sent_id': article {sentence[0]} sentence {sentence[1]} "
                              f"appears twice (first on line {seen_sentence[sentence]})")
        seen_id[rid], seen_sentence[sentence] = line, line
        for f in frame_names:
            if cell[f] not in MARKS:
                raise ReviewError(f"{path}, line {line}, column '{f}': {cell[f]!r} is not a mark: "
                                  "write 1 (the sentence evokes the frame), 0 or nothing")
        note = cell.get("note", "")
        rows.append({"review_id": rid, "article_id": sentence[0], "sent_id": sentence[1],
                     "reference": tuple(f for f in frame_names if MARKS[cell[f]]), "note": note,
                     "reviewed": bool(note) or any(cell[f] != "" for f in frame_names), "line": line})
    columns = ["review_id", "article_id", "sent_id", "reference", "note", "reviewed", "line"]
    return pd.DataFrame(rows, columns=columns).astype({"sent_id": "int64", "reviewed": "bool"})


def read_key(path: str | Path) -> pd.DataFrame:
    """The sampling key written by ``sample``, checked."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such key (pass --key, or none for a sheet without one)")
    try:
        key = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise ReviewError(f"{path}: cannot read the key as CSV (UTF-8): {exc}") from None
    missing = [c for c in KEY_COLUMNS if c not in key.columns]
    if missing:
        raise ReviewError(f"{path}, line 1: missing column(s) {missing}")
    for name in ("sent_id", "stratum_size", "stratum_sample", "cell_size", "cell_sample"):
        bad = ~key[name].str.fullmatch(r"\d+")
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise ReviewError(f"{path}, line {i + 2}, column '{name}': {key[name].iloc[i]!r} is not a whole number")
    dup = key["review_id"].duplicated()
    if dup.any():
        i = int(np.flatnonzero(dup)[0])
        raise ReviewError(f"{path}, line {i + 2}, column 'review_id': {key['review_id'].iloc[i]!r} appears twice")
    return key.astype({"sent_id": "int64", "stratum_size": "int64", "stratum_sample": "int64", "cell_size": "int64",
                       "cell_sample": "int64"})


def _review(out_dir: str | Path, sheet: str | Path, key: str | Path | None = None,
            frames_file: str | Path = DEFAULT_FRAMES_FILE) -> tuple[pd.DataFrame, list[str]]:
    """``review_coded`` and the notes for the reader (rows skipped, strata left unreviewed)."""
    sheet, frames_file = Path(sheet), Path(frames_file)
    frame_names = list(_codebook(frames_file))
    processed = P.run_paths(out_dir=out_dir).processed_dir
    rows = read_sheet(sheet, frame_names)
    not_reviewed = int((~rows["reviewed"]).sum())
    notes = [f"{not_reviewed} row(s) not reviewed (every frame cell and the note empty): skipped"] if not_reviewed else []
    sentences_path = processed / "sentences.parquet"
    in_run = read_table(sentences_path, schema.SENTENCES, columns=["article_id", "sent_id"])
    in_run = set(zip(in_run["article_id"], in_run["sent_id"].astype(int)))
    for r in rows.itertuples():
        if (r.article_id, r.sent_id) not in in_run:
            raise ReviewError(f"{sheet}, line {r.line}, column 'sent_id': article {r.article_id} sentence {r.sent_id} "
                              f"is not in the run's sentences ({sentences_path})")
    authors = dict(zip(*_authors(processed)[["article_id", "author"]].to_numpy().T))
    if key is None:
        rows = rows[rows["reviewed"]].assign(stratum="all", stratum_size=int(rows["reviewed"].sum()), author_key="all",
                                             cell_size=int(rows["reviewed"].sum()))
    else:
        key = Path(key)
        k = read_key(key).set_index("review_id")
        for r in rows.itertuples():
            if r.review_id not in k.index:
                raise ReviewError(f"{sheet}, line {r.line}, column 'review_id': {r.review_id!r} is not in the key {key}")
            expected = k.loc[r.review_id]
            for name in ("article_id", "sent_id"):
                if getattr(r, name) != expected[name]:
                    raise ReviewError(f"{sheet}, line {r.line}, column '{name}': {getattr(r, name)!r}, but the key {key} "
                                      f"has {expected[name]!r} for {r.review_id}")
        dropped = len(set(k.index) - set(rows["review_id"]))
        if dropped:
            notes.append(f"{dropped} row(s) of the key are not in the sheet: counted as not reviewed")
        rows = rows[rows["reviewed"]].join(k[["stratum", "stratum_size", "cell_size"]], on="review_id")
        rows = rows.assign(author_key=rows["review_id"].map(k["author"]))
        sizes = k.groupby("stratum")["stratum_size"].first()
        for h in sorted(set(sizes.index) - set(rows["stratum"])):
            notes.append(f"stratum {h}: none of its rows reviewed; its {sizes[h]} sentences are left out of the scores")
    reviewed = rows.groupby(["stratum", "author_key"])["review_id"].transform("size")
    detected = _detected(processed, frame_names, frames_file)
    coded = rows.assign(
        predicted=[detected.get((a, s), ()) for a, s in zip(rows["article_id"], rows["sent_id"])],
        weight=(rows["cell_size"] / reviewed).astype(float),
        author=rows["article_id"].map(authors).fillna(schema.UNATTRIBUTED),
    )
    if key is not None:
        drawn_with = rows["review_id"].map(k["detected"])
        changed = int((coded["predicted"].map(";".join) != drawn_with).sum())
        if changed:
            notes.append(f"{changed} reviewed row(s): the run's frames differ from the key's (framed again since the "
                         "draw?); scored against the run's frames (the weights hold while the sentences are the same)")
    columns = ["review_id", "article_id", "sent_id", "author", "stratum", "weight", "reference", "predicted", "note"]
    return coded[columns].reset_index(drop=True), notes


def review_coded(out_dir: str | Path, sheet: str | Path, key: str | Path | None = None,
                 frames_file: str | Path = DEFAULT_FRAMES_FILE) -> pd.DataFrame:
    """One row per reviewed sentence: ``reference`` (the reviewer's frames), ``predicted`` (the
    detector's, all voices), ``weight`` (N_h / reviewed rows of the stratum; 1 without a key),
    ``stratum``, ``author``, ``article_id``, ``sent_id`` (and review_id, note)."""
    return _review(out_dir, sheet, key, frames_file)[0]


def _rates(counts: np.ndarray, w: np.ndarray, gold: np.ndarray, pred: np.ndarray) -> dict[str, np.ndarray]:
    """Weighted tp, fp, fn, tn per frame for each row of ``counts`` (draws x sentences: how often
    each sentence is in the draw)."""
    m = counts * w
    return {"tp": m @ (gold & pred), "fp": m @ (~gold & pred), "fn": m @ (gold & ~pred), "tn": m @ (~gold & ~pred)}


def _ratio(a: np.ndarray, b: np.ndarray, empty: float) -> np.ndarray:
    return np.divide(a, b, out=np.full(np.shape(a), empty, dtype=float), where=b > 0)


def score_review(coded: pd.DataFrame, frame_names: Sequence[str], n_boot: int = 1000, seed: int = 2024,
                 level: float = 0.95) -> pd.DataFrame:
    """Per frame and macro, the detector against the reviewer, weighted (module docstring)."""
    from .reliability import _indicators

    if coded.empty:
        raise ReviewError("no reviewed row to score")
    gold = _indicators(list(coded["reference"]), frame_names)
    pred = _indicators(list(coded["predicted"]), frame_names)
    w = coded["weight"].to_numpy(float)
    n = len(coded)
    rng = np.random.default_rng(seed)
    counts = np.zeros((n_boot, n))
    for _, idx in sorted(coded.groupby("stratum").indices.items()):
        draws = idx[rng.integers(0, len(idx), size=(n_boot, len(idx)))]
        np.add.at(counts, (np.repeat(np.arange(n_boot), len(idx)), draws.ravel()), 1)
    point, boot = _rates(np.ones((1, n)), w, gold, pred), _rates(counts, w, gold, pred)
    f1 = _ratio(2 * point["tp"], 2 * point["tp"] + point["fp"] + point["fn"], 0.0)[0]
    f1_draws = _ratio(2 * boot["tp"], 2 * boot["tp"] + boot["fp"] + boot["fn"], 0.0)
    tail = (1 - level) / 2 * 100
    rows = []
    for j, frame in enumerate([*frame_names, "macro"]):
        if frame == "macro":
            per = pd.DataFrame(rows)
            draws = f1_draws.mean(axis=1)
            row = {"frame": frame, "n_reviewed": n, "support_weighted": per["support_weighted"].sum(),
                   **{c: per[c].mean() for c in ("precision", "recall", "f1", "sensitivity", "specificity")},
                   **{c: int(per[c].sum()) for c in ("tp", "fp", "fn")}}
        else:
            tp, fp, fn, tn = (point[c][0, j] for c in ("tp", "fp", "fn", "tn"))
            g, p = gold[:, j], pred[:, j]
            draws = f1_draws[:, j]
            row = {"frame": frame, "n_reviewed": n, "support_weighted": tp + fn,
                   "precision": _ratio(tp, tp + fp, np.nan).item(), "recall": _ratio(tp, tp + fn, np.nan).item(),
                   "f1": float(f1[j]), "sensitivity": _ratio(tp, tp + fn, np.nan).item(),
                   "specificity": _ratio(tn, tn + fp, np.nan).item(),
                   "tp": int((g & p).sum()), "fp": int((~g & p).sum()), "fn": int((g & ~p).sum())}
        low, high = np.percentile(draws, [tail, 100 - tail]) if n_boot else (np.nan, np.nan)
        rows.append({**row, "f1_ci_low": float(low), "f1_ci_high": float(high)})
    columns = ["frame", "n_reviewed", "support_weighted", "precision", "recall", "f1", "f1_ci_low", "f1_ci_high",
               "sensitivity", "specificity", "tp", "fp", "fn"]
    return pd.DataFrame(rows)[columns]


def format_scores(scores: pd.DataFrame) -> str:
    lines = [f"{'frame':<28}{'precision':>10}{'recall':>8}{'F1':>7}  {'95% interval':<15}{'spec.':>6}"
             f"{'tp':>6}{'fp':>5}{'fn':>5}"]

    def num(x, width):
        return f"{x:>{width}.2f}" if pd.notna(x) else f"{'-':>{width}}"

    for r in scores.itertuples():
        lines.append(f"{r.frame:<28}{num(r.precision, 10)}{num(r.recall, 8)}{num(r.f1, 7)}  "
                     f"{f'[{r.f1_ci_low:.2f}, {r.f1_ci_high:.2f}]':<15}{num(r.specificity, 6)}"
                     f"{r.tp:>6}{r.fp:>5}{r.fn:>5}")
    return "\n".join(lines)


# --- command line ---------------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m helpers.review", description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="command", required=True)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--out-dir", type=Path, default=P.PROJ_ROOT, help="the finished run (default: the project root)")
    common.add_argument("--seed", type=int, default=2024, help="random seed")
    common.add_argument("--frames-file", type=Path, default=DEFAULT_FRAMES_FILE,
                        help="frame codebook the run used (default data/lexicons/frames.yaml)")
    s = sub.add_parser("sample", parents=[common], help="draw a blind review sheet from the run")
    s.add_argument("--n", type=int, default=200, help="sentences to review")
    s.add_argument("--sheet-dir", type=Path, help="where the sheet goes (default RUN/reports/review)")
    s.add_argument("--force", action="store_true", help="overwrite a sheet that already holds marks")
    c = sub.add_parser("score", parents=[common], help="score the detector against a filled sheet")
    c.add_argument("--sheet", type=Path, required=True, help="the filled review sheet (CSV)")
    c.add_argument("--key", type=Path, help="the sheet's key (default: review_key.csv beside the sheet, "
                                            "when there; without one every row weighs 1)")
    c.add_argument("--n-boot", type=int, default=1000, help="bootstrap draws for the intervals")
    c.add_argument("--report-dir", type=Path, help="where the scores go (default RUN/reports/review)")
    args = ap.parse_args(argv)
    run = P.run_paths(out_dir=P.resolve(args.out_dir, Path.cwd()))
    try:
        if args.command == "sample":
            sample = draw_sample(run.out_root, args.n, args.seed, args.frames_file)
            out = write_sample(sample, args.sheet_dir or run.reports_dir / "review", args.force)
            print(f"review sheet: {out['sheet']} ({len(sample.sheet)} sentences)")
            print(f"codebook:     {out['codebook']}")
            print(f"key:          {out['key']} (the detector's calls: the reviewer should not open it)")
            print("Next: read the codebook, then in the sheet put 1 under each frame the sentence evokes and 0 "
                  "(or nothing) under the others. For a sentence with no frame, put 0 in one column or write a "
                  "note: a row left entirely empty counts as not reviewed. Then run:")
            print(f"  python -m helpers.review score --out-dir {run.out_root} --sheet {out['sheet']}")
            return 0
        key = args.key
        if key is None and (args.sheet.parent / KEY_NAME).is_file():
            key = args.sheet.parent / KEY_NAME
        coded, notes = _review(run.out_root, args.sheet, key, args.frames_file)
        if coded.empty:
            raise ReviewError(f"{args.sheet}: no row reviewed yet (a row counts once it has a mark or a note)")
        scores = score_review(coded, list(_codebook(args.frames_file)), args.n_boot, args.seed)
    except (ReviewError, schema.SchemaError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except (FileNotFoundError, ValueError) as exc:  # a missing table, an unreadable codebook
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"key: {key}" if key is not None else
          "key: none: every row weighs 1 (the scores describe the sheet's sentences, not the corpus)")
    for note in notes:
        print(f"note: {note}")
    path = Path(args.report_dir or run.reports_dir / "review") / SCORES_NAME
    write_csv(scores, path, float_format="%.4f")
    print(format_scores(scores))
    print(f"{len(coded)} sentence(s) reviewed; scores in {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
