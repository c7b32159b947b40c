"""The demo term's mentor-only exports: the mentors' before/after survey and support-meeting sheet.

Written by :func:`mentoring_lib.demo.demodata.write_demo_term` from its own random stream (the seventh
child of the term's seed), so the participants' exports and everything derived from them stay as
they were:

``mentor_before.xlsx`` / ``mentor_after.xlsx``
    Microsoft Forms exports (``Email``, ``Completion time``) with the SCS-SF and SWEMWBS items,
    mapped by the codebook's ``mentor_before`` / ``mentor_after`` surveys (role: mentor). Most
    accepted mentors answer before the first training; most of them again after the last meeting,
    with a small positive change.
``support_meetings.xlsx``
    The coordinator's sheet of the mentors' support meetings ("Support meeting 1 (2026-10-20)", ...),
    ticks as on the other attendance sheets.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd

BEFORE_FILE = "mentor_before.xlsx"
AFTER_FILE = "mentor_after.xlsx"
SUPPORT_FILE = "support_meetings.xlsx"
SUPPORT_DATES = (dt.date(2026, 10, 20), dt.date(2026, 11, 24), dt.date(2026, 12, 10))
P_BEFORE, P_AFTER, P_SUPPORT = 0.9, 0.8, 0.8
MEAN_CHANGE = 0.3


def support_headers(dates=SUPPORT_DATES) -> list[str]:
    return [f"Support meeting {i} ({d.isoformat()})" for i, d in enumerate(dates, 1)]


def write_mentor_exports(out_dir, people: pd.DataFrame, rng: np.random.Generator, *,
                         first_training: dt.date, last_meeting: dt.date, codebook=None) -> dict[str, int]:
    """Write the three files for the accepted mentors of ``people`` (name, email, role, status);
    return file name -> rows. Deterministic for ``rng``."""
    from mentoring_lib.analysis.codebook import Codebook, load_codebook
    from mentoring_lib.demo.files import tick_cells, write_attendance, write_xlsx
    from mentoring_lib.demo.demodata_surveys import _answers, _times, _to_text, default_codebook_path

    out = Path(out_dir)
    cb = codebook if isinstance(codebook, Codebook) else load_codebook(codebook or default_codebook_path())
    m = people[(people["role"] == "mentor") & (people["status"] == "accepted")].reset_index(drop=True)
    n = len(m)
    names = m["name"].astype(str).to_numpy(dtype=object)
    emails = m["email"].astype(str).str.strip().to_numpy(dtype=object)

    # Support meetings: most mentors at most of them.
    present = rng.random((n, len(SUPPORT_DATES))) < P_SUPPORT
    order = np.argsort(pd.Series(names).str.casefold().to_numpy(), kind="stable")
    write_attendance(out / SUPPORT_FILE, names[order], list(emails[order]), support_headers(),
                      tick_cells(rng, present)[order])

    # Before/after: a latent trait per mentor and instrument, a small change after.
    before = rng.random(n) < P_BEFORE
    after = before & (rng.random(n) < P_AFTER)
    base = rng.normal(0.3, 0.8, size=n)
    change = rng.normal(MEAN_CHANGE, 0.3, size=n)
    rows = {}
    for file, survey, who, shift, first, last in (
            (BEFORE_FILE, "mentor_before", before, 0.0, first_training - dt.timedelta(days=7), first_training),
            (AFTER_FILE, "mentor_after", after, 1.0, last_meeting + dt.timedelta(days=1),
             last_meeting + dt.timedelta(days=14))):
        idx = np.nonzero(who)[0]
        sm = cb.surveys[survey]
        headers, columns = [], []
        for inst_id, inst in cb.instruments.items():
            items = [i for i in inst.items if i.id in sm.columns]
            if not items:
                continue
            rs = cb.response_sets[inst.response_set]
            theta = base[idx] + shift * change[idx] + rng.normal(0.0, 0.3, size=len(idx))
            values = _answers(rng, theta, np.array([i.reverse for i in items]), rs)
            text = _to_text(values, rs, np.full(len(idx), "en", dtype=object))
            headers += [sm.columns[i.id] for i in items]
            columns += [list(text[:, j]) for j in range(len(items))]
        done = _times(rng, len(idx), first, last)
        when = np.argsort(done.to_numpy(), kind="stable")
        started = done - pd.to_timedelta(rng.integers(180, 900, size=len(idx)), unit="s")
        write_xlsx(out / file, ["ID", "Start time", "Completion time", "Email", "Name", *headers],
                    [list(range(1, len(idx) + 1)), started.to_numpy()[when], done.to_numpy()[when],
                     list(emails[idx][when]), list(names[idx][when]), *[[c[k] for k in when] for c in columns]],
                    datetime_columns={1, 2})
        rows[file] = len(idx)
    rows[SUPPORT_FILE] = n
    return rows
