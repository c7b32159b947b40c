"""The personal-data gate: planted leaks in every public file type are found, values never shown."""
from __future__ import annotations

import base64
import struct
import zlib
from pathlib import Path

import pandas as pd
import pytest

from mentoring_lib.errors import EXIT_PRIVACY, PrivacyGateError
from mentoring_lib.gate import (KIND_EMAIL, KIND_FULL_NAME, KIND_ID_CODE, KIND_PHONE, KIND_SURNAME, Hit,
                                check_public, identities_from, name_stems, scan_public, scan_text,
                                valid_identity_code)
from mentoring_lib.spreadsheets import write_csv, write_xlsx

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
    assert "mäkis" in name_stems("Mäkinen")
    assert {"aalto", "aalt", "aall"} <= name_stems("Aalto")  # Aallon
    assert "lahd" in name_stems("Lahti")  # Lahden
    assert "heik" in name_stems("Heikki")  # Heikin
    assert "kivimä" in name_stems("Kivimäki")  # Kivimäen (a single k drops)
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
