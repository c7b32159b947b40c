"""Which survey tool wrote an export, from its header rows (never from the file name)."""
from __future__ import annotations

import re


from mentoring_lib.io.raw_files import clean_header, header_key

TOOL_LABELS = {
    "microsoft_forms": "Microsoft Forms",
    "google_forms": "Google Forms",
    "qualtrics": "Qualtrics",
    "limesurvey": "LimeSurvey",
    "webropol": "Webropol",
    "surveymonkey": "SurveyMonkey",
    "csv": "plain CSV",
    "xlsx": "plain Excel workbook",
}
TOOLS = frozenset(TOOL_LABELS) | {"auto"}


# ---------------------------------------------------------------------------------------------
# tool fingerprints

_MS_START = {"start time", "aloitusaika", "starttid", "startzeit"}
_MS_END = {"completion time", "valmistumisaika", "tid för slutförande", "slutförandetid", "sluttid",
           "fertigstellungszeit"}
_GOOGLE_FIRST = {"timestamp", "aikaleima", "tidstämpel", "tidsstämpel", "zeitstempel", "marca temporal"}
_LIME_CODES = {"id", "submitdate", "lastpage", "startlanguage"}
_LIME_TEXTS = {"response id", "date submitted", "last page", "start language"}
_WEBROPOL = {"response date", "vastauspäivämäärä", "vastauspäivä", "svarsdatum", "vastausaika"}
_QUALTRICS = {"startdate", "enddate", "recordeddate", "responseid", "distributionchannel", "userlanguage",
              "ipaddress", "finished", "progress", "duration (in seconds)", "externalreference"}
_QUALTRICS_LEGACY = {"responseid", "responseset", "externaldatareference", "emailaddress", "ipaddress"}
_SURVEYMONKEY = {"respondent id", "collector id", "start date", "end date", "ip address", "email address",
                 "first name", "last name", "custom data 1"}
#: SurveyMonkey's second header row labels a one-column answer "Response" or "Open-Ended Response".
_SM_ANSWER = {"response", "open-ended response"}


def is_surveymonkey(grid: list[list[str]], h: int) -> bool:
    """Row h holds SurveyMonkey's metadata headers and row h+1 its answer labels."""
    keys = {header_key(c) for c in grid[h]}
    nxt = {header_key(c) for c in grid[h + 1]} if h + 1 < len(grid) else set()
    return len(keys & {"respondent id", "collector id"}) >= 1 and len(keys & _SURVEYMONKEY) >= 3 \
        and bool(nxt & _SM_ANSWER)


def surveymonkey_headers(top: list[str], labels: list[str]) -> list[str]:
    """One name per column from SurveyMonkey's two header rows.

    A question's text is in row 1 over its first column only; row 2 labels each column ("Response",
    "Open-Ended Response", an option, "Other (please specify)"). A one-column answer is named by the
    question; a column of a multi-column question by "question - label" ("Which times suit you? -
    Monday 16-18"), except its "Response" column, which is the question itself.
    """
    width = max(len(top), len(labels))
    top = [clean_header(c) for c in top] + [""] * (width - len(top))
    labels = [clean_header(c) for c in labels] + [""] * (width - len(labels))
    starts = [j for j in range(width) if top[j]]
    names = []
    for j in range(width):
        start = max((k for k in starts if k <= j), default=None)
        question = top[start] if start is not None else ""
        end = next((k for k in starts if k > j), width)
        single = start is None or end - start == 1
        label = labels[j]
        if not question or not label or header_key(label) == "response" or (
                single and header_key(label) in _SM_ANSWER):
            names.append(question or label)
        else:
            names.append(f"{question} - {label}")
    return names


def is_import_id(cell: str) -> bool:
    c = cell.strip()
    return c.startswith("{") and '"importid"' in c.casefold()


def fingerprint(grid: list[list[str]], h: int) -> tuple[str, int, str]:
    """(tool, header rows, why) from the header row at grid index h."""
    keys = [header_key(c) for c in grid[h]]
    nonblank = [k for k in keys if k]
    keyset = set(nonblank)
    nxt = grid[h + 1] if h + 1 < len(grid) else []
    nxt2 = grid[h + 2] if h + 2 < len(grid) else []
    if is_surveymonkey(grid, h):
        return "surveymonkey", 2, ("SurveyMonkey columns (Respondent ID, Collector ID, ...) with answer labels "
                                   "(Response, Open-Ended Response, options) in row 2")
    if nxt2 and sum(is_import_id(c) for c in nxt2) >= max(1, len([c for c in nxt2 if c.strip()]) // 2):
        return "qualtrics", 3, "third row holds {\"ImportId\": ...} cells"
    if len(keyset & _QUALTRICS_LEGACY) >= 3 or (nonblank and all(re.fullmatch(r"v\d+", k) for k in nonblank[:5])
                                                and len(nonblank) >= 5):
        return "qualtrics", 2, "legacy Qualtrics column names (ResponseID, ResponseSet, ...) with question texts in row 2"
    if len(keyset & _QUALTRICS) >= 3:
        second = [header_key(c) for c in nxt]
        labelled = sum(1 for k in second if k in {"start date", "end date", "response id", "recorded date",
                                                   "response type", "ip address", "finished", "progress"})
        return "qualtrics", (2 if labelled >= 2 else 1), "Qualtrics column names (StartDate, ResponseId, ...)"
    if len(keys) >= 3 and keys[0] in {"id", "tunnus"} and keys[1] in _MS_START and keys[2] in _MS_END:
        return "microsoft_forms", 1, "first columns ID, Start time, Completion time"
    if nonblank and keys[0] in _GOOGLE_FIRST:
        return "google_forms", 1, "first column Timestamp"
    if len(keyset & _LIME_CODES) >= 3 or len(keyset & _LIME_TEXTS) >= 3:
        return "limesurvey", 1, "LimeSurvey columns (id, submitdate, lastpage, startlanguage)"
    if keyset & _WEBROPOL:
        return "webropol", 1, "Webropol column 'Response date'"
    return "", 1, "no survey tool's header fingerprint"
