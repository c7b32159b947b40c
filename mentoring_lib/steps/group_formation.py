"""Co-mentor pairs and participant groups, made by rule and explained row by row (pure functions).

**Pairs.** Accepted mentors are paired so that both can meet at a common time slot and share a
language (a mentor who gave no language speaks any; when nobody gave one, e.g. the form did not ask,
pairs form on time slots alone). The mentor with the fewest possible co-mentors is paired first (so nobody who could
be paired is left over by an early greedy choice), with the partner that, in order: lets a
full group of accepted participants join (available at a shared slot, speaking one of the
pair's common languages), comes from another school (when ``groups.mix_schools``), reaches the
most participants, shares the most time slots, and came earliest in the registration queue.
Each pair then gets the shared slot where the most participants it could take are still
without a fitting group (pairs with fewer shared slots choose first). An improvement pass then
changes a group's slot, or exchanges co-mentors between two groups, whenever that lets more
participants fit some group, or as many with more pairs mixing schools (strict improvements
only, in a fixed order; exchanges are tried for up to 60 groups). The first ``groups.count`` pairs lead
the groups, numbered in pairing order; mentors who cannot be paired are listed with the reason,
which names the constraint that failed (no time slot, no shared slot, no shared language).

**Groups.** Participants are placed one at a time, the one with the fewest fitting groups first
(then queue order). A group fits when it meets at a slot the participant marked and the
pair's shared languages include one of theirs (no language answer: any). Among fitting groups
that are not full (``max_size``) the choice is, in order: a group still under ``target_size``,
the fewest members from the participant's school (when mixing), the fewest members, the lowest
group number. Group size means participants; the two mentors come on top. A group left under
``min_size`` then takes fitting participants from groups above it (largest group first).

Deterministic: no randomness; ties are broken by queue position and group number. A hand-edited
roster is checked by :mod:`mentoring_lib.steps.group_roster`; :mod:`mentoring_lib.steps.grouping` runs the stage.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

ROLES = ("mentor", "participant")


@dataclass(frozen=True)
class GroupRules:
    count: int
    target_size: int = 10
    min_size: int = 6
    max_size: int = 12
    mix_schools: bool = True

    @classmethod
    def from_config(cls, config) -> "GroupRules":
        g = config.groups
        return cls(count=g.count, target_size=g.target_size, min_size=g.min_size, max_size=g.max_size,
                   mix_schools=g.mix_schools)


# -- options (slots, languages) -------------------------------------------------------------------

def option_matrix(series: pd.Series, labels: list[str] | None = None) -> pd.DataFrame:
    """Boolean matrix of multi-select answers ("a; b"), one column per option, matched
    case-insensitively; columns are the case-folded labels, sorted (or ``labels``)."""
    text = series.astype(object).where(series.notna(), "").astype(str).str.casefold()
    dummies = text.str.get_dummies(sep="; ").astype(bool)
    dummies = dummies.loc[:, [c for c in dummies.columns if c.strip()]]
    dummies.columns = [c.strip() for c in dummies.columns]
    dummies = dummies.T.groupby(level=0).any().T if dummies.columns.has_duplicates else dummies
    cols = sorted(dummies.columns) if labels is None else list(labels)
    return dummies.reindex(columns=cols, fill_value=False).astype(bool)


def display_labels(*series: pd.Series) -> dict[str, str]:
    """Case-folded option -> the first spelling seen (for readable reasons and sheets)."""
    parts = pd.concat([s.astype(object).where(s.notna(), "").astype(str) for s in series])
    opts = parts.str.split("; ").explode().str.strip()
    opts = opts[opts != ""]
    frame = pd.DataFrame({"k": opts.str.casefold().to_numpy(), "v": opts.to_numpy()})
    return frame.drop_duplicates("k").set_index("k")["v"].to_dict()


def _join(labels, shown: dict[str, str]) -> str:
    return ", ".join(shown.get(x, x) for x in labels)


# -- pairs ------------------------------------------------------------------------------------------

def _language_bits(languages: pd.Series, labels: list[str]) -> np.ndarray:
    """Each person's languages as a bit mask over ``labels`` (0 = no answer)."""
    if len(labels) > 62:
        raise ValueError("more than 62 distinct languages; merge spellings in the form's options")
    matrix = option_matrix(languages, labels).to_numpy(dtype=np.int64)
    return matrix @ (np.int64(1) << np.arange(len(labels), dtype=np.int64)) if len(labels) else np.zeros(
        len(languages), dtype=np.int64)


