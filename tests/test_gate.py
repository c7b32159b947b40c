"""The personal-data gate: planted leaks in every public file type are found, values never shown."""
from __future__ import annotations

import base64
import struct
import zlib
from pathlib import Path

import pandas as pd
import pytest

from mentoring_lib.errors import EXIT_PRIVACY, PrivacyGateError
from mentoring_lib.privacy.gate import (KIND_EMAIL, KIND_FULL_NAME, KIND_ID_CODE, KIND_PHONE, KIND_SURNAME, Hit,
                                check_public, scan_public, scan_text, valid_identity_code)
from mentoring_lib.privacy.names import fold_text, identities_from, name_stems, name_words
from mentoring_lib.io.spreadsheets import write_csv, write_xlsx

# Canary identities: distinctive, synthetic, never in any real output.
PEOPLE = pd.DataFrame({
    "person_id": ["P-1", "P-2", "P-3", "P-4"],
    "name": ["Kanerva Ylitalo-Canary", "Otso Mäkinen", "Anna Virtanen", "Wei Li"],
    "email": ["Kanerva.Canary@example.fi", "otso.makinen@example.org", "anna.virtanen@example.fi",
              "wl@example.org"],
    "role": ["mentor", "participant", "participant", "participant"],
})
SECRETS = ["Kanerva", "Ylitalo", "Canary", "Mäkinen", "Virtanen", "Kanerva.Canary@example.fi", "040 765 4321",
           "131052-308T"]
CLEAN = ("Compassion mentoring report. 42 participants from the School of Business and Aalto University "
         "took part; 0 12 15 7 3 20; p = 0.031; 2026-10-13. Contact wellbeing@example.fi.")


@pytest.fixture(scope="module")
def ids():
    return identities_from(PEOPLE)


def _png(chunks: list[tuple[bytes, bytes]]) -> bytes:
    def chunk(ctype, body):
        return struct.pack(">I", len(body)) + ctype + body + struct.pack(">I", zlib.crc32(ctype + body))
    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    idat = zlib.compress(b"\x00\x00")
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + b"".join(chunk(t, b) for t, b in chunks)
            + chunk(b"IDAT", idat) + chunk(b"IEND", b""))


def _pdf(path: Path, text: str, author: str = "Wellbeing Services"):
    import typst

    src = path.with_suffix(".typ")
    body = text.replace("@", "\\@").replace("#", "\\#")
    src.write_text(f'#set document(title: "Report", author: "{author}")\n{body}\n', encoding="utf-8")
    typst.compile(str(src), output=str(path))
    src.unlink()


def test_name_stems_finnish_inflection():
    assert "virtas" in name_stems("Virtanen")  # Virtasen, Virtasta, Virtaselle
    assert "makis" in name_stems("Mäkinen")  # folded: no diacritics
    assert {"aalto", "aalt", "aall"} <= name_stems("Aalto")  # Aallon
    assert "lahd" in name_stems("Lahti")  # Lahden
    assert "heik" in name_stems("Heikki")  # Heikin
    assert "kivima" in name_stems("Kivimäki")  # Kivimäen (a single k drops)
    assert "sirrikorv" in name_stems("Sirrikorpi")  # Sirrikorven (rp -> rv)
    assert "kilv" in name_stems("Kilpi")  # Kilven (lp -> lv)
    assert not any(len(s) < 4 for s in name_stems("Mäki"))  # "mä" would match too much
    assert name_stems("Li") == {"li"}
    assert all(len(s) >= 4 for s in name_stems("Laura"))


@pytest.mark.parametrize("name,form", [
    ("Kangas", "Kankaan"), ("Kangas", "Kangasta"), ("Rastas", "Rastaalle"), ("Rikas", "Rikkaalla"),
    ("Hammas", "Hampaan"), ("Tehdas", "Tehtaalta"), ("Hietamies", "Hietamiehen"),
    ("Rinne", "Rinteen"), ("Rinne", "Rinnettä"), ("Perhe", "Perheelle"),
])
def test_surnames_that_end_in_s_or_e_are_found_inflected(name, form):
    """-as/-es/-is surnames and -e surnames strengthen their consonants when inflected (the
    independent reference: the forms as a Finnish speaker writes them)."""
    people = pd.DataFrame({"name": [f"Aino {name}"], "email": ["aino@example.org"]})
    ids = identities_from(people)
    assert KIND_SURNAME in scan_text(f"Kiitos {form} ryhmästä.", ids)
    assert scan_text("Kiitos ryhmästä.", ids) == set()


