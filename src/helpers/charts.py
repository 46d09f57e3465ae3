"""Figures of the study: one function per figure, one colour per author.

In: the framing tables in ``data/processed/`` (written by 03-framing) and
``articles.parquet``.
Out: ``reports/figures/<slug>.png`` and ``.svg`` (byte-stable: no timestamps,
fixed SVG ids) and ``<slug>.csv`` holding exactly the data the figure shows.
Used by: ``notebooks/04-charts.ipynb``.

Colours come from the Okabe–Ito palette (colour-blind safe) and are assigned
to authors in a fixed order from the whole corpus, so an author has the same
colour in every figure; "unattributed" is always grey.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

import matplotlib

matplotlib.use("Agg")  # headless and deterministic; notebooks still show the figures inline

import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from .io import atomic_path, write_csv  # noqa: E402
from .schema import UNATTRIBUTED  # noqa: E402

# Okabe & Ito (2008), "Color Universal Design": distinguishable with the common colour-vision deficiencies.
OKABE_ITO = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#D55E00", "#56B4E9", "#F0E442", "#000000")
GREY = "#999999"

STYLE = {
    "svg.hashsalt": "mek-framing",  # stable element ids in SVG output
    "svg.fonttype": "path",  # no dependence on the reader's fonts
    "figure.dpi": 100,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.titlesize": 12,
    "axes.titleweight": "bold",
    "axes.labelsize": 10,
    "font.family": "DejaVu Sans",
}


def apply_style() -> None:
    plt.rcParams.update(STYLE)


def author_order(authors: Iterable[str | None]) -> list[str]:
    """Named authors alphabetically by surname-ish last token, then 'unattributed'."""
    names = {a if isinstance(a, str) and a else UNATTRIBUTED for a in authors}
    named = sorted(names - {UNATTRIBUTED}, key=lambda n: (n.split()[-1].lower(), n.lower()))
    return named + ([UNATTRIBUTED] if UNATTRIBUTED in names else [])


def author_palette(authors: Iterable[str | None]) -> dict[str, str]:
    """A colour per author, fixed for the whole corpus (cycles only past eight named authors)."""
    order = author_order(authors)
    palette = {}
    for i, name in enumerate(a for a in order if a != UNATTRIBUTED):
        palette[name] = OKABE_ITO[i % len(OKABE_ITO)]
    if UNATTRIBUTED in order:
        palette[UNATTRIBUTED] = GREY
    return palette


@dataclass(frozen=True)
class SavedFigure:
    slug: str
    files: tuple[Path, ...]
    caption: str = ""


CAPTIONS_NAME = "captions.yaml"  # read by helpers.report for the report's index page


def write_captions(saved: Iterable[SavedFigure], figures_dir: Path) -> Path:
    """``captions.yaml``: slug -> caption, in the order the figures were made."""
    import yaml

    path = figures_dir / CAPTIONS_NAME
    body = yaml.safe_dump({s.slug: s.caption for s in saved if s.caption}, sort_keys=False, allow_unicode=True, width=100)
    with atomic_path(path) as tmp:
        tmp.write_text("# Figure captions, written by notebooks/04-charts.ipynb (helpers.charts.write_captions).\n" + body,
                       encoding="utf-8")
    return path


def save_figure(fig: plt.Figure, data: pd.DataFrame, slug: str, figures_dir: Path,
                formats: Iterable[str] = ("png", "svg"), dpi: int = 150, caption: str = "") -> SavedFigure:
    """Write the figure in each format and the data it shows as ``<slug>.csv``; byte-stable."""
    figures_dir.mkdir(parents=True, exist_ok=True)
    files = []
    for fmt in formats:
        target = figures_dir / f"{slug}.{fmt}"
        # No creation date, no software version: the same figure gives the same bytes.
        metadata = {"Software": None} if fmt == "png" else {"Date": None, "Creator": None} if fmt in ("svg", "pdf") else None
        with atomic_path(target) as tmp:
            fig.savefig(tmp, format=fmt, dpi=dpi, metadata=metadata, bbox_inches="tight")
        files.append(target)
    csv_path = figures_dir / f"{slug}.csv"
    write_csv(data.reset_index(drop=True), csv_path)
    files.append(csv_path)
    return SavedFigure(slug, tuple(files), caption)


def small_n_note(n: int, threshold: int = 30) -> str:
    """A caveat for estimates resting on few observations."""
    return f" (n = {n}: small sample, read with care)" if n < threshold else f" (n = {n})"


def timeline(articles: pd.DataFrame, palette: dict[str, str]) -> tuple[plt.Figure, pd.DataFrame, pd.DataFrame]:
    """Articles by publication date, one row per author; returns (figure, dated data, undated list)."""
    data = articles.assign(author=articles["author"].fillna(UNATTRIBUTED))
    dated = data.dropna(subset=["published"]).assign(published=lambda d: pd.to_datetime(d["published"]))
    undated = data[data["published"].isna()][["article_id", "author", "title", "source_file"]]
    order = [a for a in author_order(data["author"]) if a in set(data["author"])]
    fig, ax = plt.subplots(figsize=(8, 0.5 + 0.45 * len(order)))
    for y, author in enumerate(order):
        sub = dated[dated["author"] == author]
        ax.scatter(sub["published"], [y] * len(sub), s=60, color=palette[author], zorder=3, label=author)
    ax.set_yticks(range(len(order)), [f"{a} ({int((undated['author'] == a).sum())} undated)" if (undated["author"] == a).any() else a for a in order])
    ax.set_ylim(-0.6, len(order) - 0.4)
    ax.invert_yaxis()
    ax.set_xlabel("Publication date")
    ax.set_title("When the articles were published")
    ax.grid(axis="x", alpha=0.3)
    shown = dated[["published", "author", "article_id", "title"]].assign(published=lambda d: d["published"].dt.strftime("%Y-%m-%d"))
    return fig, shown.sort_values(["published", "author", "article_id"]).reset_index(drop=True), undated.sort_values(["author", "article_id"]).reset_index(drop=True)


def _pretty(name: str) -> str:
    return name.replace("_", " ")


def naming_shares(naming: pd.DataFrame, order: list[str], voice: str = "all") -> tuple[plt.Figure, pd.DataFrame]:
    """Stacked horizontal bars: how each author names the target (share of mentions per alias class)."""
    data = naming[(naming["voice"] == voice) & (naming["n_target_mentions"] > 0)]
    authors = [a for a in order if a in set(data["author"])]
    classes = sorted(data["alias_class"].unique())
    colours = dict(zip(classes, OKABE_ITO[: len(classes)] if len(classes) <= len(OKABE_ITO) else plt.cm.tab20.colors))
    wide = data.pivot_table(index="author", columns="alias_class", values="share", fill_value=0.0).reindex(authors)
    totals = data.groupby("author")["n_target_mentions"].first().reindex(authors)
    fig, ax = plt.subplots(figsize=(9, 0.8 + 0.5 * len(authors)))
    left = pd.Series(0.0, index=authors)
    for cls in classes:
        ax.barh(authors, wide[cls], left=left, color=colours[cls], label=_pretty(cls), edgecolor="white", linewidth=0.5)
        left += wide[cls]
    ax.set_yticks(range(len(authors)), [f"{a}{small_n_note(int(totals[a]))}" for a in authors])
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.set_xlabel("Share of the author's mentions of the group")
    ax.set_title("Which name does each writer use for the group?")
    ax.legend(title="Name used", bbox_to_anchor=(1.01, 1), loc="upper left", frameon=False)
    shown = data[["author", "alias_class", "n_mentions", "n_target_mentions", "share", "ci_low", "ci_high"]]
    return fig, shown.sort_values(["author", "alias_class"]).reset_index(drop=True)


def _heatmap(wide: pd.DataFrame, annot: pd.DataFrame, title: str, xlabel: str, cbar_label: str,
             fmt: str = "", cmap: str = "Blues") -> plt.Figure:
    import seaborn as sns

    fig, ax = plt.subplots(figsize=(1.2 + 0.9 * wide.shape[1], 1.2 + 0.5 * wide.shape[0]))
    sns.heatmap(wide, annot=annot, fmt=fmt, cmap=cmap, linewidths=0.5, linecolor="white",
                cbar_kws={"label": cbar_label}, ax=ax)
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("")
    ax.set_xticks(ax.get_xticks(), [_pretty(t.get_text()) for t in ax.get_xticklabels()], rotation=35, ha="right")
    return fig


def label_heatmap(labels: pd.DataFrame, order: list[str], voice: str = "own") -> tuple[plt.Figure, pd.DataFrame]:
    """Author x label class: labels per 100 mentions of the target (colour), counts (numbers)."""
    data = labels[labels["voice"] == voice]
    authors = [a for a in order if a in set(data["author"])]
    rate = data.pivot_table(index="author", columns="label_class", values="rate_per_100", fill_value=0.0).reindex(authors)
    count = data.pivot_table(index="author", columns="label_class", values="n_labels", fill_value=0).reindex(authors).astype(int)
    mentions = data.groupby("author")["n_target_mentions"].first().reindex(authors)
    rate.index = [f"{a}{small_n_note(int(mentions[a]))}" for a in authors]
    fig = _heatmap(rate, count.values, "What do writers call the group? (labels in their own voice)",
                   "Label class", "Labels per 100 mentions of the group", fmt="d")
    shown = data[["author", "label_class", "n_labels", "n_target_mentions", "rate_per_100", "ci_low", "ci_high", "examples"]]
    return fig, shown.sort_values(["author", "label_class"]).reset_index(drop=True)


def frame_heatmap(frames: pd.DataFrame, order: list[str], voice: str = "all",
                  scope: str = "all_sentences") -> tuple[plt.Figure, pd.DataFrame]:
    """Author x frame: share of sentences evoking each frame."""
    data = frames[(frames["voice"] == voice) & (frames["scope"] == scope)]
    authors = [a for a in order if a in set(data["author"])]
    share = data.pivot_table(index="author", columns="frame", values="share", fill_value=0.0).reindex(authors)
    base = data.groupby("author")["n_base"].first().reindex(authors)
    annot = (share * 100).round(0).astype(int).astype(str) + "%"
    share.index = [f"{a}{small_n_note(int(base[a]))}" for a in authors]
    fig = _heatmap(share, annot.values, "Which frames does each writer use? (share of sentences)",
                   "Frame", "Share of sentences")
    shown = data[["author", "frame", "n_sentences", "n_base", "share", "ci_low", "ci_high", "voice", "scope"]]
    return fig, shown.sort_values(["author", "frame"]).reset_index(drop=True)


def _frame_panels(n_frames: int, row_height: float) -> tuple[plt.Figure, list]:
    """One panel per frame, three to a row, sharing both axes."""
    ncols = min(3, n_frames)
    nrows = -(-n_frames // ncols)
    fig, grid = plt.subplots(nrows, ncols, figsize=(4.0 * ncols, row_height * nrows), sharey=True, sharex=True,
                             squeeze=False)
    return fig, list(grid.flat)


def frame_dots(frames: pd.DataFrame, order: list[str], palette: dict[str, str],
               scope: str = "all_sentences") -> tuple[plt.Figure, pd.DataFrame]:
    """Per frame, each author's share with its 95% interval; filled = all text, open = own voice."""
    data = frames[frames["scope"] == scope]
    authors = [a for a in order if a in set(data["author"])]
    frame_names = sorted(data["frame"].unique())
    fig, axes = _frame_panels(len(frame_names), 0.7 + 0.36 * len(authors))
    for ax, frame in zip(axes, frame_names):
        for y, author in enumerate(authors):
            for voice, offset, face in (("all", -0.15, palette[author]), ("own", 0.15, "white")):
                row = data[(data["frame"] == frame) & (data["author"] == author) & (data["voice"] == voice)]
                if row.empty or pd.isna(row["share"].iloc[0]):
                    continue
                r = row.iloc[0]
                lo, hi = r["ci_low"], r["ci_high"]
                if pd.notna(lo) and pd.notna(hi):
                    ax.plot([lo, hi], [y + offset] * 2, color=palette[author], linewidth=1.5)
                ax.scatter([r["share"]], [y + offset], s=30, facecolor=face, edgecolor=palette[author], zorder=3)
        ax.set_title(_pretty(frame), fontsize=10)
        ax.set_xlim(0, max(0.05, float(data["ci_high"].max(skipna=True) or 0) * 1.05))
        ax.grid(axis="x", alpha=0.3)
        ax.tick_params(axis="x", labelsize=8)
    for ax in axes[len(frame_names):]:
        ax.set_visible(False)
    axes[0].set_yticks(range(len(authors)), authors)
    axes[0].invert_yaxis()
    fig.supxlabel("Share of sentences (95% bootstrap interval); filled = all text, open = own voice (quotations removed)", fontsize=9)
    fig.suptitle("Frames by writer, with uncertainty", fontweight="bold")
    fig.tight_layout()
    shown = data[["author", "frame", "voice", "n_sentences", "n_base", "share", "ci_low", "ci_high"]]
    return fig, shown.sort_values(["frame", "author", "voice"]).reset_index(drop=True)


