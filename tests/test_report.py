"""The shared HTML report (helpers.report): offline, deterministic, and scraped markup shown as text.

The hostile notebook built here puts tests/fixtures/hostile_page.txt (a raw
page carrying <script>, onerror=, <iframe>, javascript: links, entities and
ordinary op-ed prose) into every kind of output a notebook can produce:
printed text, a DataFrame, a pandas Styler (which does NOT escape), raw
IPython HTML and Markdown, a JavaScript output and a traceback.
``tests/test_browser.py`` reuses ``make_hostile_notebook`` and
``make_demo_figures``.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from bs4 import BeautifulSoup

from helpers import report
from helpers.paths import run_paths

FIXTURES = Path(__file__).resolve().parent / "fixtures"
HOSTILE_PAGE = FIXTURES / "hostile_page.txt"
EXECUTE_TIMEOUT = 120  # seconds per cell


def make_hostile_notebook(path: Path) -> Path:
    """Execute (kernel python3) a notebook whose outputs carry the hostile page; write it to ``path``."""
    from nbclient import NotebookClient

    v4 = nbformat.v4
    cells = [
        v4.new_markdown_cell(
            "# 99 · Hostile page\n\nEvery kind of output, carrying a raw page's markup.\n\n"
            "| output | how it carries text |\n|---|---|\n| print | text/plain |\n| DataFrame | text/html |"
        ),
        v4.new_code_cell('raw_dir = "data/raw"  # directory of raw pages\nout_dir = "."  # root of outputs',
                         metadata={"tags": ["parameters"]}),
        v4.new_code_cell(
            "from pathlib import Path\n\nimport pandas as pd\n"
            "from IPython.display import HTML, Javascript, Markdown, display\n\n"
            f"hostile = Path({str(HOSTILE_PAGE)!r}).read_text(encoding='utf-8')"
        ),
        v4.new_code_cell("print(hostile)"),
        v4.new_code_cell('pd.set_option("display.max_colwidth", None)\n'
                        'page = pd.DataFrame({"author": ["A. Writer"], "text": [hostile]})\npage'),
        v4.new_code_cell('page.style.hide(axis="index").set_uuid("hostile")'),
        v4.new_code_cell("display(HTML(hostile))"),
        v4.new_code_cell("display(Markdown(hostile))"),
        v4.new_code_cell('display(Javascript("alert(2)"))'),
        v4.new_code_cell(
            "import matplotlib\nmatplotlib.use('agg')\n%matplotlib inline\nimport matplotlib.pyplot as plt\n\n"
            "fig, ax = plt.subplots(figsize=(4, 2.5))\nax.bar(['a', 'b'], [2, 3])\nax.set_title('a figure');"
        ),
        v4.new_code_cell("raise ValueError(hostile[:90])"),
    ]
    nb = v4.new_notebook(
        cells=cells,
        metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
    )
    NotebookClient(nb, kernel_name="python3", timeout=EXECUTE_TIMEOUT, allow_errors=True).execute()
    for cell in nb.cells:
        cell.metadata.pop("execution", None)  # timestamps
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


def make_demo_figures(figures_dir: Path) -> list[str]:
    """Two small byte-stable figures (PNG + SVG + CSV) and a captions.yaml naming one of them."""
    import matplotlib

    matplotlib.use("agg")
    import matplotlib.pyplot as plt

    figures_dir.mkdir(parents=True, exist_ok=True)
    slugs = ["zeta-timeline", "alias-share"]
    for i, slug in enumerate(slugs):
        fig, ax = plt.subplots(figsize=(5, 3), dpi=80)
        ax.bar(["Phillips", "Rubin", "Al-Aqidi"], [3 + i, 2, 4 - i], color=["#0072B2", "#E69F00", "#009E73"])
        ax.set_ylabel("mentions")
        fig.savefig(figures_dir / f"{slug}.png", metadata={"Software": None})
        fig.savefig(figures_dir / f"{slug}.svg", metadata={"Date": None, "Creator": None})
        plt.close(fig)
        (figures_dir / f"{slug}.csv").write_text("author,n\nPhillips,3\n", encoding="utf-8")
    (figures_dir / "captions.yaml").write_text(
        "# display order and captions of the key figures\n"
        "zeta-timeline: Articles by publication date, one colour per author <b>(bold?)</b>\n",
        encoding="utf-8",
    )
    return slugs


@pytest.fixture(scope="module")
def hostile_report(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("out")
    make_hostile_notebook(run_paths(out_dir=out).executed_notebooks_dir / "99-hostile.ipynb")
    make_demo_figures(run_paths(out_dir=out).figures_dir)
    report.build_report(out)
    return out


def _soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


# --- the sanitiser, on literal inputs -------------------------------------------------


def test_sanitiser_escapes_scripts_and_drops_handlers_and_javascript_links():
    assert report.sanitize_output_html("<script>alert(1)</script>") == "&lt;script&gt;alert(1)&lt;/script&gt;"
    assert report.sanitize_output_html('<a href="javascript:alert(1)">x</a>') == '&lt;a href="javascript:alert(1)"&gt;x&lt;/a&gt;'
    assert report.sanitize_markdown_html('<a href="JaVaScRiPt:alert(1)">x</a>') == "<a>x</a>"
    assert report.sanitize_markdown_html('<a href="data:text/html,x">x</a>') == "<a>x</a>"
    assert report.sanitize_markdown_html('<img src="data:text/html,x">') == "<img>"
    assert report.sanitize_markdown_html('<img src="data:image/png;base64,AA==" onerror="x">') == (
        '<img src="data:image/png;base64,AA==">'
    )
    assert report.sanitize_output_html("<div><style>body { display: none }</style><p>x</p></div>") == "<div><p>x</p></div>"
    assert report.sanitize_output_html('<p style="position: fixed; color: red">x</p>') == '<p style="color: red;">x</p>'
    assert report.sanitize_output_html('<b onclick="alert(1)">x</b>') == "<b>x</b>"
    assert report.sanitize_output_html("<img src=x onerror=alert(1)>") == "&lt;img src=x onerror=alert(1)&gt;"
    assert report.sanitize_output_html('<iframe src="https://e.invalid"></iframe>') == (
        '&lt;iframe src="https://e.invalid"&gt;&lt;/iframe&gt;'
    )


def test_sanitiser_keeps_what_tables_and_prose_need():
    table = '<table border="1" class="dataframe"><thead><tr style="text-align: right;"><th>a</th></tr></thead>' \
            "<tbody><tr><td>1</td></tr></tbody></table>"
    assert report.sanitize_output_html(table) == table
    assert report.sanitize_markdown_html('<a href="https://example.org/x">x</a>') == '<a href="https://example.org/x">x</a>'
    assert report.sanitize_markdown_html('<h2 id="s">S</h2><p><img src="../figures/a.png" alt="A"></p>') == (
        '<h2 id="s">S</h2><p><img src="../figures/a.png" alt="A"></p>'
    )
    assert report.sanitize_output_html('<p><img src="a.png"></p>') == '<p>&lt;img src="a.png"&gt;</p>'


def test_pandas_dataframe_html_escapes_cell_values():
    html = pd.DataFrame({"text": ["<script>alert(1)</script> & <b>x</b>"]}).to_html()
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;b&gt;x&lt;/b&gt;" in html
    assert "<script>" not in html


# --- small pieces -----------------------------------------------------------------------


def test_slug_caption():
    assert report.slug_caption("naming-share_by-author") == "Naming share by author"
    assert report.slug_caption("x") == "X"


def test_png_size_and_bad_png(tmp_path):
    header = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + (640).to_bytes(4, "big") + (480).to_bytes(4, "big")
    assert report.png_size(header, tmp_path / "a.png") == (640, 480)
    with pytest.raises(report.ReportError, match=r"b\.png: not a PNG image"):
        report.png_size(b"GIF89a" + bytes(30), tmp_path / "b.png")


def test_captions_yaml_errors_name_the_file(tmp_path):
    (tmp_path / "captions.yaml").write_text("a: [unclosed\n", encoding="utf-8")
    with pytest.raises(report.ReportError, match=r"captions\.yaml line \d+: not valid YAML"):
        report.read_captions(tmp_path)
    (tmp_path / "captions.yaml").write_text("a: 3\n", encoding="utf-8")
    with pytest.raises(report.ReportError, match=r"captions\.yaml: caption of 'a' must be a non-empty string"):
        report.read_captions(tmp_path)
    (tmp_path / "captions.yaml").write_text("a:  two\n   lines\n", encoding="utf-8")
    assert report.read_captions(tmp_path) == {"a": "two lines"}


def test_notebook_title():
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("x = 1"),
        nbformat.v4.new_markdown_cell("intro\n# 01 · **Cleaning** pages\n\ntext"),
    ])
    assert report.notebook_title(nb, "01-clean") == "01 · Cleaning pages"
    assert report.notebook_title(nbformat.v4.new_notebook(), "01-clean") == "01-clean"


def test_no_executed_notebook_is_a_clear_error(tmp_path, capsys):
    with pytest.raises(report.ReportError, match="no executed notebook in .*reports/notebooks"):
        report.build_report(tmp_path)
    assert report.main(["--out-dir", str(tmp_path)]) == 1
    assert "make run" in capsys.readouterr().err


def test_unreadable_notebook_names_the_file(tmp_path):
    nbdir = run_paths(out_dir=tmp_path).executed_notebooks_dir
    nbdir.mkdir(parents=True)
    (nbdir / "01-broken.ipynb").write_text("{not json", encoding="utf-8")
    with pytest.raises(report.ReportError, match=r"01-broken\.ipynb: not a readable notebook"):
        report.build_report(tmp_path)


def test_markdown_cells_are_sanitised_and_attachments_embedded():
    png = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
    cell = nbformat.v4.new_markdown_cell(
        "## Notes <script>alert(3)</script>\n\n![dot](attachment:dot.png) [doc](javascript:alert(4))"
    )
    cell["attachments"] = {"dot.png": {"image/png": png}}
    html = report.render_notebook(nbformat.v4.new_notebook(cells=[cell]), "notes")
    soup = BeautifulSoup(html, "html.parser")
    body = soup.select_one(".jp-MarkdownOutput")
    # mistune hands "<script>" and "</script>" over as separate pieces: both end up as text
    assert "<script>" in body.get_text() and "alert(3)" in body.get_text()
    assert not soup.find_all("script")
    assert body.img["src"] == "data:image/png;base64," + png and body.img["alt"] == "dot"
    assert [a.get("href") for a in body.find_all("a")] == [None]  # the javascript: link lost its target


def test_index_without_figures_says_so(tmp_path):
    nbdir = run_paths(out_dir=tmp_path).executed_notebooks_dir
    nbdir.mkdir(parents=True)
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# 01 · A title")]),
                   nbdir / "01-a.ipynb")
    (nbdir / "02-b.failed.ipynb").write_text("{}", encoding="utf-8")  # failed runs are not published
    stale = report.html_dir(tmp_path) / "00-gone.html"
    stale.parent.mkdir(parents=True)
    stale.write_text("old", encoding="utf-8")
    written = report.build_report(tmp_path)
    assert [p.name for p in written] == ["01-a.html", "index.html"]
    assert not stale.exists()
    index = _soup(report.html_dir(tmp_path) / "index.html")
    assert "No figures yet" in index.get_text()
    assert not index.find_all("img")
    assert [(a["href"], a.get_text()) for a in index.select("ol.notebooks a")] == [("01-a.html", "01 · A title")]


# --- the rendered hostile notebook ----------------------------------------------------------


PAYLOADS = ("<script>alert(1)</script>", "onerror=alert(1)", "<iframe", "javascript:alert(1)")


def _executable_markup(soup: BeautifulSoup) -> list[str]:
    """Every element or attribute that a browser would run, load or frame."""
    found = [f"<{t.name}>" for t in soup.find_all(["script", "iframe", "object", "embed", "svg", "link", "base", "form"])]
    for tag in soup.find_all(True):
        for attr, value in tag.attrs.items():
            value = " ".join(value) if isinstance(value, list) else str(value)
            if attr.lower().startswith("on"):
                found.append(f"<{tag.name} {attr}=>")
            if re.match(r"\s*(javascript|vbscript|data:text/html)", value, re.I) and attr.lower() in ("href", "src", "action", "formaction"):
                found.append(f"<{tag.name} {attr}={value[:30]}>")
            if attr.lower() in ("src", "href") and re.match(r"\s*(https?:)?//", value, re.I) and tag.name != "a":
                found.append(f"<{tag.name} {attr}={value[:40]}> (network fetch)")
    return found


def test_no_markup_from_the_page_survives_as_markup(hostile_report):
    for page in sorted(report.html_dir(hostile_report).glob("*.html")):
        soup = _soup(page)
        assert _executable_markup(soup) == [], page.name
        assert not [img for img in soup.find_all("img") if not img["src"].startswith("data:image/")], page.name


def test_the_page_text_is_visible_in_every_kind_of_output(hostile_report):
    soup = _soup(report.html_dir(hostile_report) / "99-hostile.html")
    outputs = [(o.get("data-mime-type"), o.get_text()) for o in soup.select(".jp-OutputArea-output")]
    kinds = ["print", "DataFrame", "Styler", "HTML", "Markdown", "Javascript", "figure", "traceback"]
    assert [mime for mime, _ in outputs] == [
        "text/plain", "text/html", "text/html", "text/html", "text/markdown",
        "application/javascript", None, "application/vnd.jupyter.stderr",
    ]
    shown = dict(zip(kinds, (text for _, text in outputs)))
    for kind in ("print", "DataFrame", "Styler", "HTML"):
        for payload in PAYLOADS:
            assert payload in shown[kind], (kind, payload)
        assert "Mujahedin-e Khalq" in shown[kind], kind
    # Markdown built from data: html5lib re-orders the dead markup, but it is still text
    assert "<script>" in shown["Markdown"] and "onerror" in shown["Markdown"] and "<iframe" in shown["Markdown"]
    assert "Mujahedin-e Khalq" in shown["Markdown"]
    # entities of the raw text are characters to show, not markup to decode
    for kind in ("print", "DataFrame"):
        assert "&amp; its members" in shown[kind] and "&lt;script&gt; it claims" in shown[kind], kind
    assert "<script>alert(1)</script>" in shown["traceback"]
    assert shown["Javascript"].strip() == "[JavaScript output: not run in the static report]"
    assert len(soup.select(".jp-RenderedImage img[src^='data:image/png;base64,']")) == 1


def test_every_page_is_offline_and_carries_the_policy(hostile_report):
    for page in sorted(report.html_dir(hostile_report).glob("*.html")):
        text = page.read_text(encoding="utf-8")
        soup = BeautifulSoup(text, "html.parser")
        csp = soup.find("meta", attrs={"http-equiv": "Content-Security-Policy"})
        assert csp is not None and csp["content"] == report.CSP, page.name
        assert "script-src 'none'" in csp["content"] and "default-src 'none'" in csp["content"]
        assert text.index("Content-Security-Policy") < text.index("<style"), "the policy must precede the styles"
        for needle in ("cdnjs", "unpkg", "require.min.js", "MathJax.Hub", "mermaid.esm", "@import", "fonts.googleapis"):
            assert needle not in text, (page.name, needle)
        assert not soup.find_all("script")


def test_index_shows_figures_in_caption_order_and_links_files(hostile_report):
    soup = _soup(report.html_dir(hostile_report) / "index.html")
    figures = soup.select("figure")
    assert [f["id"] for f in figures] == ["fig-zeta-timeline", "fig-alias-share"]  # captions.yaml first
    captions = [f.figcaption.get_text(" ", strip=True) for f in figures]
    assert captions[0].startswith("Figure 1. Articles by publication date, one colour per author <b>(bold?)</b>")
    assert captions[1].startswith("Figure 2. Alias share")
    assert [a["href"] for a in figures[0].select("a")] == [
        "../figures/zeta-timeline.png", "../figures/zeta-timeline.svg", "../figures/zeta-timeline.csv",
    ]
    img = figures[0].img
    assert img["src"].startswith("data:image/png;base64,") and (img["width"], img["height"]) == ("400", "240")
    assert [a["href"] for a in soup.select("ol.notebooks a")] == ["99-hostile.html"]
    intro = soup.select_one("section.intro").get_text()
    for writer in ("Phillips", "Al-Aqidi", "Rubin", "Larison"):
        assert writer in intro


def test_two_renders_give_identical_bytes(hostile_report, tmp_path):
    first = {p.name: p.read_bytes() for p in report.html_dir(hostile_report).glob("*.html")}
    report.build_report(hostile_report)
    second = {p.name: p.read_bytes() for p in report.html_dir(hostile_report).glob("*.html")}
    assert first == second and len(first) == 2


def test_hide_code_leaves_out_code_but_keeps_outputs(hostile_report):
    shown = _soup(report.html_dir(hostile_report) / "99-hostile.html")
    assert "page.style.hide" in shown.get_text()
    try:
        assert report.main(["--out-dir", str(hostile_report), "--hide-code"]) == 0
        hidden = _soup(report.html_dir(hostile_report) / "99-hostile.html")
        assert "page.style.hide" not in hidden.get_text()
        assert not hidden.select(".jp-InputPrompt")
        assert "<script>alert(1)</script>" in hidden.get_text()
        assert "code cells hidden" in _soup(report.html_dir(hostile_report) / "index.html").get_text()
    finally:
        report.build_report(hostile_report)


@pytest.mark.e2e
def test_hostile_page_through_the_clean_stage_shows_as_text(tmp_path):
    """The real path: the hostile page in a raw directory, 01-clean run by the batch runner, then the report."""
    import shutil

    from helpers import pipeline
    from helpers.paths import DEFAULT_RAW_DIR

    raw = tmp_path / "raw"
    raw.mkdir()
    shutil.copy(HOSTILE_PAGE, raw / "hostile_page.txt")
    shutil.copy(sorted(DEFAULT_RAW_DIR.glob("*.txt"))[0], raw)
    out = tmp_path / "out"
    assert pipeline.main(["--only", "clean", "--raw-dir", str(raw), "--out-dir", str(out)]) == 0
    report.build_report(out)
    articles = pd.read_parquet(run_paths(raw, out).articles)
    assert "hostile_page.txt" in set(articles["source_file"]), "the op-ed prose should survive cleaning"
    soup = _soup(report.html_dir(out) / "01-clean.html")
    assert _executable_markup(soup) == []
    shown = soup.get_text()
    assert "<script>alert(1)" in shown and "<iframe" in shown  # long cells are cut at display.max_colwidth
