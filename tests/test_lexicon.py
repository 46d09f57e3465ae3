"""The alias lexicon: validation errors name file and line; text regexes follow the matching rules."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from helpers.lexicon import ALIAS_CLASSES, LexiconError, add_glue_rules, find_in_text, glue_infixes, load_aliases, text_regex
from helpers.paths import LEXICONS_DIR

HEADER = "# a comment line\ncanonical_id,alias,alias_class,entity_label,match,note\n"


def write_lexicon(tmp_path: Path, rows: str) -> Path:
    path = tmp_path / "aliases.csv"
    path.write_text(HEADER + rows, encoding="utf-8")
    return path


def test_project_lexicon_loads_and_covers_every_alias_class() -> None:
    aliases = load_aliases(LEXICONS_DIR / "aliases.csv")
    target = aliases[aliases["canonical_id"] == "MEK"]
    assert set(target["alias_class"]) == set(ALIAS_CLASSES)
    # Rows of other actors carry no alias class.
    assert aliases.loc[aliases["canonical_id"] != "MEK", "alias_class"].isna().all()
    # NCRI and NLA are fronts of the MEK: same canonical id, told apart by alias class.
    fronts = aliases[aliases["alias"].isin(["NCRI", "NLA"])]
    assert fronts["canonical_id"].tolist() == ["MEK", "MEK"]
    assert fronts["alias_class"].tolist() == ["own_name", "own_name"]


def test_valid_rows_and_line_numbers(tmp_path: Path) -> None:
    path = write_lexicon(tmp_path, "MEK,MEK,acronym_mek,ORG,exact,\n\nIRAN,Iran,,GPE,ignore_case,country\n")
    aliases = load_aliases(path)
    assert aliases["alias"].tolist() == ["MEK", "Iran"]
    assert aliases["line"].tolist() == [3, 5]
    assert pd.isna(aliases.loc[1, "alias_class"])


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ("MEK,MEK,acronym_mek,ORG,exact,\nIRAN,MEK,,GPE,exact,\n", "line 4: alias 'MEK' is mapped to IRAN/- but line 3 maps it to MEK/acronym_mek"),
        ("MEK,Mujahedin-e Khalq,transliteration,ORG,ignore_case,\nMEK,mujahedin e khalq,english_name,ORG,ignore_case,\n",
         "line 4: alias 'mujahedin e khalq' is mapped to MEK/english_name but line 3"),
        ("MEK,MEK,acronym_mek,ORG,exact,\nMEK,,acronym_mek,ORG,exact,\n", "line 4: empty alias"),
        ("MEK,MEK,acronym_xyz,ORG,exact,\n", "line 3: unknown alias_class 'acronym_xyz'"),
        ("MEK,MEK,acronym_mek,ORGANISATION,exact,\n", "line 3: unknown entity_label 'ORGANISATION'"),
        ("MEK,MEK,acronym_mek,ORG,fuzzy,\n", "line 3: unknown match 'fuzzy'"),
        ("MEK,m[ou,acronym_mek,ORG,regex,\n", "line 3: invalid regular expression 'm[ou'"),
        ("mek,MEK,acronym_mek,ORG,exact,\n", "line 3: canonical_id 'mek' is not UPPER_SNAKE_CASE"),
        ("MEK,MEK,acronym_mek,ORG,exact\n", "line 3: 5 fields, the header has 6"),
    ],
)
def test_bad_rows_raise_with_file_and_line(tmp_path: Path, rows: str, message: str) -> None:
    path = write_lexicon(tmp_path, rows)
    with pytest.raises(LexiconError) as info:
        load_aliases(path)
    assert str(info.value).startswith(f"{path}, ")
    assert message in str(info.value)


def test_case_variants_of_one_mapping_are_allowed(tmp_path: Path) -> None:
    path = write_lexicon(tmp_path, "MEK,MEK,acronym_mek,ORG,exact,\nMEK,MeK,acronym_mek,ORG,exact,\n")
    assert load_aliases(path)["alias"].tolist() == ["MEK", "MeK"]


def test_missing_column_and_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "aliases.csv"
    path.write_text("canonical_id,alias,alias_class,entity_label,note\nMEK,MEK,acronym_mek,ORG,\n", encoding="utf-8")
    with pytest.raises(LexiconError, match=r"line 1: header lacks column\(s\) \['match'\]"):
        load_aliases(path)
    with pytest.raises(LexiconError, match="alias lexicon not found"):
        load_aliases(tmp_path / "nope.csv")


@pytest.mark.parametrize(
    ("alias", "match", "text", "found"),
    [
        ("MEK", "exact", "the MEK's camp", ["MEK"]),
        ("MEK", "exact", "MEKONG and mek and pro-MEK", ["MEK"]),
        ("People's Mujahedin", "ignore_case", "the People’s Mujahedin said", ["People’s Mujahedin"]),
        ("Mujahedin-e Khalq", "ignore_case", "Mujahedin e-Khalq and MUJAHEDIN-E-KHALQ", ["Mujahedin e-Khalq", "MUJAHEDIN-E-KHALQ"]),
        ("m[ou]ja+h[aei]+d+[aei]+n (e|el)? khalq (organi[sz]ation)?", "regex_ignore_case",
         "Mujahiddeen el Khalq Organisation, Mojahedin Khalq.", ["Mujahiddeen el Khalq Organisation", "Mojahedin Khalq"]),
        ("Iran", "ignore_case", "Iranian Iran", ["Iran"]),
    ],
)
def test_text_regex(alias: str, match: str, text: str, found: list[str]) -> None:
    assert [m.group(0) for m in text_regex(alias, match).finditer(text)] == found


def test_find_in_text_keeps_longest_and_skips_urls() -> None:
    aliases = pd.DataFrame(
        {
            "alias": ["Mujahedin", "Mujahedin-e Khalq", "Mujahedin-e Khalq Organization"],
            "match": ["exact", "ignore_case", "ignore_case"],
        }
    )
    text = "The Mujahedin-e Khalq Organization (see http://x.org/the-mujahedin-e-khalq/) and the Mujahedin."
    hits = find_in_text(text, aliases)
    assert [(text[s:e], pos) for s, e, pos in hits] == [("Mujahedin-e Khalq Organization", 2), ("Mujahedin", 0)]


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Iran (NCRI)-a coalition", ["NCRI"]),
        ("U.S.-MEK ties, M.E.K.-linked cells, pro-MEK and anti-MKO", ["MEK", "M.E.K.", "MEK", "MKO"]),
        ("PMOI/MEK and the MEK's camp", ["PMOI", "MEK", "MEK"]),
        ("the People's Mojahedin Organization in Iran", ["People's Mojahedin Organization in Iran"]),
        ("the People's Mojahedin Organization in Paris", ["People's Mojahedin Organization"]),
        ("accused the Mojahedin Khalq of mistreating", ["Mojahedin Khalq"]),
    ],
)
def test_find_in_text_finds_glued_and_long_names(text: str, found: list[str]) -> None:
    aliases = load_aliases(LEXICONS_DIR / "aliases.csv")
    family = aliases[aliases["canonical_id"] == "MEK"].reset_index(drop=True)
    assert [text[s:e] for s, e, _ in find_in_text(text, family)] == found


def _tiny_lexicon(rows: list[tuple[str, str]]) -> pd.DataFrame:
    return pd.DataFrame({"canonical_id": ["X"] * len(rows), "alias": [a for a, _ in rows], "alias_class": [None] * len(rows),
                         "entity_label": ["ORG"] * len(rows), "match": [m for _, m in rows], "note": [""] * len(rows)})


def test_glue_rules_split_names_out_of_punctuation() -> None:
    """The tokenizer rules on their own, with a lexicon of four names on a blank English pipeline."""
    import spacy

    nlp = spacy.blank("en")
    add_glue_rules(nlp, _tiny_lexicon([("ABC", "exact"), ("U\\.S\\.?", "regex"), ("Big Co", "ignore_case"),
                                        ("M[ou]jahed+in", "regex")]))

    def tokens(text: str) -> list[str]:
        return [t.text for t in nlp(text)]

    assert tokens("(ABC)-a x") == ["(", "ABC", ")", "-", "a", "x"]
    assert tokens("U.S.-ABC") == ["U.S.", "-", "ABC"]  # the final period belongs to U.S.: a longer form of it
    assert tokens("x -ABC) y") == ["x", "-", "ABC", ")", "y"]
    assert tokens('"ABC"-run') == ['"', "ABC", '"', "-", "run"]
    assert tokens("the big CO)-led") == ["the", "big", "CO", ")", "-", "led"]  # ignore_case row: any case
    assert tokens("(Mujaheddin)-a") == ["(", "Mujaheddin", ")", "-", "a"]  # an open-ended spelling pattern
    assert tokens("ABCD)-a xABC)-a") == ["ABCD)-a", "xABC)-a"]  # no name: a letter touches it
    assert glue_infixes(_tiny_lexicon([]), nlp.tokenizer) == []
