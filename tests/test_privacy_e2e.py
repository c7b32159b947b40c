"""Privacy end to end: canary identities planted in every export of the demo term never leave the
private area, a planted leak stops publication, the key never leaks, errors never print identities.

The canary term is the demo term (``data/demo``) with the invented people of
``tests/fixtures/canary/canaries.yml`` added to every export, written the way each tool writes
(Microsoft Forms / coordinator XLSX through openpyxl, Google Forms CSV, Qualtrics CSV with three
header rows, Webropol ``;``-CSV with a BOM), with open-text comments that name canaries and give
an e-mail, a phone number and a valid Finnish identity code. Each scenario runs the real
pipeline: ``python -m mentoring_lib run`` in a subprocess with ``MENTORING_REPORTS_ROOT`` in tmp.

The leak searches do not rely on the gate alone: besides ``gate.scan_public`` every public file is
decoded independently here (HTML with its embedded images, PDF text and metadata through pypdf,
XLSX cells / sheet names / properties through openpyxl, PNG text chunks and EXIF through Pillow,
SVG and CSV as text) and searched, accent- and case-folded, for names, name stems, e-mails and
their local parts, the phone number and the identity code.
"""
from __future__ import annotations

import base64
import csv
import datetime as dt
import hashlib
import html
import io
import json
import os
import re
import shutil
import subprocess
import unicodedata
from pathlib import Path

import pandas as pd
import pytest
import yaml
from conftest import folder_hashes, mentoring_cli

from mentoring_lib.io import people_workbooks
from mentoring_lib.errors import EXIT_INPUT, EXIT_OK, EXIT_PRIVACY

ROOT = Path(__file__).resolve().parent.parent
DEMO_CONFIG = ROOT / "config" / "demo.yml"
DEMO_DATA = ROOT / "data" / "demo"
CANARY_FILE = ROOT / "tests" / "fixtures" / "canary" / "canaries.yml"
CANARIES = yaml.safe_load(CANARY_FILE.read_text(encoding="utf-8"))
MENTORS = {m["key"]: m for m in CANARIES["mentors"]}
PARTICIPANTS = {p["key"]: p for p in CANARIES["participants"]}
PEOPLE = {**MENTORS, **PARTICIPANTS}
PHONE, PHONE_NATIONAL, HETU = CANARIES["phone"], CANARIES["phone_national"], CANARIES["identity_code"]
VARIANTS = CANARIES["variants"]
ANALYSIS_NOTEBOOKS = ("02_groups.ipynb", "05_evaluation.ipynb", "07_report.ipynb")
#: A test key for `key_source: env` (never a real one): 32 bytes that look random (a run of
#: consecutive bytes would be found in any parquet file's dictionary pages).
TEST_KEY = hashlib.sha256(b"canary test key, not a secret").digest()

pytestmark = pytest.mark.e2e


def _p(key: str) -> dict:
    return PEOPLE[key]


# Open text that carries every kind of identifier (the surname "Peipposen" is an inflected form).
COMMENT_AFTER_P1 = (f"Thanks to {_p('M1')['name']} and {_p('P3')['name']}! Aurelia Peipposen kanssa "
                    f"oli helppo puhua. Reach me at {_p('P1')['email']} or {PHONE}, id {HETU}.")
COMMENT_AFTER_P3 = (f"Ilmatar was great; Pöllökorven ryhmä oli paras, Tilhimäen mielestä. Call {PHONE_NATIONAL} "
                    f"if you need a reference for {_p('M1')['name']}.")
COMMENT_MENTOR_M1 = (f"{_p('P1')['name']} ({_p('P1')['email']}) needed extra support; "
                     f"Zwölfsteinin kanssa we met twice more. My number is {PHONE}.")
# The spellings the audit of issue 13 got past the gate: a surname without its diacritics
# (Pöllökorpi) and one registered without them written with them (Vaaralainen), short-stem forms
# (Joki -> Joen, Mäki -> Mäen, Maella), a gradated first name (Jukka -> Jukalle), e-mails spelled
# out, phone numbers with dots, slashes and 00, identity codes with an en dash or a space.
_PH, _ID = VARIANTS["phones"], VARIANTS["identity_codes"]
COMMENT_AFTER_P1 += (f" Kiitos Pollokorpi ja Vääräläisen ryhmä! Write to quirin.zwolfstein at example dot org or "
                     f"quirin(dot)zwolfstein, call {_PH[0]} or {_PH[1]}, id {_ID[0]}.")
COMMENT_AFTER_P3 += f" Joen ja Mäen kanssa oli kiva, Maella myös; terveisiä Jukalle. Call {_PH[2]}, hetu {_ID[1]}."
# Scrubbing leaves it (the scrubber knows names, not e-mail local parts): approved, then refused.
COMMENT_AFTER_P6 = "Ask tv1984 about the schedule sheet, it helped me."
#: Inflected forms planted above whose stems are too short to search for as substrings.
PLANTED_WORDS = ("joen", "jukalle", "maen", "maella")
REG_NOTE_P1 = f"My supervisor {_p('M2')['name']} told me to apply. Phone {PHONE_NATIONAL}, hetu {HETU}."
REG_MOTIVATION_M1 = f"Write to {_p('M1')['email']} if anything changes ({PHONE})."


