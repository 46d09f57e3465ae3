"""Cleaning whole synthetic pages: furniture, repetition, artefacts, bylines, aggregators."""

from __future__ import annotations

from pathlib import Path

from helpers.clean import CleanResult, clean_corpus


def clean_pages(tmp_path: Path, pages: dict[str, str]) -> CleanResult:
    raw = tmp_path / "raw"
    raw.mkdir(exist_ok=True)
    for name, text in pages.items():
        (raw / name).write_text(text, encoding="utf-8")
    return clean_corpus(raw)


def removed(result: CleanResult) -> list[tuple[str, str]]:
    return [(r.text, r.reason) for r in result.removed.itertuples()]


def only_article(result: CleanResult) -> dict:
    assert len(result.articles) == 1
    return result.articles.iloc[0].to_dict()


def test_sidebar_list_heading_and_items_are_removed(tmp_path):
    page = (
        "The group lost its patron in Iraq after the war of 2003. It now lives in Albania.\n\n"
        "Most viewed\n\n"
        "Some Other Story About Iran\n\n"
        "An excerpt of another story that runs on and on about the regime and its...\n\n"
        "Another Headline Here\n\n"
        "Short excerpt without an ellipsis about Albania.\n"
    )
    result = clean_pages(tmp_path, {"page.txt": page})
    art = only_article(result)
    assert art["text"] == "The group lost its patron in Iraq after the war of 2003. It now lives in Albania."
    assert art["title"] is None or art["title"] != art["title"]  # null: the page has no headline
    assert removed(result) == [
        ("Most viewed", "sidebar_heading"),
        ("Some Other Story About Iran", "sidebar_item"),
        ("An excerpt of another story that runs on and on about the regime and its...", "sidebar_item"),
        ("Another Headline Here", "sidebar_item"),
        ("Short excerpt without an ellipsis about Albania.", "sidebar_item"),
    ]


def test_lede_repeat_dateline_and_bio(tmp_path):
    page = (
        "TEHRAN - The council decided to expel the group from the country last week.\n"
        "TEHRAN - The council decided to expel the group from the country last week. "
        "The decision was welcomed in Tehran by officials of every stripe. "
        "Jane Roe is a senior fellow at the Example Institute.\n"
    )
    result = clean_pages(tmp_path, {"page.txt": page})
    art = only_article(result)
    assert art["text"] == (
        "The council decided to expel the group from the country last week. "
        "The decision was welcomed in Tehran by officials of every stripe."
    )
    assert (art["author"], art["author_source"]) == ("Jane Roe", "bio")
    assert art["outlet"] is None or art["outlet"] != art["outlet"]
    assert removed(result) == [
        ("TEHRAN - The council decided to expel the group from the country last week.", "duplicate"),
        ("TEHRAN -", "dateline"),
        ("Jane Roe is a senior fellow at the Example Institute.", "author_bio"),
    ]


def test_sentence_broken_over_lines_by_a_lost_link_is_one_paragraph(tmp_path):
    page = (
        "Title Of The Piece\n\n"
        "Thanks to the invasion, Iran now enjoys\nloads of influence\nin Iraq, as this episode shows.\n"
    )
    art = only_article(clean_pages(tmp_path, {"page.txt": page}))
    assert art["title"] == "Title Of The Piece"
    assert art["text"] == "Thanks to the invasion, Iran now enjoys loads of influence in Iraq, as this episode shows."


def test_image_name_caption_and_glued_words(tmp_path):
    page = (
        "mujahedin_e_khalq.jpgYesterday, the government announced its plan to expel the group.\n\n"
        "The group can be re-armed atTerrorists being rearmed - a threat to all some point and sent back. "
        "The HillThe Federalist also published him.\n"
    )
    result = clean_pages(tmp_path, {"page.txt": page})
    art = only_article(result)
    assert art["text"] == (
        "Yesterday, the government announced its plan to expel the group.\n\n"
        "The group can be re-armed at some point and sent back. The Hill The Federalist also published him."
    )
    assert removed(result) == [
        ("mujahedin_e_khalq.jpg", "image_filename"),
        ("Terrorists being rearmed - a threat to all", "caption"),
    ]


