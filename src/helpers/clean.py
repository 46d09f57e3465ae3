"""Cleaning stage: raw scraped pages in, one clean row per article out.

In: a raw directory of pages (``.txt`` in any common encoding, ``.html``),
optionally ``SHA256SUMS`` and ``metadata_overrides.csv`` beside them.
Out: a ``CleanResult`` with

* ``articles`` (``schema.ARTICLES``): one row per article with its clean text
  and its author/outlet/date plus where each value came from;
* ``manifest`` (``schema.RAW_MANIFEST``): every file of the raw directory,
  accepted or rejected and why;
* ``blocks`` (``schema.BLOCKS``): every piece of every accepted page, kept (with
  its article) or removed (with a reason) — together they cover every
  non-whitespace character of the page;
* ``removed`` (``schema.REMOVED_BLOCKS``): the removed pieces;
* ``overrides`` (``schema.OVERRIDES_APPLIED``): metadata overrides applied;
* ``findings`` (``schema.CLEANING_FINDINGS``): what a reader should check about the pages (an
  accepted page that gave no article, a page of which little text was kept, a very short
  article, an article without a headline) — reported, never an abort;
* ``warnings``: one line per rejected file, checksum problem, override or finding.

Used by: notebook ``01-clean`` (and through it the batch runner).

The rules live in ``helpers.rawfiles`` (files, encodings, checksums),
``helpers.segment`` (paragraphs, furniture, articles, bylines, duplicates) and
``helpers.textrepair`` (quotes, whitespace, glued words). Offsets
(``start_char``/``end_char``) refer to the decoded page text — for an HTML page,
to the main text trafilatura extracted from it.
"""

from __future__ import annotations

import csv
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from . import schema
from .io import write_csv, write_parquet
from .paths import Paths
from .cluster import check_backend
from .rawfiles import MAX_PAGE_BYTES, scan_raw_dir, scan_settings
from .segment import ArticleDraft, PageDraft, dedup_sentences, draft_page, finish_page, kept_text
from .textrepair import clean_paragraph

OVERRIDE_FIELDS = ("author", "outlet", "published", "title")
# A page whose articles keep less than this share of its words is flagged: an aggregator repost
# cut down to its teaser, or a layout whose text the rules took for furniture. Pages of the
# development corpus and the seeds keep 0.63-1.0 of their words (menus, sidebars, comments are the rest).
MIN_KEPT_SHARE = 0.3
MIN_KEPT_SHARE_PAGE_WORDS = 150  # shorter pages are mostly furniture anyway
MIN_ARTICLE_WORDS = 80
OVERRIDE_COLUMNS = ["article_id", "field", "value", "source"]


class NoArticlesError(RuntimeError):
    """The run found no article at all (every file rejected or empty of prose)."""


class OverrideError(ValueError):
    """A metadata override line cannot be applied (names the file and line)."""


@dataclass
class CleanResult:
    articles: pd.DataFrame
    manifest: pd.DataFrame
    blocks: pd.DataFrame
    removed: pd.DataFrame
    overrides: pd.DataFrame
    warnings: list[str]
    findings: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=schema.CLEANING_FINDINGS.names))
    # decoded text of every accepted page (the text all offsets refer to)
    page_texts: dict[str, str] = field(default_factory=dict)


def article_id(source_sha256: str, part: int) -> str:
    """Stable id: first 12 hex characters of sha256('<source_sha256>:<part>')."""
    return hashlib.sha256(f"{source_sha256}:{part}".encode()).hexdigest()[:12]


def _article_text(draft: ArticleDraft, text: str) -> str:
    paragraphs = [clean_paragraph(kept_text(p, text)) for p in draft.paras if p.has_kept(text)]
    return "\n\n".join(p for p in paragraphs if p)


def _trimmed(text: str, start: int, end: int) -> tuple[int, int]:
    seg = text[start:end]
    lead = len(seg) - len(seg.lstrip())
    return start + lead, start + len(seg.rstrip())


