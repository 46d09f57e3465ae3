"""Cleaning stage, file level: bad inputs, encodings, HTML, checksums, overrides,
accounting, the seed corpus, and byte-identical reruns (helpers.clean)."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pandas as pd
import pytest

from helpers import schema
from helpers.clean import NoArticlesError, OverrideError, accounting, clean_corpus, removal_summary, write_outputs
from helpers.io import read_table
from helpers.paths import DEFAULT_RAW_DIR, run_paths

BODY = "The group moved to Albania in 2013 after years in Iraq. Its members still live in a camp near Tirana.\n"


def write(path: Path, data: bytes | str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    path.write_bytes(data)
    return path


def manifest_row(result, name: str) -> dict:
    return result.manifest.set_index("source_file").loc[name].to_dict()


# --- bad inputs --------------------------------------------------------------------


def test_bad_files_are_rejected_with_a_reason_and_the_run_goes_on(tmp_path):
    raw = tmp_path / "raw"
    write(raw / "a_good.txt", BODY)
    write(raw / "b_empty.txt", b"")
    write(raw / "c_blank.txt", b"  \n\t\n \n")
    write(raw / "d_binary.txt", b"GIF89a\x00\x01\x02binary")
    write(raw / "e_notes.docx", b"PK\x03\x04 not a page")
    write(raw / "f_copy.txt", BODY)
    result = clean_corpus(raw)
    reasons = dict(zip(result.manifest["source_file"], result.manifest["reason"]))
    statuses = dict(zip(result.manifest["source_file"], result.manifest["status"]))
    assert statuses == {
        "a_good.txt": "ok", "b_empty.txt": "rejected", "c_blank.txt": "rejected",
        "d_binary.txt": "rejected", "e_notes.docx": "rejected", "f_copy.txt": "rejected",
    }
    assert reasons["b_empty.txt"] == "empty file (0 bytes)"
    assert reasons["c_blank.txt"] == "empty file (whitespace only)"
    assert reasons["d_binary.txt"] == "binary file (contains NUL bytes)"
    assert reasons["e_notes.docx"] == "unsupported file type '.docx' (expected .txt, .html or .htm)"
    assert reasons["f_copy.txt"] == "exact duplicate of a_good.txt (same sha256)"
    assert list(result.articles["source_file"]) == ["a_good.txt"]
    assert result.warnings == [
        "b_empty.txt: rejected: empty file (0 bytes)",
        "c_blank.txt: rejected: empty file (whitespace only)",
        "d_binary.txt: rejected: binary file (contains NUL bytes)",
        "e_notes.docx: rejected: unsupported file type '.docx' (expected .txt, .html or .htm)",
        "f_copy.txt: rejected: exact duplicate of a_good.txt (same sha256)",
    ]


def test_no_article_at_all_is_a_clear_error(tmp_path):
    write(tmp_path / "raw" / "empty.txt", b"")
    with pytest.raises(NoArticlesError, match=r"no article found in .*raw: 0 page\(s\) accepted, 1 file\(s\) rejected"):
        clean_corpus(tmp_path / "raw")


def test_a_page_of_furniture_only_gives_no_article_and_says_so(tmp_path):
    write(tmp_path / "raw" / "a.txt", BODY)
    write(tmp_path / "raw" / "b.txt", "Share\n\nLeave a Comment\n")
    result = clean_corpus(tmp_path / "raw")
    assert manifest_row(result, "b.txt")["n_articles"] == 0
    assert "b.txt: accepted but no article text found" in result.warnings


# --- encodings and HTML ------------------------------------------------------------------


def test_cp1252_latin1_and_bom_pages_are_decoded_right(tmp_path):
    raw = tmp_path / "raw"
    write(raw / "cp.txt", "The People\u2019s \u201cbig fish\u201d \u2013 caf\u00e9 talks went on for hours in Paris.\n".encode("cp1252"))
    write(raw / "latin.txt", "R\u00e9sum\u00e9 of the na\u00efve cr\u00e8me de la cr\u00e8me in Tirana last year.\n".encode("latin-1"))
    write(raw / "bom.txt", b"\xef\xbb\xbf" + "The BOM page speaks of the camp near Tirana at length.\n".encode("utf-8"))
    result = clean_corpus(raw)
    encodings = dict(zip(result.manifest["source_file"], result.manifest["encoding"]))
    assert encodings == {"bom.txt": "utf-8-sig", "cp.txt": "cp1252", "latin.txt": "iso-8859-1"}
    texts = dict(zip(result.articles["source_file"], result.articles["text"]))
    assert texts == {
        "bom.txt": "The BOM page speaks of the camp near Tirana at length.",
        "cp.txt": "The People's \"big fish\" \u2013 caf\u00e9 talks went on for hours in Paris.",
        "latin.txt": "R\u00e9sum\u00e9 of the na\u00efve cr\u00e8me de la cr\u00e8me in Tirana last year.",
    }


def test_html_page_main_text_is_extracted_with_trafilatura(tmp_path):
    html = (
        "<html><head><title>T</title></head><body><nav><a href='/'>Home</a> | <a href='/news'>News</a></nav>"
        "<article><h1>The Camp Near Tirana</h1>"
        "<p>The group moved to Albania in 2013 after many years in Iraq, where it had fought for Saddam.</p>"
        "<p>Its members still live in a guarded camp near Tirana, and few visitors are allowed inside.</p>"
        "</article><footer>Share</footer></body></html>"
    )
    write(tmp_path / "raw" / "page.html", html)
    result = clean_corpus(tmp_path / "raw")
    row = manifest_row(result, "page.html")
    assert row["status"] == "ok"
    assert row["reason"] == "html: main text extracted with trafilatura; offsets refer to the extracted text"
    art = result.articles.iloc[0]
    assert art["title"] == "The Camp Near Tirana"
    assert art["text"] == (
        "The group moved to Albania in 2013 after many years in Iraq, where it had fought for Saddam.\n\n"
        "Its members still live in a guarded camp near Tirana, and few visitors are allowed inside."
    )
    # offsets refer to the extracted text
    page_text = result.page_texts["page.html"]
    for b in result.blocks.itertuples():
        assert page_text[b.start_char:b.end_char] == b.text


# --- checksums ------------------------------------------------------------------------


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_checksums_verified_mismatch_and_unlisted(tmp_path):
    raw = tmp_path / "raw"
    a = write(raw / "a.txt", BODY).read_bytes()
    b = write(raw / "b.txt", "Another page about the MEK camp in Albania and its members.\n").read_bytes()
    write(raw / "c.txt", "A third page, not listed, about the camp near Tirana and its people.\n")
    wrong = "0" * 64
    write(raw / "SHA256SUMS", f"{_sha(a)}  a.txt\n{wrong}  b.txt\n")
    result = clean_corpus(raw, checksums_file=raw / "SHA256SUMS")
    status = result.manifest.set_index("source_file")[["role", "checksum_status", "status", "reason"]]
    assert (status.loc["a.txt", "checksum_status"], status.loc["a.txt", "status"]) == ("verified", "ok")
    assert status.loc["b.txt", "checksum_status"] == "mismatch"
    assert status.loc["b.txt", "status"] == "rejected"
    assert status.loc["b.txt", "reason"] == f"checksum mismatch: SHA256SUMS says {wrong}, file is {_sha(b)}"
    assert status.loc["c.txt", "checksum_status"] == "unlisted"
    assert status.loc["c.txt", "status"] == "ok"
    assert status.loc["SHA256SUMS", "role"] == "checksums" and status.loc["SHA256SUMS", "status"] == "ok"
    assert sorted(result.articles["source_file"]) == ["a.txt", "c.txt"]
    assert f"b.txt: rejected: checksum mismatch: SHA256SUMS says {wrong}, file is {_sha(b)}" in result.warnings
    assert "c.txt: not listed in SHA256SUMS; analysed unverified" in result.warnings


def test_without_checksums_pages_are_unverified(tmp_path):
    raw = tmp_path / "raw"
    write(raw / "a.txt", BODY)
    result = clean_corpus(raw, checksums_file=raw / "SHA256SUMS")  # passed but absent
    assert result.manifest["checksum_status"].tolist() == ["unverified"]
    assert result.warnings == []


# --- overrides -----------------------------------------------------------------------------

OVERRIDES_HEADER = "# overrides for a test corpus\n# source: where each value comes from\narticle_id,field,value,source\n"


def test_override_is_applied_with_provenance_and_reported(tmp_path):
    raw = tmp_path / "raw"
    write(raw / "a.txt", BODY)
    aid = clean_corpus(raw).articles["article_id"].iloc[0]
    write(raw / "metadata_overrides.csv", OVERRIDES_HEADER + f'{aid},published,2013-09-11,"Example Times, 11 Sept 2013, p. 4"\n')
    result = clean_corpus(raw, overrides_file=raw / "metadata_overrides.csv")
    art = result.articles.iloc[0]
    assert (art["published"], art["published_source"]) == ("2013-09-11", "override")
    assert result.overrides.to_dict("records") == [{
        "article_id": aid, "field": "published", "page_value": None,
        "override_value": "2013-09-11", "source": "Example Times, 11 Sept 2013, p. 4",
    }]
    assert result.warnings == [
        f"a.txt: override from metadata_overrides.csv line 4: {aid}.published None -> '2013-09-11'"
    ]
    assert manifest_row(result, "metadata_overrides.csv")["role"] == "overrides"


@pytest.mark.parametrize(
    "line, message",
    [
        ("{aid},colour,blue,somewhere", r"metadata_overrides\.csv:4: unknown field 'colour'"),
        ("000000000000,author,Jane Roe,somewhere", r"metadata_overrides\.csv:4: unknown article_id '000000000000'"),
        ("{aid},published,11 May 2008,somewhere", r"metadata_overrides\.csv:4: published must be YYYY-MM-DD"),
        ("{aid},author,Jane Roe,", r"metadata_overrides\.csv:4: empty source"),
        ("{aid},author,Jane Roe,a\n{aid},author,John Roe,b", r"metadata_overrides\.csv:5: second override of"),
        ("{aid},author", r"metadata_overrides\.csv:4: expected 4 fields, found 2"),
    ],
)
def test_bad_override_line_is_an_error_naming_file_and_line(tmp_path, line, message):
    raw = tmp_path / "raw"
    write(raw / "a.txt", BODY)
    aid = clean_corpus(raw).articles["article_id"].iloc[0]
    write(raw / "metadata_overrides.csv", OVERRIDES_HEADER + line.format(aid=aid) + "\n")
    with pytest.raises(OverrideError, match=message):
        clean_corpus(raw, overrides_file=raw / "metadata_overrides.csv")


def test_shipped_overrides_file_is_header_only():
    lines = (DEFAULT_RAW_DIR / "metadata_overrides.csv").read_text(encoding="utf-8").splitlines()
    data = [line for line in lines if line.strip() and not line.startswith("#")]
    assert lines[0].startswith("#")
    assert data == ["article_id,field,value,source"]


# --- accounting ------------------------------------------------------------------------------


def test_accounting_every_non_whitespace_character_is_kept_or_removed(tmp_path):
    page = (
        "Home \u00bb News \u00bb A Story\n\nA Story\n\n"
        "pic.jpgThe camp near\nthe capital is guarded, https://example.org/x says. \u201cNo,\u201d they said.\n\n"
        "***\n\nNew Articles\n\nOther Story\n\nAn excerpt...\n"
    )
    write(tmp_path / "raw" / "p.txt", page)
    result = clean_corpus(tmp_path / "raw")
    acct = accounting(result)
    assert acct.to_dict("records") == [{
        "source_file": "p.txt", "n_chars": len(re.sub(r"\s", "", page)),
        "n_blocks": len(result.blocks), "n_kept": int((result.blocks["fate"] == "kept").sum()),
        "n_removed": len(result.removed),
        "chars_kept": acct["chars_kept"].iloc[0], "chars_removed": acct["chars_removed"].iloc[0],
        "chars_unaccounted": 0,
    }]
    assert acct["chars_kept"].iloc[0] + acct["chars_removed"].iloc[0] == acct["n_chars"].iloc[0]
    assert result.articles["text"].iloc[0] == "The camp near the capital is guarded, says. \"No,\" they said."
    summary = removal_summary(result)
    assert list(summary.columns) == ["reason", "n_blocks", "n_chars"]
    assert summary["n_chars"].sum() == acct["chars_removed"].iloc[0]
    # blocks never overlap and their text is the page's text at their offsets
    blocks = result.blocks.sort_values("start_char")
    assert (blocks["start_char"].iloc[1:].to_numpy() >= blocks["end_char"].iloc[:-1].to_numpy()).all()
    for b in blocks.itertuples():
        assert page[b.start_char:b.end_char] == b.text


# --- the seed corpus -----------------------------------------------------------------------------

FURNITURE_STRINGS = [
    "New Articles", "Most viewed", "You may also like", "Leave a Comment", "Link to the source",
    "Share Update", "Also read", "***", "http", "www.", ".jpg", "Home \u00bb", "\u00bb",
    "is a senior fellow", "is a resident scholar", "is a contributing editor", "Twitter",
    "MEKDalia", "HillThe", "GingrichJohn", "DahukOn", "atTerrorists", "threat to all",
    "Why Trump", "Basque militant group", "Saudi Arabia Secretly Sent", "Barometer of Corruption",
    "Maryam Rajavi Deported From France", "MEK Deported From Iraq To Albania",
    "MEK from US terror list", "Benefactors From Iraqi Saddam", "Aren't America's Friends",
    "Dalia Al-Aqidi, Arab News", "Michael Rubin, The National Interest", "Daniel Larison, AntiWar",
    "By Massoud", "by Daniel Larison", "Nejat Bloggers",
]


@pytest.fixture(scope="module")
def seed_result():
    return clean_corpus(DEFAULT_RAW_DIR, DEFAULT_RAW_DIR / "SHA256SUMS", DEFAULT_RAW_DIR / "metadata_overrides.csv")


def test_seed_pages_give_the_expected_articles(seed_result):
    got = seed_result.articles[["source_file", "part", "author", "outlet", "published"]]
    got = [tuple(None if pd.isna(v) else v for v in row) for row in got.itertuples(index=False)]
    assert [(f[:3], p, a, o, d) for f, p, a, o, d in got] == [
        ("000", 0, "David Phillips", None, None),
        ("001", 0, "Dalia Al-Aqidi", "Arab News", "2021-08-23"),
        ("001", 1, "Michael Rubin", "The National Interest", "2021-07-31"),
        ("001", 2, "Daniel Larison", "AntiWar", "2021-07-14"),
        ("002", 0, None, None, None),
        ("003", 0, None, None, None),
        ("004", 0, "Massoud Khodabandeh", "Iran-Interlink", "2008-05-11"),
    ]
    titles = dict(zip(seed_result.articles["source_file"].str[:3] + "/" + seed_result.articles["part"].astype(str),
                      seed_result.articles["title"]))
    assert titles["003/0"] == "Iraqi Gov't: 'Remaining In Iraq Is Not An Option' For MEK"
    assert titles["004/0"] == "Questions over American policy toward MEK in Iraq"
    assert pd.isna(titles["000/0"]) and pd.isna(titles["002/0"])
    assert seed_result.articles["author_source"].tolist()[:4] == ["bio", "teaser_byline", "byline", "byline"]
    assert set(seed_result.manifest.loc[seed_result.manifest["role"] == "page", "checksum_status"]) == {"verified"}
    assert seed_result.warnings == []


def test_no_furniture_survives_in_seed_texts(seed_result):
    for row in seed_result.articles.itertuples():
        for s in FURNITURE_STRINGS:
            assert s not in row.text, f"{row.source_file} part {row.part}: {s!r} survived"
        assert not row.text.startswith("TEHRAN")


def test_seed_sentences_appear_once_and_repairs_are_made(seed_result):
    texts = "\n\n".join(seed_result.articles["text"])
    for sentence in [
        "The decision by the Governing Council to expel the People's Mujahadeen (MKO) from Iraq represents long overdue progress in the war against terror.",
        "There wouldn't be all that much substance to such a deal",
        "the MKO's tendency to cry wolf hinder and obstruct the real fights against the Iranian regime",
        "After the war in Iraq in 2003, the MEK lost its major supporter",
    ]:
        assert texts.count(sentence) == 1, sentence
    assert "Iran now enjoys loads of influence in Iraq, as this episode shows." in texts
    assert "re-armed at some point and re-deployed" in texts
    assert "The Hill The Federalist" in texts and "Newt Gingrich John Bolton" in texts
    assert texts.count("Yesterday, the Iraqi government announced") == 1


def test_seed_accounting_is_complete(seed_result):
    acct = accounting(seed_result)
    assert len(acct) == 5
    assert (acct["chars_unaccounted"] == 0).all()
    assert (acct["chars_kept"] + acct["chars_removed"] == acct["n_chars"]).all()


def test_two_runs_write_byte_identical_tables(tmp_path, raw_copy):
    outs = []
    for name in ("run1", "run2"):
        paths = run_paths(raw_copy, tmp_path / name).ensure()
        write_outputs(clean_corpus(paths.raw_dir, paths.checksums_file, paths.overrides_file), paths)
        outs.append(paths)
    names = ["articles.parquet", "raw_manifest.csv", "removed_blocks.parquet", "blocks.parquet", "overrides_applied.csv"]
    for n in names:
        a, b = (p.processed_dir / n for p in outs)
        assert a.read_bytes() == b.read_bytes(), n
    articles = read_table(outs[0].articles, schema.ARTICLES)
    assert len(articles) == 7
    read_table(outs[0].processed_dir / "blocks.parquet", schema.BLOCKS)
    read_table(outs[0].removed_blocks, schema.REMOVED_BLOCKS)
    read_table(outs[0].raw_manifest, schema.RAW_MANIFEST)
    read_table(outs[0].overrides_applied, schema.OVERRIDES_APPLIED)


def test_raw_pages_are_left_unchanged(raw_copy):
    before = {p.name: p.read_bytes() for p in raw_copy.iterdir()}
    clean_corpus(raw_copy, raw_copy / "SHA256SUMS", raw_copy / "metadata_overrides.csv")
    assert {p.name: p.read_bytes() for p in raw_copy.iterdir()} == before


def test_malformed_checksums_file_is_an_error_naming_file_and_line(tmp_path):
    from helpers.rawfiles import ChecksumFileError

    raw = tmp_path / "raw"
    write(raw / "a.txt", BODY)
    write(raw / "SHA256SUMS", f"{'a' * 64}  a.txt\nnot a checksum line\n")
    with pytest.raises(ChecksumFileError, match=r"SHA256SUMS:2: not a sha256sum line"):
        clean_corpus(raw, checksums_file=raw / "SHA256SUMS")
