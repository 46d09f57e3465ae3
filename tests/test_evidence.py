"""The evidence table reproduces every count of the framing tables; passages are shown safely."""

from __future__ import annotations

import pandas as pd
import pytest

from helpers import evidence as E
from helpers import framing, schema
from helpers.io import read_table
from helpers.paths import DEFAULT_RAW_DIR, PROJ_ROOT, run_paths


def _counts(rows: pd.DataFrame) -> dict:
    return {k: int(v) for k, v in rows.groupby(["author", "category"]).size().items()}


def _nonzero(table: pd.DataFrame, column: str, count: str) -> dict:
    t = table[table[count] > 0]
    return {(a, c): int(n) for a, c, n in zip(t["author"], t[column], t[count])}


def assert_evidence_reproduces(evidence: pd.DataFrame, frames: pd.DataFrame, naming: pd.DataFrame,
                               labels: pd.DataFrame) -> None:
    for voice in ("all", "own"):
        rows = evidence[evidence[f"in_{voice}"]]
        for scope in ("all_sentences", "target_sentences"):
            f = rows[rows["kind"] == "frame"]
            if scope == "target_sentences":
                f = f[f[f"target_{voice}"]]
            expected = _nonzero(frames[(frames["voice"] == voice) & (frames["scope"] == scope)], "frame", "n_sentences")
            assert _counts(f) == expected, f"frames, voice {voice}, {scope}"
        assert _counts(rows[rows["kind"] == "naming"]) == _nonzero(naming[naming["voice"] == voice], "alias_class",
                                                                   "n_mentions"), f"naming, voice {voice}"
        assert _counts(rows[rows["kind"] == "label"]) == _nonzero(labels[labels["voice"] == voice], "label_class",
                                                                  "n_labels"), f"labels, voice {voice}"


def test_the_committed_evidence_reproduces_the_committed_tables():
    processed = PROJ_ROOT / "data" / "processed"
    evidence = read_table(processed / "evidence.parquet", schema.EVIDENCE)
    assert set(evidence["kind"]) == {"frame", "naming", "label", "stance", "quote"}
    assert_evidence_reproduces(evidence, read_table(processed / "framing_frames.csv"),
                               read_table(processed / "framing_naming.csv"), read_table(processed / "framing_labels.csv"))


@pytest.fixture(scope="module")
def seed_run():
    paths = run_paths(DEFAULT_RAW_DIR, PROJ_ROOT)
    return framing.run_framing(paths, n_boot=20, write=False)


def test_fresh_evidence_reproduces_every_count(seed_run):
    assert_evidence_reproduces(seed_run.evidence, seed_run.frames, seed_run.naming, seed_run.labels)
    frames = seed_run.evidence[seed_run.evidence["kind"] == "frame"]
    assert set(frames["detector"]) <= {"rules", "model", "both"}
    by_rules = frames[frames["detector"] != "model"]
    assert (by_rules["cue"].str.len() > 0).all()  # a rule's evidence names its cue words
    articles = pd.read_parquet(PROJ_ROOT / "data" / "processed" / "articles.parquet", columns=["article_id", "text"])
    text = dict(zip(articles["article_id"], articles["text"]))
    naming = seed_run.evidence[seed_run.evidence["kind"] == "naming"]
    for r in naming.head(20).itertuples():  # offsets point into articles.text: the cue is the mention
        s, e = map(int, r.cue_spans.split("-"))
        assert text[r.article_id][s:e] == r.cue and r.start_char <= s < e <= r.end_char


def test_evidence_call_returns_the_rows_with_their_passages(seed_run):
    rows = E.evidence(seed_run, author="Michael Rubin", frame="intelligence_credibility", n=3, show=False)
    full = E.select(seed_run.evidence, "Michael Rubin", "frame", "intelligence_credibility", "own")
    assert len(rows) == min(3, len(full)) and len(full) > 3
    assert rows["passage"].str.len().gt(20).all() and (rows["category"] == "intelligence_credibility").all()
    again = E.evidence(seed_run, author="Michael Rubin", frame="intelligence_credibility", n=3, show=False)
    pd.testing.assert_frame_equal(rows, again)  # a seeded sample
    with pytest.raises(ValueError, match=r"no evidence for author 'Nobody'; known authors: \["):
        E.evidence(seed_run, author="Nobody", frame="cult_abuse", show=False)


def test_passages_escape_scraped_markup_and_mark_cues_and_quotations():
    text = 'The MEK <img src=x onerror=alert(1)> said "we are <b>free</b>" today.'
    html = E.passage_html(text, 0, len(text), "4-7")
    assert "<img" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "<b>MEK</b>" in html and "&lt;b&gt;free&lt;/b&gt;" in html
    assert html.count("<i>") >= 1  # the quotation is marked


def test_sample_rows_is_bounded_seeded_and_in_order():
    rows = pd.DataFrame({"x": range(100)})
    a, b = E.sample_rows(rows, 7, seed=1), E.sample_rows(rows, 7, seed=1)
    assert len(a) == 7 and a.equals(b) and a["x"].is_monotonic_increasing
    assert len(E.sample_rows(rows.head(3), 7)) == 3


def test_report_evidence_pages_are_bounded_and_give_the_full_counts(tmp_path):
    import re

    from markupsafe import escape

    from helpers import evidence_report, report

    paths = run_paths(DEFAULT_RAW_DIR, PROJ_ROOT)
    written = {}
    pages = evidence_report.build_pages(paths, tmp_path, report.CSP, report.sanitize_output_html,
                                        lambda path, text: written.__setitem__(path.name, text), per_category=2)
    table = read_table(paths.processed_dir / "evidence.parquet", schema.EVIDENCE)
    assert [p.author for p in pages] == sorted(table["author"].unique())
    page = next(p for p in pages if p.author == "Michael Rubin")
    html = written[page.href]
    assert str(escape(report.CSP)) in html and "<script" not in html
    sections = re.findall(r'<h3 id="([^"]+)">.*?(\d+) passage\(s\).*?</h3>\s*<ol class="passages">(.*?)</ol>', html, re.S)
    rubin = table[table["author"] == "Michael Rubin"]
    assert len(sections) == rubin.groupby(["kind", "category"]).ngroups
    for anchor_id, total, items in sections:
        assert items.count("<li>") == min(2, int(total))
    frames = rubin[rubin["kind"] == "frame"].groupby("category").size()
    shown = {a.split("frame-", 1)[1]: int(t) for a, t, _ in sections if a.startswith("frame-")}
    assert shown == {evidence_report.anchor(c): n for c, n in frames.items()}
