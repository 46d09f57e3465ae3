"""Share the study: render the executed notebooks as an offline HTML report.

In: the executed notebooks ``<out>/reports/notebooks/*.ipynb`` (written by
``helpers.pipeline``), the figures ``<out>/reports/figures/<slug>.png`` (with
their ``.svg``/``.csv`` siblings and an optional ``captions.yaml``), and the
introduction ``templates/intro.md``.
Out: ``<out>/reports/html/<notebook>.html`` for every executed notebook and
``<out>/reports/html/index.html`` (introduction, key figures, links to the
notebook pages). Two renders of the same inputs give identical bytes.
Used by: ``make report``::

    python -m helpers.report                 # the project's reports/
    python -m helpers.report --out-dir D     # a run made with --out-dir D
    python -m helpers.report --hide-code     # readers' version: outputs and prose only

Decisions, and why:

* Pages work opened from disk with no network: nbconvert's ``lab`` template
  is used with every ``<script>`` removed (require.js, MathJax, Mermaid and
  widget loaders came from a CDN). CSS is inlined and images are embedded as
  ``data:`` URIs, so each page is one standalone file. TeX in markdown shows
  as its source (no MathJax).
* Scraped text is untrusted. Plain-text outputs are escaped by nbconvert and
  pandas' ``DataFrame`` HTML escapes cell values, but code may still emit
  HTML built from data (``Styler``, ``IPython.display.HTML``/``Markdown``), so
  every HTML and markdown output, and every markdown cell, goes through an
  allowlist sanitiser (nh3, the Rust ammonia library) that keeps what tables
  and formatted text need: any other tag (``<script>``, ``<iframe>``,
  ``<img>``, ``<a>``, ...) is escaped first, as written, and shows as text
  (nh3 alone would delete it), ``on*=`` attributes are dropped, ``style=""``
  keeps harmless properties only, ``<style>`` elements are removed. Markdown
  cells (project prose) may also hold links (never ``javascript:``) and
  images. JavaScript and widget outputs are replaced by a note. Behind that,
  every page carries a Content-Security-Policy (``CSP``) that forbids all
  scripts and all network fetches, so anything that slipped through could
  still not run.
* Code is shown by default (the report is the published record and the code
  cells are short calls into ``src/helpers``); ``--hide-code`` drops code
  cells' input and the prompts for readers who only want the results.
* Figures: every ``reports/figures/*.png`` is shown on the index, embedded.
  Captions come from ``reports/figures/captions.yaml`` (``slug: caption``;
  its order is the display order, slugs not listed follow alphabetically);
  without a caption the slug is spelled out ("naming-share" -> "Naming
  share"). The SVG, CSV and full-size PNG are linked relatively
  (``../figures/``), so they work when the whole ``reports/`` folder is
  shared.
"""

from __future__ import annotations

import argparse
import base64
import functools
import html as html_lib
import os
import re
import struct
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import nbformat
import nh3

from . import evidence_report
from . import paths as P
from .io import atomic_path, read_yaml

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
NOTEBOOK_TEMPLATE = "mek_report"  # templates/mek_report/, extends nbconvert's "lab"
INTRO_FILE = TEMPLATES_DIR / "intro.md"
CSS_FILE = TEMPLATES_DIR / "report.css"
CAPTIONS_NAME = "captions.yaml"
INDEX_NAME = "index.html"
REPORT_TITLE = "How writers frame the MEK"

# No script may run and nothing may be fetched from the network: styles are
# inline, images are embedded (data:) or files beside the page ('self').
CSP = (
    "default-src 'none'; script-src 'none'; object-src 'none'; "
    "style-src 'unsafe-inline'; img-src 'self' data:; font-src data:; "
    "base-uri 'none'; form-action 'none'"
)

# --- sanitiser ---------------------------------------------------------------

