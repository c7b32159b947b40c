"""Certificate PDFs: names and fonts, the certificate texts, and Typst rendering.

Certificates are typeset by Typst from ``resources/certificate/certificate.typ``; names travel as JSON
data (``sys.inputs``), never as markup. :func:`uncovered_characters` finds the characters no
configured font can show before rendering; :func:`render_certificates` writes one PDF per
certificate (named by verification code) and the combined PDF for printing, atomically.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import re
import tempfile
import threading
import time
import unicodedata
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from mentoring_lib.errors import ConfigError, WorkbookError
from mentoring_lib.outputs.formatting import written_date

if TYPE_CHECKING:
    from mentoring_lib.config import TermConfig

RESOURCES = Path(__file__).resolve().parents[1] / "resources" / "certificate"
TEMPLATE = RESOURCES / "certificate.typ"
#: Fonts built into Typst, in fallback order (DejaVu Sans Mono carries Arabic script).
BUILTIN_FONTS: tuple[str, ...] = ("Libertinus Serif", "New Computer Modern", "DejaVu Sans Mono")
#: Names up to this many characters never need shrinking at 36 pt on the 215 mm line.
_FIT_FREE_CHARS = 18
# -- names and fonts ------------------------------------------------------------------------------

def clean_names(names: pd.Series) -> pd.Series:
    """Names as printed: Unicode NFC, runs of whitespace as one space, trimmed; empty -> missing."""
    s = names.astype("string").str.normalize("NFC").str.replace(r"\s+", " ", regex=True).str.strip()
    return s.mask(s == "")


def _font_list(fonts: Sequence[str]) -> list[str]:
    extra = [f for f in fonts if f not in BUILTIN_FONTS]
    return [BUILTIN_FONTS[0], *extra, *BUILTIN_FONTS[1:]]


def _compiler(source: Path, root: Path, font_paths: Sequence[str], system_fonts: bool = False):
    import typst

    return typst.Compiler(str(source), root=str(root), font_paths=[str(p) for p in font_paths],
                          ignore_system_fonts=not system_fonts)


_PROBE = '#set text(font: json(bytes(sys.inputs.fonts)))\n#sys.inputs.probe\n'
#: Characters per probe compilation: small documents compile in a few milliseconds.
_PROBE_CHUNK = 48


def uncovered_characters(texts: Iterable[str], *, fonts: Sequence[str] = (), font_paths: Sequence[str] = (),
                         system_fonts: bool = False, max_compiles: int = 1000) -> set[str]:
    """The characters of ``texts`` that none of the certificate fonts can show.

    Typst prints a box for such a character without a warning, but refuses it in PDF/A, so each
    probe compiles candidate characters as PDF/A-2b; the error names the first missing one (if a
    future Typst words it differently, the probe is bisected instead). ASCII, spaces and control
    characters are never probed. Each missing character costs one small compilation; after
    ``max_compiles`` the characters still unchecked are reported as missing (the safe side).
    ``system_fonts``: also use the machine's fonts (the fallback for names the built-in fonts miss).
    """
    import typst

    candidates = sorted({ch for t in texts if isinstance(t, str) for ch in t
                         if ord(ch) > 0x7E and unicodedata.category(ch)[0] not in "CZ"})
    if not candidates:
        return set()
    fonts_json = json.dumps(_font_list(fonts))
    with tempfile.TemporaryDirectory(prefix="font-probe-") as tmp:
        src = Path(tmp) / "probe.typ"
        src.write_text(_PROBE, encoding="utf-8")
        compiler = _compiler(src, Path(tmp), font_paths, system_fonts)
        budget = [max_compiles]

        def probe(chars: list[str]) -> tuple[bool, str | None]:
            budget[0] -= 1
            try:
                _, warns = compiler.compile_with_warnings(
                    format="pdf", pdf_standards="a-2b",
                    sys_inputs={"fonts": fonts_json, "probe": " ".join(chars)})
            except typst.TypstError as e:
                found = re.search(r'text `"(.+?)"` could not be displayed', str(e))
                return False, found.group(1) if found else None
            if any("unknown font family" in str(w) for w in warns):
                raise ConfigError("a font named in certificates.fonts is not available",
                                  key="certificates.fonts",
                                  hint="add the folder with its font files to certificates.font_paths, "
                                       "or check the family name's spelling")
            return True, None

        def missing_in(chars: list[str]) -> set[str]:
            out: set[str] = set()
            todo = list(chars)
            while todo:
                if budget[0] <= 0:
                    return out | set(todo)
                ok, culprit = probe(todo)
                if ok:
                    break
                if culprit and set(culprit) <= set(todo):
                    out |= set(culprit)
                    todo = [c for c in todo if c not in culprit]
                elif len(todo) == 1:
                    out.add(todo[0])
                    break
                else:  # unrecognised message: bisect
                    half = len(todo) // 2
                    return out | missing_in(todo[:half]) | missing_in(todo[half:])
            return out

        missing: set[str] = set()
        for i in range(0, len(candidates), _PROBE_CHUNK):
            missing |= missing_in(candidates[i:i + _PROBE_CHUNK])
        return missing


def names_not_covered(names: pd.Series, missing: set[str]) -> pd.Series:
    """True where a name contains one of the ``missing`` characters."""
    if not missing:
        return pd.Series(False, index=names.index)
    pattern = "[" + re.escape("".join(sorted(missing))) + "]"
    return names.fillna("").str.contains(pattern, regex=True)


def name_case(names: pd.Series) -> pd.Series:
    """"lower case" or "ALL CAPS" for a name written so (as a registration form gives it), "" otherwise.

    Only names with letters that have case count: a name in a script without case is never flagged."""
    def one(name) -> str:
        if not isinstance(name, str) or name.lower() == name.upper():
            return ""
        if name == name.lower():
            return "lower case"
        letters = [c for c in name if c.isalpha() and c.lower() != c.upper()]
        return "ALL CAPS" if len(letters) > 1 and name == name.upper() else ""

    return pd.Series([one(n) for n in names.astype(object).where(names.notna(), None)], index=names.index,
                     dtype="str")


# -- texts ------------------------------------------------------------------------------------------

def format_date(d: dt.date, lang: str = "en") -> str:
    """``18 December 2026`` (``18. joulukuuta 2026``, ``18 december 2026``), whatever the machine's locale."""
    return written_date(d, lang)


