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

from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from spacy.language import Language

from .cluster import BACKENDS, check_backend
from .findings import warn, warn_all
from .io import atomic_path, write_csv
from .lexicon import (
    ALIAS_CLASSES,
    META_NAME,
    ORIGIN_RULER,
    RULER_NAME,
    LexiconError,
    find_in_text,
    load_aliases,
    naming_key,
    target_classes,
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
from .schema import ENTITY_MISSES, UNATTRIBUTED, conform

__all__ = [
    "BACKENDS", "CACHE_FORMAT", "CacheStats", "DocCache", "EntitiesSummary", "EntityTables", "LexiconError",
    "RecallCheck", "article_rows", "build_nlp", "check_inputs", "finish_entities", "iter_docs",
    "load_aliases", "mentions_by_author", "model_vs_lexicon", "naming_by_author", "pipeline_fingerprint",
    "recall_check", "run_entities", "sentence_bounds", "sorted_articles", "target_label", "target_misses",
    "target_names", "target_occurrences", "target_recall",
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
#
# Naming: a target mention counts under its alias class (aliases.csv). An actor whose rows have
# no class (every actor but the MEK in the project's lexicon) is named *by alias*: each distinct
# written form is its own family (``lexicon.naming_key``), so the same tables work for it.

def check_inputs(articles: pd.DataFrame, aliases: pd.DataFrame, target: str, aliases_path: Path | str = "the lexicon") -> None:
    """Raise on what makes the stage meaningless (a real failure, not a finding about the data):
    no article at all, or a ``target`` that is no canonical id of the lexicon (a misspelt parameter)."""
    if len(articles) == 0:
        raise ValueError("articles.parquet holds no article (01-clean found none): there is nothing to find entities in")
    known = sorted(set(aliases["canonical_id"]))
    if target not in known:
        raise ValueError(f"target {target!r} is not a canonical_id of {aliases_path}; it has: {', '.join(known)}")


def target_names(aliases: pd.DataFrame, target: str) -> pd.DataFrame:
    """The target's rows of the lexicon by alias class (or, for an actor without classes, by alias)."""
    family = aliases[aliases["canonical_id"] == target]
    classes = target_classes(aliases, target)
    key = family["alias_class"].astype(object).where(family["alias_class"].notna(), "(by alias: no class)")
    out = (family.assign(alias_class=key).groupby("alias_class", sort=False)
           .agg(n_rows=("alias", "size"), examples=("alias", lambda a: " | ".join(a.head(4)))))
    return out.reindex([c for c in classes if c in out.index] + [c for c in out.index if c not in classes])


def target_label(aliases: pd.DataFrame, target: str) -> str:
    """The entity label the lexicon gives the target's rows (the most common one; ORG for the MEK)."""
    labels = aliases.loc[aliases["canonical_id"] == target, "entity_label"].value_counts()
    return str(sorted(labels.index, key=lambda label: (-labels[label], label))[0]) if len(labels) else ""


def _naming_keys(alias_class: pd.Series, text: pd.Series) -> pd.Series:
    return pd.Series([naming_key(c if isinstance(c, str) else None, t) for c, t in zip(alias_class, text)],
                     index=alias_class.index, dtype="object")


def _key_order(keys: pd.Series, known: tuple[str, ...]) -> list[str]:
    """The lexicon's classes in their order, then other keys by frequency (then name)."""
    counts = keys.value_counts()
    rest = sorted((k for k in counts.index if k not in known), key=lambda k: (-counts[k], k))
    return list(known) + rest


def target_occurrences(articles: pd.DataFrame, aliases: pd.DataFrame, target: str = "MEK") -> pd.DataFrame:
    """Every occurrence of a target alias found by plain regex search of the text (not spaCy).

    Columns: article_id, start_char, end_char, text, alias_class (null for a row without
    class), name (the naming key: the class, or the name as written) and lexicon_line.
    """
    family = aliases[aliases["canonical_id"] == target].reset_index(drop=True)
    rows = []
    for article_id, text in zip(articles["article_id"], articles["text"]):
        for start, end, pos in find_in_text(text, family):
            alias_class = family.at[pos, "alias_class"]
            alias_class = None if pd.isna(alias_class) else str(alias_class)
            rows.append((article_id, start, end, text[start:end], alias_class, naming_key(alias_class, text[start:end]),
                         int(family.at[pos, "line"]) if "line" in family else -1))
    out = pd.DataFrame(rows, columns=["article_id", "start_char", "end_char", "text", "alias_class", "name", "lexicon_line"])
    return out.sort_values(["article_id", "start_char"], kind="mergesort").reset_index(drop=True)


def _entity_label(e) -> str:
    linked = f"{e.canonical_id}/{e.alias_class}" if isinstance(e.alias_class, str) else e.canonical_id
    return f"{e.text} ({e.label}, {linked if isinstance(e.canonical_id, str) else 'model'})"


def _judge(occurrences: pd.DataFrame, entities: pd.DataFrame, target: str) -> pd.DataFrame:
    """found / reason / overlapping_entity for each occurrence.

    Found: a target entity covers the occurrence and, when the occurrence's row has an alias
    class, has the same class. Otherwise the reason says what is there instead: 'other_class'
    (a target entity of another class covers it), 'partial' (a target entity covers part of it),
    'other_entity' (another actor's or the model's entity is there), 'no_entity' (nothing: the
    name was not a token of its own, or no pattern matched it).
    """
    by_article = {a: g for a, g in entities.groupby("article_id", sort=False)}
    found, reasons, overlapping = [], [], []
    for occ in occurrences.itertuples(index=False):
        g = by_article.get(occ.article_id, entities.iloc[0:0])
        over = g[(g["start_char"] < occ.end_char) & (g["end_char"] > occ.start_char)]
        is_target = over["canonical_id"] == target
        covers = (over["start_char"] <= occ.start_char) & (over["end_char"] >= occ.end_char) & is_target
        same = covers if occ.alias_class is None else covers & (over["alias_class"] == occ.alias_class)
        if bool(same.any()):
            found.append(True), reasons.append(None), overlapping.append(None)
            continue
        if bool(covers.any()):
            reason, shown = "other_class", over[covers]
        elif bool(is_target.any()):
            reason, shown = "partial", over[is_target]
        elif len(over):
            reason, shown = "other_entity", over
        else:
            reason, shown = "no_entity", over
        found.append(False)
        reasons.append(reason)
        overlapping.append("; ".join(_entity_label(e) for e in shown.itertuples(index=False)) or None)
    return pd.DataFrame({"found": found, "reason": reasons, "overlapping_entity": overlapping}, index=occurrences.index)


def _recall_table(occ: pd.DataFrame, known: tuple[str, ...]) -> pd.DataFrame:
    rows = []
    for name in _key_order(occ["name"], known):
        sub = occ[occ["name"] == name]
        rows.append((name, len(sub), int(sub["found"].sum())))
    rows.append(("all", len(occ), int(occ["found"].sum())))
    out = pd.DataFrame(rows, columns=["alias_class", "n_in_text", "n_found"])
    out["n_missed"] = out["n_in_text"] - out["n_found"]
    out["recall"] = (out["n_found"] / out["n_in_text"].where(out["n_in_text"] > 0)).round(4)
    return out


def target_recall(
    articles: pd.DataFrame, entities: pd.DataFrame, aliases: pd.DataFrame, target: str = "MEK"
) -> pd.DataFrame:
    """Recall of target mentions per alias class: plain-text occurrences that became entities.

    An occurrence counts as found when an entity linked to ``target`` covers it, with the same
    alias class when its lexicon row has one. One row per class of the target (for an actor
    without classes: per name as written); the last row ('all') is the total.
    """
    occ = target_occurrences(articles, aliases, target)
    occ["found"] = _judge(occ, entities, target)["found"]
    return _recall_table(occ, target_classes(aliases, target))


def _misses(occ: pd.DataFrame, articles: pd.DataFrame, sentences: pd.DataFrame | None) -> pd.DataFrame:
    missed = occ[~occ["found"]].copy()
    source = dict(zip(articles["article_id"], articles["source_file"])) if "source_file" in articles else {}
    missed["source_file"] = missed["article_id"].map(source)
    sent_ids, contexts = [], []
    by_article = {a: g for a, g in sentences.groupby("article_id", sort=False)} if sentences is not None else {}
    texts = dict(zip(articles["article_id"], articles["text"])) if "text" in articles else {}
    for m in missed.itertuples(index=False):
        g = by_article.get(m.article_id)
        inside = g[(g["start_char"] <= m.start_char)] if g is not None else None
        if inside is not None and len(inside):
            last = inside.iloc[-1]
            sent_ids.append(int(last["sent_id"]))
            contexts.append(str(last["text"]))
        else:  # no sentence table given: a window of the text around the occurrence
            text = texts.get(m.article_id, "")
            sent_ids.append(-1)
            contexts.append(" ".join(text[max(0, m.start_char - 80):m.end_char + 80].split()))
    missed["sent_id"] = sent_ids
    missed["sentence"] = contexts
    return conform(missed[ENTITY_MISSES.names], ENTITY_MISSES)


def target_misses(articles: pd.DataFrame, entities: pd.DataFrame, aliases: pd.DataFrame, target: str = "MEK",
                  sentences: pd.DataFrame | None = None) -> pd.DataFrame:
    """The plain-text occurrences that no target entity covers (contract ``schema.ENTITY_MISSES``;
    empty when recall is 100%). ``sentences``: the stage's sentence table, for each miss's sentence
    (without it, ``sent_id`` is -1 and ``sentence`` a window of the text)."""
    occ = target_occurrences(articles, aliases, target)
    occ = occ.join(_judge(occ, entities, target))
    return _misses(occ, articles, sentences)


@dataclass(frozen=True)
class RecallCheck:
    recall: pd.DataFrame  # per alias class (or name) and 'all': occurrences in the text, found, missed, recall
    misses: pd.DataFrame  # one row per occurrence not found (schema.ENTITY_MISSES)
    path: Path  # where the misses were written


def recall_check(articles: pd.DataFrame, entities: pd.DataFrame, sentences: pd.DataFrame, aliases: pd.DataFrame,
                 target: str, paths: Paths, max_warnings: int = 10) -> RecallCheck:
    """The stage's self-check, as a finding: every name of the target in the text should be a
    target entity. Writes ``entity_misses.csv`` (also when empty, so each run leaves the same
    file) and prints a data warning for each miss (at most ``max_warnings``, then a count);
    never raises on what it finds."""
    occ = target_occurrences(articles, aliases, target)
    occ = occ.join(_judge(occ, entities, target))
    recall = _recall_table(occ, target_classes(aliases, target))
    misses = _misses(occ, articles, sentences)
    write_csv(misses, paths.entity_misses, ENTITY_MISSES)
    if occ.empty:
        warn(f"no name of {target} from the lexicon occurs in the articles: its naming, labels and frames will be empty")
    elif len(misses):
        warn(f"{len(misses)} of {len(occ)} occurrences of {target}'s names in the text are not {target} entities "
             f"(listed in {paths.entity_misses.name})")
        warn_all([f"{m.article_id} ({m.source_file}), characters {m.start_char}-{m.end_char}: {m.text!r} "
                  f"({m.alias_class or 'no class'}): {m.reason}" for m in misses.itertuples(index=False)], max_warnings)
    return RecallCheck(recall=recall, misses=misses, path=paths.entity_misses)


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


def naming_by_author(articles: pd.DataFrame, entities: pd.DataFrame, target: str = "MEK",
                     aliases: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per author: how many target mentions use each alias class (one column per class, + total).

    With ``aliases``, every class of the target's rows has a column, used or not; an actor
    without classes gets one column per name as written (most used first).
    """
    ents = entities[entities["canonical_id"] == target]
    ents = ents.assign(alias_class=_naming_keys(ents["alias_class"], ents["text"]))[["article_id", "alias_class"]]
    df = ents.merge(_authors(articles), on="article_id", how="left")
    df["author"] = df["author"].fillna(UNKNOWN_AUTHOR)
    authors = sorted(_authors(articles)["author"].unique())
    known = target_classes(aliases, target) if aliases is not None else tuple(c for c in ALIAS_CLASSES if c in set(df["alias_class"]))
    wide = (
        df.groupby(["author", "alias_class"]).size().unstack(fill_value=0)
        .reindex(index=authors, columns=_key_order(df["alias_class"], known), fill_value=0)
    )
    wide["total"] = wide.sum(axis=1)
    wide.columns.name = None
    return wide.astype("int64").reset_index()


def model_vs_lexicon(articles: pd.DataFrame, entities: pd.DataFrame, nlp: Language, target: str = "MEK") -> pd.DataFrame:
    """What the statistical model alone makes of each target mention the lexicon found.

    ``model_says`` is the model's label when it has an entity with exactly the mention's span,
    'partial (LABEL)' when its entity only overlaps the mention, and 'nothing' otherwise.
    Returns one row per alias class (or name as written, for an actor without classes) and
    ``model_says`` with the number of mentions.
    """
    mentions = entities[(entities["canonical_id"] == target) & (entities["origin"] == ORIGIN_RULER)]
    mentions = mentions.assign(alias_class=_naming_keys(mentions["alias_class"], mentions["text"]))
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
