"""The survey codebook: what each survey column means and how its answers become numbers.

A codebook is a YAML file (``config/codebooks/demo.yml``; how to write one for a new survey is in
``config/codebooks/README.md``) with five parts:

``missing_codes``
    answers that mean "no answer" ("N/A", "-", "en osaa sanoa", "vet ej", "Don't know"; blank is
    always missing);
``response_sets``
    the answer options of a question type: numeric value -> English label plus Finnish and Swedish
    (and any other) spellings;
``instruments``
    validated scales (id, name, citation, licence line, items with wording, reverse flag and
    subscale, and the scores computed from them with their missing-item rules);
``items``
    questions outside the instruments (reaction and mentor items, open comments);
``surveys``
    per survey input (the ``id`` of an input in the term config, or its kind): the wave, who
    answers it, and item id -> column header (or Qualtrics ImportId) of that export.

:func:`load_codebook` validates all of it (unknown keys, wrong types, dangling references) and
raises :class:`~mentoring_lib.errors.ConfigError` naming the key's path. :func:`map_answers` turns
answer texts into numbers, vectorised over the distinct answers, and raises ``InputErrors`` that
name, per file and column, the rows of each answer the codebook does not know, never the answer
(a scale cell may hold a comment or a name; free-text columns are never mapped).
"""
from __future__ import annotations

import difflib
import math
import re
import unicodedata
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from mentoring_lib.errors import ConfigError, InputError, InputErrors, per_answer, rows_text

ID = re.compile(r"^[a-z][a-z0-9_]*$")

#: Missing-answer codes that every codebook understands even if it lists none.
DEFAULT_MISSING_CODES = ("N/A", "-", "en osaa sanoa", "vet ej", "Don't know")


def normalise_label(text: str) -> str:
    """The form in which answer texts are compared: Unicode NFKC, case-folded, one space,
    typographic dashes and apostrophes made plain, trailing full stop dropped."""
    t = unicodedata.normalize("NFKC", str(text))
    t = t.replace("\u2013", "-").replace("\u2014", "-").replace("\u2212", "-")
    t = t.replace("\u2019", "'").replace("\u2018", "'").replace("\u00a0", " ")
    t = re.sub(r"\s+", " ", t).strip().casefold()
    return t[:-1].rstrip() if t.endswith(".") and len(t) > 1 else t


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


def _check_id(v: str) -> str:
    if not ID.match(v):
        raise ValueError(f"'{v}' is not a valid id: use lower-case letters, digits and '_', "
                         "starting with a letter")
    return v


class ResponseOption(_Model):
    """One answer option: its numeric value, English label and its spellings in other languages."""

    value: float
    label: str = Field(min_length=1)
    fi: list[str] = Field(default_factory=list)
    sv: list[str] = Field(default_factory=list)
    #: Any other accepted spelling (another wording, another language).
    aliases: list[str] = Field(default_factory=list)

    @field_validator("fi", "sv", "aliases", mode="before")
    @classmethod
    def _listify(cls, v: Any) -> Any:
        return [v] if isinstance(v, str) else v

    def spellings(self) -> list[str]:
        return [self.label, *self.fi, *self.sv, *self.aliases]


class ResponseSet(_Model):
    options: list[ResponseOption] = Field(min_length=2)
    #: Accept the bare number ("3", "3.0") and "3 = Sometimes"-style answers as well as the labels.
    accept_numbers: bool = True

    @model_validator(mode="after")
    def _unique(self) -> "ResponseSet":
        values = [o.value for o in self.options]
        if len(set(values)) != len(values):
            raise ValueError("option values must be unique")
        seen: dict[str, float] = {}
        for o in self.options:
            for s in o.spellings():
                key = normalise_label(s)
                if key in seen and seen[key] != o.value:
                    raise ValueError(f"label '{s}' is used for two values ({seen[key]:g} and {o.value:g})")
                seen[key] = o.value
        return self

    @property
    def min_value(self) -> float:
        return min(o.value for o in self.options)

    @property
    def max_value(self) -> float:
        return max(o.value for o in self.options)

    def label_of(self, value: float) -> str:
        for o in self.options:
            if o.value == value:
                return o.label
        raise KeyError(value)

    def lookup(self) -> dict[str, float]:
        """Normalised spelling -> value (labels in every language and, if allowed, the numbers)."""
        table: dict[str, float] = {}
        for o in self.options:
            for s in o.spellings():
                table[normalise_label(s)] = o.value
            if self.accept_numbers:
                table[f"{o.value:g}"] = o.value
        return table