def test_quoted_or_cited_people_are_not_authors(tmp_path):
    page = (
        "The group is a cult, according to Michael Rubin, a resident scholar at AEI. "
        '"It fools journalists," Rubin said. Iran Interlink contends that the group is funded from abroad.\n'
    )
    art = only_article(clean_pages(tmp_path, {"page.txt": page}))
    assert art["author"] is None or art["author"] != art["author"]
    assert art["author_source"] is None or art["author_source"] != art["author_source"]


def test_inline_link_titles_go_and_question_subheadings_stay(tmp_path):
    page = (
        "The first paragraph explains the whole background of the story at length.\n\n"
        "MEK Deported From Iraq To Albania 4 Years Ago\n\n"
        "What kind of democracy does the MEK believe in?\n\n"
        "The last paragraph closes the argument with a warning.\n"
    )
    result = clean_pages(tmp_path, {"page.txt": page})
    assert only_article(result)["text"] == (
        "The first paragraph explains the whole background of the story at length.\n\n"
        "What kind of democracy does the MEK believe in?\n\n"
        "The last paragraph closes the argument with a warning."
    )
    assert removed(result) == [("MEK Deported From Iraq To Albania 4 Years Ago", "inline_title")]


def test_breadcrumb_title_closing_byline_and_trailing_furniture(tmp_path):
    page = (
        "Home \u00bb Opinion \u00bb Questions over policy\n\n"
        "Questions over policy\n\n"
        "The body of the piece asks many questions about the policy.\n\n"
        "By Jane Roe \u2013 Example Site \u2013 May 11, 2008\n\n"
        "You may also like\n\n"
        "Leave a Comment\n"
    )
    result = clean_pages(tmp_path, {"page.txt": page})
    art = only_article(result)
    assert art["title"] == "Questions over policy"
    assert art["text"] == "The body of the piece asks many questions about the policy."
    assert {k: art[k] for k in ("author", "author_source", "outlet", "outlet_source", "published", "published_source")} == {
        "author": "Jane Roe", "author_source": "byline",
        "outlet": "Example Site", "outlet_source": "byline",
        "published": "2008-05-11", "published_source": "byline",
    }
    assert [reason for _, reason in removed(result)] == ["breadcrumb", "title", "byline", "sidebar_heading", "furniture"]


AGGREGATOR = """First Story Title

First Story TitleJane Roe, The Example Times, March 3 2019:\u2026 The group lost its patron in 2003. It moved to Albania later on.

Related Headline Glued Here

First Story Title

The group lost its patron in 2003.

It moved to Albania later on.

Jane Roe is a columnist for The Example Times.

Link to the source

First Story Title

***

Also read:
https://example.org/second-story/

Second Story Title

Second Story TitleJohn Smith, Other Outlet, April 5 2020:\u2026 Officials met in Paris to discuss the matter. Nobody agreed on anything at all.

Second Story Title

by John Smith Posted on April 4, 2020

Officials met in Paris to discuss the matter. Nobody agreed on anything at all.

Then they went home without a statement.

Link to the source

Second Story Title

***
"""


def test_aggregator_page_becomes_one_row_per_article(tmp_path):
    result = clean_pages(tmp_path, {"agg.txt": AGGREGATOR})
    rows = result.articles[
        ["part", "title", "author", "author_source", "outlet", "outlet_source", "published", "published_source", "text"]
    ].to_dict("records")
    assert rows == [
        {
            "part": 0, "title": "First Story Title",
            "author": "Jane Roe", "author_source": "teaser_byline",
            "outlet": "The Example Times", "outlet_source": "teaser_byline",
            "published": "2019-03-03", "published_source": "teaser_byline",
            "text": "The group lost its patron in 2003.\n\nIt moved to Albania later on.",
        },
        {
            "part": 1, "title": "Second Story Title",
            "author": "John Smith", "author_source": "byline",
            "outlet": "Other Outlet", "outlet_source": "teaser_byline",
            # the article's own byline date wins over the aggregator's teaser date
            "published": "2020-04-04", "published_source": "byline",
            "text": "Officials met in Paris to discuss the matter. Nobody agreed on anything at all.\n\n"
                    "Then they went home without a statement.",
        },
    ]
    reasons = removed(result)
    assert ("Jane Roe, The Example Times, March 3 2019:\u2026", "teaser_byline") in reasons
    assert ("The group lost its patron in 2003. It moved to Albania later on.", "duplicate") in reasons
    assert ("Related Headline Glued Here", "inline_title") in reasons
    assert ("Jane Roe is a columnist for The Example Times.", "author_bio") in reasons
    assert ("https://example.org/second-story/", "url") in reasons
    assert ("by John Smith Posted on April 4, 2020", "byline") in reasons
    # three copies of each title before the end marker; the copy after it goes with the rest
    assert sum(1 for _, r in reasons if r in ("title", "title_repeat")) == 6
    assert [t for t, r in reasons if r == "after_article_end"] == ["First Story Title", "Second Story Title"]


