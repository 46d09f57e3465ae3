"""Frame detection from a codebook of lemma patterns, and its validation.

In: the frame codebook ``data/lexicons/frames.yaml`` (definitions, Policy
Frames Codebook dimension, cues and spaCy Matcher patterns), parsed spaCy
``Doc`` objects, and the hand-coded gold sample
``data/validation/frames_gold.csv``.
Out: the frames each sentence (or any span) evokes; per-frame precision,
recall and F1 of the detector against the gold sample.
Used by: ``helpers.framing`` (03-framing notebook, sections "Frames" and
"Validation").

A frame is detected in a span when one of its patterns matches there. Pattern
shorthand (so researchers can edit the codebook without learning the Matcher
syntax): the string ``"terrorist list|status"`` is two tokens, the first with
lower-cased lemma ``terrorist``, the second with lemma ``list`` or ``status``;
a full Matcher token dict may be given instead. ``exclude_patterns`` (same
syntax) mark contexts where a cue does not count: a cue match lying inside an
exclusion match of the same frame is dropped. ``lemma_lower`` (a custom
token attribute) is the lower-cased lemma, because the small English model
lemmatises proper nouns with their capital ("Saddam", "Camp").
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Sequence

import pandas as pd
import yaml
from spacy.matcher import Matcher
from spacy.tokens import Doc, Span, Token

FRAME_NAMES: tuple[str, ...] = (
    "terrorism_violence",
    "cult_abuse",
    "saddam_collaboration",
    "legal_designation",
    "lobbying_influence",
    "regime_change_policy",
    "intelligence_credibility",
    "opposition_legitimacy",
    "humanitarian_displacement",
)

GOLD_COLUMNS = ("source_file", "text", "frames", "coder_note")
# How each gold row was used (data/validation/README.md): 'dev' tuned the patterns in round 1,
# 'heldout' was scored once after round 1 and then tuned on in round 2, 'test' was coded
# before round 2 and scored only with the final patterns.
GOLD_SPLITS = ("dev", "heldout", "test")

if not Token.has_extension("lemma_lower"):
    Token.set_extension("lemma_lower", getter=lambda t: t.lemma_.lower())


class CodebookError(ValueError):
    """The frame codebook or the gold file is malformed."""


@dataclass(frozen=True)
class Frame:
    name: str
    dimension: str
    definition: str
    include: tuple[str, ...]
    exclude: tuple[str, ...]
    patterns: tuple[tuple[dict, ...], ...] = field(repr=False)
    # cue matches inside a match of one of these are discarded ("war against terror" is not the group's violence)
    exclude_patterns: tuple[tuple[dict, ...], ...] = field(default=(), repr=False)


def normalise_text(text: str) -> str:
    """Whitespace-normalised text: the key that matches gold rows to pipeline sentences."""
    return re.sub(r"\s+", " ", str(text)).strip()


def _token_spec(spec: object, where: str) -> dict:
    if isinstance(spec, str):
        words = [w.strip().lower() for w in spec.split("|") if w.strip()]
        if not words:
            raise CodebookError(f"{where}: empty token in pattern")
        return {"_": {"lemma_lower": words[0]}} if len(words) == 1 else {"_": {"lemma_lower": {"IN": words}}}
    if isinstance(spec, dict):
        return spec
    raise CodebookError(f"{where}: a token must be a string or a Matcher dict, got {type(spec).__name__}")


def _pattern(raw: object, where: str) -> tuple[dict, ...]:
    if isinstance(raw, str):
        tokens = [_token_spec(part, where) for part in raw.split()]
    elif isinstance(raw, list) and raw:
        tokens = [_token_spec(part, where) for part in raw]
    else:
        raise CodebookError(f"{where}: a pattern must be a non-empty string or list of tokens")
    if not tokens:
        raise CodebookError(f"{where}: empty pattern")
    return tuple(tokens)


def load_codebook(path: str | Path) -> dict[str, Frame]:
    """Read and check the frame codebook; errors name the file and the frame."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise CodebookError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("frames"), dict):
        raise CodebookError(f"{path}: expected a top-level 'frames:' mapping")
    frames: dict[str, Frame] = {}
    for name, entry in data["frames"].items():
        where = f"{path}: frame '{name}'"
        if not isinstance(entry, dict):
            raise CodebookError(f"{where}: expected a mapping")
        for key in ("dimension", "definition", "patterns"):
            if not entry.get(key):
                raise CodebookError(f"{where}: missing '{key}'")
        patterns = tuple(
            _pattern(raw, f"{where}, pattern {i + 1}") for i, raw in enumerate(entry["patterns"])
        )
        exclude_patterns = tuple(
            _pattern(raw, f"{where}, exclude_pattern {i + 1}")
            for i, raw in enumerate(entry.get("exclude_patterns") or ())
        )
        frames[name] = Frame(
            name=name,
            dimension=str(entry["dimension"]),
            definition=normalise_text(entry["definition"]),
            include=tuple(entry.get("include") or ()),
            exclude=tuple(entry.get("exclude") or ()),
            patterns=patterns,
            exclude_patterns=exclude_patterns,
        )
    return frames


