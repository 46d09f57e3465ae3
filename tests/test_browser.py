"""The shared report in a real browser: headless Chromium loads every page from disk.

A page fails when the browser logs an error (a blocked script or fetch, a
missing file, a CSP violation), when a JavaScript dialog opens (the hostile
page's ``alert(1)`` must never run), or when an image did not decode. One
screenshot per page is saved under the test's temporary directory.

Chromium is Debian's ``chromium`` package, driven over the DevTools protocol
with ``websocket-client`` (already installed as a Jupyter dependency).
``make test`` runs ``scripts/ensure_chromium.sh`` first, which installs it
where it can; where it cannot, these tests skip and say why.
"""

from __future__ import annotations

import base64
import itertools
import json
import os
import shutil
import signal
import subprocess
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from helpers import report
from helpers.paths import PROJ_ROOT, run_paths

pytestmark = pytest.mark.e2e  # starts real processes (browser / Jupyter server): not in `make test-fast`

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--disable-dev-shm-usage",  # small /dev/shm in containers
    "--disable-extensions",
    "--disable-default-apps",
    "--mute-audio",
    "--hide-scrollbars",
    "--window-size=1280,900",
    "--remote-debugging-port=0",  # Chromium picks a free port and writes it to DevToolsActivePort
]
START_TIMEOUT = 30.0
PAGE_TIMEOUT = 30.0
SETTLE_SECONDS = 0.5  # after load: late console messages (CSP reports) arrive asynchronously
MAX_SCREENSHOT_HEIGHT = 8000

if not (Path(CHROMIUM).is_file() and os.access(CHROMIUM, os.X_OK)):
    pytest.skip(
        f"\n\n!!! {CHROMIUM} not found: the HTML report is NOT checked in a browser. "
        "Run scripts/ensure_chromium.sh as root (or: apt-get install chromium).\n",
        allow_module_level=True,
    )


class DevTools:
    """A minimal Chrome DevTools Protocol client over one page's websocket."""

    def __init__(self, ws_url: str, timeout: float = PAGE_TIMEOUT) -> None:
        import websocket  # websocket-client

        self.ws = websocket.create_connection(ws_url, timeout=timeout, suppress_origin=True)
        self.ids = itertools.count(1)
        self.events: list[dict[str, Any]] = []

    def close(self) -> None:
        self.ws.close()

    def _receive(self, deadline: float) -> dict[str, Any]:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("DevTools: no answer in time")
        self.ws.settimeout(remaining)
        msg = json.loads(self.ws.recv())
        if msg.get("method") == "Page.javascriptDialogOpening":
            # A dialog blocks the page: record it (the event is kept) and dismiss it.
            self.ws.send(json.dumps({"id": next(self.ids), "method": "Page.handleJavaScriptDialog",
                                     "params": {"accept": True}}))
        return msg

    def call(self, method: str, timeout: float = PAGE_TIMEOUT, **params: Any) -> dict[str, Any]:
        msg_id = next(self.ids)
        self.ws.send(json.dumps({"id": msg_id, "method": method, "params": params}))
        deadline = time.monotonic() + timeout
        while True:
            msg = self._receive(deadline)
            if msg.get("id") == msg_id:
                if "error" in msg:
                    raise RuntimeError(f"DevTools {method}: {msg['error']}")
                return msg.get("result", {})
            if "method" in msg:
                self.events.append(msg)

    def wait_for(self, method: str, timeout: float = PAGE_TIMEOUT) -> dict[str, Any]:
        for i, event in enumerate(self.events):
            if event["method"] == method:
                return self.events.pop(i)
        deadline = time.monotonic() + timeout
        while True:
            msg = self._receive(deadline)
            if msg.get("method") == method:
                return msg
            if "method" in msg:
                self.events.append(msg)

    def drain(self, seconds: float) -> None:
        """Collect the events that arrive during ``seconds``."""
        import websocket

        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                msg = self._receive(deadline)
            except (websocket.WebSocketTimeoutException, TimeoutError):
                break
            if "method" in msg:
                self.events.append(msg)

    def evaluate(self, expression: str) -> Any:
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"evaluate failed: {result['exceptionDetails']}")
        return result["result"].get("value")


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    """A headless Chromium with a fresh profile; always killed at the end."""
    profile = tmp_path_factory.mktemp("chromium-profile")
    log = (profile.parent / "chromium.log").open("wb")
    # Everything Chromium writes (crash reports, caches) stays in tmp, not in the user's home.
    env = dict(os.environ, XDG_CONFIG_HOME=str(profile / "config"), XDG_CACHE_HOME=str(profile / "cache"))
    proc = subprocess.Popen(
        [CHROMIUM, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "about:blank"],
        stdout=log, stderr=subprocess.STDOUT, start_new_session=True, env=env,
    )
    try:
        port_file = profile / "DevToolsActivePort"
        deadline = time.monotonic() + START_TIMEOUT
        while not (port_file.exists() and port_file.read_text().strip()):
            if proc.poll() is not None:
                pytest.fail(f"chromium exited with {proc.returncode}; see {log.name}")
            if time.monotonic() > deadline:
                pytest.fail(f"chromium did not open its DevTools port within {START_TIMEOUT:.0f}s")
            time.sleep(0.05)
        port = int(port_file.read_text().split()[0])
        yield f"http://127.0.0.1:{port}"
    finally:
        _kill_group(proc)
        log.close()


