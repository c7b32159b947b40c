"""The feedback stage: survey exports -> answers, instrument scores, pre/post linkage, comments.

Identity domain (it reads raw exports with e-mails); everything it writes is pseudonymous:

``feedback/responses``
    long: person_id, role, wave, survey, item, value (NaN = skipped or a missing-answer code);
``feedback/scores``
    person_id, role, wave, survey, instrument, scale, subscale (= scale), score, raw_score,
    n_items, items_total (see :mod:`mentoring_lib.analysis.scoring`; NaN score = too few items answered);
``feedback/linkage``
    one row per person in a pre/post population: person_id, role, registered_role, status, pre,
    post, linked, reason ("linked", "no after-survey response", "not registered", ...);
``feedback/comments``
    person_id, role, wave, survey, item, text (scrubbed of names and e-mail addresses with
    :func:`mentoring_lib.privacy.scrub.scrub_text`), quote_hash.

Per survey input: read the export as the tool wrote it (:func:`readers.read_export`), pick the
codebook's columns (:func:`readers.select_columns`), parse the response times, pseudonymise the
e-mails, map answers through the codebook (an unknown label is an error listing the values), drop
responses without an e-mail, unfinished ones and empty ones, and keep the last response per
person (earlier ones are counted as duplicates in the data-quality record). When one wave comes in
several exports (e.g. Finnish and English versions of the after-survey), a person's latest response
across them counts.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from mentoring_lib.analysis.codebook import Codebook, SurveyMap, load_codebook, map_answers
from mentoring_lib.errors import ConfigError, InputError, InputErrors
from mentoring_lib.io.readers import NOT_SUBMITTED
from mentoring_lib.analysis.scoring import SCORE_COLUMNS, score_wide

SURVEY_KINDS = ("feedback_before", "feedback_after", "feedback_session", "mentor_feedback")
LINKED_WAVES = ("pre", "post")

#: Reasons a response is not used (data-quality record).
NO_EMAIL = "no e-mail address (anonymous response)"
UNFINISHED = NOT_SUBMITTED  # "incomplete (not submitted)", as in the registrations
EMPTY = "no answers"
DUPLICATE = "earlier response of the same person (the last one is kept)"
DUPLICATE_ACROSS = "answered the same wave again in another export (the last response is kept)"

#: Reasons a person is not linked (linkage table).
LINKED = "linked"
NO_POST = "no after-survey response"
NO_PRE = "no before-survey response"
NEITHER = "answered neither survey"
NOT_REGISTERED = "not registered (e-mail not in the registrations)"

_TRUE = {"true", "1", "yes", "y", "finished", "complete", "completed", "kyllä", "ja"}

RESPONSE_COLUMNS = ["person_id", "role", "wave", "survey", "item", "value"]
COMMENT_COLUMNS = ["person_id", "role", "wave", "survey", "item", "text", "quote_hash"]
LINKAGE_COLUMNS = ["person_id", "role", "registered_role", "status", "pre", "post", "linked", "reason"]


@dataclass
class SurveyRead:
    """One survey input after reading, mapping and de-duplication (pseudonymous)."""

    input_id: str
    survey: SurveyMap
    comments: pd.DataFrame      # person_id, survey, wave, item, text (not yet scrubbed)
    respondents: pd.DataFrame   # person_id, survey, wave, submitted_at
    rows_read: int
    excluded: dict[str, int]
    #: The kept answers as numbers, one row per respondent (index: person_id), one column per item.
    values: pd.DataFrame
    notes: list[str] = field(default_factory=list)

    def long_answers(self, roles: np.ndarray | None = None) -> pd.DataFrame:
        """The answers as a long table: person_id, (role,) survey, wave, item, value — item by item,
        respondents in the export's order (built by tiling, no per-row work)."""
        v = self.values
        n, k = v.shape
        out = {"person_id": np.tile(v.index.to_numpy(dtype=object), k)}
        if roles is not None:
            out["role"] = np.tile(np.asarray(roles, dtype=object), k)
        out.update({"wave": np.full(n * k, self.survey.wave, dtype=object),
                    "survey": np.full(n * k, self.input_id, dtype=object),
                    "item": np.repeat(np.asarray(v.columns, dtype=object), n),
                    "value": v.to_numpy(dtype="float64").ravel(order="F")})
        return pd.DataFrame(out)


@dataclass
class FeedbackResult:
    responses: pd.DataFrame
    scores: pd.DataFrame
    linkage: pd.DataFrame
    comments: pd.DataFrame
    reads: list[SurveyRead]


