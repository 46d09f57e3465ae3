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
from typing import Sequence

import pandas as pd


UNATTRIBUTED = "unattributed"  # the author group of articles whose page names no writer (every stage uses it)


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

    def select(self, names: "Sequence[str]") -> "Table":
        """The contract of some of the columns (to read a big table without its text, say).

        Key and sort order are kept only when every column they use is selected.
        """
        unknown = [n for n in names if n not in self.names]
        if unknown:
            raise SchemaError(f"table '{self.name}': no column(s) {unknown}")
        keep = tuple(c for c in self.columns if c.name in names)
        kept = {c.name for c in keep}
        return Table(self.name, keep, self.key if set(self.key) <= kept else (),
                     self.sort if set(self.sort) <= kept else ())


def _c(name: str, dtype: str, description: str, nullable: bool = False) -> Column:
    return Column(name, dtype, nullable, description)


PROVENANCE = (
    "where the value came from: 'byline' (the article's own byline: 'By X', 'By X – Outlet – "
    "May 11, 2008', 'Posted on DATE by X', 'X | Outlet | DATE', a bare name above the text), "
    "'teaser_byline' (an aggregator's teaser 'X, Outlet, Month DD YYYY:'), 'html_meta' (the "
    "HTML page's own metadata: author and date tags, site name, title tag), 'speech_title' "
    "(a transcript's 'Remarks by X at ...'; author), 'signature' (a letter's 'Name, Town'; "
    "author), 'bio' (a closing bio 'X is a senior fellow at ...'; author), 'date_line' (a line "
    "above the article that is its date), 'page_header' (a date above every article of the "
    "page), 'dateline' (a wire or press-release dateline 'PLACE (Outlet) -' / 'PLACE, DATE --'), "
    "'printed_from' (a print view's 'Printed from X'), 'title_line' (a browser-title line "
    "'Headline | Site'), 'masthead' (the page's masthead or a blog's 'A blog of X' line), "
    "'copyright' (the page's copyright line), 'override' (data/raw/metadata_overrides.csv), or "
    "null when the value is null"
)

ARTICLES = Table(
    "articles",
    (
        _c("article_id", "string", "stable id: first 12 hex of sha256(source_sha256 + ':' + part)"),
        _c("source_file", "string", "file name of the raw page, relative to the raw directory"),
        _c("source_sha256", "string", "sha256 of the raw file's bytes"),
        _c("part", "int64", "index of the article within its page, from 0"),
        _c("title", "string", "headline, when the page gives one", nullable=True),
        _c("author", "string", "writer of the article, one spelling per writer (case, 'By', titles and "
           "roles normalised), null when the page does not say", nullable=True),
        _c("author_stated", "string", "the author as the page stated it ('BY GARETH PRYCE, Political "
           "Correspondent', 'Posted on ... by kourosh nadimi'), null when author is null", nullable=True),
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
        _c("n_words", "int64", "words in the page's decoded text (for HTML, the extracted text); 0 when rejected"),
        _c("kept_share", "float64", "share of the page's words kept in its articles' text; null when rejected "
           "(a page below clean.MIN_KEPT_SHARE is flagged in reason and in cleaning_findings)", nullable=True),
    ),
    key=("source_file",),
    sort=("source_file",),
)

