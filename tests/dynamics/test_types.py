"""Drivers.neutral and the shape checks of the plain-data types."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from phalanx.models.dynamics.types import Drivers

from .toy import toy_state


def test_neutral_drivers_are_the_spec_s_defaults():
    s = toy_state()
    d = Drivers.neutral(s, 4, 3)
    assert d.shape == (4, 3)
    # capacity0 1, no war, offers 0, scales 1, cooperation 0
    assert (d.capacity0 == 1).all() and not d.at_war.any()
    assert d.arms_offer.shape == (4, 3, 0, 3) and d.conflict_scale.shape == (4, 3, 3, 3)
    for name in ("arms_offer", "investment", "guarantee", "cooperation"):
        assert (getattr(d, name) == 0).all(), name
    for name in ("conflict_scale", "threat_scale", "leader_threat_scale"):
        assert (getattr(d, name) == 1).all(), name
    assert not d.cooperation_group.any()
    d.check(3, 0)


def test_checks_name_the_field():
    s = toy_state()
    d = Drivers.neutral(s, 2, 2)
    with pytest.raises(ValueError, match="Drivers.threat_scale has shape"):
        replace(d, threat_scale=np.ones((2, 2, 4))).check(3, 0)
    with pytest.raises(ValueError, match="Drivers.capacity0 must lie in"):
        replace(d, capacity0=np.array([0.5, 1.5])).check(3, 0)
    with pytest.raises(ValueError, match="Drivers.drain must be finite"):
        replace(d, drain=np.array([np.inf, 0.0])).check(3, 0)
    with pytest.raises(ValueError, match="InitialState.conflict must be symmetric"):
        x = s.conflict.copy()
        x[0, 2] = 0.3
        replace(s, conflict=x).check()
    with pytest.raises(ValueError, match="InitialState.ties has shape"):
        replace(s, ties=np.zeros((2, 2))).check()