# -- reading ---------------------------------------------------------------------------------------

def load_survey_codebook(config) -> Codebook:
    """The term's survey codebook (``codebook:`` in the term config)."""
    if not config.codebook:
        raise ConfigError("the term has survey inputs but no survey codebook", file=config.source,
                          key="codebook",
                          hint="add 'codebook: codebooks/<name>.yml' (see config/codebooks/README.md)")
    return load_codebook(config.resolve(config.codebook))


def survey_inputs(config) -> list:
    """The term's survey inputs, in config order."""
    return [i for i in config.inputs if i.kind in SURVEY_KINDS]


def read_survey(config, item, codebook: Codebook, key: bytes) -> SurveyRead:
    """Read one survey export and turn it into pseudonymous long answers (see module doc)."""
    from mentoring_lib.privacy.pseudonym import normalise_email, pseudonymise, valid_email
    from mentoring_lib.io.readers import not_submitted, parse_datetimes, read_export, select_columns

    path = config.input_path(item)
    sm = codebook.survey_for(item.id, item.kind)
    email_h = item.columns.get("email", sm.email_column)
    time_h = item.columns.get("submitted_at", sm.timestamp_column)
    finished_h = item.columns.get("finished", sm.finished_column)
    export = read_export(path, tool=item.tool, sheet=item.sheet)
    mapping = {"_email": email_h, "_submitted_at": time_h, **sm.columns}
    if finished_h:
        mapping["_finished"] = finished_h
    required = ["_email", "_submitted_at", *sm.columns]
    df = select_columns(export, mapping, required)
    headers = df.attrs.get("source_columns", {})
    n = len(df)

    submitted = parse_datetimes(df["_submitted_at"], file=path, column=headers.get("_submitted_at", time_h),
                                tz=config.term.tz, date_order=item.date_order, tool=export.tool)
    # "anonymous" (Microsoft Forms), a bare id or a cut-off domain is no address: an anonymous response
    person = pseudonymise(df["_email"], key).astype(object).where(valid_email(normalise_email(df["_email"])))
    likert = [c for c in sm.columns if codebook.item(c).kind == "likert"]
    texts = [c for c in sm.columns if codebook.item(c).kind == "text"]
    values = map_answers(df[likert], {c: headers.get(c, sm.columns[c]) for c in likert}, codebook, file=path)
    text = df[texts].astype("string").fillna("").apply(lambda s: s.str.strip()) if texts else \
        pd.DataFrame(index=df.index)

    no_email = person.isna()
    if "_finished" in df:
        finished = df["_finished"].astype("string").fillna("").str.strip().str.casefold().isin(_TRUE)
    else:
        finished = pd.Series(True, index=df.index)
    unsent, _ = not_submitted(export)  # LimeSurvey's empty submitdate, Qualtrics' Finished = 0
    if unsent is not None:
        finished &= ~unsent.reindex(df.index, fill_value=False)
    answered = values.notna().any(axis=1) | (text.ne("").any(axis=1) if texts else False)
    unfinished = ~no_email & ~finished
    empty = ~no_email & ~unfinished & ~answered
    candidate = ~(no_email | unfinished | empty)
    # The last response per person counts (by response time, then by row for equal times).
    order = pd.DataFrame({"person": person.to_numpy(), "t": submitted.to_numpy(),
                          "excel_row": df.index.to_numpy()},
                         index=pd.RangeIndex(len(df)))[candidate.to_numpy()]
    # A response without a readable time counts as the earliest.
    order = order.sort_values(["person", "t", "excel_row"], kind="stable", na_position="first")
    last = ~order.duplicated("person", keep="last")
    keep_pos = np.zeros(len(df), dtype=bool)
    keep_pos[order.index[last.to_numpy()]] = True
    keep = pd.Series(keep_pos, index=df.index)
    duplicate = candidate & ~keep
    excluded = {NO_EMAIL: int(no_email.sum()), UNFINISHED: int(unfinished.sum()), EMPTY: int(empty.sum()),
                DUPLICATE: int(duplicate.sum())}
    excluded = {k: v for k, v in excluded.items() if v}

    kept_index = df.index[keep.to_numpy()]
    pid = person[kept_index]
    if texts:
        c = text.loc[kept_index].copy()
        c.insert(0, "person_id", pid.to_numpy())
        comments = c.melt(id_vars="person_id", var_name="item", value_name="text")
        comments = comments[comments["text"].astype(str).str.len() > 0]
        comments.insert(1, "survey", item.id)
        comments.insert(2, "wave", sm.wave)
    else:
        comments = pd.DataFrame(columns=["person_id", "survey", "wave", "item", "text"])
    respondents = pd.DataFrame({"person_id": pid.to_numpy(), "survey": item.id, "wave": sm.wave,
                                "submitted_at": submitted[kept_index].to_numpy()})
    missing_cells = int(values.loc[kept_index].isna().to_numpy().sum())
    total_cells = int(values.loc[kept_index].size)
    how = list(df.attrs.get("notes", []))
    by_import_id = [n for n in how if "matched by Qualtrics ImportId" in n]
    notes = list(export.notes) + [n for n in how if n not in by_import_id]
    if by_import_id:
        notes.append(f"{len(by_import_id)} columns found by their Qualtrics ImportId")
    notes.append(f"{export.tool_label} export, {len(sm.columns)} mapped questions "
                 f"({len(likert)} answered on a scale, {len(texts)} open)")
    if total_cells:
        notes.append(f"{missing_cells} of {total_cells} scale answers ({missing_cells / total_cells:.1%}) "
                     "were blank or a missing-answer code")
    wide = values.loc[kept_index].set_axis(pd.Index(pid.to_numpy(), name="person_id"), axis=0)
    return SurveyRead(item.id, sm, comments.reset_index(drop=True),
                      respondents, rows_read=n, excluded=excluded, notes=notes, values=wide)


