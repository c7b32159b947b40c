"""Names, schools and multi-select answers."""
from __future__ import annotations

import unicodedata

import pandas as pd
import pytest
import yaml

from mentoring_lib.errors import InputError, InputErrors
from mentoring_lib.io.normalise import (choice_indicators, load_school_table, map_schools, normalise_name,
                                     parse_choice_list, school_key, school_names)


def rows(values, start=2):
    return pd.Series(values, index=pd.Index(range(start, start + len(values)), name="row"), dtype=object)


# -- names -------------------------------------------------------------------------------------

def test_normalise_name_tidies_but_keeps_case_and_diacritics():
    nfd = unicodedata.normalize("NFD", "Siiri Mäkelä")
    got = normalise_name(rows([nfd, "  Aino\u00a0 \t Virtanen ", "Jörg\u200bÖstman", "åsa BERG", "Anna-\nLiisa Ek"]))
    assert got.tolist() == ["Siiri Mäkelä", "Aino Virtanen", "JörgÖstman", "åsa BERG", "Anna- Liisa Ek"]
    assert got.iloc[0] == unicodedata.normalize("NFC", "Siiri Mäkelä") and len(got.iloc[0]) == 12
    assert list(got.index) == [2, 3, 4, 5, 6]


def test_normalise_name_blank_is_missing():
    got = normalise_name(rows(["", "   ", None, "\u200b"]))
    assert got.isna().all()


# -- schools -----------------------------------------------------------------------------------

@pytest.mark.parametrize("answer", [
    "School of Science", "Perustieteiden korkeakoulu", "Högskolan för teknikvetenskaper", "SCI", "sci",
    "school of science", "SCHOOL OF SCIENCE ", "Hogskolan for teknikvetenskaper", "perustieteiden  korkeakoulu",
    "Aalto University School of Science", "Aalto-yliopiston perustieteiden korkeakoulu", "School of Science (SCI)",
    "School\u00a0of Science.",
])
def test_school_of_science_in_every_spelling(answer):
    assert map_schools(rows([answer]), file="f.csv", column="School").iloc[0] == "School of Science"


@pytest.mark.parametrize("answer, school", [
    ("Kauppakorkeakoulu", "School of Business"), ("Handelshögskolan", "School of Business"), ("BIZ", "School of Business"),
    ("Sähkötekniikan korkeakoulu", "School of Electrical Engineering"), ("elec", "School of Electrical Engineering"),
    ("Högskolan för elektroteknik", "School of Electrical Engineering"),
    ("Insinööritieteiden korkeakoulu", "School of Engineering"), ("ENG", "School of Engineering"),
    ("Högskolan för ingenjörsvetenskaper", "School of Engineering"),
    ("Kemian tekniikan korkeakoulu", "School of Chemical Engineering"), ("CHEM", "School of Chemical Engineering"),
    ("Taiteiden ja suunnittelun korkeakoulu", "School of Arts, Design and Architecture"),
    ("Högskolan för konst, design och arkitektur", "School of Arts, Design and Architecture"),
    ("ARTS", "School of Arts, Design and Architecture"),
    ("Muu", "Other"), ("Annan", "Other"), ("Other", "Other"),
])
def test_other_schools(answer, school):
    assert map_schools(rows([answer]), file="f.csv", column="School").iloc[0] == school


def test_map_schools_keeps_index_and_blanks():
    got = map_schools(rows(["SCI", "", None, "BIZ"], start=5), file="f.csv", column="School")
    assert list(got.index) == [5, 6, 7, 8]
    assert got.iloc[0] == "School of Science" and got.iloc[3] == "School of Business"
    assert got.iloc[1:3].isna().all()


def test_unmapped_schools_give_one_error_per_answer_with_rows_never_the_answer():
    s = rows(["SCI", "School of Witchcraft", "Faculty of Magic", "School of Witchcraft", "BIZ"])
    with pytest.raises(InputErrors) as err:
        map_schools(s, file="reg.xlsx", column="Which school are you in?")
    witchcraft, magic = err.value.errors
    assert {witchcraft.file, magic.file} == {"reg.xlsx"} and witchcraft.column == "Which school are you in?"
    assert (witchcraft.row, magic.row) == (3, 4)
    assert witchcraft.render().startswith("file reg.xlsx, row 3, column 'Which school are you in?': "
                                          "the answer matches no school in the school table (the same answer in row 5)")
    msg = str(err.value)
    assert "Witchcraft" not in msg and "Magic" not in msg
    assert "schools.yml" in magic.hint


def test_a_custom_table():
    table = {"schools": {"MED": {"name": "Faculty of Medicine", "fi": "Lääketieteellinen tiedekunta",
                                 "aliases": ["Medicine"]}}}
    got = map_schools(rows(["lääketieteellinen tiedekunta", "MED", "medicine"]), file="f", column="c", table=table)
    assert got.tolist() == ["Faculty of Medicine"] * 3
    with pytest.raises(InputError):
        map_schools(rows(["SCI"]), file="f", column="c", table=table)


def test_a_spelling_under_two_schools_is_refused():
    table = {"schools": {"A": {"name": "A school", "aliases": ["Same"]}, "B": {"name": "B school", "aliases": ["same"]}}}
    with pytest.raises(InputError, match="listed under two schools"):
        load_school_table(table)


