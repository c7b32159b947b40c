"""The pilot's evaluation: reach, implementation, reaction, effectiveness, mentors' experience.

Organised the way programme evaluations are read (RE-AIM and Kirkpatrick's levels). Reads the
pseudonymised tables of the upstream stages and writes tidy, PUBLIC-SAFE result tables
(``evaluation/<name>``) and charts (``public/figures/``) for the report stage:

* every count of people goes through :mod:`disclosure` (under ``min_count`` shown as "<5");
* percentages, means, distributions and tests are given only with a base of at least ``min_base``;
* wording is generated from the numbers, never causal (there is no control group), and the
  limitations (n, response rates, missing answers) are stated from the data.

Privacy domain: analysis (pseudonyms in, aggregates out).
"""
from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from mentoring_lib.analysis import stats
from mentoring_lib.analysis.paired import POST, PRE
from mentoring_lib.outputs.formatting import fmt_ci, fmt_num, fmt_p, fmt_pct, fmt_signed, written_date
from mentoring_lib.privacy.limits import Limits, enough, share, shown_count, shown_counts
from mentoring_lib.steps.evaluation_figures import (_attendance_chart, _change_chart, _funnel_chart, _likert_chart,
                                                    _slope_chart)
from mentoring_lib.steps.evaluation_implementation import (linkage_table, meeting_tables,
                                                           no_groups_text, training_table)
from mentoring_lib.steps.evaluation_reach import (ROLES, funnel_bullet, funnel_counts, funnel_method, funnel_table,
                                                  funnel_x_note, protected_reach, reach_counts, reach_table,
                                                  registrants)
from mentoring_lib.steps.evaluation_reaction import (_statement, likert_bullet, likert_method_text, likert_summary,
                                                     reliability_table)
from mentoring_lib.steps.evaluation_result import Evaluation, wording
from mentoring_lib.steps.evaluation_voices import load_themes, quote_sources, theme_matches, theme_table

#: Report sections, in reading order (the ids used by the narrative/figures tables).
SECTIONS = ("programme", "reach", "implementation", "reaction", "effectiveness", "mentors", "voices",
            "limitations", "methods", "data_quality", "provenance")


# --------------------------------------------------------------------------------------
# Wording
# --------------------------------------------------------------------------------------
def _num(x: float) -> str:
    """A median of counts: "4" or "4.5"."""
    return fmt_num(x, 0) if float(x).is_integer() else fmt_num(x, 1)


def missing_notice(ev: Evaluation, kind: str, consequence: str) -> str:
    """The sentence for a missing input (:func:`availability.notice`, in the evaluation's language):
    ``consequence`` is a key of evaluation.consequence.*."""
    return ev.t("missing", what=ev.t(f"missing.{kind}"), consequence=ev.t(f"consequence.{consequence}"))


# --------------------------------------------------------------------------------------
# The whole evaluation
# --------------------------------------------------------------------------------------
def _empty(columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="object") for c in columns})


def _meetings_not_available(ev: Evaluation, members: pd.DataFrame) -> None:
    """The implementation section without a group-meeting sheet: groups formed, no meeting figures."""
    n_groups = int(members["group"].nunique()) if len(members) else 0
    ev.say("implementation", missing_notice(ev, "group_attendance", "meetings"), key="missing.group_attendance")
    ev.key("groups", ev.t("key.groups_formed", n_groups), str(n_groups), ev.t("key.groups_formed.note"))