def dedupe_across_exports(reads: list[SurveyRead]) -> list[SurveyRead]:
    """Keep one response per person, wave and role across exports of the same wave (e.g. a survey
    run as separate Finnish and English versions): the latest counts, the others are excluded
    from their export with the reason DUPLICATE_ACROSS. Changes ``reads`` in place and returns it."""
    if len(reads) < 2:
        return reads
    frames = [r.respondents.assign(_role=r.survey.role) for r in reads]
    resp = pd.concat(frames, ignore_index=True)
    resp = resp.sort_values(["_role", "wave", "person_id", "submitted_at", "survey"], kind="stable")
    dropped = resp[resp.duplicated(["_role", "wave", "person_id"], keep="last")]
    if dropped.empty:
        return reads
    for r in reads:
        ids = dropped.loc[dropped["survey"] == r.input_id, "person_id"]
        if ids.empty:
            continue
        gone = set(ids)
        r.values = r.values[~r.values.index.isin(gone)]
        r.respondents = r.respondents[~r.respondents["person_id"].isin(gone)].reset_index(drop=True)
        r.comments = r.comments[~r.comments["person_id"].isin(gone)].reset_index(drop=True)
        r.excluded[DUPLICATE_ACROSS] = r.excluded.get(DUPLICATE_ACROSS, 0) + len(gone)
    return reads


def read_surveys(config, codebook: Codebook, key: bytes) -> list[SurveyRead]:
    """Read every survey input; all input problems are reported together (InputErrors)."""
    reads, errors = [], []
    for item in survey_inputs(config):
        if not item.required and not config.input_path(item).exists():
            continue
        try:
            reads.append(read_survey(config, item, codebook, key))
        except InputErrors as e:
            errors.extend(e.errors)
        except InputError as e:
            errors.append(e)
    if errors:
        raise errors[0] if len(errors) == 1 else InputErrors(errors)
    return reads


# -- linkage ---------------------------------------------------------------------------------------

