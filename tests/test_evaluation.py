"""The cleaning measured against hand-made gold (helpers.evaluate, data/evaluation/).

* The scorer on small literal inputs: pairing articles, author precision and recall (a page
  that names no writer must give null), traps, furniture, body words, mentions.
* A malformed gold file is an error naming the entry and the key.
* ``e2e``: the whole study (all four notebooks) runs on the 60 synthetic development pages, and
  the run's tables meet every target of ``evaluate.TARGETS`` (a regression in any field fails).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from helpers import evaluate as E
from helpers.paths import PROJ_ROOT


def _run(articles: list[dict], entities: list[tuple] | None = None, rejected: tuple[str, ...] = ()) -> E.RunTables:
    arts = pd.DataFrame(articles)
    for col in ("title", "author", "outlet", "published"):
        if col not in arts:
            arts[col] = None
    files = sorted(set(arts["source_file"]) | set(rejected))
    manifest = pd.DataFrame({"source_file": files, "status": ["rejected" if f in rejected else "ok" for f in files]})
    ents = None if entities is None else pd.DataFrame(entities, columns=["article_id", "start_char", "end_char", "canonical_id"])
    return E.RunTables(arts, manifest, ents)


GOLD = [
    {
        "file": "a.txt", "kind": "news",
        "articles": [{"title": "A \u2018quiet\u2019 headline", "author": "Jane Roe", "outlet": "The Daily Example",
                      "published": "2020-01-02", "paragraphs": ["The MEK met in Paris.", "Nobody came."]}],
        "furniture": ["Share this", "Read more"],
        "traps": ["John Quoted"],
        "target_mentions": ["MEK"],
    },
    {
        "file": "b.txt", "kind": "wire",
        "articles": [{"title": None, "author": None, "outlet": None, "published": None,
                      "paragraphs": ["Officials said nothing about the PMOI."]}],
        "furniture": [],
        "traps": [],
        "target_mentions": ["PMOI"],
    },
]


def _scores(run: E.RunTables) -> dict[str, float]:
    scores, _, _ = E.score(E.load_gold_data(GOLD), run)
    return dict(zip(scores["measure"], scores["value"]))


def test_a_perfect_run_meets_every_measure():
    run = _run([
        {"article_id": "a0", "source_file": "a.txt", "part": 0, "title": "A 'QUIET' headline", "author": "Jane Roe",
         "outlet": "the daily example", "published": "2020-01-02", "text": "The MEK met in Paris.\n\nNobody came."},
        {"article_id": "b0", "source_file": "b.txt", "part": 0, "text": "Officials said nothing about the PMOI."},
    ], entities=[("a0", 4, 7, "MEK"), ("b0", 33, 37, "MEK")])
    s = _scores(run)
    assert s["articles_per_page"] == 1.0 and s["title"] == 1.0 and s["outlet"] == 1.0 and s["date"] == 1.0
    assert s["author_precision"] == 1.0 and s["author_recall"] == 1.0
    assert s["body_words_kept"] == 1.0 and s["furniture_in_articles"] == 0.0 and s["trap_authors"] == 0.0
    assert s["target_mentions_found"] == 1.0


def test_wrong_authors_traps_furniture_lost_words_and_missed_mentions_are_counted():
    run = _run([
        # the author in capitals is a different spelling: wrong (one writer, one name)
        {"article_id": "a0", "source_file": "a.txt", "part": 0, "title": "Another headline", "author": "JANE ROE",
         "published": "2020-01-03", "text": "The MEK met in Paris.\n\nShare this"},
        # a page that names no writer must give null: a quoted person as author is a false author and a trap
        {"article_id": "b0", "source_file": "b.txt", "part": 0, "author": "John Quoted",
         "text": "Officials said nothing."},
    ], entities=[("b0", 0, 9, "MEK")])
    s = _scores(run)
    assert s["title"] == 0.5  # b's null title is right, a's is wrong
    assert s["author_precision"] == 0.0  # two authors given, none right
    assert s["author_recall"] == 0.0  # one author to find, not found
    assert s["trap_authors"] == 0.0  # "John Quoted" is a trap on a.txt, not on b.txt
    assert s["furniture_in_articles"] == 0.5  # "Share this" leaked, "Read more" did not
    assert s["body_words_kept"] == pytest.approx(8 / 13)  # "nobody came", "about the pmoi" lost
    assert s["target_mentions_found"] == 0.0  # "MEK" has no entity; "PMOI" was lost with its text


def test_a_trap_taken_as_author_is_counted():
    run = _run([
        {"article_id": "a0", "source_file": "a.txt", "part": 0, "author": "John Quoted", "text": "The MEK met in Paris. Nobody came."},
        {"article_id": "b0", "source_file": "b.txt", "part": 0, "text": "Officials said nothing about the PMOI."},
    ])
    _, _, failures = E.score(E.load_gold_data(GOLD), run)
    assert _scores(run)["trap_authors"] == 1.0
    assert "trap_author" in set(failures["field"])


def test_articles_are_paired_by_text_not_by_order():
    gold = [{"file": "c.txt", "articles": [
        {"title": "First", "author": "Ann One", "outlet": None, "published": None, "paragraphs": ["alpha beta gamma delta"]},
        {"title": "Second", "author": "Bob Two", "outlet": None, "published": None, "paragraphs": ["epsilon zeta eta theta"]},
    ]}]
    run = _run([
        {"article_id": "c0", "source_file": "c.txt", "part": 0, "title": "Second", "author": "Bob Two", "text": "epsilon zeta eta theta"},
        {"article_id": "c1", "source_file": "c.txt", "part": 1, "title": "First", "author": "Ann One", "text": "alpha beta gamma delta"},
    ])
    scores, _, _ = E.score(E.load_gold_data(gold), run)
    assert dict(zip(scores["measure"], scores["value"]))["title"] == 1.0


def test_a_missing_or_rejected_page_scores_zero_and_is_listed():
    run = _run([{"article_id": "b0", "source_file": "b.txt", "part": 0, "text": "Officials said nothing about the PMOI."}],
               rejected=("a.txt",))
    scores, by_kind, failures = E.score(E.load_gold_data(GOLD), run)
    s = dict(zip(scores["measure"], scores["value"]))
    assert s["articles_per_page"] == 0.5
    assert ("a.txt", "page", "rejected") in set(zip(failures["source_file"], failures["field"], failures["found"]))
    assert set(by_kind["kind"]) == {"news", "wire"}


@pytest.mark.parametrize(
    "gold, message",
    [
        ({"pages": []}, "expected a JSON list of pages"),
        ([{"file": "a.txt"}], "page 0: a page needs the keys"),
        ([{"file": "a.txt", "articles": [{"title": "T"}]}], "page 0 (a.txt), article 0: missing key(s)"),
        ([{"file": "a.txt", "articles": [{"title": "T", "author": None, "outlet": None, "published": "2 May 2020",
                                          "paragraphs": []}]}], "published must be YYYY-MM-DD or null"),
        ([{"file": "a.txt", "articles": []}, {"file": "a.txt", "articles": []}], "page 1: file 'a.txt' appears twice"),
    ],
)
def test_a_malformed_gold_file_names_the_entry(tmp_path, gold, message):
    path = tmp_path / "gold.json"
    path.write_text(json.dumps(gold), encoding="utf-8")
    with pytest.raises(E.GoldError, match=message.replace("(", r"\(").replace(")", r"\)")) as info:
        E.load_gold(path)
    assert str(path) in str(info.value)


def test_the_command_reports_a_bad_gold_file_without_a_traceback(tmp_path):
    bad = tmp_path / "gold.json"
    bad.write_text("not json", encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "helpers.evaluate", "--gold", str(bad), "--out-dir", str(tmp_path)],
                          capture_output=True, text=True, cwd=PROJ_ROOT)
    assert proc.returncode == 1
    assert proc.stderr.startswith(f"error: {bad}: cannot read gold file")


# --- the development corpus, end to end ---------------------------------------------------------------


@pytest.fixture(scope="module")
def dev_run(tmp_path_factory) -> Path:
    """The whole study (all four notebooks, papermill) run on the 60 development pages."""
    out = tmp_path_factory.mktemp("dev-run")
    proc = subprocess.run(
        [sys.executable, "-m", "helpers.pipeline", "--raw-dir", str(E.DEFAULT_PAGES), "--out-dir", str(out)],
        capture_output=True, text=True, cwd=PROJ_ROOT,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return out


@pytest.mark.e2e
def test_the_whole_study_runs_on_the_development_pages(dev_run):
    for name in ("01-clean", "02-entities", "03-framing", "04-charts"):
        assert (dev_run / "reports" / "notebooks" / f"{name}.ipynb").is_file()
    processed = dev_run / "data" / "processed"
    articles = pd.read_parquet(processed / "articles.parquet")
    manifest = pd.read_csv(processed / "raw_manifest.csv")
    assert (manifest.loc[manifest["role"] == "page", "status"] == "ok").all()
    assert len(articles) == sum(len(p["articles"]) for p in E.load_gold(E.DEFAULT_GOLD))
    assert len(pd.read_csv(processed / "framing_frames.csv")) > 0
    assert any((dev_run / "reports" / "figures").glob("*.png"))


def test_the_second_development_pages_meet_every_cleaning_target(tmp_path):
    """The 24 pages in other layouts (data/evaluation/round2/), cleaning only (no notebooks)."""
    round2 = E.DEFAULT_GOLD.parent / "round2"
    scores, _, failures = E.evaluate(round2 / "gold.json", tmp_path, round2 / "pages", entities=False)
    scored = scores[scores["measure"] != "target_mentions_found"]
    missed = scored[~scored["met"]]
    assert missed.empty, "cleaning targets missed on round 2:\n" + missed.to_string() + "\n" + failures.to_string()


# Rounds 3 and 4 were scored once unseen and then used for development; they do not meet the
# targets (README, "Measuring the cleaning"). Held to the scores they have now, so that a rule
# change that loses ground on layouts beyond the first 60 pages fails here.
LATER_ROUND_FLOORS = {
    "round3": {"articles_per_page": 0.95, "title": 0.91, "author_precision": 1.0, "author_recall": 1.0,
               "date": 0.91, "outlet": 0.75, "body_words_kept": 0.999, "trap_authors": 0},
    "round4": {"articles_per_page": 1.0, "title": 0.68, "author_precision": 1.0, "author_recall": 0.63,
               "date": 0.81, "outlet": 0.68, "body_words_kept": 0.978, "trap_authors": 0},
}
LATER_ROUND_FURNITURE_CEILING = {"round3": 0.042, "round4": 0.029}


@pytest.mark.parametrize("round_name", sorted(LATER_ROUND_FLOORS))
def test_later_development_rounds_keep_their_scores(round_name, tmp_path):
    folder = E.DEFAULT_GOLD.parent / round_name
    scores, _, _ = E.evaluate(folder / "gold.json", tmp_path, folder / "pages", entities=False)
    value = dict(zip(scores["measure"], scores["value"]))
    lost = {m: (value[m], floor) for m, floor in LATER_ROUND_FLOORS[round_name].items()
            if (value[m] > floor if m == "trap_authors" else value[m] < floor - 1e-9)}
    assert not lost, f"{round_name}: measures fell below their recorded level (value, floor): {lost}"
    assert value["furniture_in_articles"] <= LATER_ROUND_FURNITURE_CEILING[round_name] + 1e-9


@pytest.mark.e2e
def test_the_development_pages_meet_every_target(dev_run):
    scores, by_kind, _ = E.score(E.load_gold(E.DEFAULT_GOLD), E.read_run(dev_run))
    missed = scores[~scores["met"]]
    assert missed.empty, "targets missed on the development corpus:\n" + missed.to_string()
    assert set(scores["measure"]) == set(E.TARGETS)
    assert len(by_kind) == len({p["kind"] for p in E.load_gold(E.DEFAULT_GOLD)})
