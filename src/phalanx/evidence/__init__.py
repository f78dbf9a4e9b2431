"""Evidence for the membership model: two centuries of alliance data (issue 10).

The layer between :mod:`phalanx.models` and :mod:`phalanx.experiments`. Its modules:
:mod:`~phalanx.evidence.dyads` (the defence-pact dyad-year table, built in DuckDB from the
readers of :mod:`phalanx.ingest`), :mod:`~phalanx.evidence.covariates` (how each covariate
is coded), and the estimation, backtest and calibration modules beside them.

Importing this package imports no module of its own and no heavy library (DuckDB, pandas,
scikit-learn are imported inside the functions that use them).
"""

__all__: list[str] = []
