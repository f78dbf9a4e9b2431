"""The organisation backtest's forecasters: the simulation and the large-N wrapper."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from phalanx.errors import ParameterError
from phalanx.evidence.org_backtest import (
    LargeNForecaster,
    SimulationForecaster,
    cutoff_day,
    known_by,
    member_outcomes,
    organization_backtest,
)
from phalanx.kb import KnowledgeBase
from phalanx.models.dynamics import MembershipParams

DATA = Path(__file__).resolve().parents[1] / "data" / "kb"


@pytest.fixture(scope="module")
def csto() -> KnowledgeBase:
    return KnowledgeBase.embedded()


def _forecast(kb, sim, cutoff, horizon, org=None):
    members = member_outcomes(kb, org, cutoff, horizon)
    org = members[0]["organization"]
    return np.array(sim(kb, org, cutoff, members[0]["observed_years"], members).probabilities)


# --- the simulation ----------------------------------------------------------------------------------


def test_the_simulation_is_deterministic_per_seed_and_nested_in_the_horizon(csto):
    a = _forecast(csto, SimulationForecaster(runs=120, seed=3), 2012, 5)
    b = _forecast(csto, SimulationForecaster(runs=120, seed=3), 2012, 5)
    c = _forecast(csto, SimulationForecaster(runs=120, seed=4), 2012, 5)
    assert np.array_equal(a, b)
    assert not np.array_equal(a, c)
    # the first five years of a ten-year run are the five-year run: leaving by year 5
    # implies leaving by year 10, replicate by replicate
    ten = _forecast(csto, SimulationForecaster(runs=120, seed=3), 2012, 10)
    assert np.all(ten >= a)
    assert np.all((a >= 0) & (a <= 1))
    # probabilities are shares of the 120 replicates
    assert np.allclose(a * 120, np.round(a * 120))


def test_the_simulation_records_its_seed_runs_and_data(csto):
    sim = SimulationForecaster(runs=30, seed=11)
    members = member_outcomes(csto, None, 2005, 5)
    fc = sim(csto, "CSTO", 2005, 5, members)
    n = fc.notes
    assert (n["runs"], n["seed"], n["years"], n["drivers"], n["parameters"]) == (
        30,
        11,
        5,
        "neutral",
        "defaults",
    )
    assert n["start"] == "2005-12-31"
    assert n["data_version"].endswith("known-by 2005-12-31")


def _with_rows(folder: Path, table: str, lines: list[str]) -> None:
    with open(folder / f"{table}.csv", "a", encoding="utf-8") as f:
        for line in lines:
            f.write(line + "\n")


def test_the_simulation_uses_only_what_was_known_at_the_cut_off(anzus):
    original = KnowledgeBase.from_path(anzus)
    before = {
        c: _forecast(original, SimulationForecaster(runs=200, seed=5), c, 5) for c in (2000, 2005)
    }
    # after 2000: a war between New Zealand and the leader, an unanswered request, and
    # New Zealand's exit from the treaty (none of it real)
    _with_rows(
        anzus,
        "relations",
        ["nzl-usa-war,NZL,USA,armed_conflict,false,-1,1,2003-01-01,,confirmed,,wiki-anzus"],
    )
    _with_rows(
        anzus,
        "events",
        ["nzl-invokes,2003-02-01,,invocation,NZL,ANZUS,,,A request,confirmed,,wiki-anzus"],
    )
    # and an average of arms imports over 1999-2008, begun but not ended at the 2000
    # cut-off: a snapshot would read it, the backtest must not
    _with_rows(
        anzus,
        "indicators",
        ["NZL,arms_import_share_from_USA,1999/2008,0.0,share,confirmed,,wiki-anzus"],
    )
    text = (
        (anzus / "memberships.csv")
        .read_text()
        .replace("ANZUS,NZL,member,1952-04-29,,", "ANZUS,NZL,member,1952-04-29,2009-01-01,")
    )
    (anzus / "memberships.csv").write_text(text)
    changed = KnowledgeBase.from_path(anzus)
    assert member_outcomes(changed, None, 2005, 5)[1]["outcome"] == 1  # the copy took
    after = _forecast(changed, SimulationForecaster(runs=200, seed=5), 2000, 5)
    assert np.array_equal(after, before[2000])
    # the planted average would have moved it: the test can fail
    leaky = SimulationForecaster(runs=200, seed=5, indicator_periods="started")
    assert not np.array_equal(_forecast(changed, leaky, 2000, 5), before[2000])
    # the control: from a cut-off after the war, New Zealand's forecast moves
    late = _forecast(changed, SimulationForecaster(runs=200, seed=5), 2005, 5)
    assert late[1] > before[2005][1]


def test_known_by_drops_later_rows_and_opens_later_ends(csto):
    day = cutoff_day(2005)
    k = known_by(csto, day)
    spells = k.query(
        "SELECT actor, status, \"end\" FROM memberships WHERE organization = 'CSTO' AND actor = 'UZB'"
    )
    assert [(s["status"], s["end"]) for s in spells] == [("member", "1999-04-21")]
    arm = k.query(
        "SELECT status, \"end\" FROM memberships WHERE organization = 'CSTO' AND actor = 'ARM'"
    )
    assert [(s["status"], s["end"]) for s in arm] == [("member", None)]
    assert k.query("SELECT count(*) AS n FROM events WHERE date_lo > ?", [day])[0]["n"] == 0
    ind = k.query(
        "SELECT DISTINCT period FROM indicators WHERE indicator = 'arms_import_share_from_RUS'"
    )
    assert ind == []  # every period of it ends after 2005 (1992/2021, 2012/2016, ...)
    started = known_by(csto, day, periods="started")
    got = started.query(
        "SELECT DISTINCT period FROM indicators WHERE indicator = 'arms_import_share_from_RUS' ORDER BY period"
    )
    assert [r["period"] for r in got] == ["1991/2020", "1992/2021"]
    assert csto.query("SELECT count(*) AS n FROM events WHERE date_lo > ?", [day])[0]["n"] > 0


def test_posterior_draws_take_replicates_in_turn(csto):
    stay = MembershipParams(
        alpha=-30.0,
        **{
            f"beta_{m}": 0.0
            for m in (
                "dependence",
                "credibility",
                "leader_threat",
                "patrons",
                "member_conflict",
                "threat_divergence",
                "leader_war",
            )
        },
    )
    go = MembershipParams(alpha=5.0, freeze_offset=10.0)
    # replicate r takes draw r % 2: the even ones (6 of 11) all leave, the odd ones never
    p = _forecast(csto, SimulationForecaster(params=[go, stay], runs=11, seed=1), 2005, 5)
    assert np.allclose(p, 6 / 11)
    # the same draw twice is the same as that one set
    base = MembershipParams()
    one = _forecast(csto, SimulationForecaster(params=base, runs=40, seed=2), 2005, 5)
    two = _forecast(csto, SimulationForecaster(params=[base, base], runs=40, seed=2), 2005, 5)
    assert np.array_equal(one, two)
    # a callable of the cut-off year
    seen = []

    def per_cutoff(year):
        seen.append(year)
        return go

    p = _forecast(csto, SimulationForecaster(params=per_cutoff, runs=5), 2012, 5)
    assert seen == [2012] and np.allclose(p, 1.0)


def test_simulation_settings_are_checked():
    with pytest.raises(ParameterError, match="'runs' parameter of SimulationForecaster"):
        SimulationForecaster(runs=0)
    with pytest.raises(ParameterError, match="indicator_periods"):
        SimulationForecaster(indicator_periods="never")


@pytest.mark.parametrize(
    ("package", "cutoffs"), [("anzus", (1990, 2005)), ("triple-alliance", (1900, 1910))]
)
def test_the_default_backtest_runs_on_other_alliances(package, cutoffs):
    kb = KnowledgeBase.from_path(DATA / package)
    records, cases = organization_backtest(kb, cutoffs=cutoffs, runs=50, bootstrap=50)
    assert len(records) == len(cutoffs) * 2 * 3
    assert {r["method"] for r in records} == {"base-rate", "persistence", "simulation"}
    assert {r["dataset"] for r in records} == {kb.defaults.organization}
    leader = kb.defaults.leader
    assert leader not in {c["actor"] for c in cases}
    assert all(r["brier"] is not None and 0 <= r["brier"] <= 1 for r in records)


# --- the large-N wrapper --------------------------------------------------------------------------------


class _Model:
    """A stand-in fitted model: the pact ends within h years with 1 - (1 - x)^h."""

    def __init__(self):
        self.calls = []

    def horizon_probability(self, rows, h):
        self.calls.append((rows[["a", "b", "year"]].to_numpy().tolist(), h))
        return 1 - (1 - rows["x"].to_numpy()) ** h


def _table():
    import pandas as pd

    # RUS = 365; ARM 371, BLR 370, KAZ 705, KGZ 703, TJK 702 (COW codes)
    t = pd.DataFrame(
        {
            "a": [365, 365, 365, 365, 370, 365, 365],
            "b": [371, 370, 705, 703, 371, 371, 702],
            "year": [2018, 2018, 2018, 2017, 2018, 2005, 2005],
            "x": [0.1, 0.2, 0.05, 0.3, 0.9, 0.4, 0.5],
        }
    )
    t.attrs["final_year"] = 2018
    return t


def test_large_n_reads_the_leader_dyad_in_the_final_year_and_reports_gaps(csto):
    model = _Model()
    records, cases = organization_backtest(
        csto,
        cutoffs=(2020,),
        horizons=(5,),
        forecasters={"hazard": LargeNForecaster(model, _table())},
        bootstrap=50,
    )
    got = {c["actor"]: c["forecast"] for c in cases}
    assert got["ARM"] == pytest.approx(1 - 0.9**5)
    assert got["BLR"] == pytest.approx(1 - 0.8**5)
    assert got["KAZ"] == pytest.approx(1 - 0.95**5)
    assert got["KGZ"] is None  # its row is of 2017, not the final year 2018
    assert got["TJK"] is None  # no row with the leader
    assert model.calls == [([[365, 371, 2018], [365, 370, 2018], [365, 705, 2018]], 5)]
    (rec,) = records
    assert (rec["n"], rec["events"], rec["not_covered"]) == (3, 1, 2)
    want = ((0.9**5) ** 2 + (1 - 0.8**5) ** 2 + (1 - 0.95**5) ** 2) / 3
    assert rec["brier"] == pytest.approx(want)
    assert cases[0]["notes"]["table_year"] == 2018


def test_large_n_fits_once_per_cut_off_and_reads_the_cut_off_year(csto):
    fits = []

    def fit(cutoff):
        fits.append(cutoff)
        return _Model()

    wrapper = LargeNForecaster(fit, _table(), name="logistic")
    records, cases = organization_backtest(
        csto, cutoffs=(2005,), horizons=(5, 10), forecasters={"logistic": wrapper}, bootstrap=20
    )
    assert fits == [2005]
    ten = {c["actor"]: c["forecast"] for c in cases if c["horizon"] == 10}
    assert ten["ARM"] == pytest.approx(1 - 0.6**10)
    assert ten["TJK"] == pytest.approx(1 - 0.5**10)
    assert ten["BLR"] is None
    assert [r["not_covered"] for r in records] == [3, 3]


def test_large_n_on_the_triple_alliance_uses_its_own_leader():
    import pandas as pd

    kb = KnowledgeBase.from_path(DATA / "triple-alliance")
    # Germany 255; Austria-Hungary 300, Italy 325, Romania 360
    t = pd.DataFrame(
        {"a": [255, 255, 300], "b": [300, 325, 325], "year": [1910] * 3, "x": [0.1, 0.2, 0.7]}
    )
    t.attrs["final_year"] = 1913
    members = member_outcomes(kb, None, 1910, 5)
    fc = LargeNForecaster(_Model(), t)(kb, "TRI", 1910, 5, members)
    assert fc.probabilities == pytest.approx([1 - 0.9**5, 1 - 0.8**5, None])
