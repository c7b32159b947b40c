"""``mentoring inspect FILE``: say what an export is, without a config and without showing answers.

The description lists the tool that wrote the file, its encoding and delimiter, the header rows,
the number of responses and columns, the column headers (numbered, with their Excel letters,
ready to copy into a config's ``columns:``), and everything odd that the reader normalised
(duplicate headers, blank and summary rows, title rows, cp1252 fallback, ...). Headers and
structure only: no cell value of a data row is ever printed.
"""
from __future__ import annotations

from pathlib import Path

from mentoring_lib.io.readers import DEFAULT_MAX_BYTES, NOT_SUBMITTED, Export, not_submitted, read_export

_DELIMITERS = {",": "comma (,)", ";": "semicolon (;)", "\t": "tab"}
_ENCODINGS = {
    "utf-8": "UTF-8 (no byte-order mark)",
    "utf-8-sig": "UTF-8 with byte-order mark",
    "utf-16": "UTF-16 with byte-order mark (Excel 'Unicode Text')",
    "utf-16-le": "UTF-16 LE without byte-order mark",
    "utf-16-be": "UTF-16 BE without byte-order mark",
    "cp1252": "Windows-1252 (cp1252) — not UTF-8, see notes",
}


def describe(export: Export) -> str:
    """Human-readable description of an already-read export (structure and headers only)."""
    lines = [f"File:        {export.path}"]
    tool = export.tool_label
    if export.detected_by and export.tool not in ("csv", "xlsx"):
        tool += f"  (recognised by: {export.detected_by})"
    lines.append(f"Tool:        {tool}")
    if export.encoding is None:
        fmt = "Excel workbook (.xlsx)"
        if export.sheet:
            fmt += f", sheet '{export.sheet}'"
            if len(export.sheets) > 1:
                fmt += f" of {len(export.sheets)} ({', '.join(export.sheets)})"
        lines.append(f"Format:      {fmt}")
        lines.append(f"Date system: {export.date_system}")
    else:
        lines.append("Format:      delimited text")
        lines.append(f"Encoding:    {_ENCODINGS.get(export.encoding, export.encoding)}")
        lines.append(f"Delimiter:   {_DELIMITERS.get(export.delimiter or '', repr(export.delimiter))}")
    hdr = f"{export.header_rows} (Excel row{'s' if export.header_rows > 1 else ''} {export.header_row}"
    if export.header_rows > 1:
        hdr += f"-{export.header_row + export.header_rows - 1}"
    hdr += f"); responses start at row {export.first_data_row}"
    lines.append(f"Header rows: {hdr}")
    lines.append(f"Responses:   {len(export.data)}" + (
        f" (of {export.rows_read} data rows read)" if export.rows_read != len(export.data) else ""))
    lines.append(f"Columns:     {len(export.data.columns)}")
    lines.append("")
    lines.append("Column headers (copy these into columns: in the term config):")
    width = len(str(len(export.data.columns)))
    ids = {h: i for i, h in export.import_ids.items()}
    for n, header in enumerate(export.data.columns, start=1):
        extra = []
        if header in ids:
            extra.append(f"ImportId {ids[header]}")
        text = export.question_texts.get(header)
        if text and text != header:
            extra.append(f"question: {text if len(text) <= 70 else text[:69] + '…'}")
        if header in export.source_timezones:
            extra.append(f"times in {export.source_timezones[header]}")
        suffix = f"   [{'; '.join(extra)}]" if extra else ""
        lines.append(f"  {n:>{width}}. {header}{suffix}")
    lines.append("")
    notes = list(export.notes)
    unsent, column = not_submitted(export)
    if unsent is not None and unsent.any():
        notes.append(f"{int(unsent.sum())} response(s) not submitted ('{column}'): the stages leave them out as "
                     f"{NOT_SUBMITTED}")
    if notes:
        lines.append("Worth knowing:")
        lines += [f"  - {note}" for note in notes]
    else:
        lines.append("Worth knowing: nothing odd found (no duplicate headers, blank or summary rows).")
    return "\n".join(lines)


def describe_export(path, *, tool: str = "auto", sheet=None, max_bytes: int = DEFAULT_MAX_BYTES) -> str:
    """Read ``path`` with :func:`~mentoring_lib.io.readers.read_export` and describe it.

    A file that cannot be read raises the reader's InputError (its message says what to do).
    """
    return describe(read_export(Path(path), tool=tool, sheet=sheet, max_bytes=max_bytes))

