"""MembershipParams: the spec's table, its ranges, and calibrated-values files."""

from __future__ import annotations

import json

import pytest

from phalanx.errors import ParameterError, UserError
from phalanx.models.dynamics.params import MembershipParams, load_parameter_file

# the specification's table (docs/odd/membership.md), typed in independently of the code
SPEC = {
    "alpha": (-6.5, -30, 5),
    "beta_dependence": (2.0, 0, 20),
    "beta_credibility": (2.5, 0, 20),
    "beta_leader_threat": (3.0, 0, 20),
    "beta_patrons": (1.5, 0, 20),
    "beta_member_conflict": (1.5, 0, 20),
    "beta_threat_divergence": (1.0, 0, 20),
    "beta_leader_war": (1.0, 0, 20),
    "freeze_offset": (-1.0, -10, 10),
    "suspend_offset": (-1.5, -10, 10),
    "frozen_exit_offset": (1.0, -10, 10),
    "return_offset": (-6.0, -30, 10),
    "join_offset": (-8.0, -30, 10),
    "renewal_offset": (0.0, -10, 10),  # issue 10: the renewal term (docs/odd/membership.md 7.7)
    "belief_start": (0.7, 0, 1),
    "learning_requester": (0.6, 0, 1),
    "learning_observer": (0.2, 0, 1),
    "belief_recovery": (0.05, 0, 1),
    "request_rate": (1.0, 0, 20),
    "clash_rate": (1.0, 0, 20),
    "clash_belief_loss": (0.1, 0, 1),
    "mechanism_mitigation": (0.5, 0, 1),
    "position_base": (0.3, 0, 1),
    "position_ties": (0.6, 0, 2),
    "position_aggressor_ties": (0.6, 0, 2),
    "position_shared_enemy": (0.3, 0, 2),
    "position_exposure": (0.3, 0, 2),
    "abstain_below": (0.2, 0, 1),
    "quota": (2 / 3, 0.5, 1),
    "answered_level": (0.5, 0, 1),
    "capacity_floor": (0.05, 0, 1),
    "substitution": (0.3, 0, 1),
    "war_dependence_loss": (0.05, 0, 1),
    "investment_weight": (0.5, 0, 1),
    "cooperation_weight": (0.3, 0, 1),
    "dependence_missing": (0.5, 0, 1),
}
OPEN_BELOW = {"quota", "answered_level"}  # (lo, hi]


def test_every_parameter_of_the_spec_with_its_default():
    p = MembershipParams()
    assert set(MembershipParams.model_fields) == set(SPEC) | {"rule"}
    for name, (default, _, _) in SPEC.items():
        assert getattr(p, name) == pytest.approx(default), name
        assert MembershipParams.model_fields[name].description, name
    assert p.rule is None


@pytest.mark.parametrize("name", sorted(SPEC))
def test_ranges_are_the_spec_s(name):
    _, lo, hi = SPEC[name]
    MembershipParams(
        **{name: hi, **({"learning_requester": 1.0} if name == "learning_observer" else {})}
    )
    if name in OPEN_BELOW:
        with pytest.raises(ParameterError, match=f"'{name}' parameter of MembershipParams"):
            MembershipParams(**{name: lo})
    else:
        MembershipParams(
            **{name: lo, **({"learning_observer": 0.0} if name == "learning_requester" else {})}
        )
        with pytest.raises(ParameterError, match=f"'{name}' parameter of MembershipParams"):
            MembershipParams(**{name: lo - 0.01})
    with pytest.raises(ParameterError, match="Got"):
        MembershipParams(**{name: hi + 0.01})


def test_observer_never_learns_more_than_the_requester():
    with pytest.raises(ParameterError, match="learning_observer .* must not exceed"):
        MembershipParams(learning_requester=0.3, learning_observer=0.4)
    assert MembershipParams(learning_requester=0.3, learning_observer=0.3).learning_observer == 0.3


def test_nan_unknown_and_rule_are_refused():
    with pytest.raises(ParameterError, match="'alpha'"):
        MembershipParams(alpha=float("nan"))
    with pytest.raises(ParameterError, match="is not a parameter"):
        MembershipParams(alhpa=1.0)
    with pytest.raises(ParameterError, match="'rule'"):
        MembershipParams(rule="plurality")
    assert MembershipParams(rule="majority").rule == "majority"


def test_the_record_is_json_and_round_trips():
    p = MembershipParams(alpha=-4.0, rule="unanimity")
    rec = p.model_dump(mode="json")
    assert json.loads(json.dumps(rec)) == rec
    assert MembershipParams(**rec) == p


def test_a_yaml_file_sets_some_parameters(tmp_path):
    f = tmp_path / "cal.yaml"
    f.write_text("parameters:\n  alpha: -4.5\n  beta_leader_war: 1.8\nsource: test\nversion: '1'\n")
    p = load_parameter_file(f)
    assert (p.alpha, p.beta_leader_war, p.beta_dependence) == (-4.5, 1.8, 2.0)


def test_a_json_file_works_too(tmp_path):
    f = tmp_path / "cal.json"
    f.write_text(json.dumps({"parameters": {"quota": 0.75}, "source": "s", "version": "v"}))
    assert load_parameter_file(f).quota == 0.75


@pytest.mark.parametrize(
    ("text", "line", "field", "message"),
    [
        (
            "parameters:\n  alpha: -4\n  alhpa: 1\nsource: s\nversion: v\n",
            3,
            "parameters.alhpa",
            "'alhpa' is not a parameter",
        ),
        (
            "parameters:\n  alpha: -4\n  quota: 0.4\nsource: s\nversion: v\n",
            3,
            "parameters.quota",
            "'quota' parameter of MembershipParams must be greater than 0.5",
        ),
        ("parameters:\n  alpha: x\nsource: s\nversion: v\n", 2, "parameters.alpha", "'alpha'"),
        ("parameters: {}\nsource: s\n", None, "version", "is required"),
        ("parameters: {}\nsource: s\nversion: v\nextra: 1\n", 4, "extra", "is not a key"),
    ],
)
def test_bad_files_name_file_line_and_field(tmp_path, text, line, field, message):
    f = tmp_path / "bad.yaml"
    f.write_text(text)
    with pytest.raises(UserError) as e:
        load_parameter_file(f)
    assert e.value.file == str(f) and e.value.field == field
    if line is not None:
        assert e.value.line == line
    assert message in str(e.value)


def test_a_file_that_is_not_a_mapping(tmp_path):
    f = tmp_path / "list.yaml"
    f.write_text("- 1\n- 2\n")
    with pytest.raises(UserError, match="must hold a mapping"):
        load_parameter_file(f)
