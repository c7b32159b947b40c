"""The evaluation's result container: tables (public-safe), figures and text, filled section by
section by the evaluation stage and its helpers.

Privacy domain: analysis (pseudonyms in, aggregates out).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from mentoring_lib.outputs import messages


def wording(key: str, lang: str = "en", count: Any = None, /, **values: Any) -> str:
    """The evaluation's text ``evaluation.<key>`` (resources/messages/<lang>/evaluation.yml) in
    ``lang``, placeholders filled; with ``count`` 1 the ``<key>.one`` form (the text for one)."""
    full = f"evaluation.{key}"
    if count is not None and str(count) == "1" and f"{full}.one" in messages.catalogue(messages.FALLBACK):
        full += ".one"
    return messages.text(full, lang, **values)


def _topic_keys() -> dict[str, str]:
    """English Methods topic -> its catalogue key (evaluation.topic.*)."""
    return {t: k for k, t in messages.catalogue(messages.FALLBACK).items() if k.startswith("evaluation.topic.")}


# --------------------------------------------------------------------------------------
# Result container
# --------------------------------------------------------------------------------------
@dataclass
class Evaluation:
    """Everything the evaluation produces: tables (public-safe), figures, text.

    ``lang``: the language the text is written in (:func:`messages.language_code` of
    ``term.language``). Each narrative row carries a stable ``key`` (which sentence it is, in any
    language: the release stage finds the sentences to leave out or tell again by it) and its
    ``language``."""

    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    figures: list[dict] = field(default_factory=list)
    narrative: list[dict] = field(default_factory=list)
    methods: list[dict] = field(default_factory=list)
    key_figures: list[dict] = field(default_factory=list)
    lang: str = "en"

    def t(self, key: str, count: Any = None, /, **values: Any) -> str:
        """The text ``evaluation.<key>`` in this evaluation's language (see :func:`wording`)."""
        return wording(key, self.lang, count, **values)

    def say(self, section: str, text: str, kind: str = "paragraph", key: str = "") -> None:
        self.narrative.append({"section": section, "kind": kind, "text": text, "key": key, "language": self.lang})

    def method(self, topic: str, text: str) -> None:
        """A Methods paragraph under ``topic`` (an English topic of the catalogue, evaluation.topic.*,
        is given in the evaluation's language)."""
        if topic in (keys := _topic_keys()):
            topic = messages.text(keys[topic], self.lang)
        if not any(m["topic"] == topic and m["text"] == text for m in self.methods):
            self.methods.append({"topic": topic, "text": text})

    def key(self, key: str, label: str, value: str, note: str = "") -> None:
        self.key_figures.append({"key": key, "label": label, "value": value, "note": note})

    def figure(self, section: str, fig_id: str, file: str, caption: str, alt: str) -> None:
        self.figures.append({"section": section, "id": fig_id, "file": file, "caption": caption, "alt": alt})

    def all_tables(self) -> dict[str, pd.DataFrame]:
        """The result tables plus the text tables, as written to ``evaluation/<name>``."""
        out = dict(self.tables)
        nar = pd.DataFrame(self.narrative, columns=["section", "kind", "text", "key", "language"])
        out["narrative"] = nar.assign(key=nar["key"].fillna(""), language=nar["language"].fillna(self.lang))
        out["methods"] = pd.DataFrame(self.methods, columns=["topic", "text"])
        out["key_figures"] = pd.DataFrame(self.key_figures, columns=["key", "label", "value", "note"])
        out["figures"] = pd.DataFrame(self.figures, columns=["section", "id", "file", "caption", "alt"])
        return {k: v.reset_index(drop=True) for k, v in out.items()}
