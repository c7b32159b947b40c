"""The term's machine-readable public summary, ``public/summary.json``.

Written by the report stage from the same protected tables the report and ``summary.xlsx`` are
written from (after :func:`report.protect_release`), so every figure in it is one the report
shows: a count the report shows as "<5" is stored as ``{"value": null, "status": "suppressed"}``,
one hidden so that a small count cannot be worked out ("x") as ``"hidden"``, and a percentage or
mean whose base is too small as ``"not_shown"``; a suppressed count is never stored as a number.
Shares are stored rounded to whole percent, as every rendering shows them.

Besides the figures it carries what a comparison across terms needs to know (``mentoring
compare``, :mod:`mentoring_lib.across_terms.compare`): the term id and dates, the university id (config
``term.university``, else the report's organisation as a slug), the disclosure and certificate
rules, and a fingerprint of every scored scale (its instrument, items, scoring and missing-item
rule), so that a changed instrument or rule is noticed. The file is validated against the JSON
Schema shipped in the package (``resources/summary.schema.json``) before it is written, and again
whenever one is read.

Privacy domain: public (aggregates only, read by nobody but the comparison).
"""
from __future__ import annotations

import hashlib
import json
import math
import re
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mentoring_lib import __version__
from mentoring_lib.errors import InputError

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from mentoring_lib.config import TermConfig

SCHEMA_VERSION = 1
SUMMARY_FILE = "summary.json"
PUBLISHED, SUPPRESSED, HIDDEN, NOT_SHOWN = "published", "suppressed", "hidden", "not_shown"
STATUSES = (PUBLISHED, SUPPRESSED, HIDDEN, NOT_SHOWN)
SECTIONS = ("reach", "implementation", "reaction", "outcomes")
#: Outcome statistics per scale (from the report's effectiveness table).
OUTCOME_STATS = ("pairs", "mean_pre", "mean_post", "mean_change", "sd_change", "hedges_g", "g_ci_low",
                 "g_ci_high", "t_p")
#: A scale's fingerprint covers these columns of the instruments table (what changes the score).
INSTRUMENT_FIELDS = ("instrument", "scale", "rule", "n_items", "response_range", "missing_rule")


@lru_cache(maxsize=1)
def schema() -> dict:
    """The JSON Schema of summary.json (``mentoring_lib/resources/summary.schema.json``)."""
    return json.loads(resources.files("mentoring_lib").joinpath("resources", "summary.schema.json")
                      .read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def _validator():
    import jsonschema

    return jsonschema.Draft202012Validator(schema())


def validate(data: dict, source: str | Path = SUMMARY_FILE) -> dict:
    """``data`` if it conforms to the schema, else InputError (exit 2) naming the first problem's place."""
    errors = sorted(_validator().iter_errors(data), key=lambda e: list(e.absolute_path))
    if errors:
        first = errors[0]
        where = "/".join(str(p) for p in first.absolute_path) or "(top level)"
        # the message names the rule broken, not the value (a summary holds no personal data anyway)
        raise InputError(f"is not a valid term summary (schema version {SCHEMA_VERSION}): at '{where}': "
                         f"{first.validator} rule broken", file=source,
                         hint="use the public/summary.json a term run wrote, unedited")
    return data


def load(path: str | Path) -> dict:
    """Read and validate one summary.json; InputError (exit 2) if missing, not JSON or not valid."""
    path = Path(path)
    if path.is_dir():
        path = path / SUMMARY_FILE if (path / SUMMARY_FILE).is_file() else path / "public" / SUMMARY_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError:
        raise InputError("summary not found or unreadable", file=path,
                         hint="give a term's public/summary.json (or its public/ or reports/<term>/ folder)") from None
    except ValueError:
        raise InputError("is not JSON", file=path, hint="use the public/summary.json a term run wrote") from None
    return validate(data, path)


# -- figures ---------------------------------------------------------------------------------------

def _missing(x: Any) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x)) or str(x).strip() in ("", "–", "<NA>", "nan")