# Tags that notebook outputs legitimately use (pandas tables, text formatting).
# Deliberately absent, so that they show as text: script, iframe, object,
# embed, form, input, link, meta, svg, img (images come as image/png outputs,
# never as HTML built from data) and a (a scraped link must read as its
# markup, not become a link). <style> elements are removed from outputs
# before sanitising: a rule from a scraped page could hide or restyle the
# whole report; pandas' own DataFrame rules are restated in report.css.
OUTPUT_TAGS = frozenset(
    {
        "abbr", "b", "blockquote", "br", "caption", "code", "col", "colgroup",
        "dd", "del", "details", "div", "dl", "dt", "em", "h1", "h2", "h3", "h4", "h5",
        "h6", "hr", "i", "ins", "kbd", "li", "ol", "p", "pre", "q", "s", "samp",
        "small", "span", "strong", "sub", "summary", "sup", "table", "tbody",
        "td", "tfoot", "th", "thead", "tr", "u", "ul", "var",
    }
)
# Markdown cells are written by the project (never from data), so they may
# also link and show images (e.g. a figure referenced by a relative path).
MARKDOWN_TAGS = OUTPUT_TAGS | {"a", "img"}
ALLOWED_ATTRIBUTES: dict[str, list[str]] = {
    "*": ["class", "id", "title", "style", "align", "lang", "dir"],
    "a": ["href", "title", "name"],
    "img": ["src", "alt", "width", "height", "title"],
    "table": ["border", "cellpadding", "cellspacing"],
    "td": ["colspan", "rowspan", "align", "valign"],
    "th": ["colspan", "rowspan", "align", "valign", "scope"],
    "col": ["span", "width"],
    "colgroup": ["span", "width"],
    "ol": ["start", "type"],
}
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto"})  # relative links are always allowed
# style="" attributes keep only these properties: the ones bleach's CSSSanitizer allowed by
# default (its ALLOWED_CSS_PROPERTIES and ALLOWED_SVG_PROPERTIES), so no position and no
# background-image; a declaration whose value calls a function other than a colour, calc()
# or var() is dropped too (no url(), image-set(), expression()).
ALLOWED_CSS_PROPERTIES = frozenset(
    {
        "azimuth", "background-color", "border-bottom-color", "border-collapse",
        "border-color", "border-left-color", "border-right-color", "border-top-color",
        "clear", "color", "cursor", "direction", "display", "elevation", "float", "font",
        "font-family", "font-size", "font-style", "font-variant", "font-weight", "height",
        "letter-spacing", "line-height", "overflow", "pause", "pause-after", "pause-before",
        "pitch", "pitch-range", "richness", "speak", "speak-header", "speak-numeral",
        "speak-punctuation", "speech-rate", "stress", "text-align", "text-decoration",
        "text-indent", "unicode-bidi", "vertical-align", "voice-family", "volume",
        "white-space", "width",
        # SVG presentation properties
        "fill", "fill-opacity", "fill-rule", "stroke", "stroke-linecap", "stroke-linejoin",
        "stroke-opacity", "stroke-width",
    }
)
CSS_FUNCTIONS = frozenset({"rgb", "rgba", "hsl", "hsla", "calc", "var"})
_STYLE_ELEMENT = re.compile(r"<style\b[^>]*>.*?</style\s*>", re.S | re.I)

# nh3 removes a tag it does not allow (keeping its text); this project shows it as text
# instead. So, before nh3, every start or end tag is found as an HTML5 tokenizer finds it
# (a quoted attribute value may hold ">") and one whose name is not allowed gets its "<"
# and ">" written as entities: the parser behind it sees text. Comments, doctypes and other
# "<!...>" or "<?...>" constructs are stepped over (nh3 removes them). No raw-text element
# (script, style, textarea, title, ...) is allowed, so what follows an escaped "<script>"
# is ordinary markup to this scan and to nh3 alike. nh3 still removes anything it let by.
_RAW_TEXT_TAGS = frozenset({"script", "style", "textarea", "title", "xmp", "iframe", "noembed",
                            "noframes", "noscript", "plaintext"})
if MARKDOWN_TAGS & _RAW_TEXT_TAGS:
    raise RuntimeError(f"the scan below cannot allow raw-text tags: {sorted(MARKDOWN_TAGS & _RAW_TEXT_TAGS)}")