@pytest.mark.parametrize("text,kind", [
    ("Kanerva Ylitalo-Canary led group 3", KIND_FULL_NAME),
    ("Otso Mäkisen ryhmä", KIND_FULL_NAME),
    ("Virtasella Annalla oli", KIND_FULL_NAME),
    ("WEI LI", KIND_FULL_NAME),
    ("Thanks to Virtanen", KIND_SURNAME),
    ("kiitos Mäkiselle", KIND_SURNAME),
    ("Virtasta ei näkynyt", KIND_SURNAME),
    ("write to KANERVA.CANARY@EXAMPLE.FI", KIND_EMAIL),
    ("write to kanerva.canary\u200b@example.fi", KIND_EMAIL),
    ("mailto:otso.makinen@example.org?subject=x", KIND_EMAIL),
    ("call 040 765 4321", KIND_PHONE),
    ("call +358 40 7654321", KIND_PHONE),
    ("call (09) 1234 5678", KIND_PHONE),
    ("call +44 20 7946 0958", KIND_PHONE),
    ("hetu 131052-308T", KIND_ID_CODE),
    ("hetu 010101A123N", KIND_ID_CODE),
])
def test_scan_text_finds(ids, text, kind):
    assert kind in scan_text(text, ids)


@pytest.mark.parametrize("text", [
    CLEAN, "virtanen in lower case is not a capitalised name", "Anna alone is a first name only",
    "Li alone is too short", "Laurel and the young", "131052-308A has a wrong check character",
    "320152-308T has an impossible date", "version 0.1.0 and 1,234,567", "anna.virtanen.other@example.fi",
    "Kanervan kukat", "Mäki and the Aalto University School of Science",
])
def test_scan_text_clean(ids, text):
    assert scan_text(text, ids) == set()


# -- the audit's attacks (issue 13): each was let through before -----------------------------------

AUDIT_PEOPLE = pd.DataFrame({
    "name": ["Ilmatar Pöllökorpi", "Matti Meikalainen", "Jukka Joki", "Saara Mäki", "Aino Tilhimäki"],
    "email": ["ilmatar.pollokorpi@example.fi", "matti.meikalainen@example.fi", "jukka.joki@example.org",
              "saara.maki@example.org", "aino.tilhimaki@example.fi"],
})


@pytest.fixture(scope="module")
def audit_ids():
    return identities_from(AUDIT_PEOPLE)


@pytest.mark.parametrize("text,kind", [
    # registered with diacritics, written without them, and the reverse
    ("Kiitos Pollokorpi, olit paras.", KIND_SURNAME),
    ("Pollokorven ryhmä", KIND_SURNAME),
    ("Thanks to Meikäläinen.", KIND_SURNAME),
    ("Meikäläisen kanssa", KIND_SURNAME),
    ("ILMATAR POLLOKORPI", KIND_FULL_NAME),
    # short-stem inflections: Joki -> Joen, Mäki -> Mäen (also written without diacritics)
    ("Joen ryhmässä oli hyvä henki.", KIND_SURNAME),
    ("Mäen kanssa puhuimme paljon.", KIND_SURNAME),
    ("Maella oli aina aikaa.", KIND_SURNAME),
    ("Jokea kiitän.", KIND_SURNAME),
    # first names with consonant gradation, beside the surname
    ("Kiitos Jukalle Joelle", KIND_FULL_NAME),
    ("Jukan Joen ryhmä", KIND_FULL_NAME),
    # e-mail spelled out, and the local part in any spelling
    ("write to matti.meikalainen at example dot fi", KIND_EMAIL),
    ("write to matti(dot)meikalainen(at)example(dot)fi", KIND_EMAIL),
    ("matti meikalainen answered", KIND_EMAIL),
    ("matti_meikalainen on Teams", KIND_EMAIL),
    ("ILMATAR.POLLOKORPI", KIND_EMAIL),
    # phone numbers with dots, slashes, the 00 prefix, no-break spaces, at the end of a sentence
    ("call 040.765.4321", KIND_PHONE),
    ("call 040/765 4322", KIND_PHONE),
    ("call 00358 40 765 4321", KIND_PHONE),
    ("call 0044 20 7946 0958", KIND_PHONE),
    ("call 040\u00a0765\u00a04321", KIND_PHONE),
    ("call me on 040 765 4321.", KIND_PHONE),
    # identity codes with an en dash, a minus sign or a space before the check character
    ("hetu 131052\u2013308T", KIND_ID_CODE),
    ("hetu 131052\u2212308T", KIND_ID_CODE),
    ("hetu 131052-308 T", KIND_ID_CODE),
    # a lower-case surname in a file name inside the text (a provenance table cell)
    ("| participants | pollokorpi_export.xlsx | Google Forms |", KIND_SURNAME),
    ("tilhimaen-lista.csv", KIND_SURNAME),
])
def test_audit_attacks_are_found(audit_ids, text, kind):
    assert kind in scan_text(text, audit_ids)


