"""The evaluation's result container: tables (public-safe), figures and text, filled section by
section by the evaluation stage and its helpers.

Privacy domain: analysis (pseudonyms in, aggregates out).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd


# --------------------------------------------------------------------------------------
# Result container
# --------------------------------------------------------------------------------------
@dataclass
class Evaluation:
    """Everything the evaluation produces: tables (public-safe), figures, text."""

    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    figures: list[dict] = field(default_factory=list)
    narrative: list[dict] = field(default_factory=list)
    methods: list[dict] = field(default_factory=list)
    key_figures: list[dict] = field(default_factory=list)

    def say(self, section: str, text: str, kind: str = "paragraph") -> None:
        self.narrative.append({"section": section, "kind": kind, "text": text})

    def method(self, topic: str, text: str) -> None:
        if not any(m["topic"] == topic and m["text"] == text for m in self.methods):
            self.methods.append({"topic": topic, "text": text})

    def key(self, key: str, label: str, value: str, note: str = "") -> None:
        self.key_figures.append({"key": key, "label": label, "value": value, "note": note})

    def figure(self, section: str, fig_id: str, file: str, caption: str, alt: str) -> None:
        self.figures.append({"section": section, "id": fig_id, "file": file, "caption": caption, "alt": alt})

    def all_tables(self) -> dict[str, pd.DataFrame]:
        """The result tables plus the text tables, as written to ``evaluation/<name>``."""
        out = dict(self.tables)
        out["narrative"] = pd.DataFrame(self.narrative, columns=["section", "kind", "text"])
        out["methods"] = pd.DataFrame(self.methods, columns=["topic", "text"])
        out["key_figures"] = pd.DataFrame(self.key_figures, columns=["key", "label", "value", "note"])
        out["figures"] = pd.DataFrame(self.figures, columns=["section", "id", "file", "caption", "alt"])
        return {k: v.reset_index(drop=True) for k, v in out.items()}