def read_overrides(path: Path) -> list[tuple[int, dict]]:
    """(line number, row) of every override; '#' lines are comments."""
    lines = Path(path).read_text(encoding="utf-8-sig").splitlines()
    numbered = [(i, line) for i, line in enumerate(lines, start=1) if line.strip() and not line.lstrip().startswith("#")]
    if not numbered:
        return []
    header_line, header = numbered[0]
    columns = next(csv.reader([header]))
    if [c.strip() for c in columns] != OVERRIDE_COLUMNS:
        raise OverrideError(f"{path}:{header_line}: header must be {','.join(OVERRIDE_COLUMNS)}, found {header!r}")
    rows = []
    for lineno, line in numbered[1:]:
        values = next(csv.reader([line]))
        if len(values) != len(OVERRIDE_COLUMNS):
            raise OverrideError(f"{path}:{lineno}: expected {len(OVERRIDE_COLUMNS)} fields, found {len(values)}")
        rows.append((lineno, dict(zip(OVERRIDE_COLUMNS, (v.strip() for v in values)))))
    return rows


def _check_override_row(where: str, row: dict, known: set[str] | None, done: set[tuple[str, str]]) -> None:
    """Raise OverrideError for a bad line; ``known`` None skips the article id check."""
    if row["field"] not in OVERRIDE_FIELDS:
        raise OverrideError(f"{where}: unknown field {row['field']!r} (allowed: {', '.join(OVERRIDE_FIELDS)})")
    if known is not None and row["article_id"] not in known:
        raise OverrideError(f"{where}: unknown article_id {row['article_id']!r}")
    if not row["value"]:
        raise OverrideError(f"{where}: empty value")
    if not row["source"]:
        raise OverrideError(f"{where}: empty source (say where the value comes from)")
    if row["field"] == "published" and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", row["value"]):
        raise OverrideError(f"{where}: published must be YYYY-MM-DD, found {row['value']!r}")
    if (row["article_id"], row["field"]) in done:
        raise OverrideError(f"{where}: second override of {row['article_id']}.{row['field']}")
    done.add((row["article_id"], row["field"]))


def check_overrides_file(path: Path) -> None:
    """Every check of ``apply_overrides`` that needs no articles (the batch runner's
    pre-flight, so a malformed line fails before any page is read)."""
    done: set[tuple[str, str]] = set()
    for lineno, row in read_overrides(path):
        _check_override_row(f"{path}:{lineno}", row, None, done)


def apply_overrides(articles: pd.DataFrame, path: Path) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    """Apply each override line to ``articles``; unknown ids/fields are errors naming the line."""
    articles = articles.copy()
    applied, warnings = [], []
    known = set(articles["article_id"])
    done: set[tuple[str, str]] = set()
    for lineno, row in read_overrides(path):
        where = f"{path}:{lineno}"
        _check_override_row(where, row, known, done)
        mask = articles["article_id"] == row["article_id"]
        old = articles.loc[mask, row["field"]].iloc[0]
        articles.loc[mask, row["field"]] = row["value"]
        if row["field"] != "title":
            articles.loc[mask, f"{row['field']}_source"] = "override"
        source_file = articles.loc[mask, "source_file"].iloc[0]
        applied.append({
            "article_id": row["article_id"], "field": row["field"],
            "page_value": None if pd.isna(old) else old, "override_value": row["value"], "source": row["source"],
        })
        warnings.append(
            f"{source_file}: override from {Path(path).name} line {lineno}: "
            f"{row['article_id']}.{row['field']} {old!r} -> {row['value']!r}"
        )
    table = pd.DataFrame(applied, columns=schema.OVERRIDES_APPLIED.names)
    return articles, table, warnings