CLEANING_FINDINGS = Table(
    "cleaning_findings",
    (
        _c("source_file", "string", "file name of the raw page"),
        _c("article_id", "string", "article the finding is about (null for a finding about the whole page)", nullable=True),
        _c("finding", "string", "'no_article' (an accepted page gave no article), 'low_kept_share' (little of the "
           "page's text was kept), 'short_article' (an article of fewer than clean.MIN_ARTICLE_WORDS words), "
           "'no_title' (no headline found)"),
        _c("detail", "string", "what was found, in words"),
    ),
    key=("source_file", "finding", "article_id"),
    sort=("source_file", "finding", "article_id"),
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

BLOCKS = Table(
    "blocks",
    (
        _c("source_file", "string", "file name of the raw page"),
        _c("start_char", "int64", "offset of the piece in the decoded page text"),
        _c("end_char", "int64", "end offset (exclusive) of the piece"),
        _c("text", "string", "the piece as it stands in the page (= page text[start_char:end_char])"),
        _c("fate", "string", "'kept' (goes into an article's text) or 'removed'"),
        _c("article_id", "string", "article a kept piece belongs to (null when removed)", nullable=True),
        _c("reason", "string", "why a removed piece was removed (null when kept)", nullable=True),
    ),
    key=("source_file", "start_char", "end_char"),
    sort=("source_file", "start_char", "end_char"),
)

OVERRIDES_APPLIED = Table(
    "overrides_applied",
    (
        _c("article_id", "string", "article whose metadata was overridden"),
        _c("field", "string", "'author', 'outlet', 'published' or 'title'"),
        _c("page_value", "string", "the value found on the page (null when none)", nullable=True),
        _c("override_value", "string", "the value from metadata_overrides.csv"),
        _c("source", "string", "where the override value comes from (a citation a reader can check)"),
    ),
    key=("article_id", "field"),
    sort=("article_id", "field"),
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
        _c("label", "string", "entity label (ORG, PERSON, GPE, ...): the lexicon's entity_label for origin 'ruler', spaCy's otherwise"),
        _c("canonical_id", "string", "linked entity from data/lexicons/aliases.csv, null when unlinked", nullable=True),
        _c("alias_class", "string", "for target-family mentions: which family of names was used (acronym_mek, acronym_mko, own_name, transliteration, english_name, supporters_name, critics_name); null otherwise", nullable=True),
        _c("origin", "string", "'ruler' (lexicon) or 'model' (statistical NER)"),
    ),
    key=("article_id", "start_char", "end_char"),
    sort=("article_id", "start_char", "end_char"),
)

ENTITY_COUNTS = Table(
    "entity_counts",
    (
        _c("article_id", "string", "article the mentions are in"),
        _c("canonical_id", "string", "linked entity from data/lexicons/aliases.csv"),
        _c("n_mentions", "int64", "number of mentions of the entity in the article"),
    ),
    key=("article_id", "canonical_id"),
    sort=("article_id", "canonical_id"),
)

ENTITY_MISSES = Table(
    "entity_misses",
    (
        _c("article_id", "string", "article the name occurs in"),
        _c("source_file", "string", "file name of the raw page the article comes from"),
        _c("sent_id", "int64", "sentence the name occurs in (sentences.sent_id)"),
        _c("start_char", "int64", "offset of the name into articles.text"),
        _c("end_char", "int64", "end offset (exclusive) into articles.text"),
        _c("text", "string", "the name as written, found by the plain-text search of the lexicon"),
        _c("alias_class", "string", "alias class of the lexicon row it matches (null for an actor whose rows have no class)", nullable=True),
        _c("lexicon_line", "int64", "line of that row in the alias lexicon"),
        _c("reason", "string", "what the entity stage made of it: 'no_entity' (no entity there: usually the name was not a token of its own), 'other_entity' (another actor's or the model's entity), 'partial' (a target entity covering only part of it), 'other_class' (a target entity of another alias class)"),
        _c("overlapping_entity", "string", "the entity or entities found there, as 'text (label, canonical_id/alias_class or model)'; null when none", nullable=True),
        _c("sentence", "string", "the sentence it occurs in (sentences.text)"),
    ),
    key=("article_id", "start_char"),
    sort=("article_id", "start_char"),
)

TABLES = {t.name: t for t in (ARTICLES, RAW_MANIFEST, CLEANING_FINDINGS, REMOVED_BLOCKS, BLOCKS, OVERRIDES_APPLIED, SENTENCES, ENTITIES, ENTITY_COUNTS, ENTITY_MISSES)}

# --- 03-framing outputs (helpers.framing) ---------------------------------------------------------