class Item(_Model):
    id: str
    wording: str = Field(min_length=1)
    #: "likert": answers through a response set; "text": free text (an open comment, never mapped).
    kind: Literal["likert", "text"] = "likert"
    response_set: str | None = None
    reverse: bool = False
    subscale: str | None = None
    #: False for items asked but not scored (e.g. the CEAS reverse-keyed distractor items).
    scored: bool = True
    #: For non-instrument items: the evaluation block it belongs to (reaction, mentor, comments...).
    group: str | None = None

    @field_validator("id")
    @classmethod
    def _valid_id(cls, v: str) -> str:
        return _check_id(v)


class Scale(_Model):
    """A score computed from an instrument's items."""

    id: str
    name: str
    #: "all" = every scored item of the instrument; "subscale" = the scored items whose
    #: subscale equals this scale's id; or an explicit list of item ids.
    items: Literal["all", "subscale"] | list[str] = "subscale"
    rule: Literal["mean", "sum"]
    #: Fewest answered items for a score; None = all items. A mean uses the answered items;
    #: a sum with missing items is prorated (mean of answered x number of items).
    min_items: Annotated[int, Field(ge=1)] | None = None
    #: Raw sum -> published metric (e.g. SWEMWBS Rasch conversion); needs every item answered.
    conversion: dict[int, float] | None = None
    missing_rule: str = Field(min_length=5, description="The missing-item rule in words, with its source.")

    @field_validator("id")
    @classmethod
    def _valid_id(cls, v: str) -> str:
        return _check_id(v)


class Instrument(_Model):
    name: str
    short_name: str
    citation: str = Field(min_length=10)
    licence: str = Field(min_length=2)
    response_set: str
    #: Instruction shown above the items (the tool's question text).
    stem: str | None = None
    scoring_note: str | None = None
    items: list[Item] = Field(min_length=1)
    scales: list[Scale] = Field(min_length=1)

    @model_validator(mode="after")
    def _refs(self) -> "Instrument":
        ids = [i.id for i in self.items]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"item ids repeated: {', '.join(dupes)}")
        scale_ids = [s.id for s in self.scales]
        if len(set(scale_ids)) != len(scale_ids):
            raise ValueError("scale ids must be unique within an instrument")
        for s in self.scales:
            items = self.scale_items(s)
            if not items:
                raise ValueError(f"scale '{s.id}' has no scored items (set items:, or the items' subscale:)")
            unknown = [i for i in items if i not in ids]
            if unknown:
                raise ValueError(f"scale '{s.id}' lists unknown items: {', '.join(unknown)}")
            if s.min_items is not None and s.min_items > len(items):
                raise ValueError(f"scale '{s.id}': min_items {s.min_items} exceeds its {len(items)} items")
            if s.conversion is not None:
                if s.rule != "sum":
                    raise ValueError(f"scale '{s.id}': a conversion table needs rule: sum")
                if s.min_items not in (None, len(items)):
                    raise ValueError(f"scale '{s.id}': a conversion table needs every item (drop min_items)")
        return self

    def scale_items(self, scale: Scale) -> list[str]:
        if scale.items == "all":
            return [i.id for i in self.items if i.scored]
        if scale.items == "subscale":
            return [i.id for i in self.items if i.scored and i.subscale == scale.id]
        return list(scale.items)


class SurveyMap(_Model):
    """How one survey export maps onto the codebook."""

    #: "pre" / "post" are linked through the pseudonym; other waves (e.g. "end") are not.
    wave: str
    #: Who the survey is for ("participant" or "mentor"); a respondent registered in another
    #: role is kept but flagged in the linkage table.
    role: Literal["participant", "mentor"]
    #: Column headers (or Qualtrics ImportIds) of the respondent's e-mail and response time,
    #: and optionally of the "finished" flag; the term config's input ``columns`` can override
    #: them with the fields ``email``, ``submitted_at`` and ``finished``.
    email_column: str
    timestamp_column: str
    finished_column: str | None = None
    #: item id -> column header (or Qualtrics ImportId such as QID1_1).
    columns: dict[str, str] = Field(min_length=1)