def corrected_frame_dots(corrected: pd.DataFrame, order: list[str], palette: dict[str, str]) -> tuple[plt.Figure, pd.DataFrame]:
    """Per frame, each author's raw share (open circle) and the share corrected for the frame
    detector's error (filled, with its 95% double-bootstrap interval), own voice."""
    data = corrected.copy()
    authors = [a for a in order if a in set(data["author"])]
    frame_names = list(dict.fromkeys(data["frame"]))
    fig, axes = _frame_panels(len(frame_names), 0.9 + 0.32 * len(authors))
    for ax, frame in zip(axes, frame_names):
        rates = data[data["frame"] == frame].iloc[0]
        for y, author in enumerate(authors):
            row = data[(data["frame"] == frame) & (data["author"] == author)]
            if row.empty:
                continue
            r = row.iloc[0]
            colour = palette[author]
            if pd.notna(r["corrected_share"]):
                ax.plot([r["corrected_ci_low"], r["corrected_ci_high"]], [y, y], color=colour, linewidth=1.5)
                ax.scatter([r["corrected_share"]], [y], s=34, color=colour, zorder=3)
            if pd.notna(r["share"]):
                ax.scatter([r["share"]], [y], s=30, facecolor="white", edgecolor=colour, zorder=4)
        ax.set_title(f"{_pretty(frame)}\n(se {rates['sensitivity']:.2f}, sp {rates['specificity']:.2f})", fontsize=9)
        ax.set_xlim(0, 1.02)
        ax.grid(axis="x", alpha=0.3)
        ax.tick_params(axis="x", labelsize=8)
    for ax in axes[len(frame_names):]:
        ax.set_visible(False)
    axes[0].set_yticks(range(len(authors)), authors)
    axes[0].invert_yaxis()
    fig.supxlabel("Share of own-voice sentences: open = as detected, filled = corrected for the detector's error "
                  "(Rogan-Gladen; 95% double-bootstrap interval)", fontsize=9)
    fig.suptitle("Frames by writer, corrected for the detector's measured error", fontweight="bold")
    fig.tight_layout()
    shown = data[["author", "frame", "n_base", "share", "corrected_share", "corrected_ci_low", "corrected_ci_high",
                  "sensitivity", "specificity"]]
    return fig, shown.sort_values(["frame", "author"]).reset_index(drop=True)