def _meeting_results(ev: Evaluation, meetings: pd.DataFrame, members: pd.DataFrame, config, limits: Limits,
                     inputs: dict, figures_dir: Path | None, acc_mentors: pd.Index) -> None:
    """The implementation section's group meetings: tables, text, key figures and the chart."""
    mt, gt, summ = meeting_tables(meetings, members, config, limits, held=inputs.get("meetings_held"))
    ev.tables["meetings"] = mt
    ev.tables["groups"] = gt
    ev.method("Attendance", ev.t("method.meeting_held"))
    from mentoring_lib.steps.fidelity import add_fidelity

    add_fidelity(ev, config, members)
    k, shown, planned = limits.min_count, summ["groups_shown"], summ["planned"]
    if summ["small_groups"]:
        ev.say("implementation", ev.t("implementation.small_groups", summ["small_groups"], n=summ["small_groups"], k=k),
               key="implementation.small_groups")
    if not summ["groups"]:
        ev.say("implementation", no_groups_text(acc_mentors, ev.lang), key="implementation.no_groups")
    elif shown:
        if summ["groups_below_plan"] == 0:
            which = "implementation.all_held_large" if summ["small_groups"] else "implementation.all_held"
            ev.say("implementation", ev.t(which, shown, n=shown, planned=planned, k=k), key=which)
        else:
            held = (ev.t("implementation.held_range", low=summ["min_held"], high=summ["max_held"])
                    if summ["min_held"] != summ["max_held"] else f"{summ['min_held']}")
            ev.say("implementation", ev.t("implementation.met", shown, n=shown, held=held, planned=planned,
                                          median=_num(summ["median_held"]), below=summ["groups_below_plan"]),
                   key="implementation.met")
    if not math.isnan(summ["mean_share_attended"]):
        ev.say("implementation", ev.t("implementation.mean_attendance", share=fmt_pct(summ["mean_share_attended"]),
                                      median=_num(summ["median_meetings_attended"])),
               key="implementation.mean_attendance")
        ev.key("attendance", ev.t("key.attendance"), fmt_pct(summ["mean_share_attended"]), ev.t("key.attendance.note"))
    ev.key("groups", ev.t("key.groups", summ["groups"]), f"{summ['groups']}",
           ev.t("key.groups.note", median=_num(summ["median_held"]), planned=planned)
           if summ["groups"] else ev.t("key.groups.none"))
    if figures_dir is not None and len(mt):
        _attendance_chart(ev, mt, figures_dir, summ, limits)
    if len(mt):  # true counts behind table 5 and the chart, for the release audit (private)
        retained = summ["retained"].reindex(mt["meeting"]).fillna(0).astype(int) if len(summ["retained"]) \
            else pd.Series(0, index=mt["meeting"])
        ev.tables["attendance_curve"] = pd.DataFrame({
            "meeting": mt["meeting"].to_numpy(), "base": summ["participants"],
            "attending_n": summ["per_meeting"].reindex(mt["meeting"]).fillna(0).astype(int).to_numpy(),
            "still_n": retained.to_numpy(),
            "still_shown": summ.get("retained_shown", [False] * len(mt)),
            "attendances": summ["attendances"], "planned": summ["planned"],
            "mean_shown": not math.isnan(summ["mean_share_attended"])})