_VOICE = "'all' (whole text) or 'own' (text inside quotation marks removed: the author's own voice)"
_CI = "bootstrap interval (95%, seeded; articles then sentences/mentions resampled)"

FRAMING_NAMING = Table(
    "framing_naming",
    (
        _c("author", "string", "writer ('unattributed' when the page names none)"),
        _c("voice", "string", _VOICE),
        _c("alias_class", "string", "family of names used for the target (see entities.alias_class); for a target whose lexicon rows have no alias class, the name as written (naming by alias)"),
        _c("n_mentions", "int64", "target mentions of this alias class (or name)"),
        _c("n_target_mentions", "int64", "all target mentions by the author in this voice"),
        _c("share", "float64", "n_mentions / n_target_mentions (null when the author never mentions the target)", nullable=True),
        _c("ci_low", "float64", "lower end of the " + _CI, nullable=True),
        _c("ci_high", "float64", "upper end of the " + _CI, nullable=True),
    ),
    key=("author", "voice", "alias_class"),
    sort=("author", "voice", "alias_class"),
)

FRAMING_LABELS = Table(
    "framing_labels",
    (
        _c("author", "string", "writer ('unattributed' when the page names none)"),
        _c("voice", "string", _VOICE + "; own drops labels whose word is inside quotation marks"),
        _c("label_class", "string", "class of the label in the label lexicon (labels_file: data/lexicons/labels.csv by default)"),
        _c("n_labels", "int64", "label words of this class attached to target mentions"),
        _c("n_target_mentions", "int64", "target mentions by the author in this voice"),
        _c("rate_per_100", "float64", "labels per 100 target mentions", nullable=True),
        _c("ci_low", "float64", "lower end of the " + _CI + ", per 100 mentions", nullable=True),
        _c("ci_high", "float64", "upper end of the " + _CI + ", per 100 mentions", nullable=True),
        _c("examples", "string", "up to three phrases the labels came from, most frequent first, ' | '-separated", nullable=True),
    ),
    key=("author", "voice", "label_class"),
    sort=("author", "voice", "label_class"),
)

FRAMING_FRAMES = Table(
    "framing_frames",
    (
        _c("author", "string", "writer ('unattributed' when the page names none)"),
        _c("frame", "string", "frame from the frame codebook (frames_file: data/lexicons/frames.yaml by default)"),
        _c("n_sentences", "int64", "sentences evoking the frame"),
        _c("n_base", "int64", "sentences in the base (all, or those mentioning the target)"),
        _c("share", "float64", "n_sentences / n_base", nullable=True),
        _c("ci_low", "float64", "lower end of the " + _CI, nullable=True),
        _c("ci_high", "float64", "upper end of the " + _CI, nullable=True),
        _c("voice", "string", _VOICE),
        _c("scope", "string", "'all_sentences' or 'target_sentences' (sentences that mention the target)"),
    ),
    key=("author", "voice", "scope", "frame"),
    sort=("author", "voice", "scope", "frame"),
)

SENTENCE_FRAMES = Table(
    "sentence_frames",
    (
        _c("article_id", "string", "article the sentence belongs to"),
        _c("sent_id", "int64", "sentence (sentences.sent_id)"),
        _c("frame", "string", "a frame the sentence evokes (one row per frame)"),
        _c("voice", "string", _VOICE),
    ),
    key=("article_id", "sent_id", "frame", "voice"),
    sort=("article_id", "sent_id", "voice", "frame"),
)