# -- folding and needles ---------------------------------------------------------------------------

_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")


def fold(text: str) -> str:
    """Case-folded, accents stripped, invisible characters removed (ö -> o, å -> a)."""
    text = unicodedata.normalize("NFKD", _INVISIBLE.sub("", text))
    return "".join(c for c in text if not unicodedata.combining(c)).casefold()


def _stems(part: str) -> set[str]:
    """A surname and the stems its Finnish inflected forms start with (written independently of
    names.name_stems, and broader: -nen -> -s-; a final vowel dropped, and the consonant before it
    too, for gradation: Pöllökorpi -> Pöllökorven, Tilhimäki -> Tilhimäen). Searched as substrings,
    so only from 5 letters on; shorter names are searched as whole words (:data:`WORD_NEEDLES`)."""
    p = fold(part)
    out = {p}
    if p.endswith("nen"):
        out.add(p[:-3] + "s")
    elif p[-1] in "aeiouy":
        out |= {p[:-1], p[:-2]}
    return {s for s in out if len(s) >= 5}


def needles() -> dict[str, str]:
    """Folded search string -> what it is (never printed with the value in assertion messages)."""
    found: dict[str, str] = {}
    for key, person in PEOPLE.items():
        first, last = person["name"].split(" ", 1)
        found[fold(person["name"])] = f"{key} full name"
        found[fold(f"{last} {first}")] = f"{key} full name reversed"
        found[fold(first)] = f"{key} first name"
        for stem in _stems(last):
            found[stem] = f"{key} surname (stem)"
        found[fold(person["email"])] = f"{key} e-mail"
        found[fold(person["email"].split("@")[0])] = f"{key} e-mail local part"
    found[fold(HETU)] = "identity code"
    found[fold(HETU).replace("-", "")] = "identity code (no sign)"
    found["sick leave"] = "health detail (a doctoral-year answer)"
    found["ruusunmaki"] = "third party (a doctoral-year answer)"
    return found


def word_needles() -> dict[str, str]:
    """Short name parts and the planted short-stem forms, searched as whole words."""
    found = {w: "short-stem form" for w in PLANTED_WORDS}
    for key, person in PEOPLE.items():
        for part in person["name"].split():
            if len(fold(part)) < 5:
                found[fold(part)] = f"{key} short name part"
    return found


NEEDLES = needles()
# Whole words between spaces or punctuation (a PNG's bytes, decoded as text, hold short words by chance)
_EDGE = r"\s.,;:!?()\[\]\"'<>/|-"
WORD_NEEDLES = {re.compile(rf"(?:^|(?<=[{_EDGE}])){re.escape(w)}(?=[{_EDGE}]|$)"): what
                for w, what in word_needles().items()}
# the phone number with any separators: +358 40 765 4321, 040-7654321, 00358407654321 ... (and
# the planted 040/765 4322)
_DIGITS = r"4\D{0,2}0\D{0,2}7\D{0,2}6\D{0,2}5\D{0,2}4\D{0,2}3\D{0,2}2\D{0,2}[12]"  # 40 765 432x, any separators
PHONE_RE = re.compile(r"(?:(?:\+|00)\s*358[\s\-()]*0?[\s\-()]*|0\s*)" + _DIGITS)
_DASHES = re.compile("[\u2010-\u2015\u2212]")
_SPELLED_DOT = re.compile(r"\s*[(\[]\s*dot\s*[)\]]\s*|\s+dot\s+")


def canary_hits(text: str) -> set[str]:
    """What kinds of canary identifiers a text holds (descriptions, never the values)."""
    if not text:
        return set()
    folded = _SPELLED_DOT.sub(".", _DASHES.sub("-", fold(text)))  # "quirin(dot)zwolfstein"
    squeezed = re.sub(r"[\s\-]+", "", folded)  # words broken over PDF lines
    hits = {what for needle, what in NEEDLES.items()
            if needle in folded or (len(needle) >= 6 and re.sub(r"[ -]", "", needle) in squeezed)}
    hits |= {what for pattern, what in WORD_NEEDLES.items() if pattern.search(folded)}
    if PHONE_RE.search(text):
        hits.add("phone number")
    return hits


# -- independent decoding of public files ----------------------------------------------------------

def _png_texts(data: bytes) -> list[str]:
    from PIL import Image

    img = Image.open(io.BytesIO(data))
    img.load()
    chunks = {**img.info, **getattr(img, "text", {})}
    texts = [f"{k} {v}" for k, v in chunks.items() if isinstance(v, (str, bytes))]
    texts += [str(v) for v in img.getexif().values()]
    texts.append(data.decode("latin-1"))
    return texts