def figure(shown: Any, *, digits: int | None = None, marker: Any = None) -> dict:
    """One published figure: ``{"value", "status"}`` from what the report shows of it.

    ``shown``: a number, or the report's text ("12", "<5", "<5 people", "x", "–"); ``marker``: the
    report's cell for a share whose value is missing (its ``*_shown`` column: "<5 people", "x")."""
    if _missing(shown):
        text = "" if _missing(marker) else str(marker).strip()
        status = SUPPRESSED if text.startswith("<") else HIDDEN if text == "x" else NOT_SHOWN
        return {"value": None, "status": status}
    if isinstance(shown, str):
        text = shown.strip().removesuffix(" people")
        if text.startswith("<"):
            return {"value": None, "status": SUPPRESSED}
        if text == "x":
            return {"value": None, "status": HIDDEN}
        try:
            shown = float(text.replace("\u2212", "-"))
        except ValueError:
            return {"value": None, "status": NOT_SHOWN}
    value = float(shown)
    if digits is not None:
        value = round(value, digits)
    return {"value": int(value) if value.is_integer() and digits in (None, 0) else value, "status": PUBLISHED}


def _row(df: "pd.DataFrame | None", column: str, key: str) -> dict | None:
    if df is None or column not in df:
        return None
    hit = df.loc[df[column].astype(str) == key]
    return None if hit.empty else hit.iloc[0].to_dict()


def _entry(fid: str, label: str, kind: str, fig: dict, **extra) -> dict:
    return {"id": fid, "label": label, "kind": kind, **fig, **extra}


def _reach(tables: dict) -> list[dict]:
    out = []
    reach = tables.get("reach")
    for measure, fid in (("places", "places"), ("applications", "applications"), ("accepted", "accepted"),
                         ("wait-listed", "waitlisted"), ("withdrew", "withdrew"),
                         ("late (after the deadline)", "late")):
        row = _row(reach, "measure", measure)
        if row is None:
            continue
        for role, col in (("participant", "participants"), ("mentor", "mentors")):
            out.append(_entry(f"{fid}/{role}", f"{role}s: {measure}", "count", figure(row.get(col)),
                              role=role))
    funnel = tables.get("funnel")
    if funnel is not None:
        for rec in funnel.to_dict("records"):
            if rec["step"] in ("active", "completed"):
                fid = f"{rec['step']}/{rec['role']}"
                out.append(_entry(fid, f"{rec['role']}s {rec['step']}", "count", figure(rec["count"]),
                                  role=rec["role"]))
                out.append(_entry(f"{fid}/share", f"{rec['role']}s {rec['step']}, share of accepted", "share",
                                  figure(rec.get("share_of_accepted"), digits=2), role=rec["role"]))
    response = tables.get("response")
    if response is not None:
        for rec in response.to_dict("records"):
            sid = str(rec["survey"]).split()[0]  # before (pre), after (post), both (linked pairs)
            out.append(_entry(f"respondents/{sid}", f"survey respondents: {rec['survey']}", "count",
                              figure(rec["respondents"])))
            out.append(_entry(f"respondents/{sid}/share", f"response rate: {rec['survey']}", "share",
                              figure(rec.get("response_rate"), digits=2)))
    return out


def _implementation(tables: dict) -> list[dict]:
    out = []
    trainings = tables.get("trainings")
    if trainings is not None:
        for j, rec in enumerate(trainings.to_dict("records"), 1):
            out.append(_entry(f"training/{j}/attended", f"mentors attending {rec['session']}", "count",
                              figure(rec["attended"])))
    meetings = tables.get("meetings")
    if meetings is not None:
        for j, rec in enumerate(meetings.to_dict("records"), 1):
            out.append(_entry(f"meeting/{j}/groups_met", f"groups that met: {rec['meeting']}", "count",
                              figure(rec["groups_met"])))
            out.append(_entry(f"meeting/{j}/attending", f"participants attending {rec['meeting']}", "count",
                              figure(rec["participants_attending"])))
            out.append(_entry(f"meeting/{j}/share", f"share of participants attending {rec['meeting']}", "share",
                              figure(rec.get("share_of_participants"), digits=2)))
    key = tables.get("key_figures")
    if key is not None and "key" in key:
        for k, fid, kind in (("attendance", "attendance/mean_share", "share"), ("groups", "groups_met", "count")):
            row = _row(key, "key", k)
            if row is not None:
                value = str(row["value"])
                fig = (figure(float(value[:-1]) / 100, digits=2) if value.endswith("%") and value[:-1].isdigit()
                       else figure(value))
                out.append(_entry(fid, str(row["label"]), kind, fig))
    return out