_SP = "\t\n\f\r "
_ATTRIBUTES = (
    rf"(?:[{_SP}/]++|[^{_SP}/>][^{_SP}/>=]*+"
    rf"(?:[{_SP}]*+=[{_SP}]*+(?:\"[^\"]*+\"|'[^']*+'|[^{_SP}>\"'][^{_SP}>]*+|(?=>))|(?![{_SP}]*=)))*+"
)
_TAG = re.compile(rf"</?([a-zA-Z][^{_SP}/>]*+){_ATTRIBUTES}>")
_UNCLOSED_TAG = re.compile(r"</?[a-zA-Z]")  # no ">" ends it: it runs to the end of the input
_NOT_A_TAG = re.compile(r"<!--(?:>|->|.*?--!?>|.*\Z)|<[!?][^>]*+(?:>|\Z)", re.S)
_NOT_AN_END_TAG = re.compile(r"</(?!>)[^>]*+(?:>|\Z)")  # "</ b>", "</3>": a parser drops them, bleach showed them


def _to_text(markup: str) -> str:
    return markup.replace("<", "&lt;").replace(">", "&gt;")


def escape_disallowed_tags(html: str, allowed: frozenset[str]) -> str:
    """``html`` with every tag whose name is not in ``allowed`` turned into text (as written)."""
    parts: list[str] = []
    done = pos = 0
    while (pos := html.find("<", pos)) >= 0:
        if m := _TAG.match(html, pos):
            if m.group(1).lower() not in allowed:
                parts += (html[done:pos], _to_text(m.group(0)))
                done = m.end()
            pos = m.end()
        elif _UNCLOSED_TAG.match(html, pos):
            parts += (html[done:pos], _to_text(html[pos:]))
            done = pos = len(html)
        elif m := _NOT_A_TAG.match(html, pos):
            pos = m.end()
        elif m := _NOT_AN_END_TAG.match(html, pos):
            parts += (html[done:pos], _to_text(m.group(0)))
            done = pos = m.end()
        else:  # a "<" that starts nothing is text already
            pos += 1
    parts.append(html[done:])
    return "".join(parts)


# nh3 parses a style="" value with a CSS parser and keeps the allowed properties, written
# compactly ("color:red;text-align:right"); that is then rewritten "color: red; text-align: right;".
_STYLE_CLEANER = nh3.Cleaner(
    tags={"span"}, attributes={"span": {"style"}}, filter_style_properties=set(ALLOWED_CSS_PROPERTIES),
    link_rel=None,
)
_CLEANED_STYLE = re.compile(r'<span style="([^"]*)"></span>')
_CSS_FUNCTION = re.compile(r"([-\w]*)\(")


def _split_css(text: str, sep: str, maxsplit: int = -1) -> list[str]:
    """``text`` split at ``sep`` outside strings and parentheses."""
    pieces: list[str] = []
    start, depth, quote, i = 0, 0, "", 0
    while i < len(text) and maxsplit != len(pieces):
        c = text[i]
        if quote:
            if c == "\\":
                i += 1
            elif c == quote:
                quote = ""
        elif c in "\"'":
            quote = c
        elif c == "(":
            depth += 1
        elif c == ")":
            depth = max(depth - 1, 0)
        elif c == sep and depth == 0:
            pieces.append(text[start:i])
            start = i + 1
        i += 1
    pieces.append(text[start:])
    return pieces


@functools.lru_cache(maxsize=4096)
def clean_style(style: str) -> str | None:
    """The harmless declarations of a style="" value ("color: red;"), None when none is left."""
    m = _CLEANED_STYLE.fullmatch(_STYLE_CLEANER.clean(f'<span style="{html_lib.escape(style)}"></span>'))
    kept = []
    for declaration in _split_css(html_lib.unescape(m.group(1)), ";") if m else []:
        pieces = _split_css(declaration, ":", maxsplit=1)
        if len(pieces) != 2 or not pieces[1].strip() or "\\" in pieces[1]:
            continue
        if any(f.lower() not in CSS_FUNCTIONS for f in _CSS_FUNCTION.findall(pieces[1])):
            continue
        kept.append(f"{pieces[0].strip()}: {pieces[1].strip()};")
    return " ".join(kept) or None


def _output_attribute(tag: str, name: str, value: str) -> str | None:
    """nh3's attribute_filter for outputs: an allowed attribute's value, or None to drop it."""
    return clean_style(value) if name == "style" else value


