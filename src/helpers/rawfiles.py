"""Reading the raw directory: which files are pages, how they decode, whether they are intact.

In: a raw directory (every file in it, sorted by name; dot-files are ignored),
optionally a ``SHA256SUMS`` file (sha256sum format) and a metadata overrides file.
Out: one manifest row per file (``schema.RAW_MANIFEST``) and, for every accepted
page, its decoded text; plus one warning line per problem, naming the file.
Used by: ``helpers.clean`` (notebook 01-clean).

Rules (a rejected file is reported and the run goes on):

* ``.txt`` pages are decoded as UTF-8 when they are valid UTF-8 (a BOM is
  dropped, encoding ``utf-8-sig``); otherwise charset-normalizer guesses. A
  guess in the Latin single-byte family is resolved to ``cp1252`` when the bytes
  use 0x80–0x9F (curly quotes, dashes) and to ``iso-8859-1`` otherwise (the two
  agree on every other byte); any other guess is used as given.
* ``.html``/``.htm`` pages are decoded the same way, then trafilatura extracts
  the main text (no comments, no tables, precision favoured; deterministic; its
  baseline extractor when the precise one keeps too little) and the page's
  metadata (title, author, date, site name; ``Page.meta``). All offsets of later
  tables then refer to that extracted text, not to the HTML.
* Mojibake (UTF-8 that was read as cp1252 and saved again: "Itâ€™s") is repaired
  with ftfy, and the manifest note says so.
* An RSS or Atom feed saved as a page (``.txt`` or ``.html`` starting with ``<rss``,
  ``<feed`` or ``<rdf:RDF``) is read with feedparser and turned into text: the channel's
  title, then per entry its headline, "By <author>", its date and its paragraphs, then the
  channel's copyright; offsets refer to that text.
* A ``.txt``/``.html`` page that is mostly UTF-8 but holds some bytes that are
  not (a page pasted together from a UTF-8 and a cp1252 source) is read as
  UTF-8 with each stray byte read as cp1252 (latin-1 for the five bytes cp1252
  leaves undefined): encoding ``utf-8+cp1252``, and the manifest note counts
  the stray bytes. "Mostly" means the valid multi-byte UTF-8 characters
  outnumber the stray bytes; otherwise the page goes to charset-normalizer.
* Rejected: empty files (0 bytes or whitespace only), binary files (NUL bytes,
  undecodable, or more than 1% control characters), other extensions, exact
  duplicates (same sha256 as an earlier file by name), pages larger than
  ``max_page_bytes`` (default ``MAX_PAGE_BYTES``, 5 MB: fifty times the longest
  news article, and cleaning costs about 2.5 s and 60 MB of memory per MB of
  page; such a file is hashed in chunks, never read whole), and HTML nested
  deeper than the parser's limit (``MAX_HTML_DEPTH`` levels: the text below it
  would be lost without a word) or that trafilatura cannot read.
* Checksums: with a SHA256SUMS file, a page whose sha256 differs is rejected
  (``checksum mismatch: SHA256SUMS says X, file is Y``); a page not listed is
  analysed with status ``unlisted`` and a warning. Without one: ``unverified``.
* Control files (``SHA256SUMS``, ``metadata_overrides.csv``, or the files passed
  as ``checksums_file``/``overrides_file``) are listed with role
  ``checksums``/``overrides``. A checksums file is *used* only when passed and
  present: ``checksums_file=None`` (or a missing file) means no verification.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field
from pathlib import Path

from charset_normalizer import from_bytes

from .io import sha256_bytes, sha256_file
from .paths import CHECKSUMS_NAME, OVERRIDES_NAME

TEXT_SUFFIXES = (".txt",)
HTML_SUFFIXES = (".html", ".htm")
_LATIN_FAMILY = re.compile(r"^(cp125\d|latin_?\d*|iso8859_\d+|mac_\w+|windows_125\d)$")
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
_ESCAPED_BYTE = re.compile("[\udc80-\udcff]")
_UTF8_MULTIBYTE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")

MAX_PAGE_BYTES = 5_000_000
MAX_HTML_DEPTH = 255  # libxml2's default nesting limit (lxml, hence trafilatura)


def _stray_byte_as_cp1252(exc: UnicodeDecodeError) -> tuple[str, int]:
    """Decode error handler: bytes that are not UTF-8 are read as cp1252 (latin-1 where cp1252 has no character)."""
    bad = exc.object[exc.start:exc.end]
    chars = []
    for byte in bad:
        try:
            chars.append(bytes([byte]).decode("cp1252"))
        except UnicodeDecodeError:
            chars.append(chr(byte))
    return "".join(chars), exc.end


codecs.register_error("helpers_cp1252_fallback", _stray_byte_as_cp1252)


class ChecksumFileError(ValueError):
    """A SHA256SUMS file has a line that is not in sha256sum format."""


@dataclass
class Page:
    """An accepted page: its name, hash and the text all offsets refer to.

    ``meta``: for an HTML page, what its markup says of the article (``html_metadata``:
    title, author, date, site name); empty for a text page.
    """

    source_file: str
    sha256: str
    text: str
    meta: dict = field(default_factory=dict)


@dataclass
class RawScan:
    manifest_rows: list[dict]
    pages: list[Page]
    warnings: list[str]


def read_checksums(path: Path) -> dict[str, str]:
    """file name -> sha256 from a sha256sum-format file (``<hex>  <name>``, '*' binary mark allowed)."""
    sums: dict[str, str] = {}
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        m = re.match(r"^([0-9a-fA-F]{64}) [ *](.+)$", line)
        if not m:
            raise ChecksumFileError(f"{path}:{lineno}: not a sha256sum line: {line!r}")
        sums[Path(m.group(2).strip()).name] = m.group(1).lower()
    return sums


MIXED_ENCODING = "utf-8+cp1252"


def stray_bytes(data: bytes) -> int:
    """How many bytes of ``data`` are not part of valid UTF-8."""
    return len(_ESCAPED_BYTE.findall(data.decode("utf-8", errors="surrogateescape")))


def decode_bytes(data: bytes) -> tuple[str, str]:
    """(text, encoding name) of page bytes; ValueError when they are not text."""
    if b"\x00" in data:
        raise ValueError("binary file (contains NUL bytes)")
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    # mostly UTF-8 with a few stray bytes: keep the UTF-8, read only the strays as cp1252
    if len(_UTF8_MULTIBYTE.findall(data)) > stray_bytes(data):
        return data.decode("utf-8", errors="helpers_cp1252_fallback"), MIXED_ENCODING
    best = from_bytes(data).best()
    if best is None:
        raise ValueError("binary or undecodable file (no text encoding fits)")
    encoding = best.encoding
    if _LATIN_FAMILY.match(encoding):
        # Western pages: the 0x80-0x9F bytes are curly quotes and dashes in cp1252
        # and control characters in latin-1, so their presence decides.
        encoding = "cp1252" if re.search(rb"[\x80-\x9f]", data) else "iso-8859-1"
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            encoding = best.encoding
    return str(best), encoding


def html_depth_exceeded(html: str) -> bool:
    """True when tags nest deeper than the HTML parser follows (``MAX_HTML_DEPTH``)."""
    from lxml import etree

    parser = etree.HTMLParser()
    try:
        etree.fromstring(html, parser)
    except (etree.LxmlError, ValueError):
        pass  # an unreadable page is trafilatura's to judge
    return any("Excessive depth" in e.message for e in parser.error_log)


# trafilatura's precise extraction is used unless it keeps less than this share of the words
# its baseline extractor finds (an old table layout it cannot read, say)
MIN_EXTRACTED_SHARE = 0.6


def extract_html_text(html: str) -> str:
    """Main text of an HTML page (trafilatura, deterministic options).

    A page of several ``<article>`` elements is rendered block by block (``html_blocks_text``).
    Otherwise the precise extraction drops menus, sidebars and comments; when it keeps less than
    ``MIN_EXTRACTED_SHARE`` of the words of trafilatura's baseline extractor (every
    paragraph-like element), the baseline text is used instead, and the cleaning rules
    remove the furniture it holds.
    """
    import trafilatura

    text = trafilatura.extract(
        html,
        output_format="txt",
        include_comments=False,
        include_tables=False,
        include_images=False,
        include_links=False,
        favor_precision=True,
        deduplicate=False,
        with_metadata=False,
    ) or ""
    several = html_blocks_text(html)
    if several is not None:
        return several
    _, baseline, _ = trafilatura.baseline(html)
    if len(text.split()) < MIN_EXTRACTED_SHARE * len((baseline or "").split()):
        return baseline or ""
    return text


_BLOCK_TAGS = {"h1", "h2", "h3", "h4", "h5", "h6", "p", "li", "blockquote", "figcaption", "dt", "dd", "pre"}
_SKIP_TAGS = {"script", "style", "nav", "aside", "form", "button", "select", "noscript", "template", "svg"}
MIN_ARTICLE_ELEMENT_WORDS = 100


def html_blocks_text(html: str) -> str | None:
    """The text of a page holding several ``<article>`` elements (a debate, a digest, an
    archive), one block element (headings, paragraphs, list items, bylines) per paragraph, in
    document order, without menus, sidebars, forms and scripts; None for a page with fewer than
    two articles of ``MIN_ARTICLE_ELEMENT_WORDS`` words. The precise extraction keeps only one
    of them and drops their headlines and bylines."""
    from lxml import html as lxml_html

    try:
        root = lxml_html.fromstring(html)
    except (ValueError, Exception):  # noqa: BLE001 - an unreadable page: the usual extraction judges it
        return None
    articles = [a for a in root.iter("article") if len(a.text_content().split()) >= MIN_ARTICLE_ELEMENT_WORDS]
    if len(articles) < 2:
        return None
    body = root.find("body") if root.find("body") is not None else root
    blocks: list[str] = []

    def walk(el) -> None:
        if not isinstance(el.tag, str) or el.tag in _SKIP_TAGS:
            return
        has_block_child = any(isinstance(c.tag, str) and (c.tag in _BLOCK_TAGS or c.tag in ("div", "section", "article", "header", "footer", "ul", "ol")) for c in el)
        if el.tag in _BLOCK_TAGS or (el.tag in ("div", "span", "section", "header", "footer") and not has_block_child):
            text = " ".join(el.text_content().split())
            if text:
                blocks.append(text)
            return
        for child in el:
            walk(child)

    walk(body)
    return "\n\n".join(blocks) + "\n"


def html_metadata(html: str) -> dict:
    """What an HTML page's markup says of its article: title, author, date, site name
    (trafilatura's metadata extraction, which reads meta tags, JSON-LD and the headline;
    htmldate for the original publication date) and the text of its <title> tag (which often
    names the site).
    Values are raw strings or None; ``helpers.segment`` judges them."""
    from trafilatura import extract_metadata

    md = extract_metadata(html)
    m = re.search(r"(?is)<title[^>]*>(.*?)</title>", html)
    title_tag = None
    if m:
        from lxml import html as lxml_html

        title_tag = lxml_html.fromstring(f"<p>{m.group(1)}</p>").text_content().strip() or None
    from htmldate import find_date

    # the original publication date from the page's markup only (meta tags, time elements),
    # not a guess from its text or URL: a modified or "received" date is not wanted
    date = find_date(html, original_date=True, extensive_search=False)
    if md is None:
        return {k: v for k, v in (("title_tag", title_tag), ("date", date)) if v}
    return {"title": md.title, "author": md.author, "date": date or md.date, "sitename": md.sitename, "title_tag": title_tag}


_FEED_START = re.compile(r"^\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:rss|feed|rdf:RDF)\b", re.S)


def _html_paragraphs(html: str) -> list[str]:
    """The paragraphs of an HTML fragment (a feed entry's content), as plain text."""
    from lxml import html as lxml_html

    if not html.strip():
        return []
    root = lxml_html.fromstring(f"<div>{html}</div>")
    blocks = [b.text_content() for b in root.iter("p", "li", "blockquote", "h1", "h2", "h3", "h4")]
    blocks = [" ".join(b.split()) for b in blocks if b.strip()] or [" ".join(root.text_content().split())]
    return [b for b in blocks if b]


def feed_text(text: str) -> tuple[str, int] | None:
    """(text, number of entries) of an RSS or Atom feed saved as a page, read with feedparser:
    the channel's title, then each entry as a headline, a byline, its date and its paragraphs,
    then the channel's copyright; None when the text is not a feed."""
    if not _FEED_START.match(text[:2000]):
        return None
    import feedparser

    feed = feedparser.parse(text)
    if not feed.entries:
        return None
    lines: list[str] = []
    if feed.feed.get("title"):
        lines += [feed.feed["title"], ""]
    for entry in feed.entries:
        author = entry.get("author") or ""
        # RSS writes "email (Name)"; read the name from the raw value (feedparser's split of it
        # fails on unusual top-level domains)
        m = re.match(r"^\S+@\S+\s*\((?P<name>[^()]+)\)$", author.strip())
        author = m.group("name").strip() if m else author.strip()
        content = entry.get("content") or []
        body = content[0].get("value", "") if content else entry.get("summary", "")
        lines += [entry.get("title", ""), ""]
        if author:
            lines += [f"By {author}", ""]
        if entry.get("published") or entry.get("updated"):
            lines += [entry.get("published") or entry.get("updated"), ""]
        for paragraph in _html_paragraphs(body):
            lines += [paragraph, ""]
    if feed.feed.get("rights"):
        lines.append(feed.feed["rights"])
    return "\n".join(lines).strip() + "\n", len(feed.entries)


def fix_mojibake(text: str) -> tuple[str, bool]:
    """(text, changed): UTF-8 read as cp1252 and saved again ("Itâ€™s") repaired by ftfy."""
    import ftfy

    if not ftfy.is_bad(text):
        return text, False
    fixed = ftfy.fix_encoding(text)
    return fixed, fixed != text


def _row(name: str, role: str, sha: str | None, size: int, encoding: str | None,
         checksum_status: str, status: str, reason: str | None) -> dict:
    return {
        "source_file": name, "role": role, "sha256": sha, "size_bytes": size,
        "encoding": encoding, "checksum_status": checksum_status, "status": status,
        "reason": reason, "n_articles": 0,
    }


@dataclass(frozen=True)
class ScanSettings:
    """What every file's scan needs to know of the run (small, so it travels to dask workers)."""

    sums: dict[str, str] | None  # name -> sha256 from SHA256SUMS, or None: no verification
    control: dict[Path, str]  # resolved path -> role, for the control files
    max_page_bytes: int | None


@dataclass
class FileScan:
    """One file's manifest row, page and warnings, as if no earlier file had the same bytes.

    ``dedup``: the file got as far as the duplicate check (a supported, non-empty page whose
    checksum is not wrong); ``combine_scans`` then rejects it if an earlier file has its sha256.
    """

    name: str
    sha: str
    row: dict
    page: Page | None
    warnings: list[str]
    dedup: bool


def scan_settings(raw_dir: Path, checksums_file: Path | None = None, overrides_file: Path | None = None,
                  max_page_bytes: int | None = MAX_PAGE_BYTES) -> ScanSettings:
    """Read the checksums file (if passed and present) and name the control files of ``raw_dir``."""
    raw_dir = Path(raw_dir)
    if not raw_dir.is_dir():
        raise FileNotFoundError(f"raw directory {raw_dir} does not exist or is not a directory")
    # A control file is used only when it is passed and exists; a file with a
    # control name is listed with its role either way (never analysed as a page).
    if checksums_file is not None and not Path(checksums_file).is_file():
        checksums_file = None
    sums = read_checksums(Path(checksums_file)) if checksums_file is not None else None
    control = {(raw_dir / CHECKSUMS_NAME).resolve(): "checksums", (raw_dir / OVERRIDES_NAME).resolve(): "overrides"}
    if checksums_file is not None:
        control[Path(checksums_file).resolve()] = "checksums"
    if overrides_file is not None:
        control[Path(overrides_file).resolve()] = "overrides"
    return ScanSettings(sums, control, max_page_bytes)


def raw_files(raw_dir: Path) -> list[Path]:
    """The files of ``raw_dir`` in the order they are scanned (by name; dot-files ignored)."""
    return sorted(p for p in Path(raw_dir).iterdir() if p.is_file() and not p.name.startswith("."))


def scan_file(path: Path, settings: ScanSettings) -> FileScan:
    """Classify, verify and decode one file (see module docstring); duplicates are found later."""
    name = path.name
    size = path.stat().st_size
    max_page_bytes = settings.max_page_bytes
    too_large = max_page_bytes is not None and size > max_page_bytes and path.resolve() not in settings.control
    data = b"" if too_large else path.read_bytes()
    sha = sha256_file(path) if too_large else sha256_bytes(data)
    expected = settings.sums.get(name) if settings.sums is not None else None
    if settings.sums is None:
        checksum_status = "unverified"
    elif expected is None:
        checksum_status = "unlisted"
    else:
        checksum_status = "verified" if expected == sha else "mismatch"
    warnings: list[str] = []
    role = settings.control.get(path.resolve())
    if role is not None:
        status, reason = "ok", None
        if checksum_status == "mismatch":
            status = "rejected"
            reason = f"checksum mismatch: SHA256SUMS says {expected}, file is {sha}"
            warnings.append(f"{name}: {reason}")
        elif checksum_status == "unlisted":
            checksum_status = "unverified"  # a control file need not be listed
        return FileScan(name, sha, _row(name, role, sha, size, None, checksum_status, status, reason), None, warnings, False)

    def reject(reason: str, encoding: str | None = None, dedup: bool = True) -> FileScan:
        row = _row(name, "page", sha, size, encoding, checksum_status, "rejected", reason)
        return FileScan(name, sha, row, None, [f"{name}: rejected: {reason}"], dedup)

    suffix = path.suffix.lower()
    if suffix not in TEXT_SUFFIXES + HTML_SUFFIXES:
        return reject(f"unsupported file type '{path.suffix or '(none)'}' (expected .txt, .html or .htm)", dedup=False)
    if checksum_status == "mismatch":
        return reject(f"checksum mismatch: SHA256SUMS says {expected}, file is {sha}", dedup=False)
    if size == 0:
        return reject("empty file (0 bytes)", dedup=False)
    if too_large:
        return reject(f"too large: {size} bytes > limit of {max_page_bytes} bytes (max_page_bytes)")
    try:
        text, encoding = decode_bytes(data)
    except ValueError as exc:
        return reject(str(exc))
    if len(_CONTROL_CHARS.findall(text)) > 0.01 * max(len(text), 1):
        return reject("binary file (too many control characters)", encoding)
    notes = []
    if encoding == MIXED_ENCODING:
        notes.append(f"mixed encodings: {stray_bytes(data)} byte(s) not valid UTF-8 read as cp1252")
    text, repaired = fix_mojibake(text)
    if repaired:
        notes.append("mojibake repaired (ftfy)")
    meta: dict = {}
    feed = feed_text(text)
    if feed is not None:
        text = feed[0]
        notes.append(f"feed: {feed[1]} entries read with feedparser; offsets refer to their text")
    elif suffix in HTML_SUFFIXES:
        if html_depth_exceeded(text):
            return reject(f"html nested deeper than {MAX_HTML_DEPTH} levels (the HTML parser's limit; "
                          "text below it would be lost)", encoding)
        try:
            meta = html_metadata(text)
            text = extract_html_text(text)
        except Exception as exc:  # noqa: BLE001 - any extractor failure rejects this page only
            return reject(f"html extraction failed: {type(exc).__name__}: {exc}", encoding)
        notes.append("html: main text extracted with trafilatura; offsets refer to the extracted text")
    note = "; ".join(notes) or None
    text = text.lstrip("\ufeff")
    if not text.strip():
        return reject("html page without main text" if suffix in HTML_SUFFIXES else "empty file (whitespace only)", encoding)
    if checksum_status == "unlisted":
        warnings.append(f"{name}: not listed in SHA256SUMS; analysed unverified")
    row = _row(name, "page", sha, size, encoding, checksum_status, "ok", note)
    return FileScan(name, sha, row, Page(name, sha, text, meta), warnings, True)


def combine_scans(scans: list[FileScan], settings: ScanSettings, raw_dir: Path) -> RawScan:
    """The scans of every file, in name order, into one RawScan: exact duplicates of an earlier
    file are rejected, and files listed in SHA256SUMS but absent are reported."""
    rows: list[dict] = []
    pages: list[Page] = []
    warnings: list[str] = []
    seen: dict[str, str] = {}
    for scan in scans:
        if scan.dedup:
            if scan.sha in seen:
                reason = f"exact duplicate of {seen[scan.sha]} (same sha256)"
                row = {**scan.row, "encoding": None, "status": "rejected", "reason": reason}
                rows.append(row)
                warnings.append(f"{scan.name}: rejected: {reason}")
                continue
            seen[scan.sha] = scan.name
        rows.append(scan.row)
        warnings.extend(scan.warnings)
        if scan.page is not None:
            pages.append(scan.page)
    if settings.sums is not None:
        found = {scan.name for scan in scans}
        for missing in sorted(set(settings.sums) - found):
            warnings.append(f"{missing}: listed in SHA256SUMS but not found in {Path(raw_dir).name}/")
    return RawScan(rows, pages, warnings)


def scan_raw_dir(raw_dir: Path, checksums_file: Path | None = None,
                 overrides_file: Path | None = None,
                 max_page_bytes: int | None = MAX_PAGE_BYTES) -> RawScan:
    """Classify, verify and decode every file in ``raw_dir`` (see module docstring).

    ``max_page_bytes``: pages larger than this are rejected unread (None: no limit).
    """
    settings = scan_settings(raw_dir, checksums_file, overrides_file, max_page_bytes)
    return combine_scans([scan_file(p, settings) for p in raw_files(raw_dir)], settings, raw_dir)