def evaluate(inputs: dict[str, pd.DataFrame], config, codebook, limits: Limits, *,
             figures_dir: Path | None = None, approved: pd.Series | None = None,
             themes: list[dict] | None = None, missing: frozenset[str] = frozenset()) -> Evaluation:
    """Compute every section from the upstream tables (pure apart from writing chart files).

    ``inputs`` keys: people, members, trainings, meetings, scores, responses, comments (optional).
    ``approved``: comment texts approved for publication (already filtered by scrub.approved_quotes).
    ``missing``: input kinds of which no export was read (:func:`availability.missing_kinds`): the
    sections resting on them say so and show no number, table or chart for them (missing is not zero).
    """
    from mentoring_lib.outputs.messages import language_code, language_name
    from mentoring_lib.steps.availability import TRACKED

    ev = Evaluation(lang=language_code(config.term.language))
    people, members = inputs["people"], inputs["members"]
    trainings = inputs.get("trainings", _empty(["person_id", "session", "attended"]))
    meetings = inputs.get("meetings", _empty(["person_id", "session", "attended"]))
    scores = inputs.get("scores", _empty(["person_id", "wave", "instrument", "scale", "score"]))
    responses = inputs.get("responses", _empty(["person_id", "wave", "item", "value"]))
    comments = inputs.get("comments", _empty(["text"]))
    themes = themes if themes is not None else load_themes(getattr(config, "themes_path", None))
    prog = config.programme

    # -- programme ----------------------------------------------------------------------
    n_groups = int(members["group"].nunique()) if len(members) else config.groups.count
    dates = ", ".join(written_date(d, ev.lang) for d in prog.training_dates)
    ev.say("programme", ev.t("programme.intro", n_groups, organisation=config.report.organisation,
                             term=config.term.title, start=written_date(config.term.start, ev.lang),
                             end=written_date(config.term.end, ev.lang), groups=n_groups,
                             meetings=prog.meetings_planned, period=prog.meeting_period,
                             language=prog.language if ev.lang == "en" else language_name(prog.language, ev.lang)),
           key="programme.intro")
    ev.say("programme", ev.t("programme.trainings_dates" if dates else "programme.trainings", prog.trainings,
                             n=prog.trainings, dates=dates), key="programme.trainings")

    # -- reach --------------------------------------------------------------------------
    ev.tables["reach"] = reach_table(people, config, limits)
    from mentoring_lib.steps.attention import placed_people

    fc = funnel_counts(people, trainings, meetings, config, placed_people(members) if len(members) else None,
                       missing)
    rc = reach_counts(people)
    ev.tables["funnel"] = funnel_table(fc, limits, protected_reach(rc, limits), rc)
    ev.method("Funnel", funnel_method(config, ev.lang))
    reach = ev.tables["reach"].set_index("measure")
    ev.say("reach", ev.t("reach.call", places_participants=reach.loc["places", "participants"],
                         places_mentors=reach.loc["places", "mentors"],
                         applications_participants=reach.loc["applications", "participants"],
                         applications_mentors=reach.loc["applications", "mentors"],
                         per_place=reach.loc["applications per place", "participants"]), key="reach.call")
    fn = ev.tables["funnel"]
    for role in ROLES:
        ev.say("reach", funnel_bullet(fn, role, ev.lang), kind="bullet", key=f"reach.funnel/{role}")
    if (fn["count"] == "x").any():
        ev.say("reach", funnel_x_note(limits.min_count, ev.lang), key="reach.funnel_x_note")
    ev.key("applications", ev.t("key.applications"), str(reach.loc["applications", "participants"]),
           ev.t("key.applications.note", places=reach.loc["places", "participants"]))
    fpart = fn[(fn["role"] == "participant")].set_index("step")
    ev.key("participants", ev.t("key.participants"), str(fpart.loc["accepted", "count"]), "")
    ev.key("mentors", ev.t("key.mentors"),
           str(fn[(fn["role"] == "mentor") & (fn["step"] == "accepted")]["count"].iloc[0])
           if (fn["role"] == "mentor").any() else "–", ev.t("key.mentors.note", n_groups, n=n_groups))
    if figures_dir is not None:
        _funnel_chart(ev, fc, figures_dir)

    # -- implementation -----------------------------------------------------------------
    reg = registrants(people)
    acc_mentors = pd.Index(reg.loc[(reg["role"] == "mentor") & (reg["status"] == "accepted"), "person_id"])
    accepted_shown = {role: str(fn[(fn["role"] == role) & (fn["step"] == "accepted")]["count"].iloc[0]).isdigit()
                      if ((fn["role"] == role) & (fn["step"] == "accepted")).any() else False for role in ROLES}
    if "training_attendance" in missing:
        ev.say("implementation", missing_notice(ev, "training_attendance", "trainings"),
               key="missing.training_attendance")
        tt = pd.DataFrame()
    else:
        ev.tables["trainings"] = training_table(trainings, acc_mentors, limits, base_shown=accepted_shown["mentor"])
        tt = ev.tables["trainings"]
    if len(tt) and accepted_shown["mentor"]:
        n_acc = len(acc_mentors)
        if (tt["missed"] == "0").all():
            ev.say("implementation", ev.t("implementation.all_trained", n=n_acc), key="implementation.all_trained")
        elif tt["missed"].isin(["0", limits.small]).all():
            ev.say("implementation", ev.t("implementation.trainings_missed", len(tt), trainings=len(tt),
                                          k=limits.min_count, n=n_acc), key="implementation.trainings_missed")
    if "group_attendance" in missing:
        _meetings_not_available(ev, members)
    else:
        _meeting_results(ev, meetings, members, config, limits, inputs, figures_dir, acc_mentors)

    # -- survey response -----------------------------------------------------------------
    acc_part = set(reg.loc[(reg["role"] == "participant") & (reg["status"] == "accepted"), "person_id"])
    answered = scores[scores["person_id"].isin(acc_part)].dropna(subset=["score"]) if len(scores) else scores
    pre_ids = set(answered.loc[answered["wave"] == PRE, "person_id"]) if len(answered) else set()
    post_ids = set(answered.loc[answered["wave"] == POST, "person_id"]) if len(answered) else set()
    linked = pre_ids & post_ids
    resp = pd.DataFrame({"survey": ["before (pre)", "after (post)", "both (linked pairs)"],
                         "n": [len(pre_ids), len(post_ids), len(linked)]})
    resp["respondents"] = shown_counts(resp["n"], limits).to_numpy()
    resp["response_rate"] = [share(n, len(acc_part), limits) if accepted_shown["participant"] else math.nan
                             for n in resp["n"]]
    from mentoring_lib.steps.outcome_analysis import wilson_columns

    resp["rate_ci_low"], resp["rate_ci_high"] = wilson_columns(resp["n"], pd.Series(len(acc_part), index=resp.index),
                                                               resp["response_rate"])
    no_pre, no_post = "feedback_before" in missing, "feedback_after" in missing
    # A survey not yet read has no respondents to count: its rows are left out, not shown as 0.
    read = [not no_pre, not no_post, not (no_pre or no_post)]
    if any(read):
        ev.tables["response"] = resp.loc[read, ["survey", "respondents", "response_rate", "rate_ci_low",
                                                "rate_ci_high", "n"]]
    for kind in ("feedback_before", "feedback_after"):
        if kind in missing:
            ev.say("effectiveness", missing_notice(ev, kind, "response"), key=f"missing.{kind}")
    rr_post = resp.loc[1, "response_rate"] if not no_post else math.nan
    link = inputs.get("linkage")
    if link is not None and len(link) and not (no_pre or no_post):
        ev.tables["linkage"] = linkage_table(link, limits)
        lp = ev.tables["linkage"]
        lp = lp[lp["role"] == "participant"]
        if len(lp):
            ev.say("effectiveness", ev.t("effectiveness.linkage"), key="effectiveness.linkage")

    # -- reaction -----------------------------------------------------------------------
    reaction_items = [it for it in codebook.items if it.group == "reaction" and it.kind == "likert"]
    if reaction_items and no_post:
        ev.say("reaction", missing_notice(ev, "feedback_after", "reaction"), key="missing.feedback_after")
        reaction_items = []
    post_resp = responses[responses["wave"] == POST] if len(responses) else responses
    if reaction_items:
        tbl, dists = likert_summary(post_resp, reaction_items, codebook, limits, ev.lang)
        ev.tables["reaction"] = tbl
        for _, r in tbl.iterrows():
            if enough(r["n"], limits) and (r["high_phrase"] or r["low_phrase"]):
                ev.say("reaction", likert_bullet(r, ev.lang), kind="bullet", key=f"reaction.likert/{r['item']}")
        rec = tbl[tbl["item"].str.contains("recommend")]
        if len(rec) and rec["high_phrase"].iloc[0]:
            ci = ("" if math.isnan(rec["high_ci_low"].iloc[0]) else
                  ev.t("key.ci", low=fmt_pct(rec["high_ci_low"].iloc[0]), high=fmt_pct(rec["high_ci_high"].iloc[0])))
            ev.key("recommend", ev.t("key.recommend"), rec["high_phrase"].iloc[0],
                   ev.t("key.recommend.note", n=rec["answered"].iloc[0], ci=ci))
        if figures_dir is not None and dists:
            _likert_chart(ev, "reaction", "reaction-likert", dists, "Participants' reactions to the groups",
                          figures_dir, limits)
        ev.method("Likert items", likert_method_text(limits, ev.lang))

    # -- outcomes (before-after change) -------------------------------------------------
    from mentoring_lib.steps.outcome_analysis import evaluate_outcomes

    # Reliability over the accepted participants only: the sample the outcomes are measured on.
    acc_responses = responses[responses["person_id"].isin(acc_part)] if len(responses) else responses
    rel, rel_methods = reliability_table(acc_responses, codebook, limits)
    ev.tables["reliability"] = rel
    if no_pre or no_post:  # a survey not yet read: no change to report (said above)
        eff = pd.DataFrame(columns=["role", "family", "tested"])
    else:
        eff = evaluate_outcomes(ev, scores=scores, meetings=meetings, accepted=acc_part,
                                linked=linked, before_only=pre_ids - post_ids, codebook=codebook, config=config,
                                limits=limits)
    main = eff[eff["tested"].astype(bool)] if len(eff) else eff
    if not (no_pre or no_post):
        ev.key("linked", ev.t("key.linked"), str(resp.loc[2, "respondents"]), ev.t("key.linked.note")
               + (ev.t("key.linked.rate", rate=fmt_pct(resp.loc[2, "response_rate"]),
                       low=fmt_pct(resp.loc[2, "rate_ci_low"]), high=fmt_pct(resp.loc[2, "rate_ci_high"]))
                  if not math.isnan(resp.loc[2, "rate_ci_low"]) else ""))
    ev.method("Intervals", ev.t("method.wilson", pct="95%"))
    if figures_dir is not None and len(main):
        _change_chart(ev, main, figures_dir)
        _slope_chart(ev, scores, main, figures_dir, limits)
    alpha_method = wording("method.alpha", min_n=stats.ALPHA_MIN_N)  # the text stats gives, in English
    for m in dict.fromkeys(rel_methods):
        ev.method("Reliability", ev.t("method.alpha", min_n=stats.ALPHA_MIN_N) if m == alpha_method else m)
    ev.method("Reliability", ev.t("method.alpha_sample"))
    if len(rel) and rel["small_n"].any():
        ev.say("effectiveness", ev.t("effectiveness.alpha_small", n=stats.ALPHA_MIN_N), key="effectiveness.alpha_small")

    # -- mentors ------------------------------------------------------------------------
    mentor_items = [it for it in codebook.items if it.group == "mentor" and it.kind == "likert"]
    if mentor_items and "mentor_feedback" in missing:
        ev.say("mentors", missing_notice(ev, "mentor_feedback", "mentors"), key="missing.mentor_feedback")
    elif mentor_items and len(responses):
        mresp = responses[responses["person_id"].isin(acc_mentors)] if len(acc_mentors) else responses
        tbl, dists = likert_summary(mresp, mentor_items, codebook, limits, ev.lang)
        ev.tables["mentors"] = tbl
        ev.method("Likert items", likert_method_text(limits, ev.lang))
        for _, r in tbl.iterrows():
            if enough(r["n"], limits):
                if r["high_phrase"] or r["low_phrase"]:
                    ev.say("mentors", likert_bullet(r, ev.lang), kind="bullet", key=f"mentors.likert/{r['item']}")
            else:
                ev.say("mentors", ev.t("likert.too_few", statement=_statement(r["wording"], ev.lang), n=r["answered"],
                                       b=limits.min_base), kind="bullet", key=f"mentors.too_few/{r['item']}")
        if figures_dir is not None and dists:
            _likert_chart(ev, "mentors", "mentor-likert", dists, "Mentors' experience", figures_dir, limits)

    from mentoring_lib.steps.mentor_outcomes import add_mentor_outcomes

    add_mentor_outcomes(ev, scores, codebook, limits, lang=ev.lang)

    # -- voices ---------------------------------------------------------------------------
    n_comments = int(comments["text"].fillna("").str.strip().ne("").sum()) if "text" in comments else 0
    ev.tables["themes"] = theme_table(comments, themes, limits).assign(comments_total=n_comments)  # audit (private)
    ev.say("voices", ev.t("voices.comments", len(themes), n=shown_count(n_comments, limits), themes=len(themes)),
           key="voices.comments")
    quotes = sorted(pd.Series(approved if approved is not None else [], dtype="str").dropna().astype(str).unique())
    ev.tables["quotes"] = pd.DataFrame({"quote": quotes, "source": quote_sources(quotes, comments, ev.lang)},
                                       columns=["quote", "source"])
    if ev.tables["quotes"].empty:
        ev.say("voices", ev.t("voices.no_quotes"), key="voices.no_quotes")
    ev.method("Open text", ev.t("method.open_text"))

    # -- instruments (citations and licence lines for the methods section) ---------------
    from mentoring_lib.analysis.scoring import instrument_table

    inst = instrument_table(codebook)
    cols = ["instrument", "instrument_name", "short_name", "scale", "scale_name", "rule", "n_items",
            "response_range", "missing_rule", "citation", "licence"]
    ev.tables["instruments"] = inst.reindex(columns=cols)

    # -- limitations ----------------------------------------------------------------------
    miss = _missing_share(responses)
    lim = [("no_control", ev.t("limitations.no_control"))]
    lim += [(f"missing/{k}", missing_notice(ev, k, "report")) for k in TRACKED if k in missing]
    if not (no_pre or no_post):
        linked_n = resp.loc[2, "respondents"]
        lim += [("linked", ev.t("limitations.linked", n=linked_n) if math.isnan(resp.loc[2, "response_rate"]) else
                 ev.t("limitations.linked_rate", n=linked_n, rate=fmt_pct(resp.loc[2, "response_rate"]))),
                ("after_rate", ev.t("limitations.after_rate", rate=fmt_pct(rr_post))) if not math.isnan(rr_post)
                else ("after_too_few", ev.t("limitations.after_too_few"))]
    lim.append(("self_reported", ev.t("limitations.self_reported")))
    if not math.isnan(miss):
        lim.append(("missing_answers", ev.t("limitations.missing_answers", share=fmt_pct(miss, 1))))
    if len(eff) > 1:
        from mentoring_lib.steps.outcomes import family_size

        lim.append(("family", ev.t("limitations.family", family_size(eff), n=family_size(eff))))
    for key, text in lim:
        ev.say("limitations", text, kind="bullet", key=f"limitations.{key}")
    from mentoring_lib.privacy import disclosure

    ev.method("Disclosure control", ev.t("method.disclosure", min_count=limits.min_count, min_base=limits.min_base,
                                         hidden=disclosure.HIDDEN))
    ev.method("Wording", ev.t("method.wording"))
    return ev



