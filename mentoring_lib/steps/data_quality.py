"""The published data-quality table: rows read, kept and excluded by reason, per input.

Read from the stages' quality records (private/quality/*.json) and protected as a partition; used
by the report step and modelled in the release audit (:mod:`mentoring_lib.steps.release_tables`).
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd


def quality_table(quality: dict[str, dict] | None, min_count: int,
                  hide: "frozenset[tuple[str, str]]" = frozenset()) -> "pd.DataFrame":
    """Rows read, kept and excluded by reason per input (from private/quality/*.json).

    Excluded rows are people (late, duplicate, test submissions...), protected as a partition of
    the rows excluded: small counts "<5" and a complementary "x" where a small count would follow
    from the others. Rows read and rows kept are usually published elsewhere (16 accepted mentors
    read by the certificates step, 10 mentors answering the feedback), and either one together
    with the number excluded gives the other. So when the number excluded cannot be published
    (it is small, or hidden to protect a small reason), rows read AND rows kept are hidden ("x",
    or "<5" when small): whichever of them a reader knows from elsewhere, the excluded count
    stays unknown. A small number kept is shown "<5" and then hides rows read too.

    ``hide``: (source, field) cells the release audit hides too ("x"); field is ``rows_read``,
    ``kept`` or a reason (see :mod:`mentoring_lib.steps.release_tables`)."""
    import pandas as pd

    rows = [{"source": r["source"], "rows_read": r["rows_read"], "kept": r["kept"],
             "excluded": ", ".join(f"{kk.replace('_', ' ')} {v}" for kk, v in r["reasons"].items()) or "none"}
            for r in quality_rows(quality, min_count, hide)]
    return pd.DataFrame(rows, columns=["source", "rows_read", "kept", "excluded"])


def quality_rows(quality: dict[str, dict] | None, min_count: int,
                 hide: "frozenset[tuple[str, str]]" = frozenset()) -> list[dict]:
    """Per input: its true counts (``true``) and what the data-quality table shows of rows read,
    kept and each reason excluded (see :func:`quality_table`)."""
    import pandas as pd

    from mentoring_lib.privacy import disclosure

    k = int(min_count)
    small = disclosure.small_label(k)

    def hidden(n: int):
        return small if 0 < n < k else disclosure.HIDDEN

    out = []
    for source, rec in sorted((quality or {}).items()):
        excluded = {kk: int(v) for kk, v in sorted((rec.get("excluded") or {}).items()) if int(v)}
        kept = int(rec.get("kept") or 0)
        rows_read = int(rec.get("rows_read") or 0)
        unaccounted = rows_read - kept - sum(excluded.values())
        if unaccounted > 0:
            excluded["other (not itemised)"] = unaccounted
        if excluded:
            shown = disclosure.suppress_counts(pd.DataFrame([list(excluded.values())], columns=list(excluded)),
                                               k, margins=True).iloc[0]
            total_shown = not disclosure.is_small(shown["Total"] if "Total" in shown.index else shown.iloc[0])
        else:
            shown, total_shown = pd.Series(dtype=object), True
        reasons = {kk: (disclosure.HIDDEN if (source, kk) in hide and not disclosure.is_small(shown[kk])
                        else shown[kk]) for kk in excluded}
        if not total_shown:
            read_shown, kept_shown = hidden(rows_read), hidden(kept)
        elif 0 < kept < k:
            read_shown, kept_shown = hidden(rows_read), small
        else:
            read_shown, kept_shown = rows_read, kept
        if (source, "rows_read") in hide and not disclosure.is_small(read_shown):
            read_shown = disclosure.HIDDEN
        if (source, "kept") in hide and not disclosure.is_small(kept_shown):
            kept_shown = disclosure.HIDDEN
        out.append({"source": source, "rows_read": read_shown, "kept": kept_shown, "reasons": reasons,
                    "true": {"rows_read": rows_read, "kept": kept, "reasons": excluded}})
    return out


def load_quality(quality_dir: Path) -> dict[str, dict]:
    """The data-quality records the report stage declares it reads (stage catalogue), keyed by
    input/source id.

    Only declared records are read: a stage that runs beside the report (certificates) may or may
    not have written its record when the report starts, and public outputs must not depend on
    scheduling."""
    from mentoring_lib.pipeline import stages

    out: dict[str, dict] = {}
    quality_dir = Path(quality_dir)
    for name in stages.get("report").reads:
        if not name.startswith("quality/"):
            continue
        f = quality_dir / f"{name.split('/', 1)[1]}.json"
        if f.is_file():
            for source, rec in json.loads(f.read_text(encoding="utf-8")).items():
                out[source] = rec
    return out