def _markdown_attribute(tag: str, name: str, value: str) -> bool:
    """Allowed attributes in markdown HTML: as outputs, and data: URLs only as image sources."""
    allowed = ALLOWED_ATTRIBUTES.get(tag, []) + ALLOWED_ATTRIBUTES["*"]
    if name not in allowed:
        return False
    if value.strip().lower().startswith("data:"):
        return tag == "img" and name == "src" and value.strip().lower().startswith("data:image/")
    return True


def _markdown_attribute_filter(tag: str, name: str, value: str) -> str | None:
    return _output_attribute(tag, name, value) if _markdown_attribute(tag, name, value) else None


def _nh3_attributes(tags: frozenset[str]) -> dict[str, set[str]]:
    return {tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items() if tag == "*" or tag in tags}


# link_rel=None: links are left as written (no rel="noopener noreferrer" added).
_OUTPUT_CLEANER = nh3.Cleaner(
    tags=set(OUTPUT_TAGS), attributes=_nh3_attributes(OUTPUT_TAGS), url_schemes=set(ALLOWED_PROTOCOLS),
    strip_comments=True, link_rel=None, attribute_filter=_output_attribute,
)
_MARKDOWN_CLEANER = nh3.Cleaner(
    tags=set(MARKDOWN_TAGS), attributes=_nh3_attributes(MARKDOWN_TAGS),
    url_schemes=set(ALLOWED_PROTOCOLS | {"data"}), strip_comments=True, link_rel=None,
    attribute_filter=_markdown_attribute_filter,
)


def sanitize_output_html(html: str) -> str:
    """Clean HTML produced by notebook code: disallowed markup is escaped and shows as text."""
    text = _STYLE_ELEMENT.sub("", str(html))
    return _OUTPUT_CLEANER.clean(escape_disallowed_tags(text, OUTPUT_TAGS))


def sanitize_markdown_html(html: str) -> str:
    """Clean HTML rendered from a markdown cell (as outputs, plus links and images)."""
    return _MARKDOWN_CLEANER.clean(escape_disallowed_tags(str(html), MARKDOWN_TAGS))


# --- notebook pages ----------------------------------------------------------


class ReportError(RuntimeError):
    """A problem the user can fix; the message names the file."""


def make_exporter(hide_code: bool = False) -> Any:
    """An nbconvert HTMLExporter configured for offline, sanitised, deterministic pages."""
    from nbconvert import HTMLExporter
    from traitlets.config import Config

    config = Config()
    config.HTMLExporter.template_name = NOTEBOOK_TEMPLATE
    config.HTMLExporter.extra_template_basedirs = [str(TEMPLATES_DIR)]
    config.HTMLExporter.sanitize_html = True  # route HTML/markdown outputs through clean_html
    config.HTMLExporter.embed_images = True  # markdown images beside the notebook as data: URIs
    config.HTMLExporter.exclude_anchor_links = True
    config.HTMLExporter.filters = {
        "clean_html": sanitize_output_html,
        "clean_markdown_html": sanitize_markdown_html,
    }
    if hide_code:
        config.HTMLExporter.exclude_input = True
        config.HTMLExporter.exclude_input_prompt = True
        config.HTMLExporter.exclude_output_prompt = True
    return HTMLExporter(config=config)


def read_notebook(path: Path) -> nbformat.NotebookNode:
    try:
        return nbformat.read(path, as_version=4)
    except (OSError, ValueError, nbformat.reader.NotJSONError) as exc:
        raise ReportError(f"{path}: not a readable notebook: {exc}") from None


def notebook_title(nb: nbformat.NotebookNode, fallback: str) -> str:
    """The first markdown heading of the notebook, as plain text (markup removed)."""
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue
        for line in cell.source.splitlines():
            m = re.match(r"^#{1,6}\s+(.+?)\s*#*\s*$", line)
            if m:
                return re.sub(r"[*_`]", "", m.group(1)).strip() or fallback
    return fallback