def test_packaged_table_has_every_school_in_three_languages():
    from importlib import resources
    raw = yaml.safe_load(resources.files("mentoring_lib.resources").joinpath("schools.yml").read_text("utf-8"))
    for code, entry in raw["schools"].items():
        assert entry["name"] and entry["fi"] and entry["sv"], code
    assert school_names() == sorted({e["name"] for e in raw["schools"].values()})
    assert len(school_names()) == 7


def test_school_key():
    assert school_key("  Högskolan  för Teknik-vetenskaper ") == "hogskolan for teknik vetenskaper"


LOOKUPS = __import__("pathlib").Path(__file__).resolve().parent / "fixtures" / "lookups"


def test_a_term_table_maps_answer_codes_and_its_own_university_name():
    table = LOOKUPS / "schools_with_answer_codes__reads.yml"
    answers = ["A1", "a2", " A3 ", "-oth-", "Esimerkin yliopiston oikeustieteellinen tiedekunta",
               "University of Example, Faculty of Medicine", "UoE Law", "Exempeluniversitetet Juridiska fakulteten"]
    got = map_schools(rows(answers), file="f.csv", column="school", table=table)
    assert got.tolist() == ["Faculty of Science", "Faculty of Law", "Faculty of Medicine", "Other", "Faculty of Law",
                            "Faculty of Medicine", "Faculty of Law", "Faculty of Law"]
    # The packaged table's university is not built in: its name is no prefix for this table.
    with pytest.raises(InputError, match="row 2, column .school.: the answer matches no school"):
        map_schools(rows(["Aalto University Faculty of Law"]), file="f.csv", column="school", table=table)


def test_packaged_table_names_its_university_in_the_table_not_in_code():
    from mentoring_lib.io.normalise import school_table

    raw = yaml.safe_load((LOOKUPS.parent.parent.parent / "mentoring_lib" / "resources" / "schools.yml")
                         .read_text(encoding="utf-8"))
    assert raw["university"]["name"] == "Aalto University"
    assert "Aalto University" in school_table().phrases and "Aalto" not in school_table().phrases
    assert school_key("Aalto University School of Science") == "aalto university school of science"
    assert school_key("Aalto University School of Science", school_table().prefix) == "school of science"


def test_a_code_under_two_schools_is_refused():
    table = {"schools": {"A": {"name": "A school", "codes": ["A1"]}, "B": {"name": "B school", "codes": ["a1"]}}}
    with pytest.raises(InputError, match="'a1' is listed under two schools"):
        load_school_table(table)


# -- multi-select ------------------------------------------------------------------------------

def test_microsoft_forms_choices():
    got = parse_choice_list(rows(["Monday morning;Wednesday afternoon;", "Tuesday evening;", "", None,
                                  "Monday morning;Monday morning;"]), ";")
    assert got.tolist() == [["Monday morning", "Wednesday afternoon"], ["Tuesday evening"], [], [],
                            ["Monday morning"]]
    assert list(got.index) == [2, 3, 4, 5, 6]


def test_google_forms_choices():
    got = parse_choice_list(rows(["Finnish, English", "English", "Swedish,  Finnish "]), ", ")
    assert got.tolist() == [["Finnish", "English"], ["English"], ["Swedish", "Finnish"]]


def test_options_that_contain_the_separator_stay_whole():
    opts = ["Otaniemi, Espoo", "Helsinki city centre", "Online"]
    got = parse_choice_list(rows(["Otaniemi, Espoo, Online", "Online, Somewhere else", ""]), ", ", options=opts)
    assert got.tolist() == [["Otaniemi, Espoo", "Online"], ["Online", "Somewhere else"], []]


def test_choice_indicators():
    lists = parse_choice_list(rows(["a;b;", "b;", ""]), ";")
    got = choice_indicators(lists, ["a", "b", "c"])
    assert got.to_dict("list") == {"a": [True, False, False], "b": [True, True, False], "c": [False, False, False]}
    assert list(got.index) == [2, 3, 4]


# -- doctoral year: a closed list (issue 13) ----------------------------------------------------------

@pytest.mark.parametrize("answer,category", [
    ("1st year", "1st year"), ("2nd year", "2nd year"), ("5th year or later", "5th year or later"),
    ("3", "3rd year"), ("5+", "5th year or later"), ("10", "5th year or later"), ("6th", "5th year or later"),
    ("year 2", "2nd year"), ("Second year", "2nd year"), ("3. vuosi", "3rd year"), ("kolmas vuosi", "3rd year"),
    ("ensimmäinen", "1st year"), ("tredje året", "3rd year"), ("3:e året", "3rd year"),
    # free text around the year is dropped: health details and third parties never become labels
    ("3rd year, on sick leave", "3rd year"), ("4th year, supervisor Matti Virtanen", "4th year"),
    # no year, or more than one: Other
    ("final year", "Other"), ("2-3", "Other"), ("2nd year (3rd semester)", "Other"), ("0", "Other"),
    ("on parental leave", "Other"), ("started in 2023", "Other"), ("2.5 years", "Other"),
])
def test_doctoral_year_answers_map_to_the_closed_list(answer, category):
    from mentoring_lib.io.normalise import DOCTORAL_YEARS, OTHER, doctoral_year

    out = doctoral_year(pd.Series([answer], index=[7]))
    assert out.tolist() == [category] and list(out.index) == [7]
    assert category in (*DOCTORAL_YEARS, OTHER)


def test_doctoral_year_blank_is_missing():
    from mentoring_lib.io.normalise import doctoral_year

    assert doctoral_year(pd.Series(["", None, "  "])).isna().all()
