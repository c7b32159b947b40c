"""Certificates: eligibility rule, overrides, verification codes, PDFs that carry the right names."""
from __future__ import annotations

import re
import textwrap
import unicodedata
from pathlib import Path

import pandas as pd
import pytest
from conftest import run_through, small_term, stage_context
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from pypdf import PdfReader

from mentoring_lib.config import load_config
from mentoring_lib.errors import ConfigError, InputError, InputErrors
from mentoring_lib.pipeline import drivers
from mentoring_lib.pipeline.context import StageContext
from mentoring_lib.privacy.pseudonym import DEMO_KEY, pseudonymise
from mentoring_lib.steps import certificate_pdfs as CP
from mentoring_lib.steps import certificate_rules as CR
from mentoring_lib.steps import certificates as C

KEY = DEMO_KEY
RULES = CR.EligibilityRules(min_trainings=2, trainings_planned=3, min_meetings=4, meetings_planned=6)
INJECTION = r"Zoë #let x = 1 [*b*] $x^2$ _i_ \ @ref <lab> #panic(0)]"


# -- helpers ----------------------------------------------------------------------------------------

def attendance(counts: dict[str, tuple[int, int]]) -> pd.DataFrame:
    """Long attendance rows: for each person (sessions recorded, of which attended)."""
    rows = []
    for pid, (recorded, attended) in counts.items():
        for s in range(1, recorded + 1):
            rows.append({"person_id": pid, "role": "mentor", "group": "G1", "session": f"S{s}",
                         "attended": s <= attended})
    return pd.DataFrame(rows, columns=["person_id", "role", "group", "session", "attended"])


def norm(text: str) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", text)).strip()


def pdf_text(path: Path) -> list[str]:
    return [norm(p.extract_text() or "") for p in PdfReader(str(path)).pages]


CONFIG = """
term: {{name: cert-demo, title: Autumn 2026, start: 2026-09-07, end: 2026-12-18}}
data_dir: ../data
registration: {{mentor_deadline: 2026-09-01, participant_deadline: 2026-09-05,
               mentor_places: 16, participant_places: 80}}
groups: {{count: 2}}
programme: {{trainings: 3, meetings_planned: 6}}
inputs: []
certificates:
  min_trainings: 2
  min_meetings: 4
  signatory: Dr Maria Example
  signatory_title: Programme coordinator
{extra}
privacy: {{key_source: demo}}
report: {{organisation: Example University, contact: wellbeing@example.org}}
"""

MENTORS = [  # name, e-mail, trainings attended (of 3), meetings co-led (of 6)
    ("Äino Öhman-Ålander", "aino@example.fi", 3, 6),
    ("Иван Петров", "ivan@example.org", 2, 4),
    ("Ελένη Παπαδοπούλου", "eleni@example.org", 3, 5),
    ("Nguyễn Thị Ánh", "anh@example.org", 2, 4),
    (INJECTION, "zoe@example.org", 3, 6),
    ("Below Meetings", "below.m@example.org", 3, 3),
    ("Below Trainings", "below.t@example.org", 1, 6),
    ("Overridden Yes", "override.yes@example.org", 1, 2),
    ("Overridden No", "override.no@example.org", 3, 6),
]