class Codebook(_Model):
    version: Literal[1] = 1
    title: str = "Survey codebook"
    missing_codes: list[str] = Field(default_factory=lambda: list(DEFAULT_MISSING_CODES))
    response_sets: dict[str, ResponseSet]
    instruments: dict[str, Instrument] = Field(default_factory=dict)
    items: list[Item] = Field(default_factory=list)
    surveys: dict[str, SurveyMap] = Field(default_factory=dict)
    #: Set by load_codebook.
    source: Path | None = Field(default=None, exclude=True)

    @field_validator("response_sets", "instruments", "surveys")
    @classmethod
    def _keys(cls, v: dict) -> dict:
        for k in v:
            _check_id(k)
        return v

    @model_validator(mode="after")
    def _consistency(self) -> "Codebook":
        problems: list[str] = []
        all_items: dict[str, Item] = {}
        for inst_id, inst in self.instruments.items():
            if inst.response_set not in self.response_sets:
                problems.append(f"instrument '{inst_id}' uses unknown response_set '{inst.response_set}'")
            for it in inst.items:
                if it.kind != "likert":
                    problems.append(f"instrument '{inst_id}' item '{it.id}': instrument items are likert")
                if it.id in all_items:
                    problems.append(f"item id '{it.id}' is used twice")
                all_items[it.id] = it
        for it in self.items:
            if it.id in all_items:
                problems.append(f"item id '{it.id}' is used twice")
            all_items[it.id] = it
            if it.kind == "likert" and it.response_set is None:
                problems.append(f"item '{it.id}' needs a response_set (or kind: text)")
        for it in all_items.values():
            if it.response_set is not None and it.response_set not in self.response_sets:
                problems.append(f"item '{it.id}' uses unknown response_set '{it.response_set}'")
        missing = {normalise_label(c) for c in self.missing_codes}
        for rs_id, rs in self.response_sets.items():
            clash = sorted(set(rs.lookup()) & missing)
            if clash:
                problems.append(f"response set '{rs_id}': {', '.join(clash)} is also a missing-answer code")
        for inst_id, inst in self.instruments.items():
            inst_rs = self.response_sets.get(inst.response_set)
            for s in inst.scales:
                if s.conversion is not None and inst_rs is not None:
                    k = len(inst.scale_items(s))
                    lo, hi = int(round(inst_rs.min_value * k)), int(round(inst_rs.max_value * k))
                    gaps = [r for r in range(lo, hi + 1) if r not in s.conversion]
                    if gaps:
                        shown = ", ".join(map(str, gaps[:5])) + ("..." if len(gaps) > 5 else "")
                        problems.append(f"instrument '{inst_id}' scale '{s.id}': conversion table lacks raw "
                                        f"scores {shown}")
        for sid, sm in self.surveys.items():
            unknown = sorted(set(sm.columns) - set(all_items))
            if unknown:
                problems.append(f"survey '{sid}' maps unknown items: {', '.join(unknown)}")
            headers = list(sm.columns.values())
            dup = sorted({h for h in headers if headers.count(h) > 1})
            if dup:
                problems.append(f"survey '{sid}': the same column is mapped to two items: {', '.join(dup)}")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    # -- look-ups ---------------------------------------------------------------------------
    @cached_property
    def item_index(self) -> dict[str, tuple[str | None, Item]]:
        """item id -> (instrument id or None, item)."""
        out: dict[str, tuple[str | None, Item]] = {}
        for inst_id, inst in self.instruments.items():
            for it in inst.items:
                out[it.id] = (inst_id, it)
        for it in self.items:
            out[it.id] = (None, it)
        return out

    def item(self, item_id: str) -> Item:
        return self.item_index[item_id][1]

    def response_set_of(self, item_id: str) -> ResponseSet | None:
        name = self.response_set_name(item_id)
        return None if name is None else self.response_sets[name]

    def response_set_name(self, item_id: str) -> str | None:
        inst_id, it = self.item_index[item_id]
        if it.kind == "text":
            return None
        if it.response_set or inst_id is None:  # a likert item outside an instrument has its own (validated)
            return it.response_set
        return self.instruments[inst_id].response_set

    def survey_for(self, input_id: str, kind: str | None = None) -> SurveyMap:
        """The mapping of a survey input: by its id in the term config, else by its kind."""
        if input_id in self.surveys:
            return self.surveys[input_id]
        if kind is not None and kind in self.surveys:
            return self.surveys[kind]
        where = f" ({self.source})" if self.source else ""
        raise ConfigError(
            f"the survey codebook{where} has no mapping for survey input '{input_id}'",
            key=f"surveys.{input_id}",
            hint=f"add 'surveys: {input_id}:' with its wave, role and item columns "
                 f"(mapped surveys: {', '.join(sorted(self.surveys)) or 'none'})")

    def item_table(self) -> "Any":
        """A tidy DataFrame of every item: item, instrument, wording, kind, reverse, subscale,
        scored, group, response_set, min_value, max_value (for documentation and scoring)."""
        import pandas as pd

        rows = []
        for item_id, (inst_id, it) in self.item_index.items():
            rs = self.response_set_of(item_id)
            rows.append({
                "item": item_id, "instrument": inst_id, "wording": it.wording, "kind": it.kind,
                "reverse": it.reverse, "subscale": it.subscale, "scored": it.scored,
                "group": it.group or ("instrument" if inst_id else None),
                "response_set": self.response_set_name(item_id),
                "min_value": rs.min_value if rs else math.nan, "max_value": rs.max_value if rs else math.nan,
            })
        return pd.DataFrame(rows)