def _missing_share(responses: pd.DataFrame) -> float:
    if responses is None or responses.empty or "value" not in responses:
        return math.nan
    v = pd.to_numeric(responses["value"], errors="coerce")
    return float(v.isna().mean())


# --------------------------------------------------------------------------------------
# Stage
# --------------------------------------------------------------------------------------
#: The columns of feedback's ``responses`` table this stage uses.
RESPONSE_COLUMNS = ["person_id", "wave", "item", "value"]
#: Read too when the table has them: they tell the mentors' own before/after survey apart.
RESPONSE_ROLE_COLUMNS = ["role", "survey"]


def load_inputs(ctx) -> dict[str, pd.DataFrame]:
    """The upstream tables this stage reads."""
    def opt(name: str) -> pd.DataFrame | None:
        return ctx.read(name, optional=True)

    # The long answer table is the largest input (~850,000 rows at 100 times the demo): only
    # the columns used here, identifiers as categoricals (~10 instead of ~85 MiB at that size).
    responses = None
    if ctx.exists("feedback/responses"):
        import pyarrow.parquet as pq

        present = set(pq.read_schema(ctx.path("feedback/responses")).names)
        extra = [c for c in RESPONSE_ROLE_COLUMNS if c in present]
        responses = ctx.read("feedback/responses", columns=RESPONSE_COLUMNS + extra,
                             categories=["person_id", "wave", "item", *extra])
    out = {"people": ctx.read("registrations/people"), "members": ctx.read("groups/members"),
           "trainings": opt("attendance/trainings"), "meetings": opt("attendance/meetings"),
           "scores": opt("feedback/scores"), "responses": responses,
           "comments": opt("feedback/comments"), "linkage": opt("feedback/linkage"),
           "meetings_held": opt("attendance/meetings_held")}
    return {k: v for k, v in out.items() if v is not None}


