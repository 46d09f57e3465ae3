"""Entity stage: spaCy NER plus the alias lexicon, streamed to sentence and entity tables.

In: ``articles.parquet`` (contract ``schema.ARTICLES``; only article_id, text and author are
read), a spaCy pipeline name and ``data/lexicons/aliases.csv``.
Out (in ``paths.processed_dir``): ``sentences.parquet`` (``schema.SENTENCES``),
``entities.parquet`` (``schema.ENTITIES``), ``entity_counts.csv`` (``schema.ENTITY_COUNTS``);
parsed Docs cached as DocBin files under ``paths.doc_cache_dir``.
Used by: notebooks/02-entities.ipynb. The pipeline, the Doc cache and the row tables live in
``helpers.parsing``, which this module and the dask backend (``helpers.backends``) both import,
so both write the same bytes; they are re-exported here (``build_nlp``, ``iter_docs`` ...).

The statistical model alone misses or mislabels most names of the target (it tags "MKO" as
nothing, "MEK" as PERSON ...), so a curated entity ruler built from the lexicon runs after the
model and overrides it wherever a lexicon alias matches. Each entity says where it came from.

Reading entities from a Doc (for 03-framing)::

    nlp = build_nlp(spacy_model, aliases_path)
    for article_id, doc in iter_docs(articles, nlp, paths.doc_cache_dir):
        for ent in doc.ents:
            ent.ent_id_          # canonical id, "" when unlinked   (= ent._.canonical_id or None)
            ent.kb_id_           # alias class of a target name, "" otherwise (= ent._.alias_class)
            ent._.origin         # "ruler" (lexicon) or "model"; "ruler" exactly when ent.ent_id_ != ""

The getters ``ent._.canonical_id/alias_class/origin`` are registered by ``helpers.lexicon``
(imported here). Docs come from the cache when text, model (name and version) and lexicon are
unchanged, so 03 pays for no parsing.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from spacy.language import Language

from .cluster import BACKENDS, check_backend
from .io import atomic_path
from .lexicon import (
    ALIAS_CLASSES,
    META_NAME,
    ORIGIN_RULER,
    RULER_NAME,
    LexiconError,
    find_in_text,
    load_aliases,
)
from .parsing import (
    CACHE_FORMAT,
    CacheStats,
    DocCache,
    EntitiesSummary,
    EntityTables,
    article_rows,
    build_nlp,
    finish_entities,
    iter_docs,
    pipeline_fingerprint,
    sentence_bounds,
    sorted_articles,
)
from .paths import Paths
from .schema import UNATTRIBUTED

__all__ = [
    "BACKENDS", "CACHE_FORMAT", "CacheStats", "DocCache", "EntitiesSummary", "EntityTables", "LexiconError",
    "article_rows", "build_nlp", "finish_entities", "iter_docs", "load_aliases", "mentions_by_author",
    "model_vs_lexicon", "naming_by_author", "pipeline_fingerprint", "run_entities", "sentence_bounds",
    "sorted_articles", "target_misses", "target_occurrences", "target_recall",
]

UNKNOWN_AUTHOR = UNATTRIBUTED


def run_entities(
    articles: pd.DataFrame,
    paths: Paths,
    spacy_model: str,
    aliases_path: Path,
    batch_size: int = 64,
    n_process: int = 1,
    backend: str = "local",
    scheduler: str = "",
    n_workers: int = 2,
) -> EntitiesSummary:
    """Parse (or read from cache) every article and stream the three output tables.

    Articles are processed in article_id order so the streamed rows are already in the
    contracts' sort order; each table is written to a temporary file and renamed into place.
    ``backend="dask"`` splits the work into partitions run on a Dask cluster (the one at
    address ``scheduler``, or a LocalCluster started for the run when it is empty) and gives
    the same bytes; see ``helpers.backends.run_entities_dask``. ``n_workers``: worker
    processes of that LocalCluster (not used with a ``scheduler``).
    """
    check_backend("entities", backend, scheduler)
    if backend == "dask":
        from .backends import run_entities_dask  # dask is only imported when asked for

        return run_entities_dask(articles, paths, spacy_model, aliases_path, batch_size, n_process, scheduler=scheduler,
                                 n_workers=n_workers)
    articles = sorted_articles(articles)
    nlp = build_nlp(spacy_model, aliases_path)
    stats = CacheStats()
    paths.processed_dir.mkdir(parents=True, exist_ok=True)
    with atomic_path(paths.sentences) as tmp_sentences, atomic_path(paths.entities) as tmp_entities:
        tables = EntityTables(tmp_sentences, tmp_entities, batch_size)
        try:
            docs = iter_docs(articles, nlp, paths.doc_cache_dir, batch_size, n_process, stats)
            for (article_id, doc), text in zip(docs, articles["text"]):
                tables.add_article(*article_rows(article_id, doc, text))
        finally:
            tables.close()
    return finish_entities(tables, articles, paths, stats)


# --- checks and tables for the notebook -----------------------------------------------------------

def target_occurrences(articles: pd.DataFrame, aliases: pd.DataFrame, target: str = "MEK") -> pd.DataFrame:
    """Every occurrence of a target alias found by plain regex search of the text (not spaCy)."""
    family = aliases[aliases["canonical_id"] == target].reset_index(drop=True)
    rows = []
    for article_id, text in zip(articles["article_id"], articles["text"]):
        for start, end, pos in find_in_text(text, family):
            rows.append((article_id, start, end, text[start:end], family.at[pos, "alias_class"]))
    out = pd.DataFrame(rows, columns=["article_id", "start_char", "end_char", "text", "alias_class"])
    return out.sort_values(["article_id", "start_char"], kind="mergesort").reset_index(drop=True)


def _found(occurrences: pd.DataFrame, entities: pd.DataFrame, target: str) -> pd.Series:
    """Whether each occurrence lies inside a target entity of the same alias class."""
    ents = entities[entities["canonical_id"] == target]
    by_article = {a: g for a, g in ents.groupby("article_id", sort=False)}
    found = []
    for occ in occurrences.itertuples(index=False):
        g = by_article.get(occ.article_id)
        ok = g is not None and bool(
            ((g["start_char"] <= occ.start_char) & (g["end_char"] >= occ.end_char) & (g["alias_class"] == occ.alias_class)).any()
        )
        found.append(ok)
    return pd.Series(found, index=occurrences.index, dtype="bool")


def target_recall(
    articles: pd.DataFrame, entities: pd.DataFrame, aliases: pd.DataFrame, target: str = "MEK"
) -> pd.DataFrame:
    """Recall of target mentions per alias class: plain-text occurrences that became entities.

    An occurrence counts as found when an entity linked to ``target`` with the same alias
    class covers it. The last row ('all') is the total; recall must be 1.0.
    """
    occ = target_occurrences(articles, aliases, target)
    occ["found"] = _found(occ, entities, target)
    rows = []
    for alias_class in ALIAS_CLASSES:
        sub = occ[occ["alias_class"] == alias_class]
        rows.append((alias_class, len(sub), int(sub["found"].sum())))
    rows.append(("all", len(occ), int(occ["found"].sum())))
    out = pd.DataFrame(rows, columns=["alias_class", "n_in_text", "n_found"])
    out["n_missed"] = out["n_in_text"] - out["n_found"]
    out["recall"] = (out["n_found"] / out["n_in_text"].where(out["n_in_text"] > 0)).round(4)
    return out


def target_misses(articles: pd.DataFrame, entities: pd.DataFrame, aliases: pd.DataFrame, target: str = "MEK") -> pd.DataFrame:
    """The plain-text occurrences that no target entity covers (empty when recall is 100%)."""
    occ = target_occurrences(articles, aliases, target)
    return occ[~_found(occ, entities, target)].reset_index(drop=True)


def _authors(articles: pd.DataFrame) -> pd.DataFrame:
    out = articles[["article_id", "author"]].copy()
    out["author"] = out["author"].fillna(UNKNOWN_AUTHOR)
    return out


def mentions_by_author(articles: pd.DataFrame, entity_counts: pd.DataFrame, top_n: int = 5) -> pd.DataFrame:
    """The ``top_n`` most mentioned canonical entities per author (ties broken by id)."""
    df = entity_counts.merge(_authors(articles), on="article_id", how="left")
    df["author"] = df["author"].fillna(UNKNOWN_AUTHOR)
    per = df.groupby(["author", "canonical_id"], as_index=False)["n_mentions"].sum()
    per = per.sort_values(["author", "n_mentions", "canonical_id"], ascending=[True, False, True], kind="mergesort")
    per["rank"] = per.groupby("author").cumcount() + 1
    per = per[per["rank"] <= top_n]
    return per[["author", "rank", "canonical_id", "n_mentions"]].reset_index(drop=True)


def naming_by_author(articles: pd.DataFrame, entities: pd.DataFrame, target: str = "MEK") -> pd.DataFrame:
    """Per author: how many target mentions use each alias class (one column per class, + total)."""
    ents = entities[entities["canonical_id"] == target][["article_id", "alias_class"]]
    df = ents.merge(_authors(articles), on="article_id", how="left")
    df["author"] = df["author"].fillna(UNKNOWN_AUTHOR)
    authors = sorted(_authors(articles)["author"].unique())
    wide = (
        df.groupby(["author", "alias_class"]).size().unstack(fill_value=0)
        .reindex(index=authors, columns=list(ALIAS_CLASSES), fill_value=0)
    )
    wide["total"] = wide.sum(axis=1)
    wide.columns.name = None
    return wide.astype("int64").reset_index()


def model_vs_lexicon(articles: pd.DataFrame, entities: pd.DataFrame, nlp: Language, target: str = "MEK") -> pd.DataFrame:
    """What the statistical model alone makes of each target mention the lexicon found.

    ``model_says`` is the model's label when it has an entity with exactly the mention's span,
    'partial (LABEL)' when its entity only overlaps the mention, and 'nothing' otherwise.
    Returns one row per alias class and ``model_says`` with the number of mentions.
    """
    mentions = entities[(entities["canonical_id"] == target) & (entities["origin"] == ORIGIN_RULER)]
    by_article = {a: g for a, g in mentions.groupby("article_id", sort=False)}
    subset = articles[articles["article_id"].isin(by_article)]
    rows = []
    with nlp.select_pipes(disable=[RULER_NAME, META_NAME]):
        for article_id, doc in zip(subset["article_id"], nlp.pipe(subset["text"].tolist())):
            model_ents = [(e.start_char, e.end_char, e.label_) for e in doc.ents]
            for m in by_article[article_id].itertuples(index=False):
                says = "nothing"
                for start, end, label in model_ents:
                    if (start, end) == (m.start_char, m.end_char):
                        says = label
                        break
                    if start < m.end_char and m.start_char < end:
                        says = f"partial ({label})"
                rows.append((m.alias_class, says))
    out = pd.DataFrame(rows, columns=["alias_class", "model_says"])
    return (
        out.groupby(["alias_class", "model_says"]).size().rename("n_mentions").reset_index()
        .sort_values(["alias_class", "n_mentions", "model_says"], ascending=[True, False, True], kind="mergesort")
        .reset_index(drop=True)
    )
