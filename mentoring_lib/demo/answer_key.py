"""The demo term's answer key, applied by hand from the raw files: the statuses the announced rules give,
written without any pipeline code (tests compare the pipeline against it)."""
from __future__ import annotations

import csv
import datetime as dt
import re
import unicodedata
from pathlib import Path

import pandas as pd

from mentoring_lib.demo.demodata import DEMO_TERM, MENTOR_FILE, PARTICIPANT_FILE, WITHDRAWALS_FILE
from mentoring_lib.demo.demodata_registrations import CONSENT_QUESTION


# -- the demo term ------------------------------------------------------------------------------


_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad\u00a0\\s]")


def plain_email(text) -> str:
    return unicodedata.normalize("NFC", _INVISIBLE.sub("", str(text or ""))).casefold()


def hand_applied_statuses(data_dir, *, mentor_places: int = 16, participant_places: int = 80,
                          mentor_deadline: dt.date = DEMO_TERM.mentor_deadline,
                          participant_deadline: dt.date = DEMO_TERM.participant_deadline) -> pd.DataFrame:
    """The announced rules applied by hand, row by row, to the files in ``data_dir``.

    Written as plainly as a person would do it in a spreadsheet (a deliberately naive reference,
    independent of :mod:`mentoring_lib.steps.registration`): read the rows in submission order (ties keep
    the file's order). A test submission (e-mail starting ``test@``/``test+``, name starting
    "test") is excluded. Rows are the same person when their e-mails agree ignoring case, spaces and
    invisible characters; a person's place is held by their first complete submission (name, e-mail
    and consent answered) made by the end of the deadline day, else by their first complete late
    one (then they are late); their other rows are duplicates, and a person with no complete row is
    excluded. The queue is the in-time place holders in order: the first ``places`` are accepted,
    the others wait-listed. Each withdrawal marks its person withdrawn and gives the place to the
    first person still waiting. Returns input, row, role, status, queue_position, waitlist_position.
    """
    from openpyxl import load_workbook

    data_dir = Path(data_dir)
    wb = load_workbook(data_dir / MENTOR_FILE, read_only=True)
    ws = wb["Sheet1"]
    it = ws.iter_rows(values_only=True)
    header = list(next(it))
    m_rows = [(i, r[header.index("Completion time")], r[header.index("Email")], r[header.index("Name")],
               r[header.index(CONSENT_QUESTION)]) for i, r in enumerate(it, start=2)]
    wb.close()
    with open(data_dir / PARTICIPANT_FILE, encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        p_rows = [(i, dt.datetime.strptime(r["Timestamp"], "%d.%m.%Y %H.%M.%S"), r["Email address"],
                   r["Full name"], r[CONSENT_QUESTION]) for i, r in enumerate(reader, start=2)]
    with open(data_dir / WITHDRAWALS_FILE, encoding="utf-8", newline="") as fh:
        withdrawals = sorted(csv.DictReader(fh), key=lambda r: r["Date"])

    results = []
    for input_id, role, rows, places, deadline in (
            ("mentor_registrations", "mentor", m_rows, mentor_places, mentor_deadline),
            ("participant_registrations", "participant", p_rows, participant_places, participant_deadline)):
        end_of_deadline_day = dt.datetime.combine(deadline, dt.time(23, 59, 59))
        ordered = sorted(rows, key=lambda r: (r[1], r[0]))

        def is_test(email, name):
            return (bool(re.match(r"test[@+]", plain_email(email)))
                    or str(name).strip().lower().startswith("test"))

        def is_complete(email, name, consent):
            return all(str(v or "").strip() for v in (email, name, consent))

        place_holder = {}
        for want_late in (False, True):
            for row, submitted, email, name, consent in ordered:
                key = plain_email(email)
                late = submitted > end_of_deadline_day
                if (late == want_late and not is_test(email, name) and is_complete(email, name, consent)
                        and key not in place_holder):
                    place_holder[key] = row
        queue, status = [], {}
        for row, submitted, email, name, consent in ordered:
            key = plain_email(email)
            if is_test(email, name) or key not in place_holder:
                status[row] = "excluded"
            elif place_holder[key] != row:
                status[row] = "duplicate"
            elif submitted > end_of_deadline_day:
                status[row] = "late"
            else:
                queue.append((row, key))
        accepted = [q for q in queue[:places]]
        waiting = [q for q in queue[places:]]
        for w in withdrawals:
            key = plain_email(w["Email"])
            for q in list(accepted):
                if q[1] == key:
                    accepted.remove(q)
                    status[q[0]] = "withdrawn"
                    if waiting:
                        accepted.append(waiting.pop(0))
        position = {q[0]: i for i, q in enumerate(queue, start=1)}
        for q in accepted:
            status[q[0]] = "accepted"
        for i, q in enumerate(waiting, start=1):
            status[q[0]] = "waitlisted"
        wl_position = {q[0]: i for i, q in enumerate(waiting, start=1)}
        for row, *_ in rows:
            results.append({"input": input_id, "row": row, "role": role, "status": status[row],
                            "queue_position": position.get(row), "waitlist_position": wl_position.get(row)})
    out = pd.DataFrame(results)
    for c in ("queue_position", "waitlist_position"):
        out[c] = out[c].astype("Int64")
    return out