def load_stage_codebook(config):
    """The term's survey codebook, as the feedback stage reads it: a term with survey inputs and no
    codebook is a ConfigError (never another term's codebook); a term without surveys and without
    a codebook has no survey items."""
    from mentoring_lib.analysis.codebook import Codebook
    from mentoring_lib.steps.feedback import load_survey_codebook, survey_inputs

    if config.codebook or survey_inputs(config):
        return load_survey_codebook(config)
    return Codebook(title="No surveys", response_sets={})


def _identity_people(ctx) -> pd.DataFrame | None:
    """The identity table (names, first names, e-mails), to re-check quotes; None without one."""
    people = ctx.read("identity/people", optional=True)
    if people is None:
        return None
    return people[[c for c in ("name", "first_name", "email") if c in people.columns]]


def approved_quotes_path(config) -> Path | None:
    """privacy.approved_quotes_file in the data folder (None when not set); InputError when it is
    set but missing."""
    if not config.privacy.approved_quotes_file:
        return None
    path = config.data_path / config.privacy.approved_quotes_file
    if not path.is_file():
        from mentoring_lib.errors import InputError

        raise InputError("the approved-quotes file named in privacy.approved_quotes_file does not exist",
                         file=path, hint="create it (one approved quote hash a line) or remove the setting")
    return path