def distinctive_terms(terms: pd.DataFrame, order: list[str], palette: dict[str, str], top_k: int = 10,
                      voice: str = "own") -> tuple[plt.Figure, pd.DataFrame]:
    """Top terms per author by log-odds z-score (Monroe et al. 2008), as diverging bars."""
    data = terms[terms["voice"] == voice]
    authors = [a for a in order if a in set(data["author"])]
    top = pd.concat([
        pd.concat([g.nlargest(top_k, "z"), g.nsmallest(min(top_k, 5), "z")]).drop_duplicates("term")
        for _, g in data.groupby("author", sort=True)
    ]) if len(data) else data
    ncols = min(3, max(1, len(authors)))
    nrows = -(-len(authors) // ncols) if authors else 1
    fig, axes = plt.subplots(nrows, ncols, figsize=(4.2 * ncols, 0.6 + 0.28 * (top_k + 5) * nrows), squeeze=False)
    for ax, author in zip(axes.flat, authors):
        sub = top[top["author"] == author].sort_values("z")
        colours = [palette[author] if z > 0 else GREY for z in sub["z"]]
        ax.barh(sub["term"], sub["z"], color=colours)
        ax.axvline(0, color="black", linewidth=0.8)
        for x in (-1.96, 1.96):
            ax.axvline(x, color="black", linewidth=0.5, linestyle=":")
        ax.set_title(author, fontsize=10)
        ax.tick_params(axis="y", labelsize=8)
        ax.set_xlabel("z-score (> 1.96: used more than by the others)", fontsize=8)
    for ax in list(axes.flat)[len(authors):]:
        ax.set_visible(False)
    fig.suptitle("Words that set each writer apart (own voice)", fontweight="bold")
    fig.tight_layout()
    shown = top[["author", "term", "count", "count_other", "z"]]
    return fig, shown.sort_values(["author", "z"], ascending=[True, False]).reset_index(drop=True)


def stance_dots(stance: pd.DataFrame, order: list[str], palette: dict[str, str]) -> tuple[plt.Figure, pd.DataFrame]:
    """Mean sentiment (VADER compound) of sentences mentioning the group, per author, with intervals."""
    data = stance[stance["n_sentences"] > 0]
    authors = [a for a in order if a in set(data["author"])]
    fig, ax = plt.subplots(figsize=(8, 0.9 + 0.5 * len(authors)))
    for y, author in enumerate(authors):
        for voice, offset, face in (("all", -0.12, palette[author]), ("own", 0.12, "white")):
            row = data[(data["author"] == author) & (data["voice"] == voice)]
            if row.empty:
                continue
            r = row.iloc[0]
            if pd.notna(r["ci_low"]):
                ax.plot([r["ci_low"], r["ci_high"]], [y + offset] * 2, color=palette[author])
            ax.scatter([r["mean_compound"]], [y + offset], s=40, facecolor=face, edgecolor=palette[author], zorder=3)
    own_n = data[data["voice"] == "all"].set_index("author")["n_sentences"]
    ax.set_yticks(range(len(authors)), [f"{a}{small_n_note(int(own_n.get(a, 0)))}" for a in authors])
    ax.invert_yaxis()
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set_xlim(-1, 1)
    ax.set_xlabel("Mean sentiment of sentences mentioning the group (VADER, -1 negative .. +1 positive)\n"
                  "filled = all text, open = own voice; bars = 95% bootstrap interval")
    ax.set_title("Tone toward the group")
    shown = data[["author", "voice", "n_sentences", "mean_compound", "ci_low", "ci_high", "label_balance"]]
    return fig, shown.sort_values(["author", "voice"]).reset_index(drop=True)


def similarity_clustermap(similarity: pd.DataFrame, profile: str = "frames", voice: str = "own"):
    """Clustered heatmap of Jensen-Shannon distances between authors' profiles."""
    import seaborn as sns

    data = similarity[(similarity["profile"] == profile) & (similarity["voice"] == voice)].dropna(subset=["distance"])
    wide = data.pivot(index="author_a", columns="author_b", values="distance").sort_index().sort_index(axis=1)
    wide = wide.fillna(wide.T)
    for author in wide.index:
        wide.loc[author, author] = 0.0
    # The cells are distances already: cluster on them (condensed form), not on rows as observations.
    from scipy.cluster.hierarchy import linkage
    from scipy.spatial.distance import squareform

    tree = linkage(squareform(wide.to_numpy(), checks=False), method="average")
    grid = sns.clustermap(wide, row_linkage=tree, col_linkage=tree, cmap="viridis_r", vmin=0, vmax=1, annot=True, fmt=".2f",
                          figsize=(2.5 + 0.8 * len(wide), 2.5 + 0.8 * len(wide)),
                          cbar_kws={"label": "Jensen-Shannon distance"}, dendrogram_ratio=0.15,
                          cbar_pos=(1.02, 0.25, 0.03, 0.5))
    grid.ax_heatmap.set_xlabel("")
    grid.ax_heatmap.set_ylabel("")
    grid.fig.suptitle(f"How alike are the writers' {profile} profiles? (0 = identical)", fontweight="bold", y=1.02)
    return grid.fig, data[["author_a", "author_b", "distance"]].sort_values(["author_a", "author_b"]).reset_index(drop=True)


def cooccurrence(entities: pd.DataFrame, articles: pd.DataFrame, order: list[str], top_n: int = 8) -> tuple[plt.Figure, pd.DataFrame]:
    """Which main actors are named in the same sentences, per author (counts of sentences)."""
    import itertools

    import seaborn as sns

    ents = entities.dropna(subset=["canonical_id"]).merge(articles[["article_id", "author"]], on="article_id")
    ents["author"] = ents["author"].fillna(UNATTRIBUTED)
    actors = ents["canonical_id"].value_counts().sort_index().sort_values(ascending=False, kind="mergesort").head(top_n).index.tolist()
    per_sentence = ents[ents["canonical_id"].isin(actors)].drop_duplicates(["article_id", "sent_id", "canonical_id"])
    rows = []
    for (author, _, _), g in per_sentence.groupby(["author", "article_id", "sent_id"], sort=True):
        for a, b in itertools.combinations(sorted(g["canonical_id"]), 2):
            rows.append((author, a, b))
    pairs = pd.DataFrame(rows, columns=["author", "actor_a", "actor_b"])
    counts = pairs.value_counts().rename("n_sentences").reset_index() if len(pairs) else pd.DataFrame(columns=["author", "actor_a", "actor_b", "n_sentences"])
    authors = [a for a in order if a in set(ents["author"])]
    ncols = min(3, max(1, len(authors)))
    nrows = -(-len(authors) // ncols) if authors else 1
    fig, axes = plt.subplots(nrows, ncols, figsize=(4.3 * ncols, 3.9 * nrows), squeeze=False)
    vmax = max(1, int(counts["n_sentences"].max())) if len(counts) else 1
    for ax, author in zip(axes.flat, authors):
        m = pd.DataFrame(0, index=actors, columns=actors)
        for r in counts[counts["author"] == author].itertuples():
            m.loc[r.actor_a, r.actor_b] = m.loc[r.actor_b, r.actor_a] = r.n_sentences
        sns.heatmap(m, ax=ax, cmap="Greens", vmin=0, vmax=vmax, cbar=False, square=True, linewidths=0.3,
                    annot=m.where(m > 0).fillna(0).astype(int).values, fmt="d", annot_kws={"fontsize": 6})
        ax.set_title(author, fontsize=10)
        ax.tick_params(labelsize=7)
    for ax in list(axes.flat)[len(authors):]:
        ax.set_visible(False)
    fig.suptitle("Actors named in the same sentence (number of sentences)", fontweight="bold")
    fig.tight_layout()
    return fig, counts.sort_values(["author", "actor_a", "actor_b"]).reset_index(drop=True)