# -- loading --------------------------------------------------------------------------------

def _loc_to_key(loc: tuple) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part in {"list[str]", "literal['all','subscale']", "int", "float"} or "[" in str(part):
            continue  # pydantic union branch names are not part of the user's key path
        else:
            out += ("." if out else "") + str(part)
    return out


def load_codebook(path: str | Path) -> Codebook:
    """Read and validate a survey codebook; ConfigError (exit 2) with the key's path on a problem."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError("codebook file not found", file=path,
                          hint="set 'codebook:' in the term config to a YAML file "
                               "(see config/codebooks/README.md)")
    try:
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        raw = yaml.load(path.read_text(encoding="utf-8-sig"), Loader=loader)
    except UnicodeDecodeError:
        raise ConfigError("is not UTF-8 text", file=path, hint="save the codebook as UTF-8") from None
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ConfigError(f"YAML syntax error{where}: {getattr(e, 'problem', None) or 'invalid YAML'}",
                          file=path, hint="check indentation and quoting on that line") from None
    if not isinstance(raw, dict):
        raise ConfigError("a codebook must be a YAML mapping (response_sets:, instruments:, ...)", file=path)
    raw.pop("source", None)
    try:
        cb = Codebook.model_validate(raw)
    except ValidationError as e:
        first, *rest = e.errors()
        key = _loc_to_key(tuple(first["loc"]))
        msg = first["msg"].removeprefix("Value error, ")
        hint = None
        if first["type"] == "extra_forbidden":
            msg = "unknown key"
            parent_fields = _fields_at(first["loc"][:-1])
            close = difflib.get_close_matches(str(first["loc"][-1]), parent_fields, n=1)
            hint = f"did you mean '{close[0]}'?" if close else (
                f"allowed keys here: {', '.join(parent_fields)}" if parent_fields else "remove it")
        elif first["type"] == "missing":
            msg = "required key is missing"
            hint = "add it (see config/codebooks/README.md)"
        more = f" (and {len(rest)} more problem{'s' if len(rest) > 1 else ''})" if rest else ""
        raise ConfigError(msg + more, file=path, key=key or None, hint=hint) from None
    return cb.model_copy(update={"source": path.resolve()})


def _fields_at(loc: tuple) -> list[str]:
    """Field names of the model at a validation location (for 'did you mean')."""
    model: Any = Codebook
    containers = {"response_sets": ResponseSet, "instruments": Instrument, "surveys": SurveyMap}
    nested = {(Codebook, "items"): Item, (Instrument, "items"): Item, (Instrument, "scales"): Scale,
              (ResponseSet, "options"): ResponseOption}
    i = 0
    while i < len(loc):
        part = loc[i]
        if model is Codebook and part in containers:
            model = containers[part]
            i += 2  # skip the dict key
            continue
        if (model, part) in nested:
            model = nested[(model, part)]
            i += 2 if i + 1 < len(loc) and isinstance(loc[i + 1], int) else 1
            continue
        return []
    return sorted(model.model_fields)


# -- answers -> numbers -----------------------------------------------------------------------

_NUMBERED = re.compile(r"^\s*(-?\d+(?:[.,]\d+)?)\s*(?:[=:)\-.]\s*)?(.*)$")


def _resolve_text(text: str, table: dict[str, float], rs: ResponseSet) -> float | None:
    """One distinct answer text -> value, or None if the response set does not know it."""
    key = normalise_label(text)
    if key in table:
        return table[key]
    if not rs.accept_numbers:
        return None
    m = _NUMBERED.match(key)
    if not m:
        return None
    try:
        number = float(m.group(1).replace(",", "."))
    except ValueError:
        return None
    rest = normalise_label(m.group(2))
    for o in rs.options:
        if o.value == number and (not rest or rest in {normalise_label(s) for s in o.spellings()}):
            return o.value
    return None


def _looks_like_free_text(values: list[str]) -> bool:
    """Unknown 'labels' that are probably free text (long, many, or with an e-mail address)."""
    return len(values) > 25 or any(len(v) > 60 or "@" in v for v in values)


def map_answers(wide, item_columns: dict[str, str], codebook: Codebook, *, file: str | Path | None = None):
    """Turn a wide frame of answer texts into numbers through the codebook.

    ``wide``: one row per response, one column per item (column name = item id, text cells).
    ``item_columns``: item id -> the column header as the user sees it (for error messages).
    Returns a float DataFrame of the likert items (NaN = blank or a missing-answer code); text
    items are left out.
    Raises ``InputErrors``: per column, one error per distinct answer the codebook does not map,
    at its first row, naming the other rows with the same answer but never the answer.
    Works on the distinct answers of a column only, so it scales with the number of labels.
    """
    import numpy as np
    import pandas as pd

    missing_codes = {normalise_label(c) for c in codebook.missing_codes} | {""}
    errors: list[InputError] = []
    out: dict[str, np.ndarray] = {}
    by_set: dict[str, list[str]] = {}
    for item_id in wide.columns:
        name = codebook.response_set_name(item_id)
        if name is not None:
            by_set.setdefault(name, []).append(item_id)
    for name, cols in by_set.items():
        rs = codebook.response_sets[name]
        table = rs.lookup()
        block = wide[cols].astype(object).to_numpy()
        flat = pd.Series(block.ravel(order="F"), dtype=object)
        flat = flat.where(flat.notna(), "").astype(str)
        codes, uniques = pd.factorize(flat, sort=False)
        resolved = np.full(len(uniques), np.nan)
        unknown = np.zeros(len(uniques), dtype=bool)
        for j, u in enumerate(uniques):
            if normalise_label(u) in missing_codes:
                continue
            v = _resolve_text(u, table, rs)
            if v is None:
                unknown[j] = True
            else:
                resolved[j] = v
        values = resolved[codes].reshape(block.shape, order="F")
        bad = unknown[codes].reshape(block.shape, order="F")
        column_codes = codes.reshape(block.shape, order="F")
        for k, item_id in enumerate(cols):
            if bad[:, k].any():
                # The answers are not shown: a scale cell may hold a comment or a name (errors.per_answer).
                answer = pd.Series(column_codes[:, k][bad[:, k]], index=wide.index[bad[:, k]])
                rows = answer.index.groupby(answer.to_numpy()).values()
                column = item_columns.get(item_id, item_id)
                if _looks_like_free_text(list(uniques[answer.unique()])):
                    # one error for the column: a comment column mapped to a scale item
                    bad_rows = sorted(int(r) for r in answer.index)
                    errors.append(InputError(
                        f"{answer.nunique()} distinct answers that look like free text, not answer labels "
                        f"(item '{item_id}'), in {rows_text(bad_rows)}", file=file, row=bad_rows[0], column=column,
                        hint="check that this column is mapped to the right item under surveys: in the "
                             "codebook (open comments need an item with kind: text)"))
                    continue
                known = ", ".join(f"{o.value:g} = {o.label}" for o in rs.options)
                errors += per_answer(
                    rows, f"an answer the codebook does not map (item '{item_id}')", file=file, column=column,
                    hint=f"open the export at this row; add its spelling to the response set '{name}' "
                         f"(options: {known}) or to missing_codes in the codebook, or correct the cell")
            else:
                out[item_id] = values[:, k]
    if errors:
        position = {c: i for i, c in enumerate(wide.columns)}
        errors.sort(key=lambda e: position.get(next((c for c, h in item_columns.items() if h == e.column),
                                                    e.column), 0))
        raise errors[0] if len(errors) == 1 else InputErrors(errors)
    order = [c for c in wide.columns if c in out]
    return pd.DataFrame({c: out[c] for c in order}, index=wide.index, columns=order, dtype="float64")
