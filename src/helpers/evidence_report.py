"""The report's evidence pages: for each writer, the passages behind their numbers.

In: a run's ``evidence.parquet`` and ``articles.parquet`` (``helpers.evidence``).
Out: ``reports/html/evidence-<writer>.html``, one static page per writer with a section per
kind (frames, names, labels, tone, quoted voices) and per category (a frame, a name family, a
label class): the full counts, and at most ``per_category`` passages (a seeded sample) with the
triggering words highlighted and quoted words marked. Also the links the index puts under each
figure (``figure_links``).
Used by: ``helpers.report`` (``make report``).

Bounded at any corpus size: a page holds at most (categories x ``per_category``) passages
whatever the number of articles, and only the sampled articles' text is read. The pages carry
the report's Content-Security-Policy (no script, no network), the passages are escaped
scraped text with only ``<b>``/``<i>`` added (``helpers.evidence.passage_html``), and each page
goes through the report's sanitiser as well.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pandas as pd
from markupsafe import Markup

from .evidence import KIND_TITLES, load_evidence, sample_rows, with_passages
from .paths import Paths

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
DEFAULT_PER_CATEGORY = 5
TEMPLATE = "evidence.html.j2"
# which section of the writers' pages a figure's numbers come from (by slug prefix)
FIGURE_KINDS = (("frame-", "frame"), ("naming-", "naming"), ("label-", "label"), ("stance", "stance"))


@dataclass(frozen=True)
class EvidencePage:
    author: str
    href: str
    n_rows: int


def page_name(author: str, taken: set[str]) -> str:
    """evidence-<writer>.html, a file name made of the writer's name (unique among ``taken``)."""
    base = "evidence-" + (re.sub(r"[^a-z0-9]+", "-", author.lower()).strip("-") or "writer")
    name, k = base, 2
    while name in taken:
        name, k = f"{base}-{k}", k + 1
    taken.add(name)
    return name + ".html"


def anchor(category: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", str(category).lower()).strip("-") or "x"


def figure_kind(slug: str) -> str | None:
    return next((kind for prefix, kind in FIGURE_KINDS if slug.startswith(prefix)), None)


def build_pages(paths: Paths, target: Path, csp: str, sanitize: Callable[[str], str], write: Callable[[Path, str], None],
                per_category: int = DEFAULT_PER_CATEGORY, seed: int = 2024) -> list[EvidencePage]:
    """Write one page per writer into ``target`` with ``write(path, html)``; every passage goes
    through ``sanitize`` (the report's sanitiser) and the page carries ``csp``. No evidence
    table: no page."""
    import jinja2

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES_DIR)), autoescape=True,
                             keep_trailing_newline=True, undefined=jinja2.StrictUndefined)
    template = env.get_template(TEMPLATE)
    file = paths.processed_dir / "evidence.parquet"
    if not file.is_file():
        return []
    table = load_evidence(file)
    taken: set[str] = set()
    pages = []
    kinds = [k for k in KIND_TITLES if k in set(table["kind"])]
    for author in sorted(table["author"].dropna().unique()):
        rows = table[table["author"] == author]
        sampled = []
        for kind in kinds:
            for category, group in rows[rows["kind"] == kind].groupby("category", sort=True):
                sampled.append(sample_rows(group, per_category, seed).assign(_total=len(group),
                                                                            _own=int(group["in_own"].sum())))
        shown = with_passages(pd.concat(sampled, ignore_index=True), paths.articles) if sampled else pd.DataFrame()
        sections = []
        for kind in kinds:
            part = shown[shown["kind"] == kind] if len(shown) else shown
            if part.empty:
                continue
            groups = []
            for category, group in part.groupby("category", sort=True):
                groups.append({"category": category, "anchor": anchor(category), "total": int(group["_total"].iloc[0]),
                               "own": int(group["_own"].iloc[0]),
                               "rows": [{"html": Markup(sanitize(r.passage_html)), "meta": _meta(r)}
                                        for r in group.itertuples(index=False)]})
            sections.append({"kind": kind, "title": KIND_TITLES[kind], "groups": groups})
        name = page_name(author, taken)
        write(target / name, template.render(csp=csp, author=author, sections=sections, per_category=per_category))
        pages.append(EvidencePage(author, name, len(rows)))
    return pages


def _meta(r) -> str:
    notes = [str(r.article_id), f"{r.voice} voice"]
    if isinstance(r.detector, str):
        notes.append(f"marked by {r.detector}")
    if pd.notna(r.score):
        notes.append(("model p " if r.kind == "frame" else "tone ") + f"{r.score:.2f}")
    if isinstance(r.relation, str):
        notes.append(r.relation)
    return " · ".join(notes)


def figure_links(slug: str, pages: list[EvidencePage]) -> list[tuple[str, str]]:
    """(writer, href) links from a figure to the section of each writer's page it draws on."""
    kind = figure_kind(slug)
    if kind is None:
        return []
    return [(p.author, f"{p.href}#{kind}") for p in pages]