def link_waves(respondents: pd.DataFrame, people: pd.DataFrame,
               surveys: dict[str, SurveyMap]) -> pd.DataFrame:
    """Who answered before and after, and why the others do not link.

    ``respondents``: person_id, survey, wave (kept responses); ``people``: the registrations'
    people table (person_id, role, status); ``surveys``: survey id -> its mapping (for the
    role each survey is meant for). The population of a role is its accepted people plus everyone
    who answered that role's before or after survey.
    """
    # A person may hold registrations in both roles (e.g. a wait-listed mentor who is an accepted
    # participant): the registration in the survey's role counts, else the other one.
    ranked = people.assign(_a=people["status"].ne("accepted")).sort_values(["_a"], kind="stable")
    out = []
    roles = sorted({sm.role for sid, sm in surveys.items() if sm.wave in LINKED_WAVES})
    for role in roles:
        ids = [sid for sid, sm in surveys.items() if sm.role == role and sm.wave in LINKED_WAVES]
        r = respondents[respondents["survey"].isin(ids)]
        pre = set(r.loc[r["wave"] == "pre", "person_id"])
        post = set(r.loc[r["wave"] == "post", "person_id"])
        mine = ranked[ranked["role"] == role].drop_duplicates("person_id")
        other = ranked[(ranked["role"] != role) & ~ranked["person_id"].isin(mine["person_id"])]
        reg = pd.concat([mine, other.drop_duplicates("person_id")]).set_index("person_id")[["role", "status"]]
        accepted = set(mine.loc[mine["status"] == "accepted", "person_id"])
        population = sorted(accepted | pre | post)
        t = pd.DataFrame({"person_id": population})
        t["role"] = role
        t["registered_role"] = t["person_id"].map(reg["role"]).astype(object)
        t["status"] = t["person_id"].map(reg["status"]).astype(object)
        t["pre"] = t["person_id"].isin(pre)
        t["post"] = t["person_id"].isin(post)
        registered = t["registered_role"].notna()
        other_role = registered & (t["registered_role"] != role)
        not_accepted = registered & ~other_role & (t["status"] != "accepted")
        reason = np.select(
            [~registered, other_role, not_accepted, t["pre"] & t["post"], t["pre"], t["post"]],
            [NOT_REGISTERED,
             "not a " + role + " (registered as " + t["registered_role"].fillna("").astype(str) + ")",
             "not accepted (" + t["status"].fillna("").astype(str) + ")", LINKED, NO_POST, NO_PRE],
            default=NEITHER)
        t["reason"] = reason
        t["linked"] = t["reason"] == LINKED
        t["status"] = t["status"].fillna("not registered")
        t["registered_role"] = t["registered_role"].fillna("")
        out.append(t[LINKAGE_COLUMNS])
    if not out:
        return pd.DataFrame(columns=LINKAGE_COLUMNS)
    out = pd.concat(out, ignore_index=True)
    return out.sort_values(["role", "person_id"], kind="stable").reset_index(drop=True)


def linkage_summary(linkage: pd.DataFrame) -> pd.DataFrame:
    """People per role and linkage reason (for the notebook and the report's limitations)."""
    if linkage.empty:
        return pd.DataFrame(columns=["role", "reason", "people"])
    order = {LINKED: 0, NO_PRE: 1, NO_POST: 2, NEITHER: 3}
    t = linkage.groupby(["role", "reason"]).size().rename("people").reset_index()
    t["_o"] = t["reason"].map(order).fillna(9)
    return t.sort_values(["role", "_o", "reason"], kind="stable").drop(columns="_o").reset_index(drop=True)


# -- the stage ---------------------------------------------------------------------------------------

def _identity_names(ctx) -> pd.Series:
    """Full names, and first names where the form asked for them apart (both are scrubbed)."""
    people = ctx.read("identity/people", optional=True)
    if people is None:
        return pd.Series([], dtype=object, name="name")
    names = pd.concat([people[c] for c in ("name", "first_name") if c in people.columns], ignore_index=True)
    return names.dropna().astype(str).rename("name")


def scrub_comments(comments: pd.DataFrame, names: pd.Series) -> pd.DataFrame:
    """Comments with names and e-mail addresses removed, plus the scrubbed text's quote hash."""
    from mentoring_lib.privacy.scrub import quote_hash, scrub_text

    if comments.empty:
        return pd.DataFrame(columns=COMMENT_COLUMNS)
    out = comments.copy()
    out["text"] = scrub_text(out["text"].astype(str), names).astype(object).to_numpy()
    out["quote_hash"] = out["text"].map(quote_hash).astype(object)
    return out.reindex(columns=COMMENT_COLUMNS).reset_index(drop=True)


