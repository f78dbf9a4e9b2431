"""The driver sampler: values in range, paths interpolated by hand, war years uniform,
rules combined as documented, unknown ids skipped with a warning, determinism."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from phalanx.experiments.drivers import FIXED_SLOTS, compile_scenario
from phalanx.experiments.scenario import load_scenario
from phalanx.models.dynamics.types import Drivers

from .states import from_package, hand_state

HEAD = "name: mine\ntitle: Mine\nsummary: A scenario of my own.\n"  # 3 lines
SHIPPED = ("baseline", "short-war", "long-war", "rebalancing", "regional-cooperation")


def _scenario(tmp_path: Path, body: str):
    p = tmp_path / "mine.yaml"
    p.write_text(HEAD + body)
    return load_scenario(p)


def _grid(m: int, k: int) -> np.ndarray:
    """``m`` replicates whose every uniform is (j + 0.5) / m."""
    return np.repeat(((np.arange(m) + 0.5) / m)[:, None], k, axis=1)


def test_no_rules_give_the_documented_defaults(tmp_path):
    st = hand_state()
    c = compile_scenario(_scenario(tmp_path, ""), st, years=4)
    assert c.n_uniforms == FIXED_SLOTS and c.warnings == ()
    d = c.sample(np.random.default_rng(1).random((3, c.n_uniforms)))
    assert d.shape == (3, 4)
    assert (d.capacity0 == 1).all() and not d.at_war.any()
    assert (d.drain == 0).all() and (d.recovery == 0).all()
    for a in (d.arms_offer, d.investment, d.guarantee):
        assert a.shape == (3, 4, 1, 6) and (a == 0).all()
    assert d.conflict_scale.shape == (3, 4, 6, 6) and (d.conflict_scale == 1).all()
    assert (d.threat_scale == 1).all() and (d.leader_threat_scale == 1).all()
    assert (d.cooperation == 0).all() and not d.cooperation_group.any()
    if hasattr(Drivers, "neutral"):  # the engine's own definition of "no rule at all"
        neutral = Drivers.neutral(st, 3, 4)
        for name in Drivers.__dataclass_fields__:
            assert np.array_equal(getattr(d, name), getattr(neutral, name)), name


def test_path_interpolation_matches_hand_computed_values(tmp_path):
    # start 2026: simulated years 2027..2032. Points 2027 [0.1, 0.3] and 2031 [0.5, 0.7].
    # With u = 0.5 the value runs 0.2 at 2027, +0.1 a year to 0.6 at 2031, then stays.
    # With u = 0 it is the low path: 0.1, 0.2, 0.3, 0.4, 0.5, 0.5.
    body = (
        "cooperation:\n  group: members\n  path:\n"
        "    - {year: 2027, low: 0.1, high: 0.3}\n    - {year: 2031, low: 0.5, high: 0.7}\n"
    )
    c = compile_scenario(_scenario(tmp_path, body), hand_state(), years=6)
    u = np.zeros((2, c.n_uniforms))
    u[0, 4] = 0.5
    d = c.sample(u)
    np.testing.assert_allclose(d.cooperation[0], [0.2, 0.3, 0.4, 0.5, 0.6, 0.6])
    np.testing.assert_allclose(d.cooperation[1], [0.1, 0.2, 0.3, 0.4, 0.5, 0.5])
    assert list(c.calendar) == [2027, 2028, 2029, 2030, 2031, 2032]
    # members on the start date: the leader, two members and the frozen one
    assert d.cooperation_group.tolist() == [True, True, True, True, False, False]


def test_a_path_is_constant_before_its_first_point(tmp_path):
    body = (
        "threats:\n  - actors: [AAA]\n    path:\n"
        "      - {year: 2029, low: 2.0, high: 2.0}\n      - {year: 2031, value: 4.0}\n"
    )
    c = compile_scenario(_scenario(tmp_path, body), hand_state(), years=6)
    d = c.sample(np.full((1, c.n_uniforms), 0.3))
    np.testing.assert_allclose(d.threat_scale[0, :, 1], [2, 2, 2, 3, 4, 4])
    assert (d.threat_scale[0, :, [0, 2, 3, 4, 5]] == 1).all()


def test_a_zero_width_range_gives_exactly_that_value(tmp_path):
    body = (
        "leader:\n  capacity: 0.37\n  recovery: {low: 0.21, high: 0.21}\n"
        "  war: {years: 5, drain: 0.043}\n"
        "patrons:\n  - patron: PAT\n    to: [OUT]\n    offer: guarantee\n"
        "    path: [{year: 2020, value: 0.123}]\n"
    )
    c = compile_scenario(_scenario(tmp_path, body), hand_state(), years=3)
    d = c.sample(np.random.default_rng(7).random((50, c.n_uniforms)))
    assert (d.capacity0 == 0.37).all() and (d.recovery == 0.21).all()
    assert (d.drain == 0.043).all() and d.at_war.all()
    assert (d.guarantee[:, :, 0, 5] == 0.123).all()
    assert (np.delete(d.guarantee, 5, axis=3) == 0).all()


def test_every_value_lies_in_its_range_even_at_the_ends(tmp_path):
    body = (
        "leader:\n  capacity: {low: 0.45, high: 0.65}\n  recovery: {low: 0.1, high: 0.3}\n"
        "  war: {years: {low: 2, high: 5}, drain: {low: 0.02, high: 0.06}}\n"
    )
    c = compile_scenario(_scenario(tmp_path, body), hand_state(), years=8)
    u = np.random.default_rng(3).random((500, c.n_uniforms))
    u[0], u[1] = 0.0, 1.0  # the ends of the unit interval
    d = c.sample(u)
    assert d.capacity0.min() >= 0.45 and d.capacity0.max() <= 0.65
    assert d.drain.min() >= 0.02 and d.drain.max() <= 0.06
    assert d.recovery.min() >= 0.1 and d.recovery.max() <= 0.3
    assert d.capacity0[0] == 0.45 and d.capacity0[1] == 0.65
    years = d.at_war.sum(axis=1)
    assert years.min() == 2 and years.max() == 5


def test_war_years_are_uniform_on_low_to_high_inclusive(tmp_path):
    # 10 grid points per value of 6..15: a uniform integer gives each value exactly 10 times
    body = "leader:\n  war: {years: {low: 6, high: 15}, drain: 0.05}\n"
    c = compile_scenario(_scenario(tmp_path, body), hand_state(), years=20)
    d = c.sample(_grid(100, c.n_uniforms))
    years = d.at_war.sum(axis=1)
    values, counts = np.unique(years, return_counts=True)
    assert values.tolist() == list(range(6, 16))
    assert counts.tolist() == [10] * 10
    # at_war[y] = (y + 1) <= years: the war years come first, then peace
    for row, w in zip(d.at_war, years, strict=True):
        assert row.tolist() == [True] * w + [False] * (20 - w)


def test_war_longer_than_the_horizon_covers_every_year(tmp_path):
    c = compile_scenario(
        _scenario(tmp_path, "leader:\n  war: {years: 100, drain: 0}\n"), hand_state(), years=7
    )
    assert c.sample(_grid(3, c.n_uniforms)).at_war.all()


def test_offers_combine_as_independent_chances_and_skip_the_patron_itself(tmp_path):
    st = hand_state(patrons=(4, 5), status=(1, 1, 1, 2, 0, 0))  # PAT and OUT are patrons
    body = (
        "patrons:\n"
        "  - patron: patrons\n    to: all\n    offer: arms\n"
        "    path: [{year: 2027, value: 0.2}]\n"
        "  - patron: [PAT]\n    to: [AAA]\n    offer: arms\n"
        "    path: [{year: 2027, value: 0.5}]\n"
        "  - patron: PAT\n    to: [AAA]\n    offer: investment\n"
        "    path: [{year: 2027, value: 0.3}]\n"
    )
    c = compile_scenario(_scenario(tmp_path, body), st, years=2)
    assert c.n_uniforms == FIXED_SLOTS + 3
    d = c.sample(_grid(2, c.n_uniforms))
    # PAT -> AAA: 1 - (1 - 0.2)(1 - 0.5) = 0.6
    np.testing.assert_allclose(d.arms_offer[:, :, 0, 1], 0.6)
    np.testing.assert_allclose(d.arms_offer[:, :, 1, 1], 0.2)  # OUT -> AAA: one rule
    assert (d.arms_offer[:, :, 0, 4] == 0).all()  # PAT never offers to itself
    assert (d.arms_offer[:, :, 1, 5] == 0).all()
    np.testing.assert_allclose(d.arms_offer[:, :, 0, 5], 0.2)  # PAT -> OUT
    np.testing.assert_allclose(d.investment[:, :, 0, 1], 0.3)
    assert d.investment.sum() == pytest.approx(0.3 * 2 * 2)


def test_multipliers_multiply_and_conflicts_are_symmetric(tmp_path):
    body = (
        "conflicts:\n"
        "  - between: members\n    path: [{year: 2027, value: 2.0}]\n"
        "  - pair: [BBB, AAA]\n    path: [{year: 2027, value: 0.5}]\n"
        "  - between: external\n    path: [{year: 2027, value: 3.0}]\n"
        "leader_threat:\n"
        "  - actors: candidates\n    path: [{year: 2027, value: 1.5}]\n"
        "  - actors: [CCC, OUT]\n    path: [{year: 2027, value: 2.0}]\n"
    )
    c = compile_scenario(_scenario(tmp_path, body), hand_state(), years=3)
    d = c.sample(_grid(4, c.n_uniforms))
    cs = d.conflict_scale
    assert (cs == np.swapaxes(cs, 2, 3)).all()
    assert (cs[:, :, 1, 2] == 1.0).all()  # members (2) times the pair (0.5)
    assert (cs[:, :, 1, 3] == 2.0).all()  # AAA and the frozen CCC are both in
    assert (cs[:, :, 0, 5] == 3.0).all() and (cs[:, :, 4, 2] == 3.0).all()  # in x out
    assert (cs[:, :, 4, 5] == 1.0).all()  # two outsiders: no rule
    assert (cs[:, :, np.arange(6), np.arange(6)] == 1).all()  # the diagonal is untouched
    # candidates are AAA BBB CCC OUT; CCC and OUT get both rules
    assert d.leader_threat_scale[0, 0].tolist() == [1, 1.5, 1.5, 3.0, 1, 3.0]


def test_selector_words(tmp_path):
    words = ("all", "members", "outsiders", "candidates", "leader", "patrons")
    body = "threats:\n" + "".join(
        f"  - actors: {w}\n    path: [{{year: 2027, value: 2}}]\n" for w in words
    )
    c = compile_scenario(_scenario(tmp_path, body), hand_state(), years=1)
    got = {w: r["cells"] for w, r in zip(words, c.rules, strict=True)}
    assert got == {
        "all": 6,
        "members": 4,
        "outsiders": 1,
        "candidates": 4,
        "leader": 1,
        "patrons": 1,
    }
    # each actor's multiplier is 2 ** (number of words that select it)
    d = c.sample(_grid(1, c.n_uniforms))
    assert d.threat_scale[0, 0].tolist() == [2**3, 2**3, 2**3, 2**3, 2**2, 2**3]


def test_unknown_ids_skip_their_rule_with_file_and_line_but_keep_the_slot(tmp_path):
    body = (
        "patrons:\n"
        "  - patron: TUR\n    to: [AAA]\n    offer: arms\n"  # lines 5-7
        "    path: [{year: 2027, value: 0.5}]\n"
        "  - patron: AAA\n    to: [BBB]\n    offer: arms\n"  # AAA is no patron: line 9
        "    path: [{year: 2027, value: 0.5}]\n"
        "  - patron: PAT\n    to: [AAA, KGZ]\n    offer: arms\n"  # KGZ unknown: line 14
        "    path: [{year: 2027, value: 0.5}]\n"
        "  - patron: PAT\n    to: [AAA]\n    offer: arms\n"
        "    path: [{year: 2027, value: 0.5}]\n"
        "conflicts:\n  - pair: [ARM, AZE]\n    path: [{year: 2027, value: 2}]\n"  # line 22
        "cooperation:\n  group: [AAA, UZB]\n  path: [{year: 2027, value: 0.3}]\n"  # line 25
    )
    c = compile_scenario(_scenario(tmp_path, body), hand_state(), years=2)
    assert c.n_uniforms == FIXED_SLOTS + 5
    w = c.warnings
    assert len(w) == 5
    assert w[0].startswith("mine.yaml:5: field 'patrons[0].patron': TUR is not among")
    assert w[1].startswith("mine.yaml:9: field 'patrons[1].patron': AAA is not an outside")
    assert w[2].startswith("mine.yaml:14: field 'patrons[2].to': KGZ is not among")
    assert w[3].startswith("mine.yaml:22: field 'conflicts[0].pair': ARM, AZE are not among")
    assert w[4].startswith("mine.yaml:25: field 'cooperation.group': UZB is not among")
    assert all("skipped" in x for x in w)
    assert [r["skipped"] for r in c.rules] == [True, True, True, False, True]
    assert [r["slot"] for r in c.rules] == [5, 6, 7, 8, 9]
    d = c.sample(_grid(3, c.n_uniforms))
    np.testing.assert_allclose(d.arms_offer[:, :, 0, 1], 0.5)  # only the fourth rule
    assert d.arms_offer.sum() == pytest.approx(0.5 * 3 * 2)
    assert (d.conflict_scale == 1).all() and (d.cooperation == 0).all()


def test_a_misspelt_selector_word_is_named_in_the_warning(tmp_path):
    body = "threats:\n  - actors: member\n    path: [{year: 2027, value: 2}]\n"
    c = compile_scenario(_scenario(tmp_path, body), hand_state(), years=1)
    assert len(c.warnings) == 1
    assert "did you mean the selector word 'members'?" in c.warnings[0]


def test_a_path_outside_the_simulated_years_is_noted(tmp_path):
    body = "threats:\n  - actors: all\n    path: [{year: 2001, value: 2}, {year: 2005, value: 3}]\n"
    c = compile_scenario(_scenario(tmp_path, body), hand_state(), years=2)
    assert len(c.warnings) == 1 and "before the first simulated year (2027)" in c.warnings[0]
    assert (c.sample(_grid(1, c.n_uniforms)).threat_scale == 3).all()


def test_sampling_is_pure_and_row_by_row(tmp_path):
    c = compile_scenario(load_scenario("rebalancing"), from_package("eurasia"), years=10)
    u = np.random.default_rng(11).random((40, c.n_uniforms))
    a, b = c.sample(u), c.sample(u.copy())
    part = c.sample(u[7:19])
    for name in a.__dataclass_fields__:
        x, y, z = getattr(a, name), getattr(b, name), getattr(part, name)
        assert np.array_equal(x, y), name
        if name != "cooperation_group":
            assert np.array_equal(x[7:19], z), name


def test_one_uniform_per_rule_makes_paths_comonotone(tmp_path):
    body = (
        "patrons:\n  - patron: PAT\n    to: [AAA]\n    offer: arms\n    path:\n"
        "      - {year: 2027, low: 0.0, high: 0.2}\n      - {year: 2030, low: 0.3, high: 0.9}\n"
    )
    c = compile_scenario(_scenario(tmp_path, body), hand_state(), years=4)
    d = c.sample(np.random.default_rng(5).random((200, c.n_uniforms)))
    x = d.arms_offer[:, :, 0, 1]
    # the replicates' ranks are the same in every year
    order = np.argsort(x[:, 0])
    for y in range(1, 4):
        assert (np.diff(x[order, y]) >= -1e-12).all()


def test_bad_uniforms_are_refused(tmp_path):
    c = compile_scenario(_scenario(tmp_path, ""), hand_state(), years=2)
    with pytest.raises(ValueError, match="shape"):
        c.sample(np.zeros((2, c.n_uniforms + 1)))
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        c.sample(np.full((2, c.n_uniforms), 1.5))
    with pytest.raises(ValueError, match="years"):
        compile_scenario(_scenario(tmp_path, ""), hand_state(), years=0)


@pytest.mark.parametrize("package", ["eurasia", "anzus", "triple-alliance"])
@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_scenarios_compile_and_sample_on_every_package(name, package):
    st = from_package(package)
    c = compile_scenario(load_scenario(name), st, years=12)
    d = c.sample(np.random.default_rng(0).random((25, c.n_uniforms)))
    r, y, n, p = 25, 12, st.n, len(st.patrons)
    assert d.shape == (r, y) and d.arms_offer.shape == (r, y, p, n)
    assert d.conflict_scale.shape == (r, y, n, n)
    for a in (d.capacity0, d.recovery, d.drain, d.cooperation, d.arms_offer, d.guarantee):
        assert a.min(initial=0) >= 0 and a.max(initial=0) <= 1
    for a in (d.conflict_scale, d.threat_scale, d.leader_threat_scale):
        assert a.min() >= 0
    if hasattr(d, "check"):  # the engine's contract check, once it is installed
        d.check(st.n, len(st.patrons))
    for w in c.warnings:
        assert w.startswith(f"{name}.yaml:")
    assert c.meta()["sha256"] == load_scenario(name).sha256


def test_rebalancing_reaches_the_patrons_the_source_names():
    st = from_package("eurasia", patrons=("CHN", "TUR", "IRN", "USA"))
    c = compile_scenario(load_scenario("rebalancing"), st, years=10)
    assert c.warnings == ()
    d = c.sample(_grid(20, c.n_uniforms))
    ix = {a: i for i, a in enumerate(st.actors)}
    pos = {st.actors[i]: k for k, i in enumerate(st.patrons)}
    last = d.arms_offer[:, -1]
    assert (last[:, pos["TUR"], ix["KGZ"]] > last[:, pos["CHN"], ix["KGZ"]]).all()
    assert (d.investment[:, -1, pos["CHN"], ix["KAZ"]] >= 0.2).all()
    assert (d.guarantee[:, :, pos["CHN"]] == 0).all()  # no Chinese guarantee
    assert (d.guarantee[:, -1, pos["USA"], ix["ARM"]] >= 0.05).all()


def test_named_rules_are_skipped_on_anzus_and_the_generic_ones_stay():
    c = compile_scenario(load_scenario("rebalancing"), from_package("anzus"), years=5)
    skipped = [r["skipped"] for r in c.rules]
    assert skipped[0] is False  # patron: patrons, to: candidates (nobody here)
    assert all(skipped[1:])
    assert any("USA is not an outside patron" in w for w in c.warnings)


def test_scenario_and_compiled_scenario_pickle_for_worker_processes():
    import pickle

    s = load_scenario("rebalancing")
    back = pickle.loads(pickle.dumps(s))
    assert back.model_dump() == s.model_dump() and back.sha256 == s.sha256
    assert back.text == s.text and back.path == s.path
    assert back.line(("patrons", 2, "to")) == s.line(("patrons", 2, "to")) is not None
    c = compile_scenario(s, from_package("eurasia"), years=6)
    c2 = pickle.loads(pickle.dumps(c))
    u = np.random.default_rng(2).random((5, c.n_uniforms))
    a, b = c.sample(u), c2.sample(u)
    for name in a.__dataclass_fields__:
        assert np.array_equal(getattr(a, name), getattr(b, name)), name