def decoded_texts(path: Path) -> list[str]:
    """Everything a public file shows or carries, decoded without the gate's code."""
    suffix = path.suffix.lower()
    raw = path.read_bytes()
    if suffix == ".pdf":
        from pypdf import PdfReader

        reader = PdfReader(io.BytesIO(raw))
        texts = [page.extract_text() or "" for page in reader.pages]
        texts += [str(v) for v in (reader.metadata or {}).values()]
        if reader.xmp_metadata is not None:
            texts.append(reader.xmp_metadata.stream.get_data().decode("utf-8", "replace"))
        return texts
    if suffix == ".xlsx":
        import openpyxl

        wb = openpyxl.load_workbook(io.BytesIO(raw))
        texts = [ws.title for ws in wb.worksheets] + list(wb.defined_names)
        props = wb.properties
        texts += [str(getattr(props, a)) for a in ("title", "subject", "creator", "keywords", "description",
                                                      "lastModifiedBy", "category")]
        for ws in wb.worksheets:
            texts += [str(c.value) for row in ws.iter_rows() for c in row if c.value is not None]
            texts += [c.comment.text for row in ws.iter_rows() for c in row if c.comment is not None]
            texts += [str(ws.oddHeader.center.text), str(ws.oddFooter.center.text)]
        return texts
    if suffix == ".png":
        return _png_texts(raw)
    text = raw.decode("utf-8", "replace")
    texts = [text, html.unescape(text)]
    if suffix in (".html", ".htm", ".svg"):
        for kind, payload in re.findall(r"data:image/(png|svg\+xml);base64,([A-Za-z0-9+/=]+)", text):
            data = base64.b64decode(payload)
            texts += _png_texts(data) if kind == "png" else [data.decode("utf-8", "replace")]
    return texts


def notebook_texts(path: Path) -> list[str]:
    """Every string in an executed notebook (sources, parameters, outputs, metadata)."""
    out: list[str] = []

    def walk(x):
        if isinstance(x, str):
            out.append(x)
        elif isinstance(x, dict):
            for k, v in x.items():
                out.append(str(k))
                walk(v)
        elif isinstance(x, list):
            for v in x:
                walk(v)

    walk(json.loads(path.read_text(encoding="utf-8")))
    return out


def files_with_hits(files: dict[str, list[str]]) -> dict[str, set[str]]:
    found = {}
    for name, texts in files.items():
        kinds = set().union(*(canary_hits(t) for t in texts)) | canary_hits(name)
        if kinds:
            found[name] = kinds
    return found


def run_record(term: Path) -> str:
    """run.json's text: public provenance names inputs by their config id, so even the planted file
    name with a surname must not be in it."""
    return (term / "run.json").read_text(encoding="utf-8")


# -- building the canary term ------------------------------------------------------------------------

def _ts(value) -> dt.datetime:
    return value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value))


def _append_csv(path: Path, rows: list[list[str]], *, delimiter: str = ",") -> None:
    """Append rows to a CSV export keeping its encoding, BOM, delimiter and line ends."""
    raw = path.read_bytes()
    newline = "\r\n" if b"\r\n" in raw else "\n"
    buf = io.StringIO()
    csv.writer(buf, delimiter=delimiter, lineterminator=newline).writerows(rows)
    sep = b"" if raw.endswith(newline.encode()) else newline.encode()
    path.write_bytes(raw + sep + buf.getvalue().encode("utf-8"))


def _csv_rows(path: Path, delimiter: str = ",") -> list[list[str]]:
    with open(path, encoding="utf-8-sig", newline="") as f:
        return list(csv.reader(f, delimiter=delimiter))


def _append_xlsx(path: Path, rows: list[list], *, date_columns: tuple[int, ...] = ()) -> None:
    import openpyxl

    wb = openpyxl.load_workbook(path)
    ws = wb.worksheets[0]
    fmt = ws.cell(row=3, column=date_columns[0] + 1).number_format if date_columns else None
    for values in rows:
        ws.append(values)
        for col in date_columns:
            ws.cell(row=ws.max_row, column=col + 1).number_format = fmt
    wb.save(path)


def _xlsx_header(path: Path) -> list[str]:
    import openpyxl

    ws = openpyxl.load_workbook(path, read_only=True).worksheets[0]
    return [c.value for c in next(ws.iter_rows(max_row=1))]


def _ticks(marks) -> list:
    return [m if m else None for m in marks]