@pytest.mark.parametrize("text", [
    "Meetings on 01.10.2026, 09.12.2026 and 2026-10-13; 09.30-10.30 and 16.00\u201317.30.",
    "Make a joke; main results; the joen and maen words in lower case are not capitalised names",
    "matti.meikalainen.other@example.fi is someone else; so is x.matti.meikalainen",
    "We met at school. Then we talked about the dot plot.",
    "Counts 0 12 15 7 3 20, 00 12 15, p = 0.031, 1,234,567 and 2.3.2026.",
    "Saara alone is a first name, Jukka too",
    "group_sizes.xlsx and report.pdf",
])
def test_audit_look_alikes_stay_clean(audit_ids, text):
    assert scan_text(text, audit_ids) == set()


def test_fold_text_strips_diacritics_and_plain_dashes_keep_case():
    assert fold_text("Pöllökorpi\u2013Ærø Łódź\u00a0x") == "Pollokorpi-Aero Lodz x"
    assert fold_text("ascii stays") == "ascii stays"


def test_name_words_cover_short_stems():
    """The independent reference: the forms as a Finnish speaker writes them (folded)."""
    assert {"joen", "jokea", "joella", "jokeen", "joet"} <= name_words("Joki")
    assert {"maen", "makea", "maella", "maelle"} <= name_words("Mäki")
    assert {"jukan", "jukalle", "jukalla"} <= name_words("Jukka")
    assert {"matin", "matille"} <= name_words("Matti")
    assert {"ahon", "aholla"} <= name_words("Aho")
    assert {"kimin", "kimille"} <= name_words("Kim")
    assert name_words("Virtanen") == frozenset()  # "virtas" prefixes cover it
    assert "make" not in name_words("Mäki") and "joe" not in name_words("Joki")  # no bare e-stems
    assert name_words("Li") == frozenset()


def test_first_names_count_alone_only_when_asked(audit_ids):
    every = identities_from(AUDIT_PEOPLE, every_part=True)
    assert scan_text("Kiitos Jukalle!", audit_ids) == set()
    assert KIND_SURNAME in scan_text("Kiitos Jukalle!", every)
    assert scan_text("kiitos kaikille, saara", every) == set()  # lower case: an ordinary word


def test_identity_code_checksum():
    assert valid_identity_code("131052-308T")
    assert valid_identity_code("010101A123N")
    assert not valid_identity_code("131052-308U")
    assert not valid_identity_code("999999-999X")


def test_allow_list_and_repr_hides_values():
    allowed = identities_from(PEOPLE, allow=["Canary Wharf"])
    assert scan_text("Canary Wharf office", allowed) == set()
    assert KIND_SURNAME in scan_text("Canary alone", allowed)
    for shown in (repr(allowed), str(allowed)):
        assert not any(s.casefold() in shown.casefold() for s in SECRETS)