def _kill_group(proc: subprocess.Popen, grace: float = 10.0) -> None:
    """Stop the browser and every process it started (its own process group)."""
    def group_alive() -> bool:
        try:
            os.killpg(proc.pid, 0)
        except ProcessLookupError:
            return False
        return True

    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            break
        deadline = time.monotonic() + grace
        while time.monotonic() < deadline:
            proc.poll()  # reap the direct child
            if not group_alive():
                break
            time.sleep(0.05)
        else:
            continue
        break
    proc.wait(timeout=grace)


def _open_page(endpoint: str) -> DevTools:
    """A new, empty tab with the events the checks need switched on."""
    req = urllib.request.Request(f"{endpoint}/json/new?about:blank", method="PUT")
    with urllib.request.urlopen(req, timeout=10) as resp:
        target = json.load(resp)
    tab = DevTools(target["webSocketDebuggerUrl"])
    tab.target_id = target["id"]  # type: ignore[attr-defined]
    for domain in ("Page", "Runtime", "Log"):
        tab.call(f"{domain}.enable")
    tab.call("Emulation.setDeviceMetricsOverride", width=1280, height=900, deviceScaleFactor=1, mobile=False)
    return tab


def _close_page(endpoint: str, tab: DevTools) -> None:
    tab.close()
    with urllib.request.urlopen(f"{endpoint}/json/close/{tab.target_id}", timeout=10):  # type: ignore[attr-defined]
        pass


IMAGES_JS = """
Promise.all(Array.from(document.images).map(img => img.decode().then(() => 0, () => 0)))
  .then(() => Array.from(document.images).map(img => ({
      src: img.getAttribute('src').slice(0, 80), complete: img.complete, naturalWidth: img.naturalWidth})))
"""