def plant_canaries(data: Path) -> None:
    """Add the canary people to every export in ``data`` (a copy of data/demo)."""
    # Microsoft Forms mentor registrations
    path = data / "mentor_registrations.xlsx"
    header = _xlsx_header(path)
    rows = []
    for i, m in enumerate(MENTORS.values()):
        done = _ts(m["submitted"])
        row = {"ID": 900 + i, "Start time": done - dt.timedelta(minutes=7), "Completion time": done,
               "Email": m["email"], "Name": m["name"], "School": "School of Science",
               "Doctoral programme": "Doctoral Programme in Science", "Year of doctoral studies": "2nd year",
               "Languages you could mentor in": "English;Finnish;",
               "Availability (select all that apply)": "Monday afternoon;Tuesday morning;",
               "Why would you like to become a compassion mentor?":
                   REG_MOTIVATION_M1 if m["key"] == "M1" else f"I am {m['name']} and I care.",
               header[-1]: "Yes"}
        rows.append([row.get(h) for h in header])
    _append_xlsx(path, rows, date_columns=(1, 2))

    # Google Forms participant registrations (Finnish-locale timestamps)
    path = data / "participant_registrations.csv"
    header = _csv_rows(path)[0]
    rows = []
    for p in PARTICIPANTS.values():
        submissions = [(p["submitted"], p["email"])]
        if p.get("duplicate_submitted"):
            submissions.append((p["duplicate_submitted"], f"  {p['email'].upper()} "))
        for when, email in submissions:
            t = _ts(when)
            row = {"Timestamp": f"{t.day}.{t.month}.{t.year} {t.hour}.{t.minute:02d}.{t.second:02d}",
                   "Email address": email, "Full name": p["name"],
                   "School / Koulu / Skola": "School of Science",
                   "Doctoral programme": "Doctoral Programme in Science",
                   "Year of doctoral studies": p.get("doctoral_year", "3rd year"),
                   "Languages you can take part in": "English, Finnish",
                   "When could you attend group meetings?": "Monday afternoon, Tuesday morning",
                   "What do you hope to get from the group?": f"Support for {p['name']}, write to {p['email']}",
                   "Anything else you would like us to know?": REG_NOTE_P1 if p["key"] == "P1" else "",
                   header[-1]: "I agree"}
            rows.append([row.get(h, "") for h in header])
    _append_csv(path, rows)

    # the coordinator's withdrawals list
    _append_csv(data / "withdrawals.csv", [[p["email"].upper(), str(p["withdrawn"]),
                                             f"{p['name']} wrote from {p['email']} ({PHONE})"]
                                            for p in PARTICIPANTS.values() if p.get("withdrawn")])

    # attendance sheets (name and e-mail, one column per session)
    for file, people, field in (("training_attendance.xlsx", MENTORS, "trainings"),
                                ("group_attendance.xlsx", PEOPLE, "meetings")):
        _append_xlsx(data / file, [[p["name"], p["email"], *_ticks(p[field])] for p in people.values()
                                   if p.get(field)])

    # Qualtrics before-survey: 3 header rows; a demo response as the template for the answers
    path = data / "feedback_before.csv"
    rows = _csv_rows(path)
    header, template = rows[0], rows[3]
    out = []
    for n, p in enumerate(p for p in PARTICIPANTS.values() if p.get("before")):
        first, last = p["name"].split(" ", 1)
        row = dict(zip(header, template))
        row.update(StartDate=f"2026-10-02 1{n}:00:00", EndDate=f"2026-10-02 1{n}:12:00",
                   RecordedDate=f"2026-10-02 1{n}:12:00", ResponseId=f"R_canary{n}xxxxxxxx",
                   RecipientLastName=last, RecipientFirstName=first, RecipientEmail=p["email"])
        out.append([row[h] for h in header])
    _append_csv(path, out)

    # Webropol-like after-survey: ';', UTF-8 with BOM; the last column is the open comment
    path = data / "feedback_after.csv"
    rows = _csv_rows(path, ";")
    template = rows[1]
    comments = {"P1": COMMENT_AFTER_P1, "P3": COMMENT_AFTER_P3, "P6": COMMENT_AFTER_P6}
    out = []
    for n, p in enumerate(p for p in PARTICIPANTS.values() if p.get("after")):
        out.append([f"14.12.2026 1{n}:30", p["email"], *template[2:-1], comments[p["key"]]])
    _append_csv(path, out, delimiter=";")

    # Microsoft Forms mentor feedback
    path = data / "mentor_feedback.xlsx"
    header = _xlsx_header(path)
    rows = []
    for m in MENTORS.values():
        if m.get("feedback"):
            done = dt.datetime(2026, 12, 17, 12, 0, 0)
            rows.append([950, done - dt.timedelta(minutes=9), done, m["email"], m["name"], "Agree",
                         "Strongly agree", "Agree", "Strongly agree", COMMENT_MENTOR_M1][:len(header)])
    _append_xlsx(path, rows, date_columns=(1, 2))


