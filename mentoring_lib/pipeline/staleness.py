"""Which stages of a term must run again, and why: per-stage fingerprints from the stage catalogue.

A stage's fingerprint covers everything it reads (:mod:`mentoring_lib.pipeline.stages`): the input files of
the kinds it declares (their contents and their ``inputs:`` entries), the side files its config keys
name (codebook, roster, overrides, approved quotes, school and theme tables), the config sections and
keys it declares (``report``, ``privacy.min_count``: editing ``report.title`` does not re-run the
attendance), the code, the pseudonym key, and the fingerprints of the stages it needs. ``run.json``
keeps each stage's fingerprint and the digests of its parts; the next run compares them and re-runs
only the stages whose parts changed, and every stage downstream of one, saying why
("certificates: certificates.overrides_file changed", "report: config section report changed").

A kept stage keeps what it published: the report's provenance section shows the digest of the whole
config and every input's hash as of the run that made the report, so after a run that re-ran only
the certificates (``certificates.role`` edited) run.json has the newer config digest.
"""
from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass, field

from mentoring_lib.pipeline import provenance, stages
from mentoring_lib.config import TermConfig

AFTER = "after "
INPUT = "input "
CONFIG = "config "


def _digest(value: object) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True).encode()).hexdigest()


def key_tag(key: bytes) -> str:
    """An HMAC of a constant under the key: replacing the key changes it, and it reveals nothing."""
    return hmac.new(key, b"mentoring run fingerprint", "sha256").hexdigest()


def named_files(config: TermConfig) -> dict[str, str | None]:
    """sha256 of every file the config names by a key (None: named but missing)."""
    named = {**config.lookup_files(), **config.side_files()}
    return {k: provenance.sha256_file(p) if p.is_file() else None for k, p in named.items()}


def own_parts(stage: stages.Stage, config: TermConfig, inputs: dict[str, dict], files: dict[str, str | None],
              code: str, key: str, settings: dict[str, str] | None = None) -> dict[str, str]:
    """The digests of what ``stage`` reads itself (its upstream stages are added by :func:`plan`).

    ``settings``: :meth:`TermConfig.key_digests` of (at least) the stage's config keys, computed
    once for all stages by :func:`plan`; None computes them here."""
    settings = settings if settings is not None else config.key_digests(stage.config_keys)
    parts = {"code": _digest(code), "key": _digest(key)}
    parts.update({CONFIG + k: settings[k] for k in stage.config_keys})
    entries = config.input_digests()
    for item in config.inputs:
        if item.kind in stage.inputs:  # the export and what its entry says (columns, tool, sheet, ...)
            parts[INPUT + item.id] = _digest([inputs.get(item.id, {}).get("sha256"), entries[item.id]])
    for name in stage.side_files:
        if name in files:
            parts[name] = _digest(files[name])
    return parts


@dataclass
class Plan:
    """Every stage's fingerprint and parts for this run, and the stages to run with their reasons."""
    fingerprints: dict[str, str] = field(default_factory=dict)
    parts: dict[str, dict[str, str]] = field(default_factory=dict)
    #: stage -> why it runs (pipeline order); stages not in it keep their published outputs.
    stale: dict[str, list[str]] = field(default_factory=dict)

    def run_record(self, name: str) -> dict:
        return {"fingerprint": self.fingerprints[name], "parts": self.parts[name]}

    def overall(self) -> str:
        return _digest(self.fingerprints)

    def lines(self) -> list[str]:
        return [f"  {name}: {'; '.join(why)}" for name, why in self.stale.items()]


def reasons(now: dict[str, str], before: dict[str, str] | None) -> list[str]:
    """What changed between two sets of parts, in words."""
    if before is None:
        return ["no earlier run recorded what it read"]
    if "config" in before and not any(k.startswith(CONFIG) for k in before):
        return ["the earlier run recorded a digest of the whole config, not of each section"]
    out = []
    for name in sorted(set(now) | set(before)):
        if now.get(name) == before.get(name):
            continue
        what = ("added" if name not in before else "no longer set" if name not in now else "changed")
        if name.startswith(AFTER):
            out.append(f"{name[len(AFTER):]} re-runs")
        elif name.startswith(INPUT):
            out.append(f"input '{name[len(INPUT):]}' {what}")
        elif name == "key":
            out.append("the pseudonym key changed")
        elif name.startswith(CONFIG):
            key = name[len(CONFIG):]
            out.append(f"config {'key' if '.' in key else 'section'} {key} {what}")
        else:
            out.append(f"{name} {what}")
    # an upstream stage's re-run is the consequence; its own reasons are printed on its line
    return sorted(out, key=lambda r: r.endswith(" re-runs"))


def plan(config: TermConfig, inputs: dict[str, dict], code: str, key: bytes, previous: dict | None, *,
         selected: list[str] | None = None, force: bool = False, why_selected: str = "selected") -> Plan:
    """Fingerprint every stage and decide which run.

    ``previous``: the ``stages`` of the last published run.json. ``selected`` (``--only`` /
    ``--from``): exactly these run, the others keep their recorded fingerprints. Otherwise a stage
    runs when ``force``, when a part changed, or when a stage it needs runs."""
    previous = previous or {}
    files = named_files(config)
    tag = key_tag(key)
    settings = config.key_digests({k for st in stages.STAGES for k in st.config_keys})
    out = Plan()
    for st in stages.STAGES:
        parts = own_parts(st, config, inputs, files, code, tag, settings)
        parts.update({AFTER + n: out.fingerprints[n] for n in st.needs})
        fp = _digest(parts)
        prev = previous.get(st.name)
        if not isinstance(prev, dict):
            prev = {}
        if selected is not None:
            why = [why_selected] if st.name in selected else []
        elif force:
            why = ["--force"]
        else:
            why = reasons(parts, prev.get("parts") if prev.get("fingerprint") else None)
            why += [f"{n} re-runs" for n in st.needs if n in out.stale and f"{n} re-runs" not in why]
        if why:
            out.stale[st.name] = why
            out.fingerprints[st.name], out.parts[st.name] = fp, parts
        else:  # kept: what its published outputs were made from
            out.fingerprints[st.name] = prev.get("fingerprint") or fp
            out.parts[st.name] = prev.get("parts") or parts
    return out