def check_inputs(config) -> list[str]:
    """The evaluation's cheap validations (for ``mentoring check``): the disclosure thresholds, the
    survey codebook and the approved-quotes file. Raises like the stage would; returns notes."""
    Limits.from_config(config)
    codebook = load_stage_codebook(config)
    name = codebook.source.name if codebook.source else "codebook"
    from mentoring_lib.steps.outcomes import check_primary, primary_note

    primary = check_primary(config, codebook)
    notes = [f"codebook {name} valid: {len(codebook.instruments)} instrument(s), {len(codebook.surveys)} survey(s)",
             primary_note(config, primary)]
    if approved_quotes_path(config) is not None:
        notes.append("approved-quotes file found")
    return notes


def approved_comment_texts(ctx, comments: pd.DataFrame | None) -> pd.Series:
    """Comment texts on the approval list (privacy.approved_quotes_file), via scrub.approved_quotes;
    an approved text that still names someone of the term (scrub.names_someone) is refused."""
    if comments is None or comments.empty or not ctx.config.privacy.approved_quotes_file:
        return pd.Series([], dtype="str")
    path = approved_quotes_path(ctx.config)
    assert path is not None  # approved_quotes_file is set
    from mentoring_lib.privacy import scrub

    lines = [ln.split("#", 1)[0].strip() for ln in path.read_text(encoding="utf-8").splitlines()]
    hashes = {ln for ln in lines if ln}
    return pd.Series(scrub.approved_quotes(comments["text"], hashes, people=_identity_people(ctx)), dtype="str")


