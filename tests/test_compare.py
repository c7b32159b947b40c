"""`mentoring compare`: terms and universities side by side and pooled, from public summaries only.

Fixtures: tests/fixtures/summaries/ (three made-up universities, one with two terms; written by
make_summaries.py through summary.build_summary)."""
from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from mentoring_lib.across_terms import compare, summary
from mentoring_lib.analysis import meta_analysis
from mentoring_lib.errors import InputError
from mentoring_lib.privacy.release import DisclosureAuditError

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "summaries"
THREE_UNIVERSITIES = [FIXTURES / f"uni-{u}-autumn-2030.json" for u in "abc"]


def _terms(paths=THREE_UNIVERSITIES):
    return compare.load_terms(paths)


# -- meta-analysis ---------------------------------------------------------------------------------

def test_pool_homogeneous_effects_hand_computed():
    # w = 20, 25, 12.5; fixed = (0.2*20 + 0.5*25 + 0.1*12.5) / 57.5 = 17.75 / 57.5
    p = meta_analysis.pool([0.2, 0.5, 0.1], [0.05, 0.04, 0.08])
    assert p.fixed == pytest.approx(17.75 / 57.5)
    assert p.fixed_se == pytest.approx(math.sqrt(1 / 57.5))
    # Q = 20*(0.2-f)^2 + 25*(0.5-f)^2 + 12.5*(0.1-f)^2 = 1.6957 < df = 2: no heterogeneity
    assert p.q == pytest.approx(1.6956522, abs=1e-6)
    assert (p.tau2, p.i2, p.random, p.random_se) == (0.0, 0.0, p.fixed, p.fixed_se)


def test_pool_heterogeneous_effects_hand_computed():
    # fixed = 0.5; Q = 10*0.25*2 = 5; C = 20 - 200/20 = 10; tau2 = (5-1)/10 = 0.4; I2 = 4/5
    p = meta_analysis.pool([0.0, 1.0], [0.1, 0.1])
    assert (p.fixed, p.q, p.tau2, p.i2) == pytest.approx((0.5, 5.0, 0.4, 0.8))
    assert p.random == pytest.approx(0.5) and p.random_se == pytest.approx(math.sqrt(1 / 4))
    assert p.ci("random") == pytest.approx((0.5 - 1.959964 * 0.5, 0.5 + 1.959964 * 0.5), abs=1e-5)


@pytest.mark.parametrize("effects,variances", [([0.3], [0.1]), ([0.1, 0.2], [0.1, 0.0])])
def test_pool_refuses_too_few_effects_or_a_zero_variance(effects, variances):
    with pytest.raises(ValueError):
        meta_analysis.pool(effects, variances)


def test_consortium_pooled_effect_equals_hand_computation_and_statsmodels():
    effects = {e["id"]: e for e in compare.pooled_effects(_terms())}
    scs = effects["scs_sf/total"]
    # the three universities' published (pairs, mean change, SD of change), by hand
    n = np.array([26, 41, 14])
    m = np.array([0.21, 0.35, -0.05])
    sd = np.array([0.44, 0.52, 0.50])
    g = (1 - 3 / (4 * (n - 1) - 1)) * m / sd
    v = 1 / n + g ** 2 / (2 * n)
    w = 1 / v
    fixed = (w * g).sum() / w.sum()
    q = (w * (g - fixed) ** 2).sum()
    tau2 = max(0.0, (q - 2) / (w.sum() - (w ** 2).sum() / w.sum()))
    wr = 1 / (v + tau2)
    random = (wr * g).sum() / wr.sum()
    assert tau2 > 0, "the fixture is meant to be heterogeneous"
    assert (scs["k"], scs["pairs"]) == (3, 26 + 41 + 14)
    assert scs["g"].fixed == pytest.approx(fixed) and scs["g"].random == pytest.approx(random)
    assert scs["g"].i2 == pytest.approx((q - 2) / q) and scs["g"].tau2 == pytest.approx(tau2)
    raw = scs["change"]  # same scoring everywhere: the mean change in scale points is pooled too
    wm = n / sd ** 2
    assert raw.fixed == pytest.approx((wm * m).sum() / wm.sum())

    sm = pytest.importorskip("statsmodels.stats.meta_analysis")
    res = sm.combine_effects(g, v, method_re="dl")
    assert scs["g"].fixed == pytest.approx(res.mean_effect_fe)
    assert scs["g"].fixed_se == pytest.approx(res.sd_eff_w_fe)
    assert scs["g"].random == pytest.approx(res.mean_effect_re)
    assert scs["g"].random_se == pytest.approx(res.sd_eff_w_re)
    assert scs["g"].tau2 == pytest.approx(res.tau2) and scs["g"].i2 == pytest.approx(res.i2)


def test_scale_scored_differently_pools_only_the_standardised_change():
    terms = _terms([FIXTURES / "uni-a-autumn-2030.json", FIXTURES / "uni-a-spring-2031.json",
                    FIXTURES / "uni-b-autumn-2030.json", FIXTURES / "uni-c-autumn-2030.json"])
    sw = {e["id"]: e for e in compare.pooled_effects(terms)}["swemwbs/total"]
    assert sw["k"] == 3  # uni-c publishes no SWEMWBS statistics (4 pairs)
    assert not sw["same_scoring"] and sw["change"] is None


# -- pooled counts and their disclosure ------------------------------------------------------------

