"""Every piece of text a public file shows or carries, read by file type for the personal-data gate.

:func:`file_texts` reads HTML (text, comments, alt/title/aria-label/href/content attributes,
embedded base64 images), PDF text and metadata (needs ``pypdf``: without it the gate fails closed),
XLSX cells, sheet names, comments and document properties, CSV and other text files, SVG text and
comments, PNG text chunks (tEXt, zTXt, iTXt) and EXIF, and any other file as its bytes decoded.
Pixels are not read: a name drawn only into a PNG is not found, which is why charts are also written
as SVG with real text.

Privacy domain: public files, read before they are published. What it returns may hold personal
data a stage let through: it is scanned (:func:`~mentoring_lib.privacy.gate.scan_public`), never shown.
"""
from __future__ import annotations

import base64
import html
import re
import struct
import urllib.parse
import zipfile
import zlib
from collections.abc import Mapping
from pathlib import Path

from mentoring_lib.errors import PrivacyGateError

_TEXT_SUFFIXES = {".html", ".htm", ".csv", ".txt", ".md", ".json", ".tsv", ".xml", ".typ", ".yml",
                  ".yaml", ".js", ".css", ".tex"}


_ATTR_RE = re.compile(r"""\b(?:alt|title|aria-label|aria-description|href|content|value|label|placeholder|"""
                      r"""data-[\w-]+|download|name|id|class)\s*=\s*("[^"]*"|'[^']*')""", re.IGNORECASE)
_COMMENT_RE = re.compile(r"<!--(.*?)-->", re.DOTALL)
_TAG_RE = re.compile(r"<[^>]*>")
_DATA_URI_RE = re.compile(r"data:image/(png|svg\+xml)(;base64)?,([A-Za-z0-9+/=%\s]+)")


def _markup_texts(markup: str) -> list[str]:
    """Text content, comments and human-readable attribute values of HTML/SVG/XML."""
    texts = [m.group(1) for m in _COMMENT_RE.finditer(markup)]
    texts += [html.unescape(m.group(1)[1:-1]) for m in _ATTR_RE.finditer(markup)]
    body = _TAG_RE.sub("\n", _COMMENT_RE.sub(" ", markup))
    texts.append(html.unescape(body))
    return texts


def _html_texts(raw: bytes) -> list[str]:
    markup = raw.decode("utf-8", errors="replace")
    texts = _markup_texts(markup)
    for m in _DATA_URI_RE.finditer(markup):  # images embedded in the page carry metadata too
        kind, is_b64, payload = m.groups()
        try:
            data = (base64.b64decode("".join(payload.split())) if is_b64
                    else urllib.parse.unquote(payload).encode("utf-8"))
        except (ValueError, TypeError):
            continue
        texts += _png_texts(data) if kind == "png" else _markup_texts(data.decode("utf-8", errors="replace"))
    return texts


def _png_texts(data: bytes) -> list[str]:
    """Text chunks (tEXt, zTXt, iTXt) and EXIF of a PNG."""
    if not data.startswith(b"\x89PNG\r\n\x1a\n"):
        return [data.decode("latin-1")]  # not a PNG after all: scan whatever is there
    texts, pos = [], 8
    while pos + 8 <= len(data):
        length, ctype = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        pos += 12 + length
        try:
            if ctype == b"tEXt":
                key, _, value = body.partition(b"\0")
                texts += [key.decode("latin-1"), value.decode("latin-1")]
            elif ctype == b"zTXt":
                key, _, rest = body.partition(b"\0")
                texts += [key.decode("latin-1"), zlib.decompress(rest[1:]).decode("latin-1")]
            elif ctype == b"iTXt":
                key, _, rest = body.partition(b"\0")
                compressed, _method = rest[0], rest[1]
                lang, _, rest = rest[2:].partition(b"\0")
                translated, _, value = rest.partition(b"\0")
                if compressed:
                    value = zlib.decompress(value)
                texts += [key.decode("latin-1"), lang.decode("latin-1", errors="replace"),
                          translated.decode("utf-8", errors="replace"), value.decode("utf-8", errors="replace")]
            elif ctype == b"eXIf":
                texts.append(body.decode("latin-1"))
                texts.append(body.decode("utf-8", errors="replace"))
        except (zlib.error, IndexError, UnicodeDecodeError):
            texts.append(body.decode("latin-1"))
        if ctype == b"IEND":
            break
    return texts


def _xlsx_texts(path: Path) -> list[str]:
    """Cell values (one text per cell), sheet names, comments, properties, defined names."""
    texts: list[str] = []
    with zipfile.ZipFile(path) as z:
        for name in sorted(z.namelist()):
            if not name.endswith((".xml", ".rels", ".vml")):
                continue
            xml = z.read(name).decode("utf-8", errors="replace")
            if name.startswith("xl/worksheets/sheet"):
                # inline strings and numbers: one text per cell so neighbours never join
                texts += [html.unescape(_TAG_RE.sub("", c))
                          for c in re.findall(r"<c\b[^>]*?(?:/>|>.*?</c>)", xml, re.DOTALL)]
            elif name == "xl/sharedStrings.xml":
                texts += [html.unescape(_TAG_RE.sub("", s)) for s in re.findall(r"<si>.*?</si>", xml, re.DOTALL)]
            elif name == "xl/workbook.xml":
                texts += [html.unescape(v) for v in re.findall(r'<sheet\b[^>]*\bname="([^"]*)"', xml)]
                texts += [html.unescape(v) for v in re.findall(r'<definedName\b[^>]*\bname="([^"]*)"', xml)]
                texts.append(html.unescape(_TAG_RE.sub("\n", xml)))
            else:
                texts += _markup_texts(xml)
    return texts


def _pdf_texts(path: Path) -> list[str]:
    try:
        from pypdf import PdfReader
    except ImportError:
        raise PrivacyGateError(
            f"cannot check {path.name}: reading PDF text needs the 'pypdf' package",
            hint="install the project with its dependencies (pip install -e .), then run again; "
                 "nothing was published") from None
    import logging

    logging.getLogger("pypdf").setLevel(logging.ERROR)
    reader = PdfReader(str(path))
    texts = []
    meta: Mapping = reader.metadata or {}
    texts += [str(v) for v in meta.values()]
    for page in reader.pages:
        texts.append(page.extract_text() or "")
    try:
        xmp = reader.xmp_metadata
        if xmp is not None:
            texts += _markup_texts(xmp.stream.get_data().decode("utf-8", errors="replace"))
    except Exception:  # noqa: BLE001 - malformed XMP: the page text is what matters
        pass
    return texts


def file_texts(path: Path) -> list[str]:
    """The pieces of text a public file shows or carries, by file type."""
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        return _xlsx_texts(path)
    if suffix == ".pdf":
        return _pdf_texts(path)
    raw = path.read_bytes()
    if suffix == ".png":
        return _png_texts(raw)
    if suffix in (".svg", ".xml"):
        return _markup_texts(raw.decode("utf-8", errors="replace"))
    if suffix in (".html", ".htm"):
        return _html_texts(raw)
    if suffix in _TEXT_SUFFIXES:
        return [raw.decode("utf-8-sig", errors="replace")]
    # anything else (fonts, other images): its bytes as text, so no format slips through
    return [raw.decode("utf-8", errors="replace"), raw.decode("latin-1")]