def codebook_table(codebook: dict[str, Frame]) -> pd.DataFrame:
    """The codebook as a table for the notebook (one row per frame)."""
    return pd.DataFrame(
        [
            {
                "frame": f.name,
                "dimension": f.dimension,
                "definition": f.definition,
                "n_patterns": len(f.patterns),
            }
            for f in codebook.values()
        ]
    )


class FrameDetector:
    """Finds frame cues in parsed text with a spaCy ``Matcher`` built from the codebook."""

    def __init__(self, vocab, codebook: dict[str, Frame]):
        self.codebook = codebook
        self.frame_names = tuple(codebook)
        self.matcher = Matcher(vocab)
        self.exclusions = Matcher(vocab)
        for frame in codebook.values():
            try:
                self.matcher.add(frame.name, [list(p) for p in frame.patterns])
                if frame.exclude_patterns:
                    self.exclusions.add(frame.name, [list(p) for p in frame.exclude_patterns])
            except ValueError as exc:  # spaCy's own validation of a token dict
                raise CodebookError(f"frame '{frame.name}': invalid Matcher pattern: {exc}") from exc

    def matches(self, doc: Doc) -> list[tuple[str, int, int]]:
        """Every cue found: (frame, start_char, end_char), sorted; cues inside an exclusion are dropped."""
        excluded: dict[str, list[tuple[int, int]]] = {}
        for match_id, start, end in (self.exclusions(doc) if len(self.exclusions) else ()):
            excluded.setdefault(doc.vocab.strings[match_id], []).append((start, end))
        out = set()
        for match_id, start, end in self.matcher(doc):
            frame = doc.vocab.strings[match_id]
            if any(s <= start and end <= e for s, e in excluded.get(frame, ())):
                continue
            span = doc[start:end]
            out.add((frame, span.start_char, span.end_char))
        return sorted(out, key=lambda m: (m[1], m[2], m[0]))

    def frames_in(self, span: Doc | Span, exclude_spans: Sequence[tuple[int, int]] = ()) -> set[str]:
        """Frames cued inside ``span``; cues that touch an excluded character span do not count."""
        doc = span if isinstance(span, Doc) else span.as_doc()
        offset = 0 if isinstance(span, Doc) else span.start_char
        found = set()
        for frame, start, end in self.matches(doc):
            if not _overlaps(start + offset, end + offset, exclude_spans):
                found.add(frame)
        return found

    def frames_by_span(
        self,
        doc: Doc,
        spans: Sequence[tuple[int, int]],
        exclude_spans: Sequence[tuple[int, int]] = (),
    ) -> list[set[str]]:
        """For each (start_char, end_char) span of ``doc`` (e.g. its sentences), the frames cued in it."""
        matches = [
            m for m in self.matches(doc) if not _overlaps(m[1], m[2], exclude_spans)
        ]
        out: list[set[str]] = []
        for start, end in spans:
            out.append({f for f, s, e in matches if s >= start and e <= end})
        return out


def _overlaps(start: int, end: int, spans: Iterable[tuple[int, int]]) -> bool:
    return any(start < e and s < end for s, e in spans)


def build_frame_detector(nlp, frames_file: str | Path) -> FrameDetector:
    return FrameDetector(nlp.vocab, load_codebook(frames_file))


# --- gold standard and validation -------------------------------------------------