def make_term(tmp_path: Path, *, mentors=MENTORS, overrides: str | None = None, extra: str = "") -> StageContext:
    """A config plus the upstream tables the certificates stage reads."""
    (tmp_path / "config").mkdir(parents=True)
    (tmp_path / "data").mkdir()
    if overrides is not None:
        (tmp_path / "data" / "overrides.csv").write_text(textwrap.dedent(overrides).lstrip(), encoding="utf-8")
        extra += "\n  overrides_file: overrides.csv"
    cfg_path = tmp_path / "config" / "term.yml"
    cfg_path.write_text(CONFIG.format(extra=extra), encoding="utf-8")
    cfg = load_config(cfg_path)
    ctx = stage_context("certificates", cfg, tmp_path / "out", key=KEY)
    names = [m[0] for m in mentors]
    emails = pd.Series([m[1] for m in mentors])
    pids = pseudonymise(emails, KEY).tolist()
    people = pd.DataFrame({"person_id": pids + ["P-waitlisted00000", "P-participant0000"],
                           "role": ["mentor"] * len(pids) + ["mentor", "participant"],
                           "status": ["accepted"] * len(pids) + ["waitlisted", "accepted"]})
    ctx.for_stage("registrations").write_table("people", people)
    ident = pd.DataFrame({"person_id": pids, "name": names, "email": emails, "role": "mentor",
                          "status": "accepted"})
    ctx.for_stage("registrations").write("identity/people", ident)
    att = ctx.for_stage("attendance")
    att.write_table("trainings", attendance({p: (3, m[2]) for p, m in zip(pids, mentors)}))
    att.write_table("meetings", attendance({p: (6, m[3]) for p, m in zip(pids, mentors)}))
    ctx.for_stage("groups").write_table("members", pd.DataFrame(
        {"person_id": pids, "role": "mentor", "group": ["G1", "G2"] * (len(pids) // 2) + ["G1"] * (len(pids) % 2)}))
    return ctx


OVERRIDES = """\
Email,Eligible,Reason
override.yes@example.org,yes,Led two extra sessions for a group whose co-mentor fell ill
Override.No@Example.org ,no,Asked not to receive a certificate
"""


@pytest.fixture(scope="module")
def stage(tmp_path_factory):
    """The whole stage run once on the small term (PDFs are the slow part)."""
    tmp = tmp_path_factory.mktemp("term")
    ctx = make_term(tmp, overrides=OVERRIDES)
    drivers.run(ctx)
    return ctx


# -- eligibility ------------------------------------------------------------------------------------

ELIGIBILITY_CASES = [
    # id, trainings (recorded, attended), meetings (recorded, co-led), eligible, totals, reason fragment
    ("exactly at both thresholds", (3, 2), (6, 4), True, (3, 6), "meets the rule: 2 of 3 trainings, 4 of 6"),
    ("one training below", (3, 1), (6, 4), False, (3, 6), "attended 1 of 3 trainings (at least 2 needed)"),
    ("one meeting below", (3, 2), (6, 3), False, (3, 6), "co-led 3 of 6 group meetings (at least 4 needed)"),
    ("all sessions", (3, 3), (6, 6), True, (3, 6), "meets the rule: 3 of 3 trainings, 6 of 6"),
    ("zero sessions attended", (3, 0), (6, 0), False, (3, 6),
     "attended 0 of 3 trainings (at least 2 needed); co-led 0 of 6 group meetings (at least 4 needed)"),
    ("more sessions than planned", (4, 4), (7, 7), True, (4, 7), "meets the rule: 4 of 4 trainings, 7 of 7"),
    ("no attendance rows at all", (0, 0), (0, 0), False, (3, 6),
     "no training attendance recorded (at least 2 needed); no group-meeting attendance recorded"),
    ("no training rows, meetings fine", (0, 0), (6, 5), False, (3, 6), "no training attendance recorded"),
]


@pytest.mark.parametrize("label,tr,me,eligible,totals,reason", ELIGIBILITY_CASES,
                         ids=[c[0] for c in ELIGIBILITY_CASES])
def test_eligibility_rule_table(label, tr, me, eligible, totals, reason):
    out = CR.assess_eligibility(["P-a"], attendance({"P-a": tr}), attendance({"P-a": me}), RULES)
    row = out.loc["P-a"]
    assert bool(row["eligible_by_rule"]) is eligible
    assert (row["trainings_attended"], row["meetings_coled"]) == (tr[1], me[1])
    assert (row["trainings_total"], row["meetings_total"]) == totals
    assert reason in row["rule_reason"]
    if eligible:
        assert "needed" not in row["rule_reason"]


def test_eligibility_counts_each_session_once_and_missing_marks_as_absent():
    t = pd.DataFrame({"person_id": ["P-a"] * 4 + ["P-b"] * 3,
                      "session": ["T1", "T1", "T1", "T2", "T1", "T2", "T3"],
                      "attended": pd.array([True, True, True, True, True, None, None], dtype="boolean")})
    m = attendance({"P-a": (6, 4), "P-b": (6, 6)})
    out = CR.assess_eligibility(["P-a", "P-b"], t, m, RULES)
    assert out["trainings_attended"].tolist() == [2, 1]
    assert out["eligible_by_rule"].tolist() == [True, False]


def test_eligibility_keeps_mentor_order_and_ignores_other_people():
    t = attendance({"P-x": (3, 3), "P-b": (3, 2), "P-a": (3, 3)})
    m = attendance({"P-x": (6, 6), "P-b": (6, 4), "P-a": (6, 1)})
    out = CR.assess_eligibility(["P-b", "P-a", "P-b"], t, m, RULES)
    assert out.index.tolist() == ["P-b", "P-a"]
    assert out["eligible_by_rule"].tolist() == [True, False]


def test_zero_minimums_make_everyone_eligible_even_without_attendance():
    rules = CR.EligibilityRules(0, 3, 0, 6)
    out = CR.assess_eligibility(["P-a"], attendance({}), attendance({}), rules)
    assert out["eligible_by_rule"].tolist() == [True]
    assert out["rule_reason"].iloc[0] == "meets the rule: 0 of 3 trainings, 0 of 6 group meetings"


def test_empty_mentor_list_gives_empty_assessment():
    out = CR.assess_eligibility([], attendance({}), attendance({}), RULES)
    assert len(out) == 0 and "eligible_by_rule" in out.columns


def test_rules_come_from_the_config_and_impossible_minimums_are_config_errors(tmp_path):
    ctx = make_term(tmp_path)
    assert CR.EligibilityRules.from_config(ctx.config) == RULES
    bad = ctx.config.model_copy(update={"certificates": ctx.config.certificates.model_copy(
        update={"min_meetings": 7})})
    with pytest.raises(ConfigError) as e:
        CR.EligibilityRules.from_config(bad)
    assert e.value.key == "certificates.min_meetings" and "programme.meetings_planned is 6" in str(e.value)


# -- overrides --------------------------------------------------------------------------------------

MENTOR_IDS = pd.Index(pseudonymise(pd.Series(["a@example.org", "b@example.org", "c@example.org"]), KEY))


def overrides_frame(rows: list[tuple[str, str, str]], headers=("Email", "Eligible", "Reason")) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=list(headers), index=pd.RangeIndex(2, 2 + len(rows), name="row"),
                        dtype="str")


def test_overrides_parse_to_pseudonyms_with_decisions():
    frame = overrides_frame([(" A@Example.org", "Yes", "Ran an extra session"), ("", "", ""),
                             ("b@example.org", "no", "Left the programme early")])
    out = CR.parse_overrides(frame, file="o.csv", mentors=MENTOR_IDS, key=KEY)
    assert out["person_id"].tolist() == [MENTOR_IDS[0], MENTOR_IDS[1]]
    assert out["eligible"].tolist() == [True, False]
    assert out["row"].tolist() == [2, 4]


@pytest.mark.parametrize("reason", ["", "ok", "  ok  ", "abcd"])
def test_override_without_a_real_reason_is_an_input_error_naming_the_row(reason):
    frame = overrides_frame([("a@example.org", "yes", "Ran an extra session"), ("b@example.org", "yes", reason)])
    with pytest.raises(InputError) as e:
        CR.parse_overrides(frame, file="o.csv", mentors=MENTOR_IDS, key=KEY)
    assert (e.value.row, e.value.column, e.value.file) == (3, "Reason", "o.csv")
    assert "at least 5 characters" in str(e.value)


def test_override_for_an_unknown_email_names_the_row_but_never_the_address():
    frame = overrides_frame([("stranger.person@example.org", "yes", "Helped a lot with the groups")])
    with pytest.raises(InputError) as e:
        CR.parse_overrides(frame, file="o.csv", mentors=MENTOR_IDS, key=KEY)
    assert (e.value.row, e.value.column) == (2, "Email")
    assert "stranger" not in str(e.value) and "not one of the term's accepted mentors" in str(e.value)


def test_several_override_problems_are_reported_together_without_values():
    frame = overrides_frame([
        ("a@example.org", "maybe", "Some secret reason text"),
        ("nobody@example.org", "yes", "Another reason here"),
        ("A@example.org", "yes", "Duplicate row for a"),
        ("", "no", "short"),
    ])
    with pytest.raises(InputErrors) as e:
        CR.parse_overrides(frame, file="o.csv", mentors=MENTOR_IDS, key=KEY)
    where = [(x.row, x.column) for x in e.value.errors]
    assert where == [(2, "Eligible"), (3, "Email"), (4, "Email"), (5, "Email")]
    assert "already has an override in row 2" in e.value.errors[2].message
    text = str(e.value)
    for value in ("maybe", "nobody", "secret", "a@example.org"):
        assert value not in text


def test_overrides_file_needs_its_columns():
    frame = overrides_frame([("a@example.org", "yes")], headers=("Email", "Eligible"))
    with pytest.raises(InputError, match="no 'Reason' column"):
        CR.parse_overrides(frame, file="o.csv", mentors=MENTOR_IDS, key=KEY)


def test_missing_overrides_file_is_an_input_error(tmp_path):
    ctx = make_term(tmp_path, extra="  overrides_file: nothere.csv")
    with pytest.raises(InputError, match="overrides file does not exist"):
        CR.load_overrides(ctx.config, MENTOR_IDS, KEY)


def test_overrides_file_read_through_readers_reports_excel_rows(tmp_path):
    ctx = make_term(tmp_path, overrides="""\
        Email,Eligible,Reason
        aino@example.fi,no,Asked not to receive one
        ivan@example.org,yes,no
    """)
    mentors = CR.accepted_mentors(ctx.read_table("people", stage="registrations"))
    with pytest.raises(InputError) as e:
        CR.load_overrides(ctx.config, mentors, KEY)
    assert (e.value.row, e.value.column) == (3, "Reason")


def test_check_overrides_validates_without_rendering(tmp_path):
    ctx = make_term(tmp_path, overrides=OVERRIDES)
    assert C.check_overrides(ctx) == 2
    assert not (ctx.out.private / "certificates").exists()
    bad = make_term(tmp_path / "bad", overrides="Email,Eligible,Reason\nnobody@example.org,yes,Because reasons\n")
    with pytest.raises(InputError) as e:
        C.check_overrides(bad)
    assert e.value.row == 2 and "nobody" not in str(e.value)


def test_apply_overrides_changes_the_decision_and_records_the_basis():
    assessed = CR.assess_eligibility(["P-a", "P-b", "P-c"], attendance({"P-a": (3, 3), "P-b": (3, 0), "P-c": (3, 3)}),
                                    attendance({"P-a": (6, 6), "P-b": (6, 0), "P-c": (6, 6)}), RULES)
    ov = pd.DataFrame({"person_id": ["P-b", "P-c"], "eligible": [True, False],
                       "reason": ["Extra work", "Declined"], "row": [2, 3]})
    out = CR.apply_overrides(assessed, ov)
    assert out["eligible_by_rule"].tolist() == [True, False, True]
    assert out["eligible"].tolist() == [True, True, False]
    assert out["basis"].tolist() == ["rule", "override", "override"]
    assert out["override_row"].tolist()[1:] == [2, 3]


# -- verification codes -----------------------------------------------------------------------------

def test_verification_codes_are_formatted_deterministic_keyed_and_unique():
    ids = pd.Series([f"P-{i:016x}" for i in range(2000)])
    codes = C.verification_codes(ids, KEY, term="demo", year=2026)
    assert codes.str.match(C.CODE_PATTERN.pattern).all()
    assert codes.str.startswith("CM-2026-").all()
    assert codes.is_unique
    assert codes.equals(C.verification_codes(ids, KEY, term="demo", year=2026))
    other_key = C.verification_codes(ids, b"x" * 32, term="demo", year=2026)
    other_term = C.verification_codes(ids, KEY, term="spring", year=2026)
    assert (codes != other_key).all() and (codes != other_term).all()
    # a hand-computed code: HMAC-SHA256(key, "certificate\x1fdemo\x1fP-0000000000000000"), first 40 bits
    import hashlib
    import hmac
    n = int.from_bytes(hmac.new(KEY, b"certificate\x1fdemo\x1fP-0000000000000000", hashlib.sha256)
                       .digest()[:5], "big")
    expected = "".join(C.CODE_ALPHABET[(n >> (35 - 5 * i)) & 31] for i in range(8))
    assert codes.iloc[0] == f"CM-2026-{expected[:4]}-{expected[4:]}"
    assert C.verification_codes(ids.head(1), KEY, term="demo", year=2026, prefix="UH").iloc[0].startswith("UH-")


# -- texts and fonts --------------------------------------------------------------------------------

def test_dates_are_written_in_english_whatever_the_locale():
    import datetime as dt
    assert CP.format_date(dt.date(2026, 12, 8)) == "8 December 2026"
    assert CP.format_period(dt.date(2026, 9, 7), dt.date(2026, 12, 18)) == "7 September – 18 December 2026"
    assert CP.format_period(dt.date(2026, 9, 7), dt.date(2027, 1, 8)) == "7 September 2026 – 8 January 2027"


def test_names_are_nfc_with_single_spaces_and_first_names_for_the_mail_merge():
    names = CP.clean_names(pd.Series(["  A\u0308ino   Ma\u0301ria\tO ", "", None]))
    assert names.iloc[0] == "Äino Mária O" and unicodedata.is_normalized("NFC", names.iloc[0])
    assert names.iloc[1:].isna().all()
    assert C.greeting_names(pd.Series(["Anna-Liisa Virtanen", "王小明"])).tolist() == ["Anna-Liisa", "王小明"]


def test_font_coverage_of_the_fonts_built_into_typst():
    covered = ["Äöå Ørsted Łukasz Şahin Þórunn Ñúñez", "Nguyễn Thị Ánh", "Иван Петров", "Ελένη",
               "שלום כהן", "محمد", "हिन्दी"]
    assert CP.uncovered_characters(covered) == set()
    assert CP.uncovered_characters(["王小明", "Zoë", "김민준"]) == set("王小明김민준")
    flagged = CP.names_not_covered(pd.Series(["王小明", "Zoë", None]), set("王小明"))
    assert flagged.tolist() == [True, False, False]


MPL_FONTS = Path(__import__("matplotlib").get_data_path()) / "fonts" / "ttf"


def test_a_configured_font_covers_what_the_built_in_fonts_miss(tmp_path):
    # U+0500 (Komi Cyrillic) and U+10A0 (Georgian Asomtavruli) are not in Typst's fonts but are
    # in DejaVu Sans, which matplotlib ships.
    name = "Ԁdam Ⴀli"
    assert CP.uncovered_characters([name]) == {"Ԁ", "Ⴀ"}
    assert CP.uncovered_characters([name], fonts=["DejaVu Sans"], font_paths=[str(MPL_FONTS)]) == set()
    roster = pd.DataFrame({"name": [name], "role": "Peer mentor", "trainings_attended": 3, "trainings_total": 3,
                           "meetings_coled": 6, "meetings_total": 6, "code": ["CM-2026-AAAA-BBBB"]})
    common = dict(CP.certificate_texts(make_term(tmp_path).config), fonts=CP._font_list(["DejaVu Sans"]))
    CP.render_certificates(CP.certificate_records(roster), common, pdf_dir=tmp_path / "pdf", combined=None,
                          font_paths=[str(MPL_FONTS)])
    (text,) = pdf_text(tmp_path / "pdf" / "CM-2026-AAAA-BBBB.pdf")
    assert name in text


def test_names_only_the_machines_fonts_can_show_use_them_and_need_no_check(tmp_path, monkeypatch):
    calls = []

    def fake(texts, *, system_fonts=False, **kw):  # built-ins miss 王; the machine has a CJK font
        calls.append(system_fonts)
        return set() if system_fonts else {"王", "芳"} & set("".join(texts))

    monkeypatch.setattr(C, "uncovered_characters", fake)
    ctx = make_term(tmp_path, mentors=[("王芳", "wang@example.org", 3, 6), ("Plain", "p@example.org", 3, 6)])
    plan = C.prepare(ctx)
    r = plan.roster.set_index("email")
    assert calls == [False, True]
    assert r["system_fonts"].to_dict() == {"wang@example.org": True, "p@example.org": False}
    assert (r["check"] == "").all() and plan.uncovered == set()
    records = {rec["name"]: rec for rec in CP.certificate_records(plan.roster)}
    assert records["王芳"]["system_fonts"] is True and records["Plain"]["system_fonts"] is False


def test_an_unknown_extra_font_family_is_a_config_error():
    with pytest.raises(ConfigError, match="certificates.fonts"):
        CP.uncovered_characters(["Zoë"], fonts=["No Such Font Family"])


# -- the stage ----------------------------------------------------------------------------------------

def test_each_certificate_pdf_carries_its_mentors_name_and_code(stage):
    base = stage.out.private / "certificates"
    register = pd.read_csv(base / "certificate_register.csv", encoding="utf-8-sig", dtype=str)
    expected = {"Äino Öhman-Ålander", "Иван Петров", "Ελένη Παπαδοπούλου", "Nguyễn Thị Ánh", INJECTION,
                "Overridden Yes"}
    assert set(register["Name"]) == expected
    for _, row in register.iterrows():
        path = base / row["Certificate file"]
        assert path.name == f"{row['Verification code']}.pdf"
        (text,) = pdf_text(path)  # exactly one page
        assert norm(row["Name"]) in text
        assert row["Verification code"] in text
        assert "Compassion mentoring in peer groups for doctoral students" in text or "Compassion" in text


def test_names_with_typst_markup_characters_are_printed_literally(stage):
    base = stage.out.private / "certificates"
    register = pd.read_csv(base / "certificate_register.csv", encoding="utf-8-sig", dtype=str)
    path = base / register.loc[register["Name"] == INJECTION, "Certificate file"].iloc[0]
    (text,) = pdf_text(path)
    assert INJECTION in text
    for ch in "#$*_[]\\@<":
        assert ch in text


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(alphabet="#$*_[]\\@<>`~=/+-\"'(){}:;,.!?%&^|aZäÅжλ", min_size=1, max_size=30))
def test_any_markup_in_a_name_is_typeset_literally(tmp_path, name):
    name = "N" + name + "N"  # no leading/trailing characters that extraction could drop
    roster = pd.DataFrame({"name": [name], "role": "Peer mentor", "trainings_attended": 3, "trainings_total": 3,
                           "meetings_coled": 6, "meetings_total": 6, "code": ["CM-2026-AAAA-BBBB"]})
    common = CP.certificate_texts(_config_for_texts(tmp_path))
    out = tmp_path / f"h{abs(hash(name))}"
    CP.render_certificates(CP.certificate_records(roster), common, pdf_dir=out, combined=None, workers=1)
    (text,) = pdf_text(out / "CM-2026-AAAA-BBBB.pdf")
    assert name in text.replace(" ", "")


_CONFIGS: dict = {}


def _config_for_texts(tmp_path):
    if "cfg" not in _CONFIGS:
        _CONFIGS["cfg"] = make_term(tmp_path / "cfg").config
    return _CONFIGS["cfg"]


def test_register_lists_every_code_once_and_matches_the_pdf_files(stage):
    base = stage.out.private / "certificates"
    register = pd.read_csv(base / "certificate_register.csv", encoding="utf-8-sig", dtype=str)
    assert register["Verification code"].is_unique
    assert register["Verification code"].str.match(C.CODE_PATTERN.pattern).all()
    assert register["Verification code"].tolist() == sorted(register["Verification code"])
    files = sorted(p.stem for p in (base / "pdf").glob("*.pdf"))
    assert files == sorted(register["Verification code"])
    assert set(register["Issued"]) == {"2026-12-18"} and set(register["Term"]) == {"Autumn 2026"}


def test_combined_pdf_has_one_page_per_certificate_in_name_order(stage):
    base = stage.out.private / "certificates"
    pages = pdf_text(base / "all_certificates.pdf")
    merge = pd.read_csv(base / "mail_merge.csv", encoding="utf-8-sig", dtype=str)
    assert len(pages) == len(merge) == 6
    for page, name, code in zip(pages, merge["Name"], merge["Verification code"]):
        assert norm(name) in page and code in page
    assert merge["Name"].str.casefold().tolist() == sorted(merge["Name"].str.casefold())


def test_mail_merge_has_first_name_email_file_and_code(stage):
    merge = pd.read_csv(stage.out.private / "certificates" / "mail_merge.csv", encoding="utf-8-sig", dtype=str)
    assert list(merge.columns) == ["First name", "Name", "E-mail", "Certificate file", "Verification code"]
    row = merge.loc[merge["E-mail"] == "ivan@example.org"].iloc[0]
    assert row["First name"] == "Иван"
    assert row["Certificate file"] == f"pdf/{row['Verification code']}.pdf"
    assert "override.no@example.org" not in set(merge["E-mail"])


def test_certificate_list_has_eligible_not_eligible_with_reasons_and_overrides(stage):
    wb = load_workbook(stage.out.private / "certificates" / "certificate_list.xlsx")
    assert wb.sheetnames == ["Eligible", "Not eligible", "Overrides"]

    def sheet(name):
        rows = list(wb[name].values)
        return pd.DataFrame(rows[1:], columns=rows[0])

    eligible, not_eligible, overrides = sheet("Eligible"), sheet("Not eligible"), sheet("Overrides")
    assert len(eligible) == 6 and len(not_eligible) == 3
    reasons = dict(zip(not_eligible["Name"], not_eligible["Reason"]))
    assert reasons["Below Meetings"] == "co-led 3 of 6 group meetings (at least 4 needed)"
    assert reasons["Below Trainings"] == "attended 1 of 3 trainings (at least 2 needed)"
    assert reasons["Overridden No"] == "coordinator override: Asked not to receive a certificate"
    assert dict(zip(overrides["Name"], overrides["Decision"])) == {"Overridden Yes": "eligible",
                                                                   "Overridden No": "not eligible"}
    assert dict(zip(overrides["Name"], overrides["By the rule"]))["Overridden No"] == "eligible"
    assert dict(zip(eligible["Name"], eligible["Basis"]))["Overridden Yes"] == "override"
    assert set(eligible["Group"]) <= {"G1", "G2"}


def test_stage_table_is_pseudonymous_and_quality_is_recorded(stage):
    table = stage.read_table("eligibility")
    assert "name" not in table.columns and "email" not in table.columns
    assert table["person_id"].str.match(r"^P-[0-9a-f]{16}$").all()
    assert int(table["certificate"].sum()) == 6 and len(table) == len(MENTORS)
    import json
    quality = json.loads((stage.out.quality / "certificates.json").read_text())
    assert quality["certificate_overrides"] == {"rows_read": 2, "kept": 2, "excluded": {}, "notes": []}
    assert quality["certificates"]["kept"] == 6 and quality["certificates"]["excluded"]["not eligible"] == 3


def test_file_names_and_outputs_never_reveal_names_or_the_key(stage):
    base = stage.out.private / "certificates"
    for p in base.rglob("*"):
        assert C.CODE_PATTERN.match(p.stem) or p.name in {
            "pdf", "certificate_list.xlsx", "certificate_register.csv", "mail_merge.csv", "all_certificates.pdf"}
    assert not list(stage.out.public.rglob("*"))
    for csv in ("certificate_register.csv", "mail_merge.csv"):
        assert KEY.decode() not in (base / csv).read_text(encoding="utf-8-sig")


def test_rerun_is_byte_identical_and_removes_certificates_no_longer_due(tmp_path):
    ctx = make_term(tmp_path, mentors=MENTORS[:3])
    drivers.run(ctx)
    pdf_dir = ctx.out.private / "certificates" / "pdf"
    first = {p.name: p.read_bytes() for p in pdf_dir.glob("*.pdf")}
    combined = (ctx.out.private / "certificates" / "all_certificates.pdf").read_bytes()
    assert len(first) == 3
    stale = pdf_dir / "CM-2026-ZZZZ-ZZZZ.pdf"
    stale.write_bytes(b"old")
    drivers.run(ctx)
    assert {p.name: p.read_bytes() for p in pdf_dir.glob("*.pdf")} == first
    assert (ctx.out.private / "certificates" / "all_certificates.pdf").read_bytes() == combined


def test_names_the_fonts_cannot_show_or_missing_names_are_flagged_for_a_check(tmp_path, monkeypatch):
    mentors = [("王小明", "wang@example.org", 3, 6), ("Plain Name", "plain@example.org", 3, 6),
               ("", "noname@example.org", 3, 6)]
    ctx = make_term(tmp_path, mentors=mentors)
    real = CP.uncovered_characters
    # as on a machine without a CJK font, whatever this one has installed
    monkeypatch.setattr(C, "uncovered_characters",
                        lambda texts, *, system_fonts=False, **kw: set(texts) if system_fonts else real(texts, **kw))
    plan = C.prepare(ctx)
    check = dict(zip(plan.roster["email"], plan.roster["check"]))
    assert "cannot show" in check["wang@example.org"]
    assert check["plain@example.org"] == ""
    assert "no certificate" in check["noname@example.org"]
    assert pd.isna(plan.roster.set_index("email").loc["noname@example.org", "code"])
    with pytest.warns(UserWarning, match="2 certificate"):
        C.write_outputs(ctx, plan)
    assert len(list((ctx.out.private / "certificates" / "pdf").glob("*.pdf"))) == 2
    import json
    record = json.loads((ctx.out.quality / "certificates.json").read_text())["certificates"]
    assert record["excluded"] == {"eligible without a name": 1}
    assert not any("installed on this machine" in n for n in record["notes"])
    assert any("2 eligible mentor(s) need a check" in n for n in record["notes"])


def test_a_term_without_eligible_mentors_writes_empty_lists_and_no_pdfs(tmp_path):
    ctx = make_term(tmp_path, mentors=[("Only Absent", "absent@example.org", 0, 0)])
    drivers.run(ctx)
    base = ctx.out.private / "certificates"
    register = pd.read_csv(base / "certificate_register.csv", encoding="utf-8-sig")
    assert len(register) == 0 and "Verification code" in register.columns
    assert not list((base / "pdf").glob("*.pdf")) and not (base / "all_certificates.pdf").exists()
    wb = load_workbook(base / "certificate_list.xlsx")
    assert [r[-1] for r in wb["Not eligible"].values][1:] == [
        "attended 0 of 3 trainings (at least 2 needed); co-led 0 of 6 group meetings (at least 4 needed)"]


def test_summary_counts(stage):
    plan = C.prepare(stage)
    s = C.summary(plan)["mentors"]
    assert s["accepted mentors"] == 9 and s["eligible by the rule"] == 6
    assert s["overrides: certificate given"] == 1 and s["overrides: certificate withheld"] == 1
    assert s["eligible in the end"] == 6 and s["not eligible"] == 3 and s["certificates to make"] == 6
    dist = C.attendance_distribution(plan)
    assert int(dist.to_numpy().sum()) == 9


# -- performance ---------------------------------------------------------------------------------------

@pytest.mark.slow
def test_many_certificates_render_in_chunks_one_page_each(tmp_path, stage):
    """Rendering in parallel chunks keeps every certificate whole and in order (the 1,000-certificate
    time of issue 8 is measured by benchmarks/run.py, not asserted here)."""
    n = 120
    ids = pd.Series([f"P-{i:016x}" for i in range(n)])
    roster = pd.DataFrame({
        "name": [f"Åsa-Maria Öberg-Nieminen {i}" if i % 3 else f"Li Wei {i}" for i in range(n)],
        "role": "Peer mentor (co-mentor)", "trainings_attended": 3, "trainings_total": 3,
        "meetings_coled": 5, "meetings_total": 6,
        "code": C.verification_codes(ids, KEY, term="bench", year=2026)})
    result = CP.render_certificates(CP.certificate_records(roster), CP.certificate_texts(stage.config),
                                   pdf_dir=tmp_path / "pdf", combined=tmp_path / "all.pdf")
    assert len(result.files) == n and len(PdfReader(str(tmp_path / "all.pdf")).pages) == n
    assert len({p.name for p in result.files}) == n


@pytest.mark.slow
def test_combined_pdf_typeset_in_parts_has_the_same_pages_and_is_reproducible(tmp_path, monkeypatch):
    """A large term's combined PDF is typeset COMBINED_PART certificates at a time and joined:
    the same pages in the same order and the same document title as one typesetting, and the
    same bytes on a re-run."""
    whole_ctx = make_term(tmp_path / "whole")
    drivers.run(whole_ctx)
    whole = whole_ctx.out.private / "certificates" / "all_certificates.pdf"
    monkeypatch.setattr(CP, "COMBINED_PART", 4)  # 6 certificates: parts of 4 and 2
    parts_ctx = make_term(tmp_path / "parts")
    drivers.run(parts_ctx)
    joined = parts_ctx.out.private / "certificates" / "all_certificates.pdf"
    assert whole.read_bytes() != joined.read_bytes()  # really joined, not one typesetting
    assert len(pdf_text(joined)) == 6
    assert pdf_text(joined) == pdf_text(whole)
    assert PdfReader(joined).metadata.title == PdfReader(whole).metadata.title
    first = joined.read_bytes()
    drivers.run(parts_ctx)
    assert joined.read_bytes() == first


def test_join_pdfs_keeps_page_order_and_returns_a_single_part_unchanged():
    import io

    from pypdf import PdfWriter

    def blank(width: int) -> bytes:
        w = PdfWriter()
        w.add_blank_page(width=width, height=100)
        out = io.BytesIO()
        w.write(out)
        return out.getvalue()

    parts = [blank(100), blank(200), blank(300)]
    assert CP.join_pdfs(parts[:1]) == parts[0]
    joined = PdfReader(io.BytesIO(CP.join_pdfs(parts)))
    assert [float(p.mediabox.width) for p in joined.pages] == [100, 200, 300]


def test_mail_merge_greets_by_the_first_name_the_form_asked_for(tmp_path):
    ctx = make_term(tmp_path)
    path = ctx.path("identity/people")
    ident = pd.read_parquet(path)
    ident["first_name"] = None
    ident.loc[ident["email"] == "ivan@example.org", "first_name"] = "Vanya"
    ident.to_parquet(path, index=False)
    plan = C.prepare(ctx)
    merge = C.mail_merge_table(plan).set_index("E-mail")
    assert merge.loc["ivan@example.org", "First name"] == "Vanya"
    others = merge.drop(index="ivan@example.org")
    assert (others["First name"] == others["Name"].str.split(" ").str[0]).all()


# -- a mentor who led no group (issue 12) -----------------------------------------------------------

def test_mentor_without_group_co_led_no_meetings_even_when_ticked():
    t = attendance({"P-a": (3, 3), "P-b": (3, 3)})
    m = attendance({"P-a": (6, 6), "P-b": (6, 6)})
    out = CR.assess_eligibility(["P-a", "P-b"], t, m, RULES, without_group=["P-b"])
    assert out.loc["P-a", "eligible_by_rule"] and out.loc["P-a", "meetings_coled"] == 6
    assert not out.loc["P-b", "eligible_by_rule"] and out.loc["P-b", "meetings_coled"] == 0
    assert out.loc["P-b", "rule_reason"] == "led no group, so co-led no group meetings (at least 4 needed)"


@pytest.mark.slow
def test_unpaired_mentor_gets_no_group_and_the_stage_finishes(tmp_path, monkeypatch):
    """Three mentors: the Swedish-only one has no co-mentor. The stage runs to the end, the two who
    led group 1 are eligible and the unpaired one is not (no group led), with an empty group cell."""
    monkeypatch.setenv("MENTORING_KEY", "5e" * 32)
    mentors = ["2026/09/01 10:00:00,Aino Aaltonen,m1@example.org,English,Mon 10-12",
               "2026/09/01 10:05:00,Bo Bergqvist,m2@example.org,English,Mon 10-12",
               "2026/09/01 10:10:00,Cai Carlsson,m3@example.org,Swedish,Tue 14-16"]
    ctx = run_through("certificates", small_term(tmp_path, rows={"mentors.csv": mentors}), tmp_path / "out")
    roster = C.prepare(ctx).roster.set_index("email")
    assert roster.loc["m1@example.org", "group"] == roster.loc["m2@example.org", "group"] == "1"
    assert roster.loc["m3@example.org", "group"] == ""
    assert roster.loc[["m1@example.org", "m2@example.org"], "eligible"].all()
    assert not roster.loc["m3@example.org", "eligible"]
    assert roster.loc["m3@example.org", "rule_reason"].startswith("led no group")
    listed = load_workbook(ctx.out.private / C.CERT_DIR / "certificate_list.xlsx")
    assert listed.sheetnames  # the stage wrote its list


# -- certificates the coordinator must look at (issue 14) -----------------------------------------

def _no_cjk_font(monkeypatch):
    """As on a machine without a CJK font, whatever this one has installed."""
    real = CP.uncovered_characters
    monkeypatch.setattr(C, "uncovered_characters",
                        lambda texts, *, system_fonts=False, **kw: set(texts) if system_fonts else real(texts, **kw))


def _mail_merge(ctx) -> pd.DataFrame:
    return pd.read_csv(ctx.out.private / "certificates" / "mail_merge.csv", dtype=str)


def test_a_name_no_font_can_show_is_held_back_from_the_mail_merge(tmp_path, monkeypatch):
    mentors = [("王小明", "wang@example.org", 3, 6), ("Plain Name", "plain@example.org", 3, 6)]
    ctx = make_term(tmp_path, mentors=mentors)
    _no_cjk_font(monkeypatch)
    with pytest.warns(UserWarning):
        drivers.run(ctx)
    assert _mail_merge(ctx)["E-mail"].tolist() == ["plain@example.org"]
    # The certificate is still made, so the coordinator can look at it.
    assert len(list((ctx.out.private / "certificates" / "pdf").glob("*.pdf"))) == 2
    att = ctx.read_table("attention", stage="certificates")
    wang = pseudonymise(pd.Series(["wang@example.org"]), KEY).iloc[0]
    assert att.values.tolist() == [[wang, C.ATTENTION_ISSUES["held_back"]]]


def test_name_checked_in_the_overrides_file_releases_a_held_back_certificate(tmp_path, monkeypatch):
    mentors = [("王小明", "wang@example.org", 3, 6), ("Plain Name", "plain@example.org", 3, 6)]
    ctx = make_term(tmp_path, mentors=mentors, overrides="""\
        Email,Eligible,Reason,Name checked
        wang@example.org,,,yes
        """)
    _no_cjk_font(monkeypatch)
    with pytest.warns(UserWarning):
        drivers.run(ctx)
    assert sorted(_mail_merge(ctx)["E-mail"]) == ["plain@example.org", "wang@example.org"]
    assert ctx.read_table("attention", stage="certificates").empty
    # The rule still decides: a name-check row is no override of eligibility.
    elig = ctx.read_table("eligibility", stage="certificates")
    assert (elig["basis"] == "rule").all()


@pytest.mark.parametrize("name, case", [
    ("aino aaltonen", "lower case"), ("AINO AALTONEN", "ALL CAPS"), ("Aino Aaltonen", ""),
    ("Aino McDONALD", ""), ("王小明", ""), ("ÅSA ÖHMAN", "ALL CAPS"), ("åsa öhman", "lower case"), ("J", ""),
])
def test_names_in_lower_case_or_all_caps_are_flagged(name, case):
    assert CP.name_case(pd.Series([name])).iloc[0] == case


def test_lower_case_and_all_caps_names_go_to_the_attention_table_but_stay_in_the_mail_merge(tmp_path):
    mentors = [("aino aaltonen", "a@example.org", 3, 6), ("BO BERGQVIST", "b@example.org", 3, 6),
               ("Cai Carlsson", "c@example.org", 3, 6)]
    ctx = make_term(tmp_path, mentors=mentors)
    drivers.run(ctx)
    assert len(_mail_merge(ctx)) == 3
    att = ctx.read_table("attention", stage="certificates")
    ids = pseudonymise(pd.Series(["a@example.org", "b@example.org"]), KEY).tolist()
    assert sorted(att.values.tolist()) == sorted([[ids[0], C.ATTENTION_ISSUES["lower case"]],
                                                  [ids[1], C.ATTENTION_ISSUES["ALL CAPS"]]])