def write_quotes_for_review(ctx, comments: pd.DataFrame | None) -> Path | None:
    """private/quotes_for_review.csv: the scrubbed comments with their hash and themes, so the
    coordinator can read them and copy the hashes of approved quotes into the approval file."""
    from mentoring_lib.io import spreadsheets
    from mentoring_lib.privacy.scrub import names_someone, quote_hash

    if comments is None or comments.empty or "text" not in comments:
        return None
    c = comments[comments["text"].fillna("").astype(str).str.strip().ne("")]
    if "quote_hash" in c:
        c = c.drop_duplicates("quote_hash")
    hits = theme_matches(c["text"], load_themes(ctx.config.themes_path))
    themes = hits.apply(lambda r: ", ".join(hits.columns[r.to_numpy()]), axis=1) if len(hits) else ""
    people = _identity_people(ctx)
    review = pd.DataFrame({
        "quote_hash": c["quote_hash"] if "quote_hash" in c else c["text"].map(quote_hash),
        "survey": c.get("survey", ""), "themes": themes, "text": c["text"]})
    if people is not None:  # approving these would not publish them: they still name someone
        review["names_someone"] = names_someone(c["text"], people).to_numpy()
    return spreadsheets.write_csv(review.sort_values(["survey", "quote_hash"], kind="stable"),
                                  ctx.private_file("quotes_for_review.csv"))