def _likert(tables: dict, name: str, prefix: str) -> list[dict]:
    df = tables.get(name)
    out: list[dict] = []
    if df is None:
        return out
    for rec in df.to_dict("records"):
        out.append(_entry(f"{prefix}/{rec['item']}/answered", f"answered: {rec['wording']}", "count",
                          figure(rec["answered"])))
        out.append(_entry(f"{prefix}/{rec['item']}/agree", f"agree: {rec['wording']}", "share",
                          figure(rec.get("share_high"), digits=2, marker=rec.get("high_shown"))))
    return out


def _outcomes(tables: dict) -> list[dict]:
    df = tables.get("effectiveness")
    if df is None:
        return []
    out = []
    for rec in df.to_dict("records"):
        stats = {s: figure(rec.get(s), digits=None if s == "pairs" else 6) for s in OUTCOME_STATS}
        out.append({"id": f"{rec['instrument']}/{rec['scale']}", "label": str(rec["outcome"]),
                    "primary": bool(rec.get("primary", False)), "range": str(rec.get("range") or ""),
                    "instrument": str(rec["instrument"]), "scale": str(rec["scale"]), **stats})
    return out


def fingerprint(obj: Any) -> str:
    """First 16 hex digits of the SHA-256 of ``obj`` as canonical JSON."""
    text = json.dumps(obj, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def instrument_fingerprints(tables: dict) -> dict[str, str]:
    """``instrument/scale`` -> fingerprint of how the scale is scored (items, rule, range, missing rule)."""
    df = tables.get("instruments")
    if df is None:
        return {}
    return {f"{r['instrument']}/{r['scale']}": fingerprint({f: r.get(f) for f in INSTRUMENT_FIELDS})
            for r in df.to_dict("records")}


def rules(config: "TermConfig") -> dict:
    """The rules a comparison must know changed: disclosure thresholds, certificate rule, the plan."""
    out = {"min_count": int(config.privacy.min_count), "min_base": int(config.privacy.min_base),
           "certificate": {"min_trainings": int(config.certificates.min_trainings),
                           "min_meetings": int(config.certificates.min_meetings)},
           "trainings_planned": int(config.programme.trainings),
           "meetings_planned": int(config.programme.meetings_planned), "groups_planned": int(config.groups.count)}
    return {**out, "fingerprint": fingerprint(out)}


def university_id(config: "TermConfig") -> str:
    """Config ``term.university`` if set, else the report's organisation as a slug."""
    given = getattr(config.term, "university", None)
    if given:
        return given
    return re.sub(r"[^a-z0-9]+", "-", config.report.organisation.lower()).strip("-") or "unknown"


def build_summary(tables: dict[str, "pd.DataFrame"], config: "TermConfig", provenance: dict | None = None) -> dict:
    """The summary of a term from the protected tables its public files are written from."""
    prov = provenance or {}
    data = {
        "schema_version": SCHEMA_VERSION,
        "generator": f"mentoring workbook {__version__}",
        "term": {"id": config.term.name, "title": config.term.title, "start": config.term.start.isoformat(),
                 "end": config.term.end.isoformat()},
        "university": {"id": university_id(config), "name": config.report.organisation},
        "report_date": prov.get("report_date"),
        "rules": rules(config),
        "instruments": instrument_fingerprints(tables),
        "figures": {"reach": _reach(tables), "implementation": _implementation(tables),
                    "reaction": _likert(tables, "reaction", "reaction") + _likert(tables, "mentors", "mentors"),
                    "outcomes": _outcomes(tables)},
    }
    if data["report_date"] is None:
        del data["report_date"]
    return validate(data)


def write_summary(data: dict, path: Path) -> Path:
    """Write (atomically, sorted keys: same tables give the same bytes) a validated summary."""
    import os

    validate(data, path)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(data, indent=1, ensure_ascii=False, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(tmp, path)
    return path
