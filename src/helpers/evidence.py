"""The sentences behind every count: select evidence rows, and show them with their cues.

In: ``evidence.parquet`` (``schema.EVIDENCE``, written by 03-framing: one row per frame
sentence, target mention, attached label, sentence naming the target, quotation) and the
articles' text (``articles.parquet``, read only for the articles shown).
Out: ``evidence(...)`` — the rows for a writer and a category as a DataFrame with the passage
text, rendered in the notebook with the triggering words in bold and quoted words in italics;
``sample_rows`` (a seeded, bounded sample per writer x category, used by the report's evidence
pages); ``passage_html`` (one passage as escaped HTML).
Used by: notebooks/03-framing.ipynb and ``helpers.evidence_report`` (``make report``).

Scraped text is untrusted: every character of it is HTML-escaped before the markup for cues
(``<b>``) and quotations (``<i>``) is added, so a page's own markup shows as text.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd

from . import schema
from .io import iter_parquet, read_table
from .paths import Paths
from .quotes import quoted_spans

KINDS = ("frame", "naming", "label", "stance", "quote")
KIND_TITLES = {"frame": "Frames", "naming": "Names for the target", "label": "Labels", "stance": "Tone",
               "quote": "Quoted voices"}


def load_evidence(source) -> pd.DataFrame:
    """The evidence table of a framing result (``FramingResult``), a run's ``Paths`` or the
    path of an ``evidence.parquet``."""
    if isinstance(source, pd.DataFrame):
        return source
    if hasattr(source, "evidence") and isinstance(source.evidence, pd.DataFrame):
        return source.evidence
    path = Path(source.processed_dir / "evidence.parquet" if isinstance(source, Paths) else source)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no evidence table (run 03-framing first)")
    return read_table(path, schema.EVIDENCE)


def select(evidence: pd.DataFrame, author: str | None = None, kind: str | None = None,
           category: str | Sequence[str] | None = None, voice: str | None = None) -> pd.DataFrame:
    """The rows of one writer / kind / category (any of them None: all); ``voice='own'`` keeps
    the rows that count in the own-voice tables."""
    rows = evidence
    if author is not None:
        known = sorted(evidence["author"].dropna().unique())
        if author not in known:
            raise ValueError(f"no evidence for author {author!r}; known authors: {known}")
        rows = rows[rows["author"] == author]
    if kind is not None:
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
        rows = rows[rows["kind"] == kind]
    if category is not None:
        wanted = [category] if isinstance(category, str) else list(category)
        rows = rows[rows["category"].isin(wanted)]
    if voice == "own":
        rows = rows[rows["in_own"]]
    elif voice not in (None, "all"):
        raise ValueError(f"voice must be 'all' or 'own', got {voice!r}")
    return rows.reset_index(drop=True)


def sample_rows(rows: pd.DataFrame, n: int, seed: int = 2024) -> pd.DataFrame:
    """At most ``n`` rows, a seeded sample (the same rows for the same table and seed), in
    the table's order."""
    if len(rows) <= n:
        return rows.reset_index(drop=True)
    picked = np.sort(np.random.default_rng(seed).choice(len(rows), size=n, replace=False))
    return rows.iloc[picked].reset_index(drop=True)


def article_texts(articles_file: Path, article_ids: Sequence[str]) -> dict[str, str]:
    """The text of the given articles, reading the file a batch at a time."""
    wanted = set(article_ids)
    out: dict[str, str] = {}
    if not wanted:
        return out
    for batch in iter_parquet(articles_file, ["article_id", "text"]):
        hit = batch[batch["article_id"].isin(wanted)]
        out.update(zip(hit["article_id"], hit["text"]))
        if len(out) == len(wanted):
            break
    return out


def _spans(value: str) -> list[tuple[int, int]]:
    out = []
    for part in str(value or "").split(";"):
        if "-" in part:
            s, e = part.split("-", 1)
            out.append((int(s), int(e)))
    return out