def format_period(start: dt.date, end: dt.date, lang: str = "en") -> str:
    """``7 September – 18 December 2026`` (the year once when both dates share it)."""
    if start.year == end.year:
        return f"{written_date(start, lang, year=False)} – {written_date(end, lang)}"
    return f"{written_date(start, lang)} – {written_date(end, lang)}"


def certificate_role(config: "TermConfig") -> str:
    """The role printed on a certificate: the default role ("Peer mentor (co-mentor)", left out of
    the config or written as in the term template) in the term's language (Finnish in the essive,
    "vertaismentorina", to read after "on toiminut"); any other ``certificates.role`` as written."""
    from mentoring_lib.outputs.messages import FALLBACK, language_code, text

    role = config.certificates.role
    if role.strip() != text("cert.role", FALLBACK):
        return role
    return text("cert.role", language_code(config.term.language))


def certificate_texts(config: "TermConfig") -> dict:
    """The texts every certificate of the term shares (the template's ``common``); the fixed
    wording comes from the message catalogue in the term's language (:mod:`messages`)."""
    from mentoring_lib.outputs.messages import language_code, text

    cert, term, report = config.certificates, config.term, config.report
    contact = cert.verify_contact or report.contact
    lang = language_code(term.language)
    return {
        "document_title": f"{cert.heading} — {report.title}",
        "organiser": report.organisation,
        "fonts": _font_list(cert.fonts),
        "heading": cert.heading,
        "certify_line": text("cert.certify_line", lang),
        "role_before": text("cert.role_before", lang),
        "role_after": text("cert.role_after", lang),
        "programme": report.title,
        "term": term.title,
        "period": format_period(term.start, term.end, lang),
        "trainings_label": text("cert.trainings_label", lang),
        "meetings_label": text("cert.meetings_label", lang),
        "signatory": cert.signatory,
        "signatory_title": cert.signatory_title,
        "issued": format_date(cert.issue_date or term.end, lang),
        "issued_label": text("cert.issued_label", lang),
        "code_label": text("cert.code_label", lang),
        "verify_line": text("cert.verify_line", lang, contact=contact) if contact else "",
        "seal_top": "Compassion",
        "seal_middle": str(term.start.year),
        "seal_bottom": "Mentoring",
    }


# -- rendering --------------------------------------------------------------------------------------

def certificate_records(roster: pd.DataFrame) -> list[dict]:
    """The per-page data the template needs, from rows with ``name``, ``role``, ``code`` and counts."""
    fit = (roster["name"].str.len() > _FIT_FREE_CHARS) | roster["name"].str.contains(
        r"[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\uff00-\uff60]", regex=True)
    frame = pd.DataFrame({
        "name": roster["name"].astype(str), "role": roster["role"].astype(str),
        "trainings": roster["trainings_attended"].astype(int),
        "trainings_total": roster["trainings_total"].astype(int),
        "meetings": roster["meetings_coled"].astype(int),
        "meetings_total": roster["meetings_total"].astype(int),
        "code": roster["code"].astype(str), "fit": fit.astype(bool),
        "system_fonts": (roster["system_fonts"].astype(bool) if "system_fonts" in roster.columns
                         else pd.Series(False, index=roster.index)),
        "hours_line": (roster["hours_line"].astype(str) if "hours_line" in roster.columns
                       else pd.Series("", index=roster.index)),
    })
    return json.loads(frame.to_json(orient="records", force_ascii=False))


