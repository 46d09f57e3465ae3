"""Table contracts, checked where one stage hands a table to the next.

In: a ``pandas.DataFrame`` and the name of the table it should be.
Out: the same frame with columns in contract order and dtypes as declared,
or a ``SchemaError`` naming the table, the column and the problem.
Used by: every stage module before it writes and after it reads.

The README's data dictionary describes the same columns for readers;
``tests/test_schema.py`` checks the two agree.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd


class SchemaError(ValueError):
    """A table does not meet its contract."""


@dataclass(frozen=True)
class Column:
    name: str
    dtype: str  # "string", "int64", "float64", "bool"
    nullable: bool = False
    description: str = ""


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...] = ()  # columns that identify a row (unique together)
    sort: tuple[str, ...] = ()  # the canonical row order on disk

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]


def _c(name: str, dtype: str, description: str, nullable: bool = False) -> Column:
    return Column(name, dtype, nullable, description)


PROVENANCE = (
    "where the value came from: 'byline', 'bio', 'dateline', 'title_line', "
    "'override', or null when the value is null"
)

ARTICLES = Table(
    "articles",
    (
        _c("article_id", "string", "stable id: first 12 hex of sha256(source_sha256 + ':' + part)"),
        _c("source_file", "string", "file name of the raw page, relative to the raw directory"),
        _c("source_sha256", "string", "sha256 of the raw file's bytes"),
        _c("part", "int64", "index of the article within its page, from 0"),
        _c("title", "string", "headline, when the page gives one", nullable=True),
        _c("author", "string", "writer of the article, null when the page does not say", nullable=True),
        _c("author_source", "string", PROVENANCE, nullable=True),
        _c("outlet", "string", "publication the article first appeared in, null when unknown", nullable=True),
        _c("outlet_source", "string", PROVENANCE, nullable=True),
        _c("published", "string", "publication date as ISO YYYY-MM-DD, null when unknown", nullable=True),
        _c("published_source", "string", PROVENANCE, nullable=True),
        _c("text", "string", "clean body: paragraphs separated by a blank line"),
        _c("n_words", "int64", "number of whitespace-separated words in text"),
    ),
    key=("article_id",),
    sort=("source_file", "part"),
)

RAW_MANIFEST = Table(
    "raw_manifest",
    (
        _c("source_file", "string", "file name, relative to the raw directory"),
        _c("role", "string", "'page' (a page to analyse), 'checksums' or 'overrides' (control files)"),
        _c("sha256", "string", "sha256 of the file's bytes", nullable=True),
        _c("size_bytes", "int64", "size of the file in bytes"),
        _c("encoding", "string", "text encoding detected ('utf-8', 'cp1252', ...)", nullable=True),
        _c("checksum_status", "string", "'verified', 'mismatch', 'unlisted' (not in SHA256SUMS) or 'unverified' (no SHA256SUMS)"),
        _c("status", "string", "'ok' or 'rejected'"),
        _c("reason", "string", "why a file was rejected (or a note on an accepted one)", nullable=True),
        _c("n_articles", "int64", "articles found in the page"),
    ),
    key=("source_file",),
    sort=("source_file",),
)

REMOVED_BLOCKS = Table(
    "removed_blocks",
    (
        _c("source_file", "string", "file name of the raw page"),
        _c("start_char", "int64", "offset of the block in the decoded page text"),
        _c("end_char", "int64", "end offset (exclusive) of the block"),
        _c("text", "string", "the removed text"),
        _c("reason", "string", "why it was removed (see README: removal reasons)"),
    ),
    key=("source_file", "start_char", "end_char"),
    sort=("source_file", "start_char", "end_char"),
)

SENTENCES = Table(
    "sentences",
    (
        _c("article_id", "string", "article the sentence belongs to"),
        _c("sent_id", "int64", "index of the sentence within its article, from 0"),
        _c("start_char", "int64", "offset into articles.text"),
        _c("end_char", "int64", "end offset (exclusive) into articles.text"),
        _c("text", "string", "the sentence, = articles.text[start_char:end_char]"),
    ),
    key=("article_id", "sent_id"),
    sort=("article_id", "sent_id"),
)

ENTITIES = Table(
    "entities",
    (
        _c("article_id", "string", "article the mention is in"),
        _c("sent_id", "int64", "sentence the mention is in"),
        _c("start_char", "int64", "offset into articles.text"),
        _c("end_char", "int64", "end offset (exclusive) into articles.text"),
        _c("text", "string", "the mention as written"),
        _c("label", "string", "spaCy entity label (ORG, PERSON, GPE, ...)"),
        _c("canonical_id", "string", "linked entity from data/lexicons/aliases.csv, null when unlinked", nullable=True),
        _c("alias_class", "string", "for target-family mentions: which family of names was used", nullable=True),
        _c("origin", "string", "'ruler' (lexicon) or 'model' (statistical NER)"),
    ),
    key=("article_id", "start_char", "end_char"),
    sort=("article_id", "start_char", "end_char"),
)

TABLES = {t.name: t for t in (ARTICLES, RAW_MANIFEST, REMOVED_BLOCKS, SENTENCES, ENTITIES)}

_PANDAS_DTYPES = {"string": "string", "int64": "int64", "float64": "float64", "bool": "bool"}


def conform(df: pd.DataFrame, table: Table) -> pd.DataFrame:
    """Check ``df`` against ``table`` and return it in contract column order, dtypes and row order."""
    missing = [c for c in table.names if c not in df.columns]
    if missing:
        raise SchemaError(f"table '{table.name}': missing column(s) {missing}")
    extra = [c for c in df.columns if c not in table.names]
    if extra:
        raise SchemaError(f"table '{table.name}': unexpected column(s) {extra}")
    out = df[table.names].copy()
    for col in table.columns:
        if not col.nullable and out[col.name].isna().any():
            bad = out.index[out[col.name].isna()].tolist()[:5]
            raise SchemaError(f"table '{table.name}': column '{col.name}' has nulls (rows {bad})")
        try:
            out[col.name] = out[col.name].astype(_PANDAS_DTYPES[col.dtype])
        except (TypeError, ValueError) as exc:
            raise SchemaError(f"table '{table.name}': column '{col.name}' is not {col.dtype}: {exc}") from exc
    if table.key and out.duplicated(list(table.key)).any():
        dup = out[out.duplicated(list(table.key), keep=False)][list(table.key)].head(5).to_dict("records")
        raise SchemaError(f"table '{table.name}': key {list(table.key)} not unique, e.g. {dup}")
    if table.sort:
        out = out.sort_values(list(table.sort), kind="mergesort")
    return out.reset_index(drop=True)
