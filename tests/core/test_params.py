"""Declared settings: one wording for every bad value; estimators validate in fit."""

from __future__ import annotations

import math

import pytest
from pydantic import Field, ValidationError

from phalanx.errors import ParameterError, UserError
from phalanx.params import Estimator, Settings, default_of, describe


class Limits(Settings):
    time_limit: float = Field(10.0, gt=0, le=3600, description="Seconds for one solve.")
    k: int = Field(2, ge=1, le=20)
    rule: str = Field("consensus", pattern="^(consensus|majority)$")


@pytest.mark.parametrize(
    ("kw", "text"),
    [
        (
            {"time_limit": math.nan},
            "The 'time_limit' parameter of Limits must be a finite number. Got nan instead.",
        ),
        (
            {"time_limit": math.inf},
            "The 'time_limit' parameter of Limits must be a finite number. Got inf instead.",
        ),
        (
            {"time_limit": -1.0},
            "The 'time_limit' parameter of Limits must be greater than 0. Got -1.0 instead.",
        ),
        (
            {"k": 20000},
            "The 'k' parameter of Limits must be less than or equal to 20. Got 20000 instead.",
        ),
        (
            {"colour": "red"},
            "The 'colour' parameter of Limits is not a parameter. Got 'red' instead.",
        ),
    ],
)
def test_every_bad_value_reads_the_same(kw, text):
    with pytest.raises(ParameterError) as e:
        Limits(**kw)
    assert str(e.value) == text
    assert isinstance(e.value, UserError) and isinstance(e.value, ValueError)


def test_settings_are_frozen_and_serialisable():
    s = Limits(k=3)
    with pytest.raises(ValidationError):  # frozen
        s.k = 4  # type: ignore[misc]
    assert s.model_dump(mode="json") == {"time_limit": 10.0, "k": 3, "rule": "consensus"}
    assert s.replace(k=5).k == 5
    with pytest.raises(ParameterError):
        s.replace(k=0)


def test_declarations_feed_the_cli():
    assert default_of(Limits, "time_limit") == 10.0
    assert describe(Limits, "time_limit") == "Seconds for one solve."


class Model(Estimator):
    Params = Limits

    def __init__(self, k: int = 2, time_limit: float = 10.0):
        self.k = k
        self.time_limit = time_limit

    def fit(self):
        self.params_ = self._validate_params()
        return self


def test_estimator_validates_in_fit_not_init():
    m = Model(k=0)  # stored as given, like scikit-learn
    assert m.get_params() == {"k": 0, "time_limit": 10.0}
    with pytest.raises(
        ParameterError,
        match="The 'k' parameter of Model must be greater than or equal to 1. Got 0 instead.",
    ):
        m.fit()
    assert Model(k=4).fit().params_.k == 4
    assert repr(Model(k=4)) == "Model(k=4, time_limit=10.0)"