def _clean_public(root: Path):
    (root / "figures").mkdir(parents=True)
    (root / "report.html").write_text(f"<html><body><h1>Report</h1><p>{CLEAN}</p></body></html>", encoding="utf-8")
    (root / "figures" / "chart.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg"><!-- Attendance --><text>Attendance</text></svg>',
        encoding="utf-8")
    (root / "figures" / "chart.png").write_bytes(_png([(b"tEXt", b"Title\x00Attendance")]))
    write_xlsx({"Summary": pd.DataFrame({"school": ["School of Business"], "n": [42]})}, root / "summary.xlsx")
    write_csv(pd.DataFrame({"school": ["School of Science"], "n": ["<5"]}), root / "summary.csv")
    _pdf(root / "report.pdf", CLEAN)


def test_clean_public_folder_passes(tmp_path, ids):
    _clean_public(tmp_path)
    assert scan_public(tmp_path, ids) == []
    check_public(tmp_path, ids)


LEAKS = {
    "html text": ("report.html", lambda p: p.write_text("<p>Kiitos Otso Mäkiselle</p>", encoding="utf-8"),
                  KIND_FULL_NAME),
    "html alt": ("report.html", lambda p: p.write_text('<img alt="Group of Virtanen" src="x.png">', encoding="utf-8"),
                 KIND_SURNAME),
    "html comment": ("report.html", lambda p: p.write_text("<!-- kanerva.canary@example.fi -->", encoding="utf-8"),
                     KIND_EMAIL),
    "html embedded png": ("report.html", lambda p: p.write_text(
        '<img src="data:image/png;base64,' + base64.b64encode(_png([(b"tEXt", b"Author\x00Anna Virtanen")])).decode()
        + '">', encoding="utf-8"), KIND_FULL_NAME),
    "pdf text": ("report.pdf", lambda p: _pdf(p, "Group led by Kanerva Ylitalo-Canary"), KIND_FULL_NAME),
    "pdf metadata": ("report.pdf", lambda p: _pdf(p, "Nothing here", author="Otso Mäkinen"), KIND_FULL_NAME),
    "xlsx cell": ("summary.xlsx", lambda p: write_xlsx({"S": pd.DataFrame({"who": ["Mäkinen"]})}, p), KIND_SURNAME),
    "xlsx sheet name": ("summary.xlsx", lambda p: write_xlsx({"Anna Virtanen": pd.DataFrame({"a": [1]})}, p),
                        KIND_FULL_NAME),
    "xlsx header": ("summary.xlsx", lambda p: write_xlsx({"S": pd.DataFrame({"wl@example.org": [1]})}, p),
                    KIND_EMAIL),
    "csv": ("summary.csv", lambda p: write_csv(pd.DataFrame({"a": ["131052-308T"]}), p), KIND_ID_CODE),
    "svg text": ("figures/chart.svg", lambda p: p.write_text(
        '<svg xmlns="http://www.w3.org/2000/svg"><text>Group of Kanerva Canary</text></svg>', encoding="utf-8"),
        KIND_FULL_NAME),
    "svg title attr": ("figures/chart.svg", lambda p: p.write_text(
        '<svg xmlns="http://www.w3.org/2000/svg"><g aria-label="call 040 765 4321"/></svg>', encoding="utf-8"),
        KIND_PHONE),
    "png tEXt": ("figures/chart.png", lambda p: p.write_bytes(_png([(b"tEXt", b"Title\x00Virtasen ryhm\xe4")])),
                 KIND_SURNAME),
    "png iTXt": ("figures/chart.png", lambda p: p.write_bytes(_png([(b"iTXt", b"Description\x00\x00\x00fi\x00\x00"
                                                                   + "Otso Mäkisen ryhmä".encode())])),
                 KIND_FULL_NAME),
    "png zTXt": ("figures/chart.png", lambda p: p.write_bytes(_png([(b"zTXt", b"Comment\x00\x00"
                                                                   + zlib.compress(b"Kanerva Canary"))])),
                 KIND_FULL_NAME),
}