def _bits_text(bits: int, labels: list[str], shown: dict[str, str]) -> str:
    return ", ".join(shown.get(lab, lab) for j, lab in enumerate(labels) if bits >> j & 1)


def _unpaired_reason(i: int, slots: np.ndarray, share_slot: np.ndarray, share_language: np.ndarray,
                     feasible: np.ndarray, languages_asked: bool) -> str:
    """Why mentor ``i`` has no co-mentor, naming the constraint that failed."""
    others = len(slots) - 1
    if others == 0:
        return "the only accepted mentor: there is nobody to co-lead with"
    if not slots[i].any():
        return "marked no time slot (availability), so no co-mentor can meet with them"
    n_slot = int(share_slot[i].sum())
    if n_slot == 0:
        return f"none of the {others} other accepted mentors marked a time slot they marked"
    if languages_asked and not feasible[i].any():
        return (f"the {n_slot} other mentor(s) who share a time slot with them share no language with them")
    what = "a time slot and a language" if languages_asked else "a time slot"
    return f"every mentor who shares {what} with them was already paired"


def pair_mentors(mentors: pd.DataFrame, rules: GroupRules,
                 participants: pd.DataFrame | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Pair accepted mentors and give each pair a meeting slot.

    ``mentors``: person_id, school, languages, availability, queue_position. ``participants``
    (optional): availability and languages of the accepted participants; a pair is worth more when
    more of them could join it (available at a shared slot, sharing one of the pair's common
    languages), and each pair's slot is chosen to reach participants no earlier group fits.
    Returns ``(pairs, unpaired)``: pairs = group (1.. for the first ``rules.count`` pairs, NA for
    reserve pairs), mentor_a, mentor_b, slot, languages, reason; unpaired = person_id, reason.
    """
    mentors = mentors.sort_values("queue_position", kind="stable").reset_index(drop=True)
    if participants is None:
        participants = pd.DataFrame({"availability": pd.Series(dtype=object), "languages": pd.Series(dtype=object)})
    m = len(mentors)
    shown = display_labels(mentors["availability"], mentors["languages"], participants["availability"],
                           participants["languages"])
    slot_labels = sorted(set(option_matrix(mentors["availability"]).columns))
    lang_labels = sorted(set(option_matrix(mentors["languages"]).columns)
                         | set(option_matrix(participants["languages"]).columns))
    S = option_matrix(mentors["availability"], slot_labels).to_numpy(dtype=bool)
    PA = option_matrix(participants["availability"], slot_labels).to_numpy(dtype=bool)
    all_bits = (np.int64(1) << np.int64(len(lang_labels))) - 1
    mb = _language_bits(mentors["languages"], lang_labels)
    mb = np.where(mb == 0, all_bits, mb)  # no answer: any language
    pb = _language_bits(participants["languages"], lang_labels)
    shared_slots = S.astype(np.int64) @ S.T.astype(np.int64)
    pair_bits = mb[:, None] & mb[None, :]
    # Nobody gave a language (the question was not asked or not mapped): pairs form on time slots.
    share_language = (pair_bits != 0) if lang_labels else np.ones((m, m), dtype=bool)
    share_slot = (shared_slots > 0) & ~np.eye(m, dtype=bool)
    feasible = share_slot & share_language

    # How many accepted participants each pair could gather at its best shared slot.
    masks = np.unique(pair_bits[feasible]) if feasible.any() else np.zeros(0, dtype=np.int64)
    compat = ((pb[:, None] & masks[None, :]) != 0) | (pb[:, None] == 0)           # P x masks
    at_slot = PA.T.astype(np.int64) @ compat.astype(np.int64)                          # K x masks
    mask_idx = np.searchsorted(masks, pair_bits) if len(masks) else np.zeros_like(pair_bits)
    mask_idx = np.minimum(mask_idx, max(len(masks) - 1, 0))
    reach = np.zeros((m, m), dtype=np.int64)
    for k in range(len(slot_labels)):  # one pass per time slot, vectorised over all pairs
        if len(masks):
            both = S[:, k][:, None] & S[:, k][None, :]
            reach = np.maximum(reach, np.where(both, at_slot[k][mask_idx], 0))
    reach = np.where(feasible, reach, 0)

    school = mentors["school"].astype(object).where(mentors["school"].notna(), None).to_numpy()
    known = pd.notna(school)
    differ = (school[:, None] != school[None, :]) & known[:, None] & known[None, :]
    mix = differ if rules.mix_schools else np.zeros_like(differ)
    options = feasible.sum(axis=1)
    order = np.lexsort((np.arange(m), options))  # fewest possible co-mentors first, then queue order
    used = np.zeros(m, dtype=bool)
    pairs, unpaired = [], []
    for i in order:  # one iteration per pair; the choice of partner is vectorised
        if used[i]:
            continue
        cand = np.flatnonzero(feasible[i] & ~used)
        if not len(cand):
            unpaired.append((i, _unpaired_reason(i, S, share_slot, share_language, feasible, bool(lang_labels))))
            used[i] = True
            continue
        # Preference, most important first: enough reachable participants for a group, another
        # school, more reachable participants, more shared slots, earlier in the queue.
        keys = (cand, -shared_slots[i, cand], -reach[i, cand], -mix[i, cand].astype(int),
                -np.minimum(reach[i, cand], rules.target_size))
        j = int(cand[np.lexsort(keys)[0]])
        used[i] = used[j] = True
        pairs.append((i, j, int(options[i])))

    # Slots: pairs with the fewest shared slots choose first, each the shared slot where the most
    # participants it could take are still unserved (a participant counts 1/(1 + groups that fit them)).
    ok_of = lambda i, j: ((pb & pair_bits[i, j]) != 0) | (pb == 0)  # noqa: E731 - language fit
    fitted = np.zeros(len(participants), dtype=np.int64)
    slot_k = [0] * len(pairs)
    n_shared = np.array([int(shared_slots[i, j]) for i, j, _ in pairs], dtype=int)
    for p in np.lexsort((np.arange(len(pairs)), n_shared)):
        i, j, _ = pairs[p]
        common = np.flatnonzero(S[i] & S[j])
        can = PA[:, common] & ok_of(i, j)[:, None]                                # P x common slots
        value = (can / (1.0 + fitted)[:, None]).sum(axis=0)
        # ties: the first slot in alphabetical order; rounded first, as the float sums of 1/(1 + fitted)
        # depend on the participants' row order in their last bits (the result must not)
        best = int(np.argmax(np.round(value, 9)))
        slot_k[p] = int(common[best])
        fitted += can[:, best]

    # Improvement pass over the groups (not reserve pairs): change a group's slot, or swap
    # co-mentors between two groups, when that lets more participants fit some group, or as many
    # with more school-mixed pairs. Strict improvements only, in a fixed order.
    n_groups = min(rules.count, len(pairs))
    pair_ij = [(i, j) for i, j, _ in pairs[:n_groups]]
    changed = [""] * n_groups
    fits = np.zeros((len(participants), n_groups), dtype=bool)
    for g, (i, j) in enumerate(pair_ij):
        fits[:, g] = PA[:, slot_k[g]] & ok_of(i, j)
    # cover[p] = how many groups fit participant p; the objective counts participants with cover > 0.
    cover = fits.sum(axis=1)
    covered = int((cover > 0).sum())
    n_mixed = sum(bool(mix[i, j]) for i, j in pair_ij)
    swaps_allowed = n_groups <= 60  # the swap neighbourhood grows with the square of the groups
    for _sweep in range(10):
        before = (covered, n_mixed)
        for g in range(n_groups):
            i, j = pair_ij[g]
            for k in np.flatnonzero(S[i] & S[j]).tolist():
                if k == slot_k[g]:
                    continue
                column = PA[:, k] & ok_of(i, j)
                trial = cover - fits[:, g] + column
                score = int((trial > 0).sum())
                if score > covered:
                    changed[g] = f"slot changed in the improvement pass ({score - covered} more participant(s) fit a group)"
                    fits[:, g], cover, covered, slot_k[g] = column, trial, score, int(k)
        if swaps_allowed:
            for g in range(n_groups):
                for h in range(g + 1, n_groups):
                    (a, b), (c, d) = pair_ij[g], pair_ij[h]
                    base = cover - fits[:, g] - fits[:, h]
                    mixed_now = int(mix[a, b]) + int(mix[c, d])
                    best_swap: tuple | None = None
                    for (x1, y1), (x2, y2) in (((a, c), (b, d)), ((a, d), (b, c))):
                        if not (feasible[x1, y1] and feasible[x2, y2]):
                            continue
                        mixed = n_mixed - mixed_now + int(mix[x1, y1]) + int(mix[x2, y2])
                        for k1 in np.flatnonzero(S[x1] & S[y1]):
                            col1 = PA[:, k1] & ok_of(x1, y1)
                            for k2 in np.flatnonzero(S[x2] & S[y2]):
                                col2 = PA[:, k2] & ok_of(x2, y2)
                                swap_score = (int(((base + col1 + col2) > 0).sum()), mixed)
                                if swap_score > (covered, n_mixed) and (best_swap is None
                                                                        or swap_score > best_swap[0]):
                                    best_swap = (swap_score, (x1, y1), (x2, y2), int(k1), int(k2), col1, col2)
                    if best_swap is not None:
                        (swap_score, first, second, slot_1, slot_2, col1, col2) = best_swap
                        gained = swap_score[0] - covered
                        pair_ij[g], pair_ij[h], slot_k[g], slot_k[h] = first, second, slot_1, slot_2
                        fits[:, g], fits[:, h] = col1, col2
                        cover = base + col1 + col2
                        covered, n_mixed = swap_score
                        for mine, other in ((g, h), (h, g)):
                            changed[mine] = (f"swap: paired in the improvement pass by exchanging co-mentors "
                                             f"with group {other + 1} ({gained} more participant(s) fit a group)")
        if (covered, n_mixed) == before:
            break
    pairs = [(*pair_ij[p], pairs[p][2]) if p < n_groups else pairs[p] for p in range(len(pairs))]
    fit_count = cover

    rows = []
    for p, (i, j, n_options) in enumerate(pairs):
        a, b = (i, j) if i < j else (j, i)
        group = p + 1 if p < rules.count else pd.NA
        schools = ("from different schools" if differ[i, j] else
                   "from the same school (no fitting co-mentor from another school)" if rules.mix_schools
                   else "school mixing not asked for")
        languages = _bits_text(int(pair_bits[i, j]), lang_labels, shown)
        slot = shown.get(slot_labels[slot_k[p]], slot_labels[slot_k[p]])
        can = PA[:, slot_k[p]] & ok_of(i, j)
        swapped = p < n_groups and changed[p].startswith("swap: ")
        how = (changed[p].removeprefix("swap: ") if swapped else
               f"paired in round {p + 1} (the mentor with the fewest possible co-mentors, {n_options}, chooses first)")
        reason = (f"{how}; {int(shared_slots[i, j])} shared time slot(s); common language(s): "
                  f"{languages or 'any'}; {schools}; meets {slot}, when both are available and "
                  f"{int(can.sum())} accepted participant(s) sharing a language are")
        if p < n_groups:
            reason += f", {int((can & (fit_count == 1)).sum())} of whom fit no other group"
            if changed[p] and not swapped:
                reason += f"; {changed[p]}"
        if pd.isna(group):
            reason += f"; a reserve pair (only {rules.count} groups)"
        rows.append({"group": group, "mentor_a": mentors.at[a, "person_id"], "mentor_b": mentors.at[b, "person_id"],
                     "slot": slot, "languages": languages, "reason": reason})
    pairs_df = pd.DataFrame(rows, columns=["group", "mentor_a", "mentor_b", "slot", "languages", "reason"])
    pairs_df["group"] = pairs_df["group"].astype("Int64")
    unpaired_df = pd.DataFrame({"person_id": [mentors.at[i, "person_id"] for i, _ in unpaired],
                                "reason": [f"not paired: {why}" for _, why in unpaired]},
                               columns=["person_id", "reason"])
    return pairs_df, unpaired_df


# -- participants -----------------------------------------------------------------------------------

def allocate_participants(participants: pd.DataFrame, pairs: pd.DataFrame, rules: GroupRules) -> pd.DataFrame:
    """Place accepted participants in the pairs' groups.

    ``participants``: person_id, school, languages, availability, queue_position. ``pairs``: group,
    slot, languages (the output of :func:`pair_mentors`; reserve pairs without a group are ignored).
    Returns person_id, group (Int64, NA when unplaced), reason — in the participants' queue order.
    """
    groups = pairs[pairs["group"].notna()].sort_values("group").reset_index(drop=True)
    people = participants.sort_values("queue_position", kind="stable").reset_index(drop=True)
    n, g = len(people), len(groups)
    slot_keys = groups["slot"].astype(str).str.casefold().tolist()
    avail = option_matrix(people["availability"], sorted(set(slot_keys)))
    fits_time = (avail[slot_keys].to_numpy(dtype=bool) if g else np.zeros((n, 0), dtype=bool))
    group_langs = option_matrix(groups["languages"].str.replace(", ", "; ", regex=False))
    plang = option_matrix(people["languages"], list(group_langs.columns))
    no_lang = option_matrix(people["languages"]).sum(axis=1).to_numpy() == 0
    fits_lang = (plang.to_numpy(dtype=np.int64) @ group_langs.to_numpy(dtype=np.int64).T > 0) | no_lang[:, None]
    fits = fits_time & fits_lang
    n_fit = fits.sum(axis=1)
    n_time = fits_time.sum(axis=1)  # for the reason of someone not placed: which constraint failed
    marked_slot = option_matrix(people["availability"]).to_numpy().any(axis=1) if n else np.zeros(0, dtype=bool)
    schools = people["school"].astype(object).where(people["school"].notna(), "(unknown)")
    school_code, school_names = pd.factorize(schools)
    same_school = np.zeros((g, max(len(school_names), 1)), dtype=np.int64)
    size = np.zeros(g, dtype=np.int64)
    group_of = np.full(n, -1, dtype=np.int64)
    reason = np.empty(n, dtype=object)
    order = np.lexsort((np.arange(n), n_fit))  # fewest fitting groups first, then queue order
    for round_no, p in enumerate(order, start=1):  # one iteration per participant; choice vectorised
        cand = fits[p] & (size < rules.max_size)
        if not cand.any():
            reason[p] = ("not placed: no group was formed" if g == 0 else
                         "not placed: marked no time slot (availability)" if not marked_slot[p] else
                         "not placed: no group meets at a time they marked" if n_time[p] == 0 else
                         f"not placed: the {n_time[p]} group(s) meeting at a time they marked share none of "
                         "their languages" if n_fit[p] == 0 else
                         f"not placed: all {n_fit[p]} group(s) that fit their times and languages are full "
                         f"({rules.max_size})")
            continue
        s = school_code[p]
        over = (size >= rules.target_size).astype(np.int64)
        mates = same_school[:, s] if rules.mix_schools else np.zeros(g, dtype=np.int64)
        key = np.where(cand, over * 10**12 + mates * 10**8 + size * 10**4 + np.arange(g), np.iinfo(np.int64).max)
        k = int(np.argmin(key))
        reason[p] = (f"placed in round {round_no}: {n_fit[p]} group(s) fit their "
                     f"times and languages; group {k + 1} meets {groups.at[k, 'slot']}"
                     + ("" if not over[k] else ", although every fitting group had reached the target size")
                     + (f"; it had {size[k]} member(s), {mates[k]} from their school" if rules.mix_schools
                        else f"; it had {size[k]} member(s)"))
        group_of[p] = k
        size[k] += 1
        same_school[k, s] += 1
    # Groups under min_size take fitting participants from groups above it: from the largest
    # group first, the participant placed last there first (one move per iteration, few moves).
    placed_round = np.zeros(n, dtype=np.int64)
    placed_round[order] = np.arange(1, n + 1)
    for k in range(g):
        while size[k] < rules.min_size:
            donors = np.flatnonzero((group_of >= 0) & (group_of != k) & fits[:, k])
            donors = donors[size[group_of[donors]] > rules.min_size]
            if not len(donors):
                break
            p = int(donors[np.lexsort((-placed_round[donors], -size[group_of[donors]]))[0]])
            old = int(group_of[p])
            size[old] -= 1
            same_school[old, school_code[p]] -= 1
            group_of[p] = k
            size[k] += 1
            same_school[k, school_code[p]] += 1
            reason[p] = (f"moved from group {old + 1} to group {k + 1} (meets {groups.at[k, 'slot']}, which fits their "
                         f"times and languages) to bring it to the minimum size of {rules.min_size}")
    group = pd.Series(np.where(group_of >= 0, groups["group"].to_numpy()[np.maximum(group_of, 0)] if g else 0,
                               pd.NA), dtype="Int64")
    return pd.DataFrame({"person_id": people["person_id"].to_numpy(), "group": group, "reason": reason})


def members_table(pairs: pd.DataFrame, unpaired: pd.DataFrame, placed: pd.DataFrame) -> pd.DataFrame:
    """groups/members: person_id, role, group (NA = not in a group), reason."""
    in_group = pairs[pairs["group"].notna()]
    reserve = pairs[pairs["group"].isna()]
    mentor_rows = [
        pd.DataFrame({"person_id": in_group[c], "role": "mentor", "group": in_group["group"],
                      "reason": "co-mentor of group " + in_group["group"].astype(str) + ": " + in_group["reason"]})
        for c in ("mentor_a", "mentor_b")]
    mentor_rows += [pd.DataFrame({"person_id": reserve[c], "role": "mentor", "group": pd.NA,
                                  "reason": reserve["reason"]}) for c in ("mentor_a", "mentor_b")]
    mentor_rows.append(pd.DataFrame({"person_id": unpaired["person_id"], "role": "mentor", "group": pd.NA,
                                     "reason": unpaired["reason"]}))
    participants = placed.assign(role="participant")[["person_id", "role", "group", "reason"]]
    out = pd.concat([*mentor_rows, participants], ignore_index=True)
    out["group"] = out["group"].astype("Int64")
    out["role"] = pd.Categorical(out["role"], categories=list(ROLES))
    out = out.sort_values(["group", "role", "person_id"], kind="stable", na_position="last")
    out["role"] = out["role"].astype(str)
    return out.reset_index(drop=True)[["person_id", "role", "group", "reason"]]


def make_groups(people: pd.DataFrame, rules: GroupRules) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Pairs and members from the registrations' people table (accepted people only are used)."""
    accepted = people[people["status"] == "accepted"]
    mentors = accepted[accepted["role"] == "mentor"]
    participants = accepted[accepted["role"] == "participant"]
    pairs, unpaired = pair_mentors(mentors, rules, participants)
    placed = allocate_participants(participants, pairs, rules)
    return pairs, members_table(pairs, unpaired, placed)