def clean_corpus(raw_dir: Path, checksums_file: Path | None = None,
                 overrides_file: Path | None = None,
                 max_page_bytes: int | None = MAX_PAGE_BYTES, backend: str = "local",
                 scheduler: str = "", n_workers: int = 2) -> CleanResult:
    """Run the cleaning stage on every file of ``raw_dir`` (see module docstring).

    ``checksums_file``: a sha256sum-format file to verify pages against; None or
    a missing file means no verification (pages get checksum_status 'unverified').
    ``overrides_file``: metadata overrides to apply; None or a missing file means
    none. Control files in ``raw_dir`` are listed in the manifest either way.
    ``max_page_bytes``: larger pages are rejected unread (None: no limit; see
    ``rawfiles.MAX_PAGE_BYTES`` for the default and why).
    An accepted page in which every block was removed (a page of site furniture
    only) stays ``ok`` with 0 articles and a manifest note saying so.
    ``backend``: ``"local"`` (this process) or ``"dask"``: files are read, decoded and
    segmented in partitions on the Dask cluster at ``scheduler`` (or on a LocalCluster started
    for the run when it is empty, with ``n_workers`` processes); the tables are the same (see
    ``helpers.dask_clean``).
    """
    raw_dir = Path(raw_dir)
    check_backend("clean", backend, scheduler)
    if backend == "dask":
        from .dask_clean import scan_and_draft_dask  # dask is only imported when asked for

        settings = scan_settings(raw_dir, checksums_file, overrides_file, max_page_bytes)
        scan, drafts = scan_and_draft_dask(raw_dir, settings, scheduler, n_workers)
    else:
        scan = scan_raw_dir(raw_dir, checksums_file, overrides_file, max_page_bytes)
        drafts = [draft_page(page, i) for i, page in enumerate(scan.pages)]
    warnings = list(scan.warnings)
    dedup_sentences(drafts)
    for d in drafts:
        finish_page(d)

    article_rows, block_rows = [], []
    n_articles: dict[str, int] = {}
    for d in drafts:
        text, page = d.page.text, d.page
        part = 0
        region_ids: dict[int, str] = {}
        for art in d.articles:
            body = _article_text(art, text)
            if not body:
                continue
            aid = article_id(page.sha256, part)
            region_ids[art.region] = aid
            article_rows.append({
                "article_id": aid, "source_file": page.source_file, "source_sha256": page.sha256,
                "part": part, "title": clean_paragraph(art.title) if art.title else None,
                **art.metadata(), "text": body, "n_words": len(body.split()),
            })
            part += 1
        n_articles[page.source_file] = part
        for para in d.paras:
            for pc in para.pieces:
                s, e = _trimmed(text, pc.start, pc.end)
                if s >= e:
                    continue
                block_rows.append({
                    "source_file": page.source_file, "start_char": s, "end_char": e, "text": text[s:e],
                    "fate": pc.fate, "article_id": region_ids.get(para.region) if pc.fate == "kept" else None,
                    "reason": pc.reason,
                })

    manifest = pd.DataFrame(scan.manifest_rows, columns=schema.RAW_MANIFEST.names)
    manifest["n_articles"] = [n_articles.get(n, 0) for n in manifest["source_file"]]
    page_words = {d.page.source_file: len(d.page.text.split()) for d in drafts}
    kept_words: dict[str, int] = {}
    for row in article_rows:
        kept_words[row["source_file"]] = kept_words.get(row["source_file"], 0) + row["n_words"]
    manifest["n_words"] = [page_words.get(n, 0) for n in manifest["source_file"]]
    manifest["kept_share"] = [
        round(min(1.0, kept_words.get(n, 0) / page_words[n]), 4) if page_words.get(n) else None
        for n in manifest["source_file"]
    ]
    findings: list[dict] = []

    def note(i: int, message: str) -> None:
        old = manifest.at[i, "reason"]
        manifest.at[i, "reason"] = message if pd.isna(old) else f"{old}; {message}"

    no_text = "no article text: every block removed (reasons in removed_blocks)"
    for i in manifest.index[(manifest["role"] == "page") & (manifest["status"] == "ok")]:
        name = manifest.at[i, "source_file"]
        share = manifest.at[i, "kept_share"]
        if n_articles.get(name, 0) == 0:
            note(i, no_text)
            findings.append({"source_file": name, "article_id": None, "finding": "no_article",
                             "detail": "accepted but no article text found"})
        elif page_words.get(name, 0) >= MIN_KEPT_SHARE_PAGE_WORDS and share < MIN_KEPT_SHARE:
            message = f"little text kept: {share:.0%} of the page's {page_words[name]} words"
            note(i, message)
            findings.append({"source_file": name, "article_id": None, "finding": "low_kept_share", "detail": message})
    for row in article_rows:
        if row["n_words"] < MIN_ARTICLE_WORDS:
            findings.append({"source_file": row["source_file"], "article_id": row["article_id"], "finding": "short_article",
                             "detail": f"article {row['part']} has {row['n_words']} words"})
        if not row["title"]:
            findings.append({"source_file": row["source_file"], "article_id": row["article_id"], "finding": "no_title",
                             "detail": f"article {row['part']}: no headline found"})
    # page-level findings are warned one by one; article-level ones are in the table (the
    # notebook warns how many there are)
    warnings.extend(f"{f['source_file']}: {f['detail']}" for f in findings if f["article_id"] is None)
    if not article_rows:
        raise NoArticlesError(
            f"no article found in {raw_dir}: {len(scan.pages)} page(s) accepted, "
            f"{int((manifest['status'] == 'rejected').sum())} file(s) rejected — see the manifest reasons"
        )
    articles = pd.DataFrame(article_rows, columns=schema.ARTICLES.names)
    overrides = pd.DataFrame(columns=schema.OVERRIDES_APPLIED.names)
    if overrides_file is not None and Path(overrides_file).is_file():
        name = Path(overrides_file).name
        row = manifest[(manifest["source_file"] == name) & (manifest["role"] == "overrides")]
        if len(row) and row["status"].iloc[0] != "ok":
            warnings.append(f"{name}: rejected, overrides not applied")
        else:
            articles, overrides, override_warnings = apply_overrides(articles, Path(overrides_file))
            warnings.extend(override_warnings)
    blocks = pd.DataFrame(block_rows, columns=schema.BLOCKS.names)
    removed = blocks.loc[blocks["fate"] == "removed", schema.REMOVED_BLOCKS.names]
    return CleanResult(
        articles=schema.conform(articles, schema.ARTICLES),
        manifest=schema.conform(manifest, schema.RAW_MANIFEST),
        blocks=schema.conform(blocks, schema.BLOCKS),
        removed=schema.conform(removed, schema.REMOVED_BLOCKS),
        overrides=schema.conform(overrides, schema.OVERRIDES_APPLIED),
        warnings=warnings,
        findings=schema.conform(pd.DataFrame(findings, columns=schema.CLEANING_FINDINGS.names), schema.CLEANING_FINDINGS),
        page_texts={p.source_file: p.text for p in scan.pages},
    )