def collect(ctx, codebook: Codebook | None = None) -> FeedbackResult:
    """Read, map, score and link every survey input of the term (nothing written yet)."""
    cfg = ctx.config
    codebook = codebook or load_survey_codebook(cfg)
    people = ctx.read("registrations/people")
    reads = dedupe_across_exports(read_surveys(cfg, codebook, ctx.key))
    # A person's role: the survey's role if they registered in it, else their registered role
    # (an accepted registration first), else the survey's role (not registered).
    ranked = people.assign(_a=people["status"].ne("accepted")).sort_values(["_a"], kind="stable")
    role_of = ranked.drop_duplicates("person_id").set_index("person_id")["role"]
    registered_as = pd.MultiIndex.from_arrays([people["person_id"].astype(object),
                                               people["role"].astype(object)])

    def roles_of(person_id: pd.Series, survey: pd.Series, survey_role: dict) -> np.ndarray:
        ids = person_id.to_numpy(dtype=object)
        codes, uniques = pd.factorize(person_id)
        known = pd.Series(uniques, dtype=object).map(role_of).to_numpy(dtype=object)
        role = known[codes] if len(uniques) else np.array([], dtype=object)
        meant = survey.map(survey_role).to_numpy(dtype=object)
        in_meant = pd.MultiIndex.from_arrays([ids, meant]).isin(registered_as)
        return np.where(in_meant | pd.isna(role), meant, role)

    def with_role(df: pd.DataFrame, survey_role: dict) -> pd.DataFrame:
        df = df.copy()
        df.insert(1, "role", roles_of(df["person_id"], df["survey"], survey_role))
        return df

    survey_role = {r.input_id: r.survey.role for r in reads}
    roles = {r.input_id: roles_of(pd.Series(r.values.index.to_numpy(dtype=object)),
                                  pd.Series(r.input_id, index=range(len(r.values))), survey_role)
             for r in reads}
    # Order: survey (config order), item, then the export's row order — deterministic, no sort needed.
    parts = [r.long_answers(roles[r.input_id]) for r in reads]
    responses = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=RESPONSE_COLUMNS)
    responses = responses.reindex(columns=RESPONSE_COLUMNS)
    responses["value"] = responses["value"].astype("float64")

    # Score from each survey's wide answers (no long -> wide pivot of the whole table).
    parts = []
    for r in reads:
        wide = r.values
        index = pd.MultiIndex.from_arrays(
            [wide.index.to_numpy(dtype=object), roles[r.input_id],
             np.full(len(wide), r.survey.wave, dtype=object), np.full(len(wide), r.input_id, dtype=object)],
            names=["person_id", "role", "wave", "survey"])
        parts.append(score_wide(wide.set_axis(index, axis=0), codebook))
    parts = [p for p in parts if len(p)]
    scores = pd.concat(parts, ignore_index=True) if parts else \
        pd.DataFrame(columns=["person_id", "role", "wave", "survey", *SCORE_COLUMNS])
    respondents = pd.concat([r.respondents for r in reads], ignore_index=True) if reads else \
        pd.DataFrame(columns=["person_id", "survey", "wave", "submitted_at"])
    linkage = link_waves(respondents, people, {r.input_id: r.survey for r in reads})
    raw_comments = pd.concat([r.comments for r in reads], ignore_index=True) if reads else \
        pd.DataFrame(columns=["person_id", "survey", "wave", "item", "text"])
    comments = scrub_comments(with_role(raw_comments, survey_role), _identity_names(ctx))
    return FeedbackResult(responses, scores, linkage, comments, reads)


def record_quality(ctx, result: FeedbackResult) -> None:
    """One data-quality record per survey input (rows read, kept, excluded by reason, notes)."""
    reg = set(ctx.read("registrations/people")["person_id"])
    for r in result.reads:
        kept = len(r.respondents)
        unknown = int((~r.respondents["person_id"].isin(reg)).sum())
        notes = list(r.notes)
        if unknown:
            notes.append(f"{unknown} respondent{'s' if unknown != 1 else ''} not found in the registrations "
                         "(kept; shown in the linkage table)")
        ctx.record_quality(r.input_id, rows_read=r.rows_read, kept=kept, excluded=r.excluded, notes=notes)


def quality_table(result: FeedbackResult) -> pd.DataFrame:
    """Rows read, kept and excluded per survey input and reason (no personal data)."""
    rows = []
    for r in result.reads:
        rows.append({"survey": r.input_id, "wave": r.survey.wave, "rows_read": r.rows_read,
                     "kept": len(r.respondents),
                     **{reason: r.excluded.get(reason, 0)
                        for reason in (NO_EMAIL, UNFINISHED, EMPTY, DUPLICATE, DUPLICATE_ACROSS)}})
    return pd.DataFrame(rows)


def score_summary(scores: pd.DataFrame) -> pd.DataFrame:
    """Per instrument, scale and wave: respondents with a score, mean and SD (a private overview)."""
    if scores.empty:
        return pd.DataFrame(columns=["instrument", "scale", "wave", "n", "mean", "sd", "missing"])
    g = scores.groupby(["instrument", "scale", "wave"], sort=True)["score"]
    return pd.DataFrame({"n": g.count(), "mean": g.mean().round(2), "sd": g.std().round(2),
                         "missing": g.size() - g.count()}).reset_index()


def write_outputs(ctx, result: FeedbackResult) -> None:
    """Write the stage's four tables and the data-quality records."""
    ctx.write("feedback/responses", result.responses)
    ctx.write("feedback/scores", result.scores)
    ctx.write("feedback/linkage", result.linkage)
    ctx.write("feedback/comments", result.comments)
    record_quality(ctx, result)