EVIDENCE = Table(
    "evidence",
    (
        _c("author", "string", "writer ('unattributed' when the page names none)"),
        _c("kind", "string", "the measure: 'frame', 'naming', 'label', 'stance' (a sentence naming the target, with its "
           "tone) or 'quote' (a direct quotation)"),
        _c("category", "string", "frame name, alias class (or the name as written), label class, 'tone', or the "
           "quotation's speaker"),
        _c("article_id", "string", "article (articles.article_id)"),
        _c("sent_id", "int64", "sentence the evidence is in (sentences.sent_id; for a quotation, where it starts)"),
        _c("start_char", "int64", "start of the passage shown (the sentence; a quotation: the quotation) in articles.text"),
        _c("end_char", "int64", "end of that passage (exclusive)"),
        _c("cue_spans", "string", "the words that triggered the measure, as 'start-end' offsets into articles.text joined "
           "by ';' (a frame's cue words, the mention, the label word and its mention, the target's mentions); empty "
           "when a model decided without a cue"),
        _c("cue", "string", "the text of those words, joined by ' | '"),
        _c("voice", "string", "'own' (the evidence stands in the writer's own words) or 'quoted' (only inside quotation marks)"),
        _c("in_all", "bool", "counts in the voice='all' rows of its table (framing_frames, framing_naming, framing_labels)"),
        _c("in_own", "bool", "counts in the voice='own' rows"),
        _c("target_all", "bool", "frame and stance rows: the sentence names the target (scope target_sentences, all voice)"),
        _c("target_own", "bool", "frame and stance rows: it names the target outside quotation marks (own voice)"),
        _c("detector", "string", "frame rows: what marked the frame: 'rules' (a cue), 'model' or 'both'", nullable=True),
        _c("score", "float64", "frame rows: the model's probability for the frame (null without a model); stance rows: "
           "the sentence's VADER compound score", nullable=True),
        _c("relation", "string", "label rows: the dependency relation to the mention; quote rows: the reporting verb",
           nullable=True),
    ),
    sort=("author", "kind", "category", "article_id", "start_char", "cue_spans", "voice"),
)

DISTINCTIVE_TERMS = Table(
    "distinctive_terms",
    (
        _c("author", "string", "writer compared with all other writers pooled"),
        _c("voice", "string", _VOICE),
        _c("rank", "int64", "1 = most distinctive"),
        _c("term", "string", "lower-cased lemma (stop words and punctuation removed)"),
        _c("count", "int64", "uses by the author"),
        _c("count_other", "int64", "uses by all other writers"),
        _c("z", "float64", "z-score of the log-odds ratio with informative Dirichlet prior (Monroe et al. 2008)"),
    ),
    key=("author", "voice", "rank"),
    sort=("author", "voice", "rank"),
)

STANCE = Table(
    "stance",
    (
        _c("author", "string", "writer ('unattributed' when the page names none)"),
        _c("voice", "string", _VOICE),
        _c("n_sentences", "int64", "sentences mentioning the target (own: outside quotes)"),
        _c("mean_compound", "float64", "mean VADER compound score of those sentences (-1 negative .. 1 positive)", nullable=True),
        _c("ci_low", "float64", "lower end of the " + _CI, nullable=True),
        _c("ci_high", "float64", "upper end of the " + _CI, nullable=True),
        _c("share_negative", "float64", "share of those sentences with compound <= -0.05", nullable=True),
        _c("share_positive", "float64", "share of those sentences with compound >= 0.05", nullable=True),
        _c("n_negative_labels", "int64", "labels of negative polarity (labels.csv) attached to target mentions"),
        _c("n_positive_labels", "int64", "labels of positive polarity attached to target mentions"),
        _c("label_balance", "float64", "(negative - positive) / (negative + positive) labels: 1 all negative, -1 all positive", nullable=True),
    ),
    key=("author", "voice"),
    sort=("author", "voice"),
)

QUOTES = Table(
    "quotes",
    (
        _c("article_id", "string", "article the quotation is in"),
        _c("quote_id", "int64", "index of the quotation in the article, from 0"),
        _c("start_char", "int64", "offset of the opening quotation mark in articles.text"),
        _c("end_char", "int64", "offset after the closing quotation mark"),
        _c("speaker", "string", "subject of the reporting verb (null when the parse gives none)", nullable=True),
        _c("reporting_verb", "string", "lemma of the reporting verb ('say', 'write', 'according to' ...)"),
        _c("n_words", "int64", "words inside the quotation marks"),
        _c("text", "string", "the quotation without its marks"),
        _c("author", "string", "writer of the article ('unattributed' when the page names none)"),
    ),
    key=("article_id", "quote_id"),
    sort=("article_id", "quote_id"),
)