def check_page(endpoint: str, page: Path, screenshot: Path) -> dict[str, Any]:
    """Load one page from disk; return what went wrong (errors, dialogs, broken images) and what it shows."""
    tab = _open_page(endpoint)
    try:
        tab.call("Page.navigate", url=page.resolve().as_uri())
        tab.wait_for("Page.loadEventFired")
        images = tab.call(
            "Runtime.evaluate", expression=IMAGES_JS, awaitPromise=True, returnByValue=True
        )["result"]["value"]
        text = tab.evaluate("document.body ? document.body.innerText : ''")
        n_scripts = tab.evaluate("document.scripts.length")
        tab.drain(SETTLE_SECONDS)
        height = min(MAX_SCREENSHOT_HEIGHT, int(tab.evaluate("document.documentElement.scrollHeight")))
        shot = tab.call(
            "Page.captureScreenshot", format="png", captureBeyondViewport=True,
            clip={"x": 0, "y": 0, "width": 1280, "height": max(height, 1), "scale": 1},
        )
        screenshot.write_bytes(base64.b64decode(shot["data"]))
        tab.drain(0.1)
    finally:
        _close_page(endpoint, tab)
    errors = []
    dialogs = []
    for event in tab.events:
        method, params = event["method"], event.get("params", {})
        if method == "Log.entryAdded" and params["entry"]["level"] == "error":
            entry = params["entry"]
            errors.append(f"{entry.get('source')}: {entry.get('text')} {entry.get('url', '')}".strip())
        elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            errors.append("console." + params["type"] + ": " + " ".join(str(a.get("value", a.get("description"))) for a in params.get("args", [])))
        elif method == "Runtime.exceptionThrown":
            errors.append("exception: " + params["exceptionDetails"].get("text", ""))
        elif method == "Page.javascriptDialogOpening":
            dialogs.append(f"{params.get('type')}: {params.get('message')}")
    broken = [img for img in images if not img["complete"] or img["naturalWidth"] <= 0]
    return {"errors": errors, "dialogs": dialogs, "broken_images": broken, "images": images,
            "text": text, "n_scripts": n_scripts}


# --- the report under test ------------------------------------------------------


@pytest.fixture(scope="module")
def rendered_report(tmp_path_factory) -> Path:
    """A fresh render into tmp: of the committed executed notebooks and figures when
    there are any, else of a small generated notebook; the hostile-text notebook
    is always added, so the browser sees scraped markup in a rendered page."""
    from test_report import make_hostile_notebook, make_demo_figures  # tests/ is on sys.path

    out = tmp_path_factory.mktemp("report")
    paths = run_paths(out_dir=out)
    project = run_paths(out_dir=PROJ_ROOT)
    paths.executed_notebooks_dir.mkdir(parents=True)
    committed = report.executed_notebooks(project.executed_notebooks_dir)
    for nb in committed:
        shutil.copy(nb, paths.executed_notebooks_dir / nb.name)
    if project.figures_dir.is_dir() and any(project.figures_dir.glob("*.png")):
        shutil.copytree(project.figures_dir, paths.figures_dir)
    else:
        make_demo_figures(paths.figures_dir)
    make_hostile_notebook(paths.executed_notebooks_dir / "99-hostile.ipynb")
    add_evidence_with_hostile_text(project, paths)
    report.build_report(out)
    return out


HOSTILE_EVIDENCE = 'The MEK <script>alert(1)</script> was <img src=x onerror=alert(1)> called "a <b>cult</b>".'


def add_evidence_with_hostile_text(project, paths) -> None:
    """The committed run's evidence and articles, plus one article by "Hostile Writer" whose
    scraped text carries markup, with a frame's evidence pointing into it."""
    import pandas as pd

    from helpers import schema
    from helpers.io import read_table, write_parquet

    paths.processed_dir.mkdir(parents=True, exist_ok=True)
    articles = read_table(project.articles, schema.ARTICLES)
    evidence = read_table(project.processed_dir / "evidence.parquet", schema.EVIDENCE)
    extra = articles.iloc[[0]].assign(article_id="ffffffffffff", author="Hostile Writer", text=HOSTILE_EVIDENCE,
                                      n_words=len(HOSTILE_EVIDENCE.split()))
    row = evidence.iloc[[0]].assign(author="Hostile Writer", kind="frame", category="cult_abuse",
                                    article_id="ffffffffffff", sent_id=0, start_char=0, end_char=len(HOSTILE_EVIDENCE),
                                    cue_spans="4-7", cue="MEK")
    write_parquet(pd.concat([articles, extra], ignore_index=True), paths.articles, schema.ARTICLES)
    write_parquet(pd.concat([evidence, row], ignore_index=True), paths.processed_dir / "evidence.parquet", schema.EVIDENCE)