def write_outputs(result: CleanResult, paths: Paths) -> None:
    """Write the stage's tables (atomic, validated against their contracts)."""
    write_parquet(result.articles, paths.articles, schema.ARTICLES)
    write_csv(result.manifest, paths.raw_manifest, schema.RAW_MANIFEST)
    write_parquet(result.removed, paths.removed_blocks, schema.REMOVED_BLOCKS)
    write_parquet(result.blocks, paths.processed_dir / "blocks.parquet", schema.BLOCKS)
    write_csv(result.overrides, paths.overrides_applied, schema.OVERRIDES_APPLIED)
    write_csv(result.findings, paths.cleaning_findings, schema.CLEANING_FINDINGS)


def _nonspace(s: str) -> int:
    return len(re.sub(r"\s+", "", s))


def accounting(result: CleanResult) -> pd.DataFrame:
    """Per accepted page: non-whitespace characters kept, removed and unaccounted (must be 0)."""
    rows = []
    for name, text in sorted(result.page_texts.items()):
        b = result.blocks[result.blocks["source_file"] == name]
        kept = b[b["fate"] == "kept"]
        removed = b[b["fate"] == "removed"]
        covered = bytearray(len(text))
        for s, e in zip(b["start_char"], b["end_char"]):
            covered[s:e] = b"\x01" * (e - s)
        unaccounted = sum(1 for i, ch in enumerate(text) if not covered[i] and not ch.isspace())
        chars_kept = sum(_nonspace(t) for t in kept["text"])
        chars_removed = sum(_nonspace(t) for t in removed["text"])
        rows.append({
            "source_file": name, "n_chars": _nonspace(text), "n_blocks": len(b),
            "n_kept": len(kept), "n_removed": len(removed), "chars_kept": chars_kept,
            "chars_removed": chars_removed, "chars_unaccounted": unaccounted,
        })
    return pd.DataFrame(rows, columns=[
        "source_file", "n_chars", "n_blocks", "n_kept", "n_removed",
        "chars_kept", "chars_removed", "chars_unaccounted",
    ])


def removal_summary(result: CleanResult) -> pd.DataFrame:
    """Removed pieces by reason: how many and how many non-whitespace characters."""
    r = result.removed.assign(n_chars=result.removed["text"].map(_nonspace))
    out = r.groupby("reason", as_index=False).agg(n_blocks=("text", "size"), n_chars=("n_chars", "sum"))
    return out.sort_values(["n_chars", "reason"], ascending=[False, True], kind="mergesort").reset_index(drop=True)
