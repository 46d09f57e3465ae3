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
  the main text (no comments, no tables, precision favoured; deterministic). All
  offsets of later tables then refer to that extracted text, not to the HTML.
* Rejected: empty files (0 bytes or whitespace only), binary files (NUL bytes,
  undecodable, or more than 1% control characters), other extensions, and exact
  duplicates (same sha256 as an earlier file by name).
* Checksums: with a SHA256SUMS file, a page whose sha256 differs is rejected
  (``checksum mismatch: SHA256SUMS says X, file is Y``); a page not listed is
  analysed with status ``unlisted`` and a warning. Without one: ``unverified``.
* Control files (``SHA256SUMS``, ``metadata_overrides.csv``, or the files passed
  as ``checksums_file``/``overrides_file``) are listed with role
  ``checksums``/``overrides``. A checksums file is *used* only when passed and
  present: ``checksums_file=None`` (or a missing file) means no verification.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from charset_normalizer import from_bytes

from .io import sha256_bytes
from .paths import CHECKSUMS_NAME, OVERRIDES_NAME

TEXT_SUFFIXES = (".txt",)
HTML_SUFFIXES = (".html", ".htm")
_LATIN_FAMILY = re.compile(r"^(cp125\d|latin_?\d*|iso8859_\d+|mac_\w+|windows_125\d)$")
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")


class ChecksumFileError(ValueError):
    """A SHA256SUMS file has a line that is not in sha256sum format."""


@dataclass
class Page:
    """An accepted page: its name, hash and the text all offsets refer to."""

    source_file: str
    sha256: str
    text: str


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


def extract_html_text(html: str) -> str:
    """Main text of an HTML page (trafilatura, deterministic options)."""
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
    )
    return text or ""


def _row(name: str, role: str, sha: str | None, size: int, encoding: str | None,
         checksum_status: str, status: str, reason: str | None) -> dict:
    return {
        "source_file": name, "role": role, "sha256": sha, "size_bytes": size,
        "encoding": encoding, "checksum_status": checksum_status, "status": status,
        "reason": reason, "n_articles": 0,
    }


def scan_raw_dir(raw_dir: Path, checksums_file: Path | None = None,
                 overrides_file: Path | None = None) -> RawScan:
    """Classify, verify and decode every file in ``raw_dir`` (see module docstring)."""
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

    rows: list[dict] = []
    pages: list[Page] = []
    warnings: list[str] = []
    seen: dict[str, str] = {}
    listed_seen: set[str] = set()
    for path in sorted(p for p in raw_dir.iterdir() if p.is_file() and not p.name.startswith(".")):
        name = path.name
        data = path.read_bytes()
        sha = sha256_bytes(data)
        size = len(data)
        expected = sums.get(name) if sums is not None else None
        if sums is None:
            checksum_status = "unverified"
        elif expected is None:
            checksum_status = "unlisted"
        else:
            listed_seen.add(name)
            checksum_status = "verified" if expected == sha else "mismatch"
        role = control.get(path.resolve())
        if role is not None:
            status, reason = "ok", None
            if checksum_status == "mismatch":
                status = "rejected"
                reason = f"checksum mismatch: SHA256SUMS says {expected}, file is {sha}"
                warnings.append(f"{name}: {reason}")
            elif checksum_status == "unlisted":
                checksum_status = "unverified"  # a control file need not be listed
            rows.append(_row(name, role, sha, size, None, checksum_status, status, reason))
            continue

        def reject(reason: str, encoding: str | None = None) -> None:
            rows.append(_row(name, "page", sha, size, encoding, checksum_status, "rejected", reason))
            warnings.append(f"{name}: rejected: {reason}")

        suffix = path.suffix.lower()
        if suffix not in TEXT_SUFFIXES + HTML_SUFFIXES:
            reject(f"unsupported file type '{path.suffix or '(none)'}' (expected .txt, .html or .htm)")
            continue
        if checksum_status == "mismatch":
            reject(f"checksum mismatch: SHA256SUMS says {expected}, file is {sha}")
            continue
        if size == 0:
            reject("empty file (0 bytes)")
            continue
        if sha in seen:
            reject(f"exact duplicate of {seen[sha]} (same sha256)")
            continue
        seen[sha] = name
        try:
            text, encoding = decode_bytes(data)
        except ValueError as exc:
            reject(str(exc))
            continue
        if len(_CONTROL_CHARS.findall(text)) > 0.01 * max(len(text), 1):
            reject("binary file (too many control characters)", encoding)
            continue
        note = None
        if suffix in HTML_SUFFIXES:
            text = extract_html_text(text)
            note = "html: main text extracted with trafilatura; offsets refer to the extracted text"
        text = text.lstrip("\ufeff")
        if not text.strip():
            reject("empty file (whitespace only)" if note is None else "html page without main text", encoding)
            continue
        if checksum_status == "unlisted":
            warnings.append(f"{name}: not listed in SHA256SUMS; analysed unverified")
        rows.append(_row(name, "page", sha, size, encoding, checksum_status, "ok", note))
        pages.append(Page(name, sha, text))
    if sums is not None:
        for missing in sorted(set(sums) - listed_seen):
            warnings.append(f"{missing}: listed in SHA256SUMS but not found in {raw_dir.name}/")
    return RawScan(rows, pages, warnings)