def test_text_copied_from_another_page_is_kept_once(tmp_path):
    result = clean_pages(tmp_path, {
        "a.txt": "Alpha paragraph one has many words in it today. Alpha paragraph two also has many words in it.\n",
        "b.txt": "Alpha paragraph two also has many words in it.\n\nBeta has its own sentence here, with enough words.\n",
    })
    texts = dict(zip(result.articles["source_file"], result.articles["text"]))
    assert texts == {
        "a.txt": "Alpha paragraph one has many words in it today. Alpha paragraph two also has many words in it.",
        "b.txt": "Beta has its own sentence here, with enough words.",
    }
    assert removed(result) == [("Alpha paragraph two also has many words in it.", "duplicate")]


def test_a_dek_quoting_part_of_a_body_sentence_is_removed(tmp_path):
    page = (
        "The group's tendency to cry wolf hinders the real fight against the regime.\n\n"
        "It was wrong before. Everyone knows that the group's tendency to cry wolf hinders "
        "the real fight against the regime, and the regime knows it too.\n"
    )
    result = clean_pages(tmp_path, {"page.txt": page})
    assert only_article(result)["text"] == (
        "It was wrong before. Everyone knows that the group's tendency to cry wolf hinders "
        "the real fight against the regime, and the regime knows it too."
    )
    assert [r for _, r in removed(result)] == ["duplicate"]


def test_a_first_line_that_starts_the_body_is_a_lede_not_a_title(tmp_path):
    page = (
        "The decision by the council to expel the group\n\n"
        "The decision by the council to expel the group was long overdue. Tehran welcomed it.\n"
    )
    result = clean_pages(tmp_path, {"page.txt": page})
    art = only_article(result)
    assert art["title"] is None or art["title"] != art["title"]
    assert art["text"] == "The decision by the council to expel the group was long overdue. Tehran welcomed it."
    assert removed(result) == [("The decision by the council to expel the group", "duplicate")]


def test_a_list_ends_at_a_paragraph_of_several_sentences(tmp_path):
    page = (
        "Related\n\n"
        "Another Story Title\n\n"
        "The real article starts here. It has two sentences at least.\n\n"
        "And one more short one.\n"
    )
    result = clean_pages(tmp_path, {"page.txt": page})
    assert only_article(result)["text"] == (
        "The real article starts here. It has two sentences at least.\n\nAnd one more short one."
    )
    assert removed(result) == [("Related", "sidebar_heading"), ("Another Story Title", "sidebar_item")]


def test_a_sentence_repeated_inside_one_paragraph_is_kept_once(tmp_path):
    page = "The camp near Tirana is guarded day and night. It is far. The camp near Tirana is guarded day and night.\n"
    result = clean_pages(tmp_path, {"page.txt": page})
    assert only_article(result)["text"] == "The camp near Tirana is guarded day and night. It is far."
    assert removed(result) == [("The camp near Tirana is guarded day and night.", "duplicate")]


def test_an_end_marker_before_any_text_ends_nothing(tmp_path):
    page = "Link to the source\n\nThe article itself follows the marker and says something.\n"
    result = clean_pages(tmp_path, {"page.txt": page})
    assert only_article(result)["text"] == "The article itself follows the marker and says something."
    assert removed(result) == [("Link to the source", "source_link")]