def report_pages(out: Path) -> list[Path]:
    return sorted(report.html_dir(out).glob("*.html"))


def test_every_page_loads_clean_in_chromium(browser, rendered_report, tmp_path):
    pages = report_pages(rendered_report)
    assert any(p.name == "index.html" for p in pages) and len(pages) >= 2
    problems = {}
    shots = tmp_path / "screenshots"
    shots.mkdir()
    for page in pages:
        result = check_page(browser, page, shots / f"{page.stem}.png")
        assert (shots / f"{page.stem}.png").stat().st_size > 1000
        bad = {k: result[k] for k in ("errors", "dialogs", "broken_images") if result[k]}
        if result["n_scripts"]:
            bad["scripts"] = result["n_scripts"]
        if bad:
            problems[page.name] = bad
    print(f"\nscreenshots: {shots}")
    assert not problems, json.dumps(problems, indent=1)[:4000]


def test_index_shows_figures_and_links_every_notebook(browser, rendered_report, tmp_path):
    result = check_page(browser, report.html_dir(rendered_report) / "index.html", tmp_path / "index.png")
    assert result["images"], "the index shows no figure"
    assert all(img["naturalWidth"] > 0 for img in result["images"])
    for nb in report.executed_notebooks(run_paths(out_dir=rendered_report).executed_notebooks_dir):
        assert (report.html_dir(rendered_report) / f"{nb.stem}.html").exists()
    assert "Phillips" in result["text"] and "Al-Aqidi" in result["text"]


def test_hostile_markup_shows_as_text_in_the_browser(browser, rendered_report, tmp_path):
    page = report.html_dir(rendered_report) / "99-hostile.html"
    result = check_page(browser, page, tmp_path / "hostile.png")
    assert not result["dialogs"] and not result["errors"]
    assert result["n_scripts"] == 0
    # what the reader sees is the markup itself, as characters
    assert "<script>alert(1)</script>" in result["text"]
    assert "onerror=alert(1)" in result["text"]
    assert "Mujahedin-e Khalq" in result["text"]


def test_evidence_pages_are_linked_and_show_scraped_markup_as_text(browser, rendered_report, tmp_path):
    html = report.html_dir(rendered_report)
    pages = sorted(html.glob("evidence-*.html"))
    assert any(p.name == "evidence-hostile-writer.html" for p in pages) and len(pages) >= 5
    index = (html / "index.html").read_text(encoding="utf-8")
    for page in pages:  # from the index, and from a figure's caption to the writer's frames
        assert f'href="{page.name}"' in index and f'href="{page.name}#frame"' in index
    result = check_page(browser, html / "evidence-hostile-writer.html", tmp_path / "evidence.png")
    assert not result["dialogs"] and not result["errors"] and result["n_scripts"] == 0
    assert "<script>alert(1)</script>" in result["text"] and "onerror=alert(1)" in result["text"]
    assert "<b>cult</b>" in result["text"]  # the page's own <b> is text; the cue's bold is markup
    rubin = check_page(browser, html / "evidence-michael-rubin.html", tmp_path / "rubin.png")
    assert "intelligence_credibility" in rubin["text"] and "shown" in rubin["text"]


def test_the_harness_catches_a_page_that_runs_script(browser, tmp_path):
    """Control: an unsanitised page with the same payload must fail the checks above."""
    page = tmp_path / "unsafe.html"
    page.write_text(
        "<!DOCTYPE html><html><body><p>unsafe</p><img src=missing.png onerror=alert(1)></body></html>",
        encoding="utf-8",
    )
    tab_result = check_page(browser, page, tmp_path / "unsafe.png")
    assert tab_result["dialogs"] or tab_result["errors"]
    assert tab_result["broken_images"]