def make_term(dest: Path, *, name: str = "canary-demo", key_source: str = "demo", privacy: dict | None = None,
              report: dict | None = None, approve: list[str] | None = None) -> Path:
    """A copy of the demo term with the canaries planted; returns the config path."""
    data = dest / "data"
    shutil.copytree(DEMO_DATA, data)
    plant_canaries(data)
    (data / "withdrawals.csv").rename(data / VARIANTS["withdrawals_file"])
    cfg = yaml.safe_load(DEMO_CONFIG.read_text(encoding="utf-8"))
    for item in cfg["inputs"]:
        if item["id"] == "withdrawals":
            item["file"] = VARIANTS["withdrawals_file"]
    cfg["term"]["name"] = name
    cfg["data_dir"] = str(data)
    cfg["codebook"] = str((DEMO_CONFIG.parent / cfg["codebook"]).resolve())
    cfg["privacy"].update(key_source=key_source, **(privacy or {}))
    cfg["report"].update(report or {})
    if approve is not None:
        (data / "approved_quotes.txt").write_text("".join(h + "\n" for h in approve), encoding="utf-8")
        cfg["privacy"]["approved_quotes_file"] = "approved_quotes.txt"
    path = dest / "term.yml"
    path.write_text(yaml.safe_dump(cfg, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def mentoring(*args: str, reports: Path, env: dict | None = None,
              pythonpath: tuple[Path, ...] = ()) -> subprocess.CompletedProcess:
    """The command with no key and no fixed date from the test's environment."""
    return mentoring_cli(*args, reports=reports, env=env, pythonpath=pythonpath,
                         unset=("MENTORING_KEY", "SOURCE_DATE_EPOCH"), timeout=1200)


def approved_hashes() -> list[str]:
    """Hashes of the canary comments as the pipeline scrubs them (so they reach the public report,
    scrubbed: the end-to-end check of scrub.scrub_text on the way to publication)."""
    from mentoring_lib.privacy.scrub import quote_hash, scrub_text

    names = [p["name"] for p in PEOPLE.values()]
    texts = pd.Series([COMMENT_AFTER_P1, COMMENT_AFTER_P3, COMMENT_MENTOR_M1, COMMENT_AFTER_P6], dtype="str")
    return [quote_hash(t) for t in scrub_text(texts, names)]


# -- scenario 1: the canary term runs and publishes nothing of the canaries ---------------------------

@pytest.fixture(scope="module")
def canary_run(tmp_path_factory):
    base = tmp_path_factory.mktemp("canary")
    config = make_term(base, approve=approved_hashes())
    reports = base / "reports"
    proc = mentoring("run", "--config", str(config), reports=reports)
    assert proc.returncode == EXIT_OK, proc.stdout[-3000:] + proc.stderr[-3000:]
    return config, reports / "canary-demo", proc


def test_canaries_went_through_the_pipeline(canary_run):
    """Private outputs hold the canaries where they should: proof the canary data was read."""
    _, term, _ = canary_run
    private = term / "private"
    identity = pd.read_parquet(private / "identity" / "people.parquet")
    people = pd.read_parquet(private / "tables" / "registrations" / "people.parquet")
    status = dict(zip(identity["email"].str.strip().str.lower(), identity["person_id"]))
    by_id = dict(zip(people["person_id"], people["status"]))
    for key, person in PEOPLE.items():
        assert person["email"] in status, f"{key} missing from the identity table"
        assert by_id[status[person["email"]]] == person["status"], key
    rows = pd.read_parquet(private / "tables" / "registrations" / "rows.parquet")
    p3 = rows[rows["person_id"] == status[PARTICIPANTS["P3"]["email"]]]
    assert sorted(p3["status"]) == ["accepted", "duplicate"]

    roster = " ".join(decoded_texts(private / "roster.xlsx"))
    for key in ("M1", "P1", "P3"):
        assert PEOPLE[key]["name"] in roster and PEOPLE[key]["email"] in roster, key
    register = (private / "certificates" / "certificate_register.csv").read_text(encoding="utf-8-sig")
    assert MENTORS["M1"]["name"] in register, "the canary mentor earned a certificate"
    waitlist = (private / "mailmerge_waitlisted.csv").read_text(encoding="utf-8-sig")
    assert MENTORS["M2"]["email"] in waitlist and PARTICIPANTS["P4"]["email"] in waitlist
    # their answers reached the analysis tables under pseudonyms
    responses = pd.read_parquet(private / "tables" / "feedback" / "responses.parquet")
    assert status[PARTICIPANTS["P1"]["email"]] in set(responses["person_id"])
    # the comments were scrubbed on the way, and the approved ones were published scrubbed
    review = (private / "quotes_for_review.csv").read_text(encoding="utf-8-sig")
    assert all(h in review for h in approved_hashes())
    report = (term / "public" / "report.html").read_text(encoding="utf-8")
    assert report.count("[removed]") >= 3, "the approved canary quotes are in the report, scrubbed"
    # an approved quote that still names someone (an e-mail local part) is refused, and flagged
    flagged = pd.read_csv(private / "quotes_for_review.csv", encoding="utf-8-sig")
    assert flagged.loc[flagged["text"] == COMMENT_AFTER_P6, "names_someone"].tolist() == [True]
    assert "schedule sheet" not in report
    # the doctoral-year answers reached the summary as categories of the closed list only
    years = people_workbooks.read(term / "public" / "registration_summary.xlsx", "doctoral_year")
    assert set(years.iloc[:, 0]) <= {"1st year", "2nd year", "3rd year", "4th year", "5th year or later", "Other",
                                     "(not answered)", "Total"}


def test_no_canary_in_public_outputs_by_the_gate(canary_run):
    from mentoring_lib.privacy.file_texts import file_texts
    from mentoring_lib.privacy.gate import scan_public, scan_text
    from mentoring_lib.privacy.names import identities_from

    _, term, _ = canary_run
    canaries = pd.DataFrame({"name": [p["name"] for p in PEOPLE.values()],
                             "email": [p["email"] for p in PEOPLE.values()]})
    ids = identities_from(canaries)
    public = term / "public"
    assert scan_public(public, ids) == []
    for path in sorted(p for p in public.rglob("*") if p.is_file()):
        assert not any(scan_text(t, ids) for t in file_texts(path)), path.name
    # the gate with the whole term's identity table, as the runner uses it, agrees
    everyone = identities_from(pd.read_parquet(term / "private" / "identity" / "people.parquet"))
    assert scan_public(public, everyone) == []
    # and the gate does find the canaries where they are (the search is not blind)
    assert scan_public(term / "private" / "certificates", ids)


def test_no_canary_in_public_outputs_by_independent_search(canary_run):
    _, term, _ = canary_run
    public = term / "public"
    files = {p.relative_to(public).as_posix(): decoded_texts(p) for p in public.rglob("*") if p.is_file()}
    kinds = {Path(f).suffix for f in files}
    assert {".html", ".pdf", ".xlsx", ".png"} <= kinds
    assert files_with_hits(files) == {}
    # the search is not blind: the same decoding finds the canaries in the private roster
    assert files_with_hits({"roster.xlsx": decoded_texts(term / "private" / "roster.xlsx")})


def test_no_canary_in_run_record_logs_console_or_analysis_notebooks(canary_run):
    _, term, proc = canary_run
    texts = {"stdout": [proc.stdout], "stderr": [proc.stderr],
             "run.json": [run_record(term)]}
    logs = sorted((term / "logs").glob("*.log"))
    assert logs
    texts.update({p.name: [p.read_text(encoding="utf-8")] for p in logs})
    for nb in ANALYSIS_NOTEBOOKS:
        texts[nb] = notebook_texts(term / "private" / "notebooks" / nb)
    assert files_with_hits(texts) == {}
    for nb in ANALYSIS_NOTEBOOKS:  # executed, with outputs: the search had something to search
        cells = json.loads((term / "private" / "notebooks" / nb).read_text(encoding="utf-8"))["cells"]
        assert sum(len(c.get("outputs", [])) for c in cells) >= 2, nb


# -- scenario 2: a planted leak stops publication -----------------------------------------------------

LEAK_SITECUSTOMIZE = '''
# Test-only: force a canary's name into every chart title (drawn and in the file's metadata),
# as a bug in a stage could. Loaded by every Python process of the run, kernels included.
import os
_name = os.environ.get("CANARY_CHART_NAME")
if _name:
    import mentoring_lib.outputs.charts as _charts
    _save = _charts.save_figure
    def save_figure(fig, path, title):
        fig.suptitle(_name + ": " + title)
        return _save(fig, path, _name + ": " + title)
    _charts.save_figure = save_figure
'''


def test_published_files_keep_small_registration_counts_from_being_worked_out(canary_run):
    """Issue 13, across tables: the test submissions and duplicates hidden as "<5" / "x" in
    registration_summary.xlsx cannot be worked out from the data-quality sheet of summary.xlsx (an
    independent attacker on the published files); the run recorded the release audit."""
    from conftest import status_quality_attack

    _, term, proc = canary_run
    public = term / "public"
    status = people_workbooks.read(public / "registration_summary.xlsx", "status", index_col=0)
    quality = people_workbooks.read(public / "summary.xlsx", "Data quality").set_index("source")
    rows = []
    for source in ("mentor_registrations", "participant_registrations"):
        q = quality.loc[source]
        reasons = dict(part.rsplit(" ", 1) for part in str(q["excluded"]).split(", ") if part != "none")
        rows.append({"rows_read": q["rows_read"], "kept": q["kept"], "reasons": reasons})
    checked = 0
    for status_name in ("duplicate", "excluded"):
        for role in ("mentor", "participant"):
            if str(status.loc[status_name, role]) in ("<5", "x"):
                low, high = status_quality_attack(status, rows, f"{status_name}/{role}")
                assert high - low >= 2, (status_name, role, low, high)
                checked += 1
    assert checked >= 2
    assert "disclosure audit: no suppressed count can be worked out" in proc.stdout


def test_planted_leak_exits_4_names_file_and_kind_and_publishes_nothing(canary_run, tmp_path):
    config, term, _ = canary_run
    public_before = folder_hashes(term / "public")
    current_before = os.readlink(term / "current")
    leak = MENTORS["M1"]["name"]
    cfg = yaml.safe_load(config.read_text(encoding="utf-8"))
    cfg["report"]["organisation"] = leak  # a name typed into the config reaches the report
    config = tmp_path / "leak.yml"  # same term (name), same data: the published run is the "before"
    config.write_text(yaml.safe_dump(cfg, allow_unicode=True, sort_keys=False), encoding="utf-8")
    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(LEAK_SITECUSTOMIZE, encoding="utf-8")
    proc = mentoring("run", "--config", str(config), reports=term.parent, pythonpath=(hook,),
                     env={"CANARY_CHART_NAME": leak})
    assert proc.returncode == EXIT_PRIVACY, proc.stdout[-3000:] + proc.stderr[-3000:]
    err = proc.stderr
    assert "privacy gate" in err and "nothing was published" in err
    # the chart title is found through the PNG's metadata (pixels are not read), the report's text too
    assert re.search(r"figures/[\w-]+\.png: (full name|surname)", err), err
    assert re.search(r"report\.html: (full name|surname)", err), err
    assert re.search(r"report\.pdf: (full name|surname)", err), err
    logs = {p.name: [p.read_text(encoding="utf-8")] for p in (term / "logs").glob("*.log")}
    hits = files_with_hits({"stdout": [proc.stdout], "stderr": [err],
                            "run.json": [run_record(term)], **logs})
    assert hits == {}, "the gate's message never carries the value"
    assert folder_hashes(term / "public") == public_before
    assert os.readlink(term / "current") == current_before
    record = json.loads((term / "run.json").read_text(encoding="utf-8"))
    assert record["status"] == "failed" and record["exit_code"] == EXIT_PRIVACY
    assert not list((term / ".runs").glob("*")) or [p.name for p in (term / ".runs").iterdir()] == \
        [Path(current_before).name]



# -- scenario 3: the key ---------------------------------------------------------------------------------

def _pseudonyms(term: Path) -> set[str]:
    """Every pseudonym in every analysis table of a run."""
    found: set[str] = set()
    for path in (term / "private" / "tables").rglob("*.parquet"):
        df = pd.read_parquet(path)
        for col in df.columns:
            if df[col].dtype == object or pd.api.types.is_string_dtype(df[col].dtype):
                values = df[col].dropna().astype(str)
                found |= set(values[values.str.fullmatch(r"P-[0-9a-f]{16}")])
    return found


def _key_forms(key: bytes) -> dict[str, bytes]:
    b64 = base64.b64encode(key)
    url = base64.urlsafe_b64encode(key)
    return {"raw": key, "hex": key.hex().encode(), "HEX": key.hex().upper().encode(), "base64": b64,
            "base64 unpadded": b64.rstrip(b"="), "urlsafe base64": url.rstrip(b"=")}


def key_leaks(folder: Path, key: bytes, *texts: str) -> list[str]:
    """(file, form) of every appearance of the key, in any usual spelling, under ``folder`` or in texts."""
    forms = _key_forms(key)
    leaks = [f"{p.relative_to(folder)}: {form}" for p in sorted(folder.rglob("*")) if p.is_file()
             for form, needle in forms.items() if needle in p.read_bytes()]
    leaks += [f"text {i}: {form}" for i, t in enumerate(texts) for form, needle in forms.items()
              if needle.decode("latin-1") in t]
    return leaks


def _expected_pseudonym(email: str, key: bytes) -> str:
    import hmac

    norm = unicodedata.normalize("NFC", email.strip().casefold())
    return "P-" + hmac.new(key, norm.encode(), "sha256").hexdigest()[:16]


def test_demo_key_never_leaves_the_library(canary_run):
    from mentoring_lib.privacy.pseudonym import DEMO_KEY

    _, term, proc = canary_run
    assert key_leaks(term, DEMO_KEY, proc.stdout, proc.stderr) == []
    ids = pd.read_parquet(term / "private" / "identity" / "people.parquet")
    email_of = dict(zip(ids["person_id"], ids["email"]))
    p1 = next(pid for pid, e in email_of.items() if e.strip().lower() == PARTICIPANTS["P1"]["email"])
    assert p1 == _expected_pseudonym(PARTICIPANTS["P1"]["email"], DEMO_KEY)


def test_real_term_with_a_key_file_changes_every_pseudonym_and_never_shows_the_key(canary_run, tmp_path):
    _, demo_term, _ = canary_run
    keyfile = tmp_path / "secrets" / "canary.key"
    proc = mentoring("keygen", str(keyfile), reports=tmp_path / "reports")
    assert proc.returncode == EXIT_OK, proc.stderr
    assert keyfile.stat().st_mode & 0o077 == 0
    from mentoring_lib.privacy.pseudonym import read_key_file

    key = read_key_file(keyfile)
    config = make_term(tmp_path, name="canary", key_source="file", privacy={"key_file": str(keyfile)})
    # a different key in the environment must neither be used nor leak
    proc = mentoring("run", "--config", str(config), reports=tmp_path / "reports",
                     env={"MENTORING_KEY": TEST_KEY.hex()})
    assert proc.returncode == EXIT_OK, proc.stdout[-3000:] + proc.stderr[-3000:]
    term = tmp_path / "reports" / "canary"
    new, old = _pseudonyms(term), _pseudonyms(demo_term)
    assert len(new) == len(old) > 150 and not new & old, "every pseudonym changes with the key"
    people = pd.read_parquet(term / "private" / "identity" / "people.parquet")
    assert (people["person_id"] == [_expected_pseudonym(e, key) for e in people["email"]]).all()
    assert key_leaks(term, key, proc.stdout, proc.stderr) == []
    assert key_leaks(term, TEST_KEY, proc.stdout, proc.stderr) == []
    assert not any(p.name == keyfile.name for p in term.rglob("*")), "the key file is never copied"


@pytest.mark.parametrize("key_source, env, says", [
    ("env", {}, "MENTORING_KEY"),
    ("demo", {}, "demo key"),
    ("env", {"MENTORING_KEY": "00" * 16}, "too short"),
])
def test_real_term_without_a_usable_key_exits_2_saying_how_to_make_one(tmp_path, key_source, env, says):
    config = make_term(tmp_path, name="canary", key_source=key_source)
    proc = mentoring("run", "--config", str(config), reports=tmp_path / "reports", env=env)
    assert proc.returncode == EXIT_INPUT, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert says in proc.stderr and "mentoring keygen" in proc.stderr, proc.stderr
    assert not (tmp_path / "reports" / "canary" / "public").exists()


# -- scenario 4: errors name file, row and column, never the canary's values -----------------------------

def _edit_text(path: Path, old: str, new: str, *, encoding: str = "utf-8") -> None:
    text = path.read_bytes().decode(encoding)
    assert text.count(old) == 1, f"{path.name}: the edit target must occur once"
    path.write_bytes(text.replace(old, new).encode(encoding))


def _registration_date(data: Path, value: str) -> None:
    """``value`` in the submission-time cell of P1's registration."""
    p1 = PARTICIPANTS["P1"]
    _edit_text(data / "participant_registrations.csv", f"1.9.2026 10.00.00,{p1['email']},", f"{value},{p1['email']},")


def _school(data: Path, value: str) -> None:
    """``value`` as P3's school answer."""
    p3 = PARTICIPANTS["P3"]
    _edit_text(data / "participant_registrations.csv", f"{p3['email']},{p3['name']},School of Science,",
               f"{p3['email']},{p3['name']},{value},")


def _likert_answers(data: Path, *values: str) -> None:
    """``values`` as the first scale answers of P1's own feedback row."""
    p1 = PARTICIPANTS["P1"]
    path = data / "feedback_after.csv"
    answers = _csv_rows(path, ";")[1][2:2 + len(values)]
    _edit_text(path, f";{p1['email']};{';'.join(answers)};", f";{p1['email']};{';'.join(values)};",
               encoding="utf-8-sig")


def _tick_cell(data: Path, value: str) -> None:
    """``value`` in the first session cell of P1's group-attendance row."""
    import openpyxl

    path = data / "group_attendance.xlsx"
    wb = openpyxl.load_workbook(path)
    ws = wb.worksheets[0]
    row = next(r for r in ws.iter_rows(min_row=2) if r[1].value == PARTICIPANTS["P1"]["email"])
    row[2].value = value
    wb.save(path)


P1, P3 = PARTICIPANTS["P1"], PARTICIPANTS["P3"]


# The canary's contact details pasted into cells, and short values the old messages quoted (a few
# words, no e-mail or phone number): a name, a note.
@pytest.mark.parametrize("mutate, file", [
    (lambda d: _registration_date(d, "1.13.2026 10.00.00"), "participant_registrations.csv"),  # month 13
    (lambda d: _school(d, P3["email"]), "participant_registrations.csv"),
    (lambda d: _likert_answers(d, P1["email"], PHONE), "feedback_after.csv"),
    (lambda d: _tick_cell(d, f"{P1['email']} {PHONE}"), "group_attendance.xlsx"),
    (lambda d: _school(d, P3["name"]), "participant_registrations.csv"),
    (lambda d: _registration_date(d, P1["name"]), "participant_registrations.csv"),
    (lambda d: _likert_answers(d, f"ask {P1['name']}"), "feedback_after.csv"),
    (lambda d: _tick_cell(d, f"{P1['name']} ill"), "group_attendance.xlsx"),
], ids=["unparseable date", "unmapped school", "unknown Likert labels", "attendance mark", "name as school",
        "name as date", "free text as Likert answer", "note in a tick cell"])
def test_input_errors_in_canary_rows_exit_2_without_the_canary(tmp_path, mutate, file):
    config = make_term(tmp_path)
    mutate(tmp_path / "data")
    proc = mentoring("run", "--config", str(config), reports=tmp_path / "reports")
    assert proc.returncode == EXIT_INPUT, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert file in proc.stderr, proc.stderr
    # the message says what is wrong where (row and column), never the cell's value
    assert re.search(r", row \d+, column '[^']+': ", proc.stderr), proc.stderr
    term = tmp_path / "reports" / "canary-demo"
    texts = {"stdout": [proc.stdout], "stderr": [proc.stderr],
             "run.json": [run_record(term)],
             # private, so it may name the coordinator's files (the planted one holds a surname);
             # what it must not hold is the cell's value
             "run-details.json": [(term / "failed" / "run-details.json").read_text(encoding="utf-8")
                                  .replace(VARIANTS["withdrawals_file"], "<input file>")],
             **{p.name: [p.read_text(encoding="utf-8")] for p in (term / "logs").glob("*.log")}}
    assert files_with_hits(texts) == {}