QUOTED_SHARE = Table(
    "quoted_share",
    (
        _c("article_id", "string", "article"),
        _c("n_quoted_spans", "int64", "spans inside quotation marks (quotations and scare quotes)"),
        _c("n_direct_quotes", "int64", "quoted spans attributed to a speaker by a reporting verb"),
        _c("quoted_share", "float64", "share of the article's non-space characters inside quotation marks"),
        _c("author", "string", "writer of the article ('unattributed' when the page names none)"),
    ),
    key=("article_id",),
    sort=("article_id",),
)

AUTHOR_SIMILARITY = Table(
    "author_similarity",
    (
        _c("profile", "string", "'frames' (frame-bearing sentence counts) or 'naming' (alias-class counts)"),
        _c("voice", "string", _VOICE),
        _c("author_a", "string", "first writer"),
        _c("author_b", "string", "second writer"),
        _c("distance", "float64", "Jensen-Shannon distance of the two profiles (0 identical .. 1 disjoint; null when a profile is empty)", nullable=True),
    ),
    key=("profile", "voice", "author_a", "author_b"),
    sort=("profile", "voice", "author_a", "author_b"),
)

_MACRO_CI = ("macro rows: {end} of the 95% bootstrap interval of macro-F1, sentences resampled "
             "(seeded: the notebook's n_boot and seed); null on frame rows")

FRAMES_VALIDATION = Table(
    "frames_validation",
    (
        _c("reference", "string", "coding the detector is scored against: coder_1 (frames_gold.csv), coder_2 "
           "(frames_coder2.csv) or consensus (frames_consensus.csv)"),
        _c("subset", "string", "gold rows scored: dev, heldout, test (never tuned on), tuning (dev + heldout) or all"),
        _c("n_sentences", "int64", "gold sentences in the subset"),
        _c("frame", "string", "frame, or 'macro' (precision, recall and F1 averaged over the frames; counts summed)"),
        _c("support", "int64", "sentences the reference codes with the frame"),
        _c("tp", "int64", "sentences where reference and detector both have the frame"),
        _c("fp", "int64", "sentences where only the detector has it"),
        _c("fn", "int64", "sentences where only the reference has it"),
        _c("precision", "float64", "tp / (tp + fp); 0 when the detector never gives the frame"),
        _c("recall", "float64", "tp / (tp + fn); 0 when the reference never has the frame"),
        _c("f1", "float64", "harmonic mean of precision and recall (0 when both are 0)"),
        _c("f1_ci_low", "float64", _MACRO_CI.format(end="lower end"), nullable=True),
        _c("f1_ci_high", "float64", _MACRO_CI.format(end="upper end"), nullable=True),
    ),
    key=("reference", "subset", "frame"),
    sort=("reference", "subset", "frame"),
)

CODER_AGREEMENT = Table(
    "coder_agreement",
    (
        _c("subset", "string", "gold rows compared: dev, heldout, test, tuning (dev + heldout) or all"),
        _c("codings", "string", "the two codings, 'second vs first' (e.g. 'coder_2 vs coder_1')"),
        _c("frame", "string", "frame, or 'macro' (agreement, alpha and F1 averaged over the frames; counts summed)"),
        _c("n_sentences", "int64", "sentences coded by both"),
        _c("n_first", "int64", "sentences the first coding gives the frame"),
        _c("n_second", "int64", "sentences the second coding gives the frame"),
        _c("n_both", "int64", "sentences both give the frame"),
        _c("agreement", "float64", "share of sentences on which the two agree about the frame"),
        _c("alpha", "float64", "Krippendorff's alpha, binary nominal (null when neither coding varies)", nullable=True),
        _c("f1", "float64", "F1 of the second coding against the first (symmetric: the same the other way round)"),
        _c("f1_ci_low", "float64", _MACRO_CI.format(end="lower end"), nullable=True),
        _c("f1_ci_high", "float64", _MACRO_CI.format(end="upper end"), nullable=True),
    ),
    key=("subset", "frame"),
    sort=("subset", "frame"),
)

