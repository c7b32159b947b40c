"""Voices: open comments coded against the keyword codebook of themes, and who wrote each
approved quote (as a role only).

Privacy domain: analysis (pseudonyms in, aggregates out).
"""
from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from mentoring_lib.privacy.limits import Limits, shown_counts
from mentoring_lib.steps.evaluation_result import wording

#: The roles a quote's source is named by (evaluation.quote_source.<role>).
QUOTE_ROLES = ("participant", "mentor")


# --------------------------------------------------------------------------------------
# Open text
# --------------------------------------------------------------------------------------
def load_themes(path: Path | None = None) -> list[dict]:
    """The keyword codebook of themes (the term's ``themes_file``, else resources/report/themes.yml)."""
    from mentoring_lib.io.lookups import load_themes as read_themes

    return read_themes(path)


def theme_matches(texts: pd.Series, themes: list[dict]) -> pd.DataFrame:
    """Boolean frame: comment x theme (keyword at the start of a word, case-insensitive)."""
    t = texts.fillna("").astype(str).str.casefold()
    out = {}
    for th in themes:
        pattern = r"(?<!\w)(?:" + "|".join(re.escape(k.casefold()) for k in th["keywords"]) + ")"
        out[th["id"]] = t.str.contains(pattern, regex=True)
    return pd.DataFrame(out, index=texts.index)


def theme_table(comments: pd.DataFrame, themes: list[dict], limits: Limits) -> pd.DataFrame:
    """Comments mentioning each theme (suppressed counts), most frequent first."""
    texts = comments["text"] if "text" in comments else pd.Series(dtype="str")
    hits = theme_matches(texts, themes) if len(texts) else pd.DataFrame(columns=[t["id"] for t in themes])
    n = hits.sum().reindex([t["id"] for t in themes], fill_value=0).astype("int64")
    tbl = pd.DataFrame({"theme": [t["id"] for t in themes], "label": [t["label"] for t in themes],
                        "n": n.to_numpy()})
    tbl["comments"] = shown_counts(tbl["n"], limits).to_numpy()
    tbl = tbl.sort_values(["n", "theme"], ascending=[False, True], kind="stable")
    return tbl[["theme", "label", "comments", "n"]]


def quote_sources(quotes: list[str], comments: pd.DataFrame, lang: str = "en") -> list[str]:
    """Who wrote each approved quote, as a role only ("A participant, after the programme")."""
    from mentoring_lib.privacy.scrub import quote_hash

    if not quotes or "role" not in comments or "text" not in comments:
        return [""] * len(quotes)
    roles = dict(zip(comments["text"].fillna("").astype(str).map(quote_hash), comments["role"].astype(str)))
    return [wording(f"quote_source.{role}", lang) if role in QUOTE_ROLES else ""
            for role in (roles.get(quote_hash(q), "") for q in quotes)]