def passage_html(text: str, start: int, end: int, cue_spans: str) -> str:
    """``text[start:end]`` escaped, the cue words in ``<b>``, words inside quotation marks in
    ``<i>`` (the writer quotes them)."""
    cues = [(max(s, start), min(e, end)) for s, e in _spans(cue_spans) if e > start and s < end]
    quotes = [(max(s, start), min(e, end)) for s, e in quoted_spans(text) if e > start and s < end]
    bounds = sorted({start, end, *[b for span in cues + quotes for b in span]})
    parts = []
    for a, b in zip(bounds, bounds[1:]):
        piece = html.escape(text[a:b])
        if any(s <= a and b <= e for s, e in cues):
            piece = f"<b>{piece}</b>"
        if any(s <= a and b <= e for s, e in quotes):
            piece = f"<i>{piece}</i>"
        parts.append(piece)
    return "".join(parts).replace("\n", " ")


def with_passages(rows: pd.DataFrame, articles_file: Path) -> pd.DataFrame:
    """``rows`` with ``passage`` (the text shown) and ``passage_html`` columns."""
    texts = article_texts(articles_file, rows["article_id"].unique().tolist())
    passages, rendered = [], []
    for r in rows.itertuples(index=False):
        text = texts.get(r.article_id, "")
        passages.append(" ".join(text[r.start_char:r.end_char].split()))
        rendered.append(passage_html(text, r.start_char, r.end_char, r.cue_spans))
    return rows.assign(passage=passages, passage_html=rendered)


def evidence(source, author: str | None = None, frame: str | None = None, alias_class: str | None = None,
             label_class: str | None = None, kind: str | None = None, category: str | None = None,
             voice: str | None = "own", n: int | None = 10, seed: int = 2024, show: bool = True,
             articles_file: str | Path | None = None) -> pd.DataFrame:
    """The evidence behind one number of 03-framing, e.g.
    ``evidence(result, author="Michael Rubin", frame="intelligence_credibility")``.

    ``source``: the ``FramingResult`` of ``framing.run_framing`` (or a run's ``Paths``). Give
    one of ``frame``, ``alias_class``, ``label_class`` (or ``kind`` and ``category``);
    ``voice='own'`` (default) shows what counts in the own-voice tables, ``'all'`` everything;
    ``n``: at most this many rows (a seeded sample; None: all). Returns the rows with the
    passage text; in a notebook (``show``) also renders them, cue words in bold and quoted
    words in italics, with the full count.
    """
    for value, k in ((frame, "frame"), (alias_class, "naming"), (label_class, "label")):
        if value is not None:
            kind, category = k, value
    table = load_evidence(source)
    rows = select(table, author, kind, category, voice)
    total = len(rows)
    shown = rows if n is None else sample_rows(rows, n, seed)
    if articles_file is None:
        articles_file = (source.sentences_file.parent / "articles.parquet" if getattr(source, "sentences_file", None)
                         else source.articles if isinstance(source, Paths) else None)
    if articles_file is None:
        raise ValueError("pass articles_file= (the run's articles.parquet) to read the passages")
    shown = with_passages(shown, Path(articles_file))
    if show:
        try:
            from IPython.display import HTML, display
        except ImportError:  # outside IPython: the DataFrame is the result
            pass
        else:
            display(HTML(render_rows(shown, total, author, kind, category)))
    return shown.drop(columns=["passage_html"])


def render_rows(rows: pd.DataFrame, total: int, author: str | None, kind: str | None, category: str | None) -> str:
    """The rows as an HTML list (escaped text, cue words bold, quoted words italic)."""
    head = " · ".join(html.escape(str(x)) for x in (author, kind, category) if x is not None)
    items = []
    for r in rows.itertuples(index=False):
        notes = [f"{r.voice} voice"]
        if isinstance(r.detector, str):
            notes.append(f"marked by {r.detector}")
        if pd.notna(r.score):
            notes.append(("model p = " if r.kind == "frame" else "tone ") + f"{r.score:.2f}")
        if isinstance(r.relation, str):
            notes.append(html.escape(r.relation))
        items.append(f"<li>{r.passage_html} <small>[{html.escape(str(r.article_id))} · {'; '.join(notes)}]</small></li>")
    return (f"<div><p><b>{head}</b>: {len(rows)} of {total} passage(s) shown</p>"
            f"<ol>{''.join(items)}</ol></div>")