def _write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@dataclass
class RenderResult:
    files: list[Path]
    combined: Path | None
    seconds: float
    pages: int
    timings: dict[str, float] = field(default_factory=dict)


#: Certificates typeset together for the combined PDF. Typst holds a whole document's layout in
#: memory (some 270 MiB for 1,300 certificates), so a large term's combined PDF is typeset in parts
#: of this size and the parts are joined with pypdf.
COMBINED_PART = 200


def join_pdfs(parts: Sequence[bytes]) -> bytes:
    """One PDF with the pages of ``parts`` in order, and the first part's document information
    (title, creator, dates): the same bytes for the same parts (pypdf writes no random file ID
    unless asked to)."""
    import io

    from pypdf import PdfReader, PdfWriter

    if len(parts) == 1:
        return parts[0]
    writer = PdfWriter()
    first = PdfReader(io.BytesIO(parts[0]))
    for data in parts:
        writer.append(PdfReader(io.BytesIO(data)))
    if first.metadata:
        writer.add_metadata({k: v for k, v in first.metadata.items()})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def render_certificates(records: list[dict], common: dict, *, pdf_dir: Path, combined: Path | None,
                        font_paths: Sequence[str] = (), workers: int = 2, chunk: int = 25,
                        combined_part: int | None = None) -> RenderResult:
    """Typeset one PDF per record as ``pdf_dir/<code>.pdf`` and, unless ``combined`` is None, every
    page in one PDF for printing (typeset ``combined_part`` certificates at a time, by default
    :data:`COMBINED_PART`). Returns the files written and the time taken.

    Each PDF is its own small compilation (fonts subset to the one name), done on ``workers``
    threads with one Typst compiler each (Typst caches the template across compilations). Only
    the fonts built into Typst (and ``font_paths``) are used, except for records marked
    ``system_fonts`` (names those fonts cannot show), which may fall back to the machine's. Old
    ``*.pdf`` files in ``pdf_dir`` that no record names are removed, so a withdrawn certificate
    does not linger.
    """
    import typst

    started = time.perf_counter()
    local = threading.local()

    def compiler(system_fonts: bool):
        cache = local.__dict__.setdefault("compilers", {})
        if system_fonts not in cache:
            cache[system_fonts] = _compiler(TEMPLATE, RESOURCES, font_paths, system_fonts)
        return cache[system_fonts]

    def compile_pdf(items: list[dict]) -> bytes:
        system_fonts = any(item.get("system_fonts") for item in items)
        payload = json.dumps({"common": common, "certificates": items}, ensure_ascii=False)
        try:
            return compiler(system_fonts).compile(format="pdf", sys_inputs={"data": payload})
        except typst.TypstError as e:  # a template fault; the data cannot cause one
            raise WorkbookError(f"the certificate template failed to compile: {getattr(e, 'message', e)}",
                                hint="report this with the template file resources/certificate/"
                                     "certificate.typ") from None

    def one_batch(batch: list[dict]) -> list[Path]:
        paths = []
        for item in batch:
            path = pdf_dir / f"{item['code']}.pdf"
            _write_atomic(path, compile_pdf([item]))
            paths.append(path)
        return paths

    def all_in_one(target: Path) -> float:
        t0 = time.perf_counter()
        step = max(1, combined_part or COMBINED_PART)
        _write_atomic(target, join_pdfs([compile_pdf(records[i:i + step])
                                           for i in range(0, len(records), step)]))
        return time.perf_counter() - t0

    pdf_dir.mkdir(parents=True, exist_ok=True)
    batches = [records[i:i + chunk] for i in range(0, len(records), chunk)]
    timings: dict[str, float] = {}
    files: list[Path] = []
    with ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="certificates") as pool:
        combined_job = pool.submit(all_in_one, combined) if combined is not None and records else None
        for paths in pool.map(one_batch, batches):
            files.extend(paths)
        if combined_job is not None:
            timings["combined_seconds"] = combined_job.result()
    if combined is not None and not records:
        combined.unlink(missing_ok=True)
    keep = {p.name for p in files}
    for old in pdf_dir.glob("*.pdf"):
        if old.name not in keep:
            old.unlink()
    seconds = time.perf_counter() - started
    timings["total_seconds"] = seconds
    return RenderResult(files, combined if records else None, seconds, len(records), timings)