def test_pooled_counts_sum_published_counts_and_keep_suppressed_ones_unpublished():
    pooled = compare.pooled_counts(_terms())
    assert pooled["applications/participant"] == {"label": "participants: applications", "value": 64 + 120 + 33,
                                                  "status": "published"}
    assert pooled["accepted/mentor"]["value"] == 12 + 16 + 8
    # "<5" at uni-a, "<5" at uni-b, 0 at uni-c: the pooled total would give the two small ones away
    assert (pooled["withdrew/mentor"]["value"], pooled["withdrew/mentor"]["status"]) == (None, "hidden")
    # "x" at uni-c
    assert pooled["withdrew/participant"]["status"] == "hidden"
    compare.audit_pooled(_terms(), pooled)  # passes


def test_audit_refuses_a_pooled_total_that_gives_suppressed_counts_away():
    terms = _terms()
    pooled = compare.pooled_counts(terms)
    # publish the mentors' withdrawals pooled: two "<5" cells and a 0 whose sum is 2 pin both to 1
    pooled["withdrew/mentor"] = {"label": "mentors: withdrew", "value": 2, "status": "published"}
    with pytest.raises(DisclosureAuditError) as err:
        compare.audit_pooled(terms, pooled)
    assert err.value.exit_code == 4


# -- notes and loading ---------------------------------------------------------------------------

def test_change_notes_name_the_changed_rule_and_scale():
    notes = compare.change_notes(_terms([FIXTURES / "uni-a-autumn-2030.json", FIXTURES / "uni-a-spring-2031.json"]))
    assert notes == [
        "Rules, Autumn 2030 · Example University A → Spring 2031 · Example University A: certificate rule: at least "
        "2 trainings and 4 meetings → 2 and 3.",
        "Instruments, Autumn 2030 · Example University A → Spring 2031 · Example University A: scored differently: "
        "swemwbs/total."]


def test_terms_are_put_in_time_order_and_a_term_given_twice_exit2():
    terms = _terms([FIXTURES / "uni-a-spring-2031.json", FIXTURES / "uni-a-autumn-2030.json"])
    assert [t.key for t in terms] == ["uni-a/autumn-2030", "uni-a/spring-2031"]
    with pytest.raises(InputError):
        _terms([FIXTURES / "uni-a-spring-2031.json", FIXTURES / "uni-a-spring-2031.json"])


def test_side_by_side_shows_each_figure_as_its_term_published_it():
    table = compare.side_by_side(_terms(), "reach")
    rows = {r[0]: r[1:] for r in table.rows}
    assert rows["participants: applications"] == ("64", "120", "33")
    assert rows["mentors: withdrew"] == ("<5", "<5", "0")
    assert rows["participants: withdrew"] == ("<5", "7", "x")
    assert rows["participants completed, share of accepted"] == ("79%", "76%", "70%")


# -- the command ----------------------------------------------------------------------------------

def _cli(*args, env=None):
    return subprocess.run([sys.executable, "-m", "mentoring_lib", *args], capture_output=True, text=True, cwd=ROOT,
                          env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}, timeout=300)


def test_compare_command_writes_the_report_exit0(tmp_path):
    out = tmp_path / "compare"
    done = _cli("compare", "--terms", *map(str, sorted(FIXTURES.glob("*.json"))), "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert {p.name for p in out.iterdir()} >= {"report.html", "report.pdf", "comparison.json", "figures"}
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "Example University C" in html and "Pooled change per scale" in html and "swemwbs/total" in html
    results = json.loads((out / "comparison.json").read_text(encoding="utf-8"))
    assert results["terms"] == ["uni-a/autumn-2030", "uni-b/autumn-2030", "uni-c/autumn-2030", "uni-a/spring-2031"]
    assert results["pooled_counts"]["applications/participant"]["value"] == 64 + 51 + 120 + 33


def test_compare_config_dir_finds_the_published_summaries(tmp_path):
    reports = tmp_path / "reports"
    (reports / "demo" / "public").mkdir(parents=True)
    shutil.copy(FIXTURES / "uni-a-autumn-2030.json", reports / "demo" / "public" / "summary.json")
    configs = tmp_path / "config"
    shutil.copytree(ROOT / "config", configs, ignore=shutil.ignore_patterns("local-*"))
    # a copy of the demo's config in another report language (as `make demo LANG=fi` writes) is the same term
    shutil.copy(configs / "demo.yml", configs / "local-demo-fi.yml")
    found = _cli("compare", "--config-dir", str(configs), env={"MENTORING_REPORTS_ROOT": str(reports)})
    assert found.returncode == 0, found.stderr
    assert (reports / "compare" / "report.html").is_file()
    empty = _cli("compare", "--config-dir", str(tmp_path / "nothing"))
    assert empty.returncode == 2 and "folder not found" in empty.stderr


def test_compare_stops_on_personal_data_in_a_summary_exit4(tmp_path):
    data = summary.load(FIXTURES / "uni-b-autumn-2030.json")
    data["university"]["name"] = "Example University B, call +358 40 123 4567"
    leaky = summary.write_summary(data, tmp_path / "leaky.json")
    out = tmp_path / "compare"
    done = _cli("compare", "--terms", str(FIXTURES / "uni-a-autumn-2030.json"), str(leaky), "--out", str(out))
    assert done.returncode == 4, done.stderr
    assert "phone number" in done.stderr and "4567" not in done.stderr
    assert not out.exists() and not list(tmp_path.glob(".compare-*"))


def test_invalid_summary_exit2(tmp_path):
    bad = tmp_path / "summary.json"
    data = summary.load(FIXTURES / "uni-c-autumn-2030.json")
    data["figures"]["reach"][0]["value"] = None  # a published figure without its number
    bad.write_text(json.dumps(data), encoding="utf-8")
    done = _cli("compare", "--terms", str(bad), "--out", str(tmp_path / "out"))
    assert done.returncode == 2 and "not a valid term summary" in done.stderr
