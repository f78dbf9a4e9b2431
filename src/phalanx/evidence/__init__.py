"""Evidence for the models: estimation, backtests, calibration, tests out of sample.

The modules here read the field's datasets (through :mod:`phalanx.ingest`), fit the
termination hazard of two centuries of defence pacts, score forecasts with proper scoring
rules, calibrate the membership-dynamics model to an organisation's history and test the
collective-decision model on real requests for assistance. The package sits above
:mod:`phalanx.models` and below :mod:`phalanx.experiments`; importing it loads nothing
heavy (scikit-learn, pandas and DuckDB are imported inside the functions that use them).
"""

__all__: list[str] = []
