"""Figures: fixed colours per author, byte-stable files, and the CSV holds what the figure shows."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
import pytest

from helpers import charts


def test_author_order_and_palette_are_fixed_and_colour_blind_safe():
    authors = ["Michael Rubin", None, "Dalia Al-Aqidi", "Daniel Larison", "Michael Rubin"]
    assert charts.author_order(authors) == ["Dalia Al-Aqidi", "Daniel Larison", "Michael Rubin", "unattributed"]
    palette = charts.author_palette(authors)
    assert palette == {
        "Dalia Al-Aqidi": charts.OKABE_ITO[0],
        "Daniel Larison": charts.OKABE_ITO[1],
        "Michael Rubin": charts.OKABE_ITO[2],
        "unattributed": charts.GREY,
    }
    # the same corpus in another order gives the same colours
    assert charts.author_palette(list(reversed(authors))) == palette


def test_small_sample_note():
    assert charts.small_n_note(12) == " (n = 12: small sample, read with care)"
    assert charts.small_n_note(30) == " (n = 30)"


def _figure():
    charts.apply_style()
    fig, ax = plt.subplots(figsize=(3, 2))
    ax.bar(["a", "b"], [1, 2])
    ax.set_title("t")
    return fig


@pytest.mark.parametrize("fmt", ["png", "svg"])
def test_saved_figures_are_byte_stable(tmp_path, fmt):
    data = pd.DataFrame({"x": ["a", "b"], "y": [1, 2]})
    first = charts.save_figure(_figure(), data, "demo", tmp_path / "one", formats=[fmt])
    second = charts.save_figure(_figure(), data, "demo", tmp_path / "two", formats=[fmt])
    for a, b in zip(first.files, second.files):
        assert a.read_bytes() == b.read_bytes(), a.name
    if fmt == "svg":
        text = first.files[0].read_text()
        assert "<dc:date>" not in text
    assert (tmp_path / "one" / "demo.csv").read_text() == "x,y\na,1\nb,2\n"
    plt.close("all")


def test_naming_shares_shows_exactly_its_data():
    naming = pd.DataFrame({
        "author": ["A B", "A B", "C D", "C D"],
        "voice": ["all"] * 4,
        "alias_class": ["acronym_mek", "acronym_mko", "acronym_mek", "acronym_mko"],
        "n_mentions": [3, 1, 0, 2],
        "n_target_mentions": [4, 4, 2, 2],
        "share": [0.75, 0.25, 0.0, 1.0],
        "ci_low": [0.5, 0.0, 0.0, 1.0],
        "ci_high": [1.0, 0.5, 0.0, 1.0],
    })
    fig, data = charts.naming_shares(naming, ["A B", "C D"])
    assert data["share"].tolist() == [0.75, 0.25, 0.0, 1.0]
    widths = sorted(round(p.get_width(), 2) for p in fig.axes[0].patches)
    assert widths == [0.0, 0.25, 0.75, 1.0]
    plt.close(fig)


def test_cooccurrence_counts_sentences_once_per_pair():
    entities = pd.DataFrame({
        "article_id": ["a1"] * 5,
        "sent_id": [0, 0, 0, 1, 1],
        "canonical_id": ["MEK", "IRAN", "MEK", "MEK", "IRAQ"],
    })
    articles = pd.DataFrame({"article_id": ["a1"], "author": ["A B"]})
    fig, data = charts.cooccurrence(entities, articles, ["A B"], top_n=3)
    assert data.to_dict("records") == [
        {"author": "A B", "actor_a": "IRAN", "actor_b": "MEK", "n_sentences": 1},
        {"author": "A B", "actor_a": "IRAQ", "actor_b": "MEK", "n_sentences": 1},
    ]
    plt.close(fig)


def test_timeline_lists_undated_articles():
    articles = pd.DataFrame({
        "article_id": ["a", "b"], "author": ["A B", None], "title": ["T1", None],
        "source_file": ["x.txt", "y.txt"], "published": ["2021-07-14", None],
    })
    fig, dated, undated = charts.timeline(articles, charts.author_palette(articles["author"]))
    assert dated["published"].tolist() == ["2021-07-14"]
    assert undated["article_id"].tolist() == ["b"] and undated["author"].tolist() == ["unattributed"]
    plt.close(fig)