FRAMES_TEST_SCORES = Table(
    "frames_test_scores",
    (
        _c("test_set", "string", "locked test sentences scored: 'v2_test' (the v2 gold's test pages, synthetic), "
           "'seed_test' (the seed gold's test split, real text, consensus coding) or 'pooled' (both)"),
        _c("detector", "string", "'v2' (the rules + the declared model, as the study ran) or 'rules' (the rules alone)"),
        _c("frame", "string", "frame, or 'macro' (F1 averaged over the frames; counts summed)"),
        _c("n_sentences", "int64", "gold sentences scored"),
        _c("support", "int64", "sentences the coders give the frame"),
        _c("tp", "int64", "sentences where coders and detector both have the frame"),
        _c("fp", "int64", "sentences where only the detector has it"),
        _c("fn", "int64", "sentences where only the coders have it"),
        _c("precision", "float64", "tp / (tp + fp); null when the detector never gives the frame", nullable=True),
        _c("recall", "float64", "tp / (tp + fn); null when the coders never give the frame", nullable=True),
        _c("f1", "float64", "2 tp / (2 tp + fp + fn); macro rows: the mean over the frames"),
        _c("f1_ci_low", "float64", "lower end of the 95% bootstrap interval of F1, sentences resampled (seeded)", nullable=True),
        _c("f1_ci_high", "float64", "upper end of the 95% bootstrap interval of F1, sentences resampled (seeded)", nullable=True),
    ),
    key=("test_set", "detector", "frame"),
    sort=("test_set", "detector", "frame"),
)

FRAMING_FRAMES_CORRECTED = Table(
    "framing_frames_corrected",
    (
        _c("author", "string", "writer ('unattributed' when the page names none)"),
        _c("frame", "string", "frame from the frame codebook"),
        _c("n_base", "int64", "the writer's sentences (own voice: those with text outside quotation marks)"),
        _c("n_sentences", "int64", "sentences the detector marks with the frame"),
        _c("share", "float64", "raw share: n_sentences / n_base", nullable=True),
        _c("ci_low", "float64", "lower end of the raw share's " + _CI, nullable=True),
        _c("ci_high", "float64", "upper end of the raw share's " + _CI, nullable=True),
        _c("corrected_share", "float64", "Rogan-Gladen share corrected for the detector's sensitivity and specificity "
           "(clipped to [0, 1]; null when sensitivity + specificity <= 1)", nullable=True),
        _c("corrected_ci_low", "float64", "lower end of the 95% double-bootstrap interval (the writer's articles and "
           "sentences, and the gold sentences, resampled; seeded)", nullable=True),
        _c("corrected_ci_high", "float64", "upper end of that interval", nullable=True),
        _c("sensitivity", "float64", "share of the gold's frame sentences the detector marks (pooled locked test sentences)",
           nullable=True),
        _c("specificity", "float64", "share of the gold's other sentences the detector leaves unmarked", nullable=True),
        _c("usable_draws", "float64", "share of bootstrap draws where the correction is defined", nullable=True),
        _c("voice", "string", _VOICE),
    ),
    key=("author", "voice", "frame"),
    sort=("author", "voice", "frame"),
)

VALIDATION_TABLES = (FRAMES_VALIDATION, CODER_AGREEMENT, FRAMES_TEST_SCORES, FRAMING_FRAMES_CORRECTED)

FRAMING_TABLES = (FRAMING_NAMING, FRAMING_LABELS, FRAMING_FRAMES, SENTENCE_FRAMES, EVIDENCE, DISTINCTIVE_TERMS,
                  STANCE, QUOTES, QUOTED_SHARE, AUTHOR_SIMILARITY)
TABLES.update({t.name: t for t in FRAMING_TABLES + VALIDATION_TABLES})

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