@pytest.mark.parametrize("leak", sorted(LEAKS))
def test_planted_leak_found_and_value_never_shown(tmp_path, ids, leak, capsys):
    _clean_public(tmp_path)
    rel, plant, kind = LEAKS[leak]
    plant(tmp_path / rel)
    hits = scan_public(tmp_path, ids)
    assert Hit(rel, kind) in hits, hits
    assert {h.file for h in hits} == {rel}
    with pytest.raises(PrivacyGateError) as e:
        check_public(tmp_path, ids)
    assert e.value.exit_code == EXIT_PRIVACY == 4
    message = e.value.render()
    assert rel in message and kind in message
    out = capsys.readouterr()
    for secret in SECRETS + ["Otso", "Virtas", "Mäkis", "wl@example.org", "765"]:
        for text in (message, out.out, out.err, repr(hits)):
            assert secret.casefold() not in text.casefold()


def test_name_in_file_name(tmp_path, ids):
    (tmp_path / "certificate_Anna_Virtanen.txt").write_text("ok", encoding="utf-8")
    hits = scan_public(tmp_path, ids)
    assert Hit("certificate_Anna_Virtanen.txt", f"{KIND_FULL_NAME} in the file name") in hits
    assert {h.file for h in hits} == {"certificate_Anna_Virtanen.txt"}


def test_unreadable_file_fails_closed(tmp_path, ids):
    (tmp_path / "broken.xlsx").write_bytes(b"not a zip")
    assert scan_public(tmp_path, ids) == [Hit("broken.xlsx", "unreadable file (cannot be checked)")]


def test_missing_folder_and_no_people(tmp_path):
    empty = identities_from(pd.DataFrame({"name": [], "email": []}))
    assert scan_public(tmp_path / "nope", empty) == []
    (tmp_path / "a.html").write_text("<p>Call 040 765 4321</p>", encoding="utf-8")
    assert scan_public(tmp_path, empty) == [Hit("a.html", KIND_PHONE)]


def test_lower_case_surname_in_file_name(tmp_path, ids):
    (tmp_path / "virtanen.txt").write_text("ok", encoding="utf-8")
    (tmp_path / "group_sizes.xlsx").write_bytes(b"")  # unreadable but not a name
    hits = scan_public(tmp_path, ids)
    assert Hit("virtanen.txt", f"{KIND_SURNAME} in the file name") in hits
    assert all(h.file != "group_sizes.xlsx" or h.kind.startswith("unreadable") for h in hits)


def test_a_first_name_asked_apart_is_one_more_name_part():
    people = pd.DataFrame({"name": ["Kimberly Smithson", None], "first_name": ["Kim", "Otso"],
                           "email": ["kim@example.org", "otso@example.org"]})
    ids = identities_from(people)
    assert KIND_FULL_NAME in scan_text("Thanks to Kim Smithson for leading", ids)
    assert scan_text("Otso is a first name only and Kim alone too", ids) == set()


def test_a_word_of_the_fixed_finnish_wording_is_not_taken_for_an_inflected_surname():
    """"Testeihin" (in the Finnish Methods text) is a form the gate would take for the surname
    "Testi"; the catalogue's own words are in the report whoever took part, so they are not searched
    as surnames alone -- but a catalogue word that IS someone's surname exactly still counts, and
    so does a full name made with one ("Maija Testin": "Testin" is also in the catalogue)."""
    from mentoring_lib.outputs.messages import fixed_words

    people = pd.DataFrame({"name": ["Maija Testi", "Liisa Ohjelma"]})
    sentence = fold_text("Pienet määrät piilotetaan: Testeihin ja osuuksiin sovelletaan samaa sääntöä.")
    assert {"testeihin", "testin", "ohjelma"} <= {w.casefold() for w in fixed_words("fi")}
    assert scan_text(sentence, identities_from(people)) == {KIND_SURNAME}
    ids = identities_from(people, fixed_words=fixed_words("fi"))
    assert scan_text(sentence, ids) == set()
    assert scan_text(fold_text("Ohjelma kiitti ryhmää."), ids) == {KIND_SURNAME}
    assert scan_text(fold_text("Maija Testin ryhmä"), ids) == {KIND_FULL_NAME}