def render_notebook(nb: nbformat.NotebookNode, name: str, hide_code: bool = False,
                    base_dir: Path | None = None) -> str:
    """One executed notebook as a standalone HTML page.

    ``base_dir`` (the notebook's folder) is where markdown images are looked
    up for embedding; images outside it keep their relative link. Cell
    attachments are always embedded.
    """
    exporter = make_exporter(hide_code)
    resources = {
        "metadata": {"name": name, "path": str(base_dir) if base_dir is not None else ""},
        "csp": CSP,
        "report_css": CSS_FILE.read_text(encoding="utf-8"),
    }
    body, _ = exporter.from_notebook_node(nb, resources=resources)
    return body


# --- figures and the index ----------------------------------------------------


@dataclass(frozen=True)
class Figure:
    slug: str
    caption: str
    png_data_uri: str
    width: int
    height: int
    links: tuple[tuple[str, str], ...] = field(default_factory=tuple)  # (label, relative href)
    evidence: tuple[tuple[str, str], ...] = field(default_factory=tuple)  # (writer, href of their evidence)


def png_size(data: bytes, path: Path) -> tuple[int, int]:
    """Width and height from a PNG header; a file that is not a PNG is an error."""
    if len(data) < 24 or data[:8] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR":
        raise ReportError(f"{path}: not a PNG image")
    return struct.unpack(">II", data[16:24])


def slug_caption(slug: str) -> str:
    """'naming-share_by-author' -> 'Naming share by author' (used when no caption is given)."""
    words = re.sub(r"[-_]+", " ", slug).strip()
    return words[:1].upper() + words[1:]


def read_captions(figures_dir: Path) -> dict[str, str]:
    """``captions.yaml`` in the figures directory: ``slug: caption`` (optional file)."""
    path = figures_dir / CAPTIONS_NAME
    if not path.exists():
        return {}
    data = read_yaml(path, ReportError)
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ReportError(f"{path}: expected a mapping 'slug: caption', got {type(data).__name__}")
    captions = {}
    for slug, caption in data.items():
        if not isinstance(caption, str) or not caption.strip():
            raise ReportError(f"{path}: caption of '{slug}' must be a non-empty string")
        captions[str(slug)] = " ".join(caption.split())
    return captions


def collect_figures(figures_dir: Path) -> list[Figure]:
    """Every PNG in the figures directory, in captions.yaml order then by slug."""
    if not figures_dir.is_dir():
        return []
    captions = read_captions(figures_dir)
    pngs = {p.stem: p for p in figures_dir.glob("*.png") if not p.name.startswith(".")}
    for slug in captions:
        if slug not in pngs:
            print(f"warning: {figures_dir / CAPTIONS_NAME}: no figure '{slug}.png' for caption", file=sys.stderr)
    order = [s for s in captions if s in pngs] + sorted(s for s in pngs if s not in captions)
    figures = []
    for slug in order:
        png = pngs[slug]
        data = png.read_bytes()
        width, height = png_size(data, png)
        links = [("PNG", f"../figures/{png.name}")]
        for suffix, label in ((".svg", "SVG"), (".csv", "data (CSV)")):
            if png.with_suffix(suffix).exists():
                links.append((label, f"../figures/{slug}{suffix}"))
        figures.append(
            Figure(
                slug=slug,
                caption=captions.get(slug, slug_caption(slug)),
                png_data_uri="data:image/png;base64," + base64.b64encode(data).decode("ascii"),
                width=width,
                height=height,
                links=tuple(links),
            )
        )
    return figures


def intro_html() -> str:
    """The introduction (templates/intro.md) as sanitised HTML."""
    import mistune

    text = INTRO_FILE.read_text(encoding="utf-8")
    text = re.sub(r"<!--.*?-->", "", text, flags=re.S)  # the editor's note at the top
    return sanitize_markdown_html(mistune.html(text))


def render_index(pages: list[dict[str, str]], figures: list[Figure], hide_code: bool = False,
                 evidence_pages: list | None = None) -> str:
    """The report's front page. ``pages``: dicts with href, title, notebook; ``evidence_pages``:
    the writers' evidence pages (``helpers.evidence_report.EvidencePage``)."""
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES_DIR)),
        autoescape=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )
    template = env.get_template("index.html.j2")
    return template.render(
        title=REPORT_TITLE,
        csp=CSP,
        report_css=CSS_FILE.read_text(encoding="utf-8"),
        intro_html=jinja2.utils.markupsafe.Markup(intro_html()),
        figures=figures,
        pages=pages,
        hide_code=hide_code,
        evidence_pages=evidence_pages or [],
    )