def load_gold(path: str | Path, frame_names: Sequence[str] = FRAME_NAMES) -> pd.DataFrame:
    """Read the hand-coded gold sample; errors name the file and the line.

    Returns columns source_file, text, frames (a sorted tuple), coder_note and,
    split (one of ``GOLD_SPLITS``; 'dev' when the column is absent).
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path}: gold file not found")
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        header = reader.fieldnames or []
        missing = [c for c in GOLD_COLUMNS if c not in header]
        if missing:
            raise CodebookError(f"{path}, line 1: missing column(s) {missing}")
        rows = []
        seen: dict[str, int] = {}
        for row in reader:
            line = reader.line_num
            text = normalise_text(row["text"] or "")
            if not text:
                raise CodebookError(f"{path}, line {line}: empty text")
            if text in seen:
                raise CodebookError(f"{path}, line {line}: duplicate text (first on line {seen[text]})")
            seen[text] = line
            frames = tuple(sorted(f.strip() for f in (row["frames"] or "").split(";") if f.strip()))
            unknown = [f for f in frames if f not in frame_names]
            if unknown:
                raise CodebookError(f"{path}, line {line}: unknown frame(s) {unknown}")
            split = (row.get("split") or "dev").strip()
            if split not in GOLD_SPLITS:
                raise CodebookError(f"{path}, line {line}: split must be one of {GOLD_SPLITS}, got {split!r}")
            rows.append(
                {
                    "source_file": row["source_file"],
                    "text": text,
                    "frames": frames,
                    "coder_note": row["coder_note"] or "",
                    "split": split,
                }
            )
    return pd.DataFrame(rows, columns=["source_file", "text", "frames", "coder_note", "split"])


def detect_gold(
    gold: pd.DataFrame,
    detector: FrameDetector,
    nlp,
    pipeline_sentences: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The detector's frames for each gold sentence, next to the hand coding.

    When ``pipeline_sentences`` (columns ``text`` and ``frames``, the frames the
    pipeline gave each sentence of the corpus) is given, a gold row takes the
    frames of the pipeline sentence with the same whitespace-normalised text
    (``source = 'pipeline'``); rows the pipeline segmented differently are
    parsed on their own (``source = 'parsed_alone'``).
    """
    by_text: dict[str, tuple[str, ...]] = {}
    if pipeline_sentences is not None:
        for text, frames in zip(pipeline_sentences["text"], pipeline_sentences["frames"]):
            by_text.setdefault(normalise_text(text), tuple(sorted(frames)))
    missing = [t for t in gold["text"] if t not in by_text]
    alone = {t: tuple(sorted(detector.frames_in(doc))) for t, doc in zip(missing, nlp.pipe(missing))}
    return gold.assign(
        predicted=[by_text.get(t, alone.get(t)) for t in gold["text"]],
        source=["pipeline" if t in by_text else "parsed_alone" for t in gold["text"]],
    )


def score_frames(coded: pd.DataFrame, frame_names: Sequence[str] = FRAME_NAMES) -> pd.DataFrame:
    """Per-frame precision, recall, F1 (and support) plus a 'macro' row.

    ``coded`` has tuple columns ``frames`` (gold) and ``predicted``. A frame with
    no predictions has precision 0 when it has gold positives (undefined
    precision is scored as 0 so the macro average cannot hide it).
    """
    rows = []
    for frame in frame_names:
        gold = coded["frames"].map(lambda fs: frame in fs)
        pred = coded["predicted"].map(lambda fs: frame in fs)
        tp = int((gold & pred).sum())
        fp = int((~gold & pred).sum())
        fn = int((gold & ~pred).sum())
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        rows.append(
            {"frame": frame, "support": tp + fn, "tp": tp, "fp": fp, "fn": fn,
             "precision": precision, "recall": recall, "f1": f1}
        )
    table = pd.DataFrame(rows)
    macro = {
        "frame": "macro",
        "support": int(table["support"].sum()),
        "tp": int(table["tp"].sum()),
        "fp": int(table["fp"].sum()),
        "fn": int(table["fn"].sum()),
        "precision": float(table["precision"].mean()),
        "recall": float(table["recall"].mean()),
        "f1": float(table["f1"].mean()),
    }
    return pd.concat([table, pd.DataFrame([macro])], ignore_index=True)


def validation_table(coded: pd.DataFrame, frame_names: Sequence[str] = FRAME_NAMES) -> pd.DataFrame:
    """Scores per split, on the tuning rows (dev + heldout) and on all rows, stacked with a ``subset`` column."""
    parts = []
    tuning = coded[coded["split"].isin(["dev", "heldout"])]
    subsets = [(s, coded[coded["split"] == s]) for s in GOLD_SPLITS] + [("tuning", tuning), ("all", coded)]
    for subset, rows in subsets:
        if len(rows):
            parts.append(score_frames(rows, frame_names).assign(subset=subset, n_sentences=len(rows)))
    out = pd.concat(parts, ignore_index=True)
    return out[["subset", "n_sentences", "frame", "support", "tp", "fp", "fn", "precision", "recall", "f1"]]


def validation_errors(coded: pd.DataFrame) -> pd.DataFrame:
    """One row per disagreement: the frame, 'missed' (false negative) or 'false_alarm', and the sentence."""
    rows = []
    for rec in coded.itertuples(index=False):
        gold, pred = set(rec.frames), set(rec.predicted)
        for frame in sorted(gold - pred):
            rows.append({"split": rec.split, "frame": frame, "error": "missed", "text": rec.text, "coder_note": rec.coder_note})
        for frame in sorted(pred - gold):
            rows.append({"split": rec.split, "frame": frame, "error": "false_alarm", "text": rec.text, "coder_note": rec.coder_note})
    out = pd.DataFrame(rows, columns=["split", "frame", "error", "text", "coder_note"])
    return out.sort_values(["frame", "error", "split", "text"], kind="mergesort").reset_index(drop=True)