def save(ctx, ev: Evaluation) -> None:
    """Write every result table as ``evaluation/<name>`` (the figures are already in public/figures)."""
    for name, df in ev.all_tables().items():
        ctx.write(f"evaluation/{name}", df)


def key_figures_text(ev: Evaluation) -> str:
    """The key figures as plain lines ("label: value (note)"), plus the linked before/after pairs:
    stable text (no paths, dates or object ids) that notebook 05 prints and nbval checks."""
    lines = [f"{k['label']}: {k['value']}" + (f" ({k['note']})" if k["note"] else "") for k in ev.key_figures]
    fn = ev.tables.get("funnel")
    if fn is not None:
        for role in ROLES:
            f = fn[fn["role"] == role]
            if len(f):
                lines.append(f"{role}s: " + " → ".join(f"{s} {c}" for s, c in zip(f["step"], f["count"])))
    eff = ev.tables.get("effectiveness")
    if eff is not None and len(eff):
        for _, r in eff[eff["tested"].astype(bool) & eff["family"].astype(bool)].iterrows():
            lines.append(f"{r['outcome']} ({r['role']}): change {fmt_signed(r['mean_change'])} "
                         f"{fmt_ci(r['mean_change_ci_low'], r['mean_change_ci_high'])}, g {fmt_num(r['hedges_g'])} "
                         f"{fmt_ci(r['g_ci_low'], r['g_ci_high'])}, Holm p {fmt_p(r['t_p_holm'])}, "
                         f"n = {r['pairs']}")
    return "\n".join(lines)


def section_markdown(ev: Evaluation, section: str) -> str:
    """The generated text of one section as Markdown (for the notebook)."""
    lines = []
    for n in ev.narrative:
        if n["section"] == section:
            lines.append(("- " if n["kind"] == "bullet" else "\n") + n["text"])
    return "\n".join(lines).strip()


def section_figures(ev: Evaluation, section: str, public_dir: Path) -> list[tuple[Path, str]]:
    """(file, alt text) of a section's figures."""
    return [(Path(public_dir) / f["file"], f["alt"]) for f in ev.figures if f["section"] == section]