# --- the whole report -----------------------------------------------------------


def executed_notebooks(notebooks_dir: Path) -> list[Path]:
    """The executed notebooks to publish, in run order (failed runs are left out)."""
    if not notebooks_dir.is_dir():
        return []
    return sorted(
        p for p in notebooks_dir.glob("*.ipynb")
        if not p.name.startswith(".") and not p.name.endswith(".failed.ipynb")
    )


def _write(path: Path, text: str) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8", newline="\n")
        os.chmod(tmp, 0o644)  # a page to share, not a private temp file


def html_dir(out_dir: str | Path = ".") -> Path:
    return P.run_paths(out_dir=out_dir).reports_dir / "html"


def build_report(out_dir: str | Path = ".", hide_code: bool = False,
                 evidence_n: int = evidence_report.DEFAULT_PER_CATEGORY) -> list[Path]:
    """Render every executed notebook under ``out_dir``, the writers' evidence pages (at most
    ``evidence_n`` passages per writer and category) and the index; return the pages written.

    Pages left from notebooks that no longer exist are removed, so the folder
    always matches the notebooks.
    """
    paths = P.run_paths(out_dir=out_dir)
    notebooks = executed_notebooks(paths.executed_notebooks_dir)
    if not notebooks:
        raise ReportError(
            f"no executed notebook in {paths.executed_notebooks_dir}: run `make run` "
            "(python -m helpers.pipeline) first"
        )
    target = html_dir(out_dir)
    target.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    pages: list[dict[str, str]] = []
    for notebook in notebooks:
        nb = read_notebook(notebook)
        page = target / f"{notebook.stem}.html"
        try:
            html = render_notebook(nb, notebook.stem, hide_code, base_dir=notebook.parent)
        except Exception as exc:  # nbconvert raises many types; name the file
            raise ReportError(f"{notebook}: could not be rendered: {type(exc).__name__}: {exc}") from exc
        _write(page, html)
        written.append(page)
        pages.append({"href": page.name, "title": notebook_title(nb, notebook.stem), "notebook": notebook.name})
    evidence_pages = evidence_report.build_pages(paths, target, CSP, sanitize_output_html, _write, per_category=evidence_n)
    written += [target / p.href for p in evidence_pages]
    figures = [replace(f, evidence=tuple(evidence_report.figure_links(f.slug, evidence_pages)))
               for f in collect_figures(paths.figures_dir)]
    index = target / INDEX_NAME
    _write(index, render_index(pages, figures, hide_code, evidence_pages))
    written.append(index)
    for stale in sorted(set(target.glob("*.html")) - set(written)):
        stale.unlink()
    return written


def build_arg_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="python -m helpers.report", description=__doc__.split("\n")[0])
    ap.add_argument("--out-dir", type=Path, default=None,
                    help="root of a run (reads OUT/reports/notebooks, writes OUT/reports/html); default: the project")
    ap.add_argument("--hide-code", action="store_true",
                    help="leave code cells' input and prompts out (outputs and prose only); default: show code")
    ap.add_argument("--evidence-n", type=int, default=evidence_report.DEFAULT_PER_CATEGORY,
                    help="passages shown per writer and category on the evidence pages (a seeded sample; "
                         f"default {evidence_report.DEFAULT_PER_CATEGORY})")
    return ap


def main(argv: list[str] | None = None) -> int:
    args = build_arg_parser().parse_args(argv)
    out_dir = P.resolve(args.out_dir, Path.cwd()) if args.out_dir is not None else P.PROJ_ROOT
    try:
        if args.evidence_n < 1:
            raise ReportError(f"--evidence-n must be at least 1, got {args.evidence_n}")
        written = build_report(out_dir, hide_code=args.hide_code, evidence_n=args.evidence_n)
    except ReportError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    for page in written:
        print(f"wrote {page}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
