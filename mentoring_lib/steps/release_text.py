"""The release's generated text: the sentences and key figures quoting a count or share the protected
release model hid (:func:`release_tables.apply`) are left out or told again from the protected tables.

The evaluation gives every sentence a stable ``key`` and its ``language`` (columns of the narrative
table, :meth:`Evaluation.say`), so a sentence is found in any language and retold in the one it was
written in; a narrative written before it had keys is English and is matched by its text.
"""
from __future__ import annotations

from typing import Callable

import pandas as pd

from mentoring_lib.privacy import disclosure


def said(nar: pd.DataFrame, key: str, english: Callable[[str], bool]) -> pd.Series:
    """The narrative rows that are the sentence ``key`` (the stable id the evaluation gives each
    sentence, in any language); a narrative written before rows had keys is in English and is
    matched by its text (``english``: text -> is it that sentence)."""
    if "key" in nar:
        return nar["key"].astype(str).eq(key)
    return nar["text"].astype(str).map(english).astype(bool)


def language(nar: pd.DataFrame, rows: pd.Series | None = None) -> str:
    """The language the narrative (its ``rows``, when given and any) was written in; English for a
    narrative written before rows said their language."""
    if "language" not in nar or not len(nar):
        return "en"
    written = nar.loc[rows, "language"] if rows is not None and rows.any() else nar["language"]
    return str(written.iloc[0])


def drop_text(tables: dict[str, pd.DataFrame], sentence: str, starts: str, key: str | None = None) -> None:
    """Leave out the sentence ``sentence`` (in an English narrative without keys: the one starting
    ``starts``) and the key figure ``key`` (they quote a share withdrawn)."""
    nar = tables.get("narrative")
    if nar is not None and len(nar):
        tables["narrative"] = nar[~said(nar, sentence, lambda t: t.startswith(starts))].reset_index(drop=True)
    kf = tables.get("key_figures")
    if key is not None and kf is not None and len(kf):
        tables["key_figures"] = kf[kf["key"] != key].reset_index(drop=True)


def hide_comment_count(tables: dict[str, pd.DataFrame]) -> None:
    """The sentence saying how many open comments were coded, with the count shown as x (the count
    is the sentence's first word in every language: messages/*/evaluation.yml)."""
    nar = tables.get("narrative")
    if nar is not None and len(nar):
        hit = said(nar, "voices.comments", lambda t: " open comments were coded" in t)
        tables["narrative"] = nar.assign(text=nar["text"].mask(
            hit, nar["text"].astype(str).str.replace(r"^\S+ ", f"{disclosure.HIDDEN} ", n=1, regex=True)))


def retell_funnel(tables: dict[str, pd.DataFrame], before: pd.DataFrame, role: str, k: int) -> None:
    """The sentence walking a role's funnel, told again from the protected funnel table (with the
    note saying why a step is x, once), in the language it was written in."""
    from mentoring_lib.steps.evaluation_reach import funnel_bullet, funnel_x_note

    nar = tables.get("narrative")
    if nar is not None and len(nar):
        old = funnel_bullet(before, role)
        hit = said(nar, f"reach.funnel/{role}", lambda t: t == old)
        lang = language(nar, hit)
        nar = nar.assign(text=nar["text"].mask(hit, funnel_bullet(tables["funnel"], role, lang)))
        note = funnel_x_note(k, lang)
        if (tables["funnel"]["count"] == disclosure.HIDDEN).any() and \
                not said(nar, "reach.funnel_x_note", lambda t: t == note).any():
            bullets = nar.index[(nar["section"] == "reach") & (nar["kind"] == "bullet")]
            at = (bullets.max() + 1) if len(bullets) else len(nar)
            row = {"section": "reach", "kind": "paragraph", "text": note, "key": "reach.funnel_x_note",
                   "language": lang}
            row_frame = pd.DataFrame({c: [row[c]] for c in nar.columns if c in row})
            nar = pd.concat([nar.iloc[:at], row_frame, nar.iloc[at:]], ignore_index=True)
        tables["narrative"] = nar


def retell_likert(tables: dict[str, pd.DataFrame], before: pd.DataFrame, where: str, item: str) -> None:
    """The sentences and the key figure quoting a Likert item's shares, told again from what the
    protected table shows (the evaluation wrote them from the unprotected one), in the language
    they were written in."""
    from mentoring_lib.steps.evaluation_reaction import likert_bullet

    old = likert_bullet(before[before["item"] == item].iloc[0])
    row = tables[where][tables[where]["item"] == item].iloc[0]
    nar = tables.get("narrative")
    if nar is not None and len(nar):
        hit = said(nar, f"{where}.likert/{item}", lambda t: t == old)
        new = likert_bullet(row, language(nar, hit)) if (row["high_phrase"] or row["low_phrase"]) else None
        tables["narrative"] = (nar[~hit] if new is None else nar.assign(text=nar["text"].mask(hit, new))
                               ).reset_index(drop=True)
    kf = tables.get("key_figures")
    if kf is not None and len(kf) and where == "reaction" and "recommend" in item and not row["high_phrase"]:
        tables["key_figures"] = kf[kf["key"] != "recommend"].reset_index(drop=True)
