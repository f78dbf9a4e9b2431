"""initial_state: the start of a run, read from a package by the specification's rules.

Expected values are read off the packages' CSV rows by hand (cited in the comments), not
from the code's output.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from phalanx.errors import UserError
from phalanx.kb import KnowledgeBase
from phalanx.kb.arrays import FROZEN, MEMBER, OUT, SUSPENDED
from phalanx.models.dynamics.state import default_start, initial_state


def test_eurasia_2022_actors_roles_and_statuses(eurasia):
    s = initial_state(eurasia, start="2022-01-01")
    assert s.organization == "CSTO" and s.date == "2022-01-01"
    # the region of datapackage.json, in its order (all states)
    assert s.actors == tuple(eurasia.defaults.region)
    assert s.actors[s.leader] == "RUS"
    assert [s.actors[p] for p in s.patrons] == ["CHN", "TUR", "IRN", "USA"]
    roles = {a: bool(c) for a, c in zip(s.actors, s.candidates, strict=True)}
    assert not roles["RUS"] and not roles["CHN"] and not roles["USA"]
    assert roles["KAZ"] and roles["AZE"] and roles["UZB"]
    # statuses as the knowledge base's own membership query gives them
    by = {m["actor"]: m["status"] for m in eurasia.members("CSTO", "2022-01-01")}
    code = {"member": MEMBER, "frozen": FROZEN, "suspended": SUSPENDED}
    for a, st in zip(s.actors, s.status, strict=True):
        assert st == code.get(by.get(a), OUT), a
    assert s.rule == "consensus" and s.dispute_mechanism is False
    assert s.suspension_allowed  # provisions.csv: CSTO, Suspension, kind suspension
    assert s.leader_caps is True and s.data_version == eurasia.version


def test_eurasia_dependence_threats_and_conflicts(eurasia):
    s = initial_state(eurasia, start="2022-01-01")
    i = {a: k for k, a in enumerate(s.actors)}
    # dependence: the indicator's latest value where there is one, 1 for the leader
    for a in ("KAZ", "ARM", "TKM"):
        rec = eurasia.snapshot("2022-01-01").indicator_record(a, "arms_import_share_from_RUS")
        assert s.dependence[i[a]] == pytest.approx(float(rec["value"]))
    assert s.dependence[i["RUS"]] == 1.0
    assert s.dependence_assumed[i["CHN"]] and not s.dependence_assumed[i["KAZ"]]
    t = {k: j for j, k in enumerate(s.targets)}
    # threat perceptions (ISKP, TALIBAN) and rivals other than the leader (relations.csv:
    # rivalry-ARM-AZE 1.0, rivalry-ARM-TUR 0.6, rivalry-RUS-UKR 1.0, rivalry-RUS-GEO 0.6,
    # rivalry-USA-RUS-2014 0.6 (ended 2022-02-24: after the start), rivalry-USA-CHN 0.5)
    assert set(s.targets) == {"ISKP", "TALIBAN", "AZE", "ARM", "TUR", "UKR", "GEO", "USA", "CHN"}
    assert s.threat[i["ARM"], t["AZE"]] == pytest.approx(1.0)
    assert s.threat[i["AZE"], t["ARM"]] == pytest.approx(1.0)
    assert s.threat[i["ARM"], t["TUR"]] == pytest.approx(0.6)
    assert s.threat[i["RUS"], t["USA"]] == pytest.approx(0.6)
    assert s.threat[i["USA"], t["CHN"]] == pytest.approx(0.5)
    # the strain index's part: threat perceptions only
    assert s.perception[i["ARM"], t["AZE"]] == 0 and s.perception[i["TJK"], t["ISKP"]] > 0
    # relations.csv: threat-TJK-ISKP 0.3, threat-KAZ-TALIBAN 0.6 (ended 2021-08: inside the
    # year's window); Armenia perceives nothing itself but shares the CSTO's (threat-CSTO-
    # TALIBAN 0.6) as a member; Azerbaijan (outside) does not
    assert s.threat[i["TJK"], t["ISKP"]] == pytest.approx(0.3)
    assert s.threat[i["KAZ"], t["TALIBAN"]] == pytest.approx(0.6)
    assert s.threat[i["ARM"], t["TALIBAN"]] == pytest.approx(0.6)
    assert s.threat[i["AZE"], t["TALIBAN"]] == 0 and s.threat[i["AZE"], t["ISKP"]] == 0
    # territorial-threat-RUS-KAZ 0.2: fear of the leader, not a threat target
    assert s.leader_threat[i["KAZ"]] == pytest.approx(0.2)
    assert "RUS" not in s.targets
    assert np.array_equal(s.conflict, s.conflict.T) and np.all(np.diag(s.conflict) == 0)
    assert s.conflict[i["ARM"], i["AZE"]] > 0 and s.conflict[i["KGZ"], i["TJK"]] > 0
    assert s.requests_made[i["ARM"]] == 1 and s.requests_open[i["ARM"]] == 1
    assert [(a, ans) for a, _, ans in s.past_requests] == [("ARM", False)]


def test_eurasia_end_of_period_counts_past_requests(eurasia):
    s = initial_state(eurasia, start="2026-12-31")
    # events.csv: Armenia 2021-05 (unanswered), Kazakhstan 2022-01 (answered by the
    # deployment the next day), Armenia 2022-09 (fact-finding only: unanswered)
    got = sorted((a, round(age, 2), ans) for a, age, ans in s.past_requests)
    want = sorted(
        [
            (
                "ARM",
                round(
                    (np.datetime64("2026-12-31") - np.datetime64("2021-05-14")).astype(int)
                    / 365.25,
                    2,
                ),
                False,
            ),
            (
                "KAZ",
                round(
                    (np.datetime64("2026-12-31") - np.datetime64("2022-01-05")).astype(int)
                    / 365.25,
                    2,
                ),
                True,
            ),
            (
                "ARM",
                round(
                    (np.datetime64("2026-12-31") - np.datetime64("2022-09-13")).astype(int)
                    / 365.25,
                    2,
                ),
                False,
            ),
        ]
    )
    assert got == want
    assert len(s.past_request_events) == 3
    assert default_start(eurasia).isoformat() == "2026-12-31"


def test_anzus(anzus_kb):
    s = initial_state(anzus_kb)
    assert s.date == "2010-12-31"  # the last day of the period 1951..2010
    assert s.actors == ("AUS", "NZL", "USA") and s.actors[s.leader] == "USA"
    assert s.patrons == () and s.targets == () and s.threat.shape == (3, 0)
    assert list(s.status) == [MEMBER, MEMBER, MEMBER]
    # aus-nzl-alliance 1; the NZL-USA alliance ended 1986, the 2010 partnership is 0.5
    assert s.ties[0, 1] == 1 and s.ties[1, 2] == 0.5 and s.ties[2, 1] == 0.5
    # no dependence indicator in the package: assumed
    assert s.dependence[0] == 0.5 and s.dependence_assumed[0] and s.dependence[2] == 1
    # 2001 invocation by Australia; no deployment follows it in events.csv
    assert s.requests_made[0] == 1 and s.requests_open[0] == 1
    assert not s.suspension_allowed


def test_triple_alliance(triple_kb):
    s = initial_state(triple_kb, start="1914-09-01")
    assert s.actors[s.leader] == "GER" and s.organization == "TRI"
    i = {a: k for k, a in enumerate(s.actors)}
    assert {a for a, st in zip(s.actors, s.status, strict=True) if st == MEMBER} == {
        "GER",
        "AUH",
        "ITA",
        "ROM",
    }
    # war-GER-FRA-1914 and fra-ger-rivalry: France fears the leader; war-AUH-SRB-1914
    assert s.leader_threat[i["FRA"]] == 1 and s.conflict[i["AUH"], i["SRB"]] == 1
    assert s.conflict[i["AUH"], i["ITA"]] == 1  # auh-ita-irredentism, a territorial dispute
    # the default start is the last day the alliance existed (dissolved 1918-11)
    assert default_start(triple_kb, "TRI").isoformat() == "1918-10-31"
    assert initial_state(triple_kb).date == "1918-10-31"


def _copy(tmp_path: Path, src: Path, edit_json=None, edit_files=None) -> KnowledgeBase:
    import shutil

    pkg = tmp_path / "pkg"
    shutil.copytree(src, pkg)
    if edit_json:
        d = json.loads((pkg / "datapackage.json").read_text())
        edit_json(d)
        (pkg / "datapackage.json").write_text(json.dumps(d))
    for name, fn in (edit_files or {}).items():
        f = pkg / name
        f.write_text(fn(f.read_text()))
    return KnowledgeBase.from_path(pkg)


def test_patrons_are_derived_when_not_declared(tmp_path, anzus):
    # a fourth state that never joined and supplies arms to Australia is a patron
    kb = _copy(
        tmp_path,
        anzus,
        edit_json=lambda d: d["phalanx"].__setitem__("region", ["AUS", "NZL", "USA", "GBR"]),
        edit_files={
            "actors.csv": lambda t: t + "GBR,United Kingdom,state,200,,,cow-states\n",
            "relations.csv": lambda t: (
                t + "gbr-aus-arms,GBR,AUS,arms_supply,true,1,0.4,1990,,confirmed,,anzus-treaty\n"
            ),
        },
    )
    s = initial_state(kb)
    assert [s.actors[p] for p in s.patrons] == ["GBR"]
    assert s.patron_arms.shape == (1, 4) and s.patron_arms[0, 0] == pytest.approx(0.4)
    assert not s.candidates[3] and s.status[3] == OUT


@pytest.mark.parametrize(
    ("kwargs", "field", "message"),
    [
        ({"organization": "WARSAW"}, None, "WARSAW"),
        ({"start": "1951-06-01"}, "start", "the leader USA is not a member"),
        ({"start": "2020-01-01"}, "start", "outside the package's period"),
        ({"start": "2001-13-01"}, "start", "expected an ISO date"),
    ],
)
def test_user_errors(anzus_kb, kwargs, field, message):
    with pytest.raises(UserError) as e:
        initial_state(anzus_kb, **kwargs)
    assert message in str(e.value)
    if field:
        assert e.value.field == field


def test_a_package_without_a_leader(tmp_path, anzus):
    kb = _copy(
        tmp_path,
        anzus,
        edit_files={"organizations.csv": lambda t: t.replace(",false,USA,", ",false,,")},
        edit_json=lambda d: d["phalanx"].pop("leader"),
    )
    with pytest.raises(UserError) as e:
        initial_state(kb)
    assert e.value.field == "phalanx.leader" and "leader" in str(e.value)


def test_a_declared_patron_inside_the_organisation(tmp_path, anzus):
    kb = _copy(tmp_path, anzus, edit_json=lambda d: d["phalanx"].__setitem__("patrons", ["NZL"]))
    with pytest.raises(UserError, match="NZL hold"):
        initial_state(kb)


def test_declared_patrons_outside_the_region_are_simulated_too(tmp_path, anzus):
    kb = _copy(
        tmp_path,
        anzus,
        edit_json=lambda d: d["phalanx"].__setitem__("patrons", ["GBR"]),
        edit_files={"actors.csv": lambda t: t + "GBR,United Kingdom,state,200,,,cow-states\n"},
    )
    s = initial_state(kb)
    assert s.actors == ("AUS", "NZL", "USA", "GBR") and s.patrons == (3,)
    assert s.status[3] == OUT and not s.candidates[3]
