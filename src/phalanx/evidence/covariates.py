"""The covariates of the defence-pact dyad-year table, as DuckDB SQL, and how each is coded.

Each function below creates one temporary table on the connection of
:func:`phalanx.evidence.dyads.build_dyad_years`, from the tables the ``ingest`` readers
loaded (``nmc``, ``mid``, ``rivalries``, ``majors``; an absent file is an empty table of
the same columns, so every covariate has one code path) and the spell table ``_spell``
(``spell, a, b, year, start, age, last``). Years are whole calendar years throughout.

Coding decisions (each mapped to a mechanism of MODEL.md):

- **Capability** (dependence, mechanism 1): ``cinc_a``, ``cinc_b`` from NMC (exact
  duplicate rows collapse; two different CINCs for one state-year are an error);
  ``cap_ratio`` = min/max, NaN when either is missing or both are 0; ``power_shift`` =
  |log(cinc_a/cinc_b) - the same in the spell's first year in which both are positive|
  (Leeds and Savun 2007 measure change from the alliance's formation; NaN before that
  year, or when either CINC is missing or 0). ``stronger`` is the partner with the higher
  CINC, ``a`` when the two are missing or equal; the two covariates that need to know the
  stronger partner are 0 in those years, not guessed.
- **Dispute between the allies** (mechanisms 2 and 4): any MID dyad-year of the pair
  (any hostility level; "naive" multilateral dyads included, as in the file). Years after
  the MID file's last year (2014 for MID 5) are 0: no data, see ``attrs["coverage"]``.
- **Common strategic rival** (external threat, mechanism 1): a third state that is, that
  year, a Thompson-Dreyer rival of both partners. Rivalries ongoing at the end of the data
  are right-bound at the file's last year (2010); they are *carried on through the ATOP
  years* (to 2018), because the file cannot tell an end in 2010 from the end of its
  coverage and most rivalries running in 2010 (India-Pakistan, China-United States,
  Russia-United States) were still running in 2018. Cutting them at 2010 would switch the
  covariate off in the last eight years of every dyad, an artefact that a hazard fit
  would read as "no rival, no termination".
- **Stronger partner at war** (mechanism 6): the stronger partner reached hostility level
  5 (its own ``hostlev``, war) in a MID dyad-year whose other state is not its partner.
  The participant's own level is used, not the dyad's, so that a state that only
  threatened in a dispute that became a war elsewhere does not count.
- **Weaker partner's new pact with a major power** (outside patrons, mechanisms 1 and
  6): the weaker partner began, this year or in the two years before, a spell of defence
  pledges with a state that was a COW major power in the year the spell began, is not the
  stronger partner, and had no defence pledge with the stronger partner in that year (a
  major power allied to both is a fellow member of a multilateral pact such as NATO in
  1949, not an outside patron; without this rule every NATO dyad would switch the
  covariate on in 1949-1951). Spells that begin in the ATOP file's first year (1815) are
  left-censored and do not count as new.
- **Age**: ``year - start``; spells starting in 1815 are left-censored, so their age is a
  lower bound.

Major-power and state-system spells still running when their files were made (ending on
31 December 2016) are read as ongoing (:func:`phalanx.ingest.common.year_spells_sql`).

Cost: each table is one hash join or a correlated EXISTS that DuckDB decorrelates into a
join, O(dyad-years + file rows); all together well under a second on the full ATOP file.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from phalanx.errors import UserError
from phalanx.ingest.common import year_spells_sql

if TYPE_CHECKING:
    import duckdb

__all__ = [
    "EMPTY_TABLES",
    "capability",
    "dispute",
    "common_rival",
    "stronger_at_war",
    "weaker_new_major_pact",
]

EMPTY_TABLES = {
    "nmc": "ccode BIGINT, year BIGINT, cinc DOUBLE",
    "mid": "ccode1 BIGINT, ccode2 BIGINT, year BIGINT, hostlev1 BIGINT, hostlev2 BIGINT",
    "rivalries": "ccode1 BIGINT, ccode2 BIGINT, styear BIGINT, endyear BIGINT",
    "majors": "ccode BIGINT, styear BIGINT, endyear BIGINT",
}
"""The columns the covariates use, for the empty table that stands in for an absent file."""


def capability(con: duckdb.DuckDBPyConnection, nmc_file: str | None = None) -> None:
    """``_cap(spell, a, b, year, cinc_a, cinc_b, cap_ratio, power_shift, stronger, weaker,
    known)``: one row per row of ``_spell``; ``known`` says the CINCs tell the stronger."""
    bad = con.execute(
        "SELECT ccode, year FROM nmc WHERE cinc IS NOT NULL GROUP BY ALL "
        "HAVING count(DISTINCT cinc) > 1 ORDER BY 1, 2 LIMIT 1"
    ).fetchone()
    if bad is not None:
        raise UserError(
            f"holds two different CINC scores for state {bad[0]} in {bad[1]}; expected one "
            "row per state and year",
            file=nmc_file,
            field="cinc",
        )
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE _cinc AS
        SELECT ccode, year, max(cinc) AS cinc FROM nmc GROUP BY ccode, year;
        CREATE OR REPLACE TEMP TABLE _cap0 AS
        SELECT s.spell, s.a, s.b, s.year, ca.cinc AS cinc_a, cb.cinc AS cinc_b,
               CASE WHEN ca.cinc > 0 AND cb.cinc > 0 THEN ln(ca.cinc / cb.cinc) END AS lr
        FROM _spell s
        LEFT JOIN _cinc ca ON ca.ccode = s.a AND ca.year = s.year
        LEFT JOIN _cinc cb ON cb.ccode = s.b AND cb.year = s.year;
        CREATE OR REPLACE TEMP TABLE _cap AS
        WITH base AS (
            SELECT spell, arg_min(lr, year) AS lr0 FROM _cap0 WHERE lr IS NOT NULL
            GROUP BY spell
        )
        SELECT c.spell, c.a, c.b, c.year, c.cinc_a, c.cinc_b,
               CASE WHEN c.cinc_a IS NOT NULL AND c.cinc_b IS NOT NULL  -- least() skips NULLs
                         AND greatest(c.cinc_a, c.cinc_b) > 0
                    THEN least(c.cinc_a, c.cinc_b) / greatest(c.cinc_a, c.cinc_b) END
                   AS cap_ratio,
               abs(c.lr - base.lr0) AS power_shift,
               CASE WHEN c.cinc_b > c.cinc_a THEN c.b ELSE c.a END AS stronger,
               CASE WHEN c.cinc_b > c.cinc_a THEN c.a ELSE c.b END AS weaker,
               coalesce(c.cinc_a <> c.cinc_b, FALSE) AS known
        FROM _cap0 c LEFT JOIN base USING (spell);
        """
    )


def dispute(con: duckdb.DuckDBPyConnection) -> None:
    """``_dispute(a, b, year)``: the pact dyad-years with a MID between the two allies."""
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE _dispute AS
        SELECT DISTINCT least(ccode1, ccode2) AS a, greatest(ccode1, ccode2) AS b, year
        FROM mid WHERE ccode1 <> ccode2;
        """
    )


def common_rival(con: duckdb.DuckDBPyConnection, final_year: int) -> None:
    """``_rival(a, b, year)``: pairs (a < b) that share a strategic rival that year, in
    the years up to ``final_year`` (rivalries running at the file's end carried on)."""
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _rv AS
        WITH r AS (
            SELECT ccode1, ccode2, styear,
                   CASE WHEN endyear = (SELECT max(endyear) FROM rivalries)
                        THEN {int(final_year)} ELSE endyear END AS endyear
            FROM rivalries WHERE ccode1 <> ccode2
        )
        SELECT DISTINCT x, y, year FROM (
            SELECT ccode1 AS x, ccode2 AS y, styear, endyear FROM r
            UNION ALL SELECT ccode2, ccode1, styear, endyear FROM r
        ), LATERAL (SELECT unnest(range(styear, endyear + 1)) AS year);
        CREATE OR REPLACE TEMP TABLE _rival AS
        SELECT DISTINCT r1.x AS a, r2.x AS b, r1.year
        FROM _rv r1 JOIN _rv r2 ON r1.y = r2.y AND r1.year = r2.year AND r1.x < r2.x;
        """
    )


def stronger_at_war(con: duckdb.DuckDBPyConnection) -> None:
    """``_atwar(spell, year)``: pact dyad-years whose stronger partner (CINCs known) is at
    war level (its own hostility level 5) in a MID dyad-year against a third state."""
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE _war AS
        SELECT DISTINCT s, opp, year FROM (
            SELECT ccode1 AS s, ccode2 AS opp, year FROM mid WHERE hostlev1 = 5
            UNION ALL SELECT ccode2, ccode1, year FROM mid WHERE hostlev2 = 5
        );
        CREATE OR REPLACE TEMP TABLE _atwar AS
        SELECT DISTINCT c.spell, c.year FROM _cap c
        JOIN _war w ON w.s = c.stronger AND w.year = c.year AND w.opp <> c.weaker
        WHERE c.known;
        """
    )


def weaker_new_major_pact(con: duckdb.DuckDBPyConnection, first_year: int) -> None:
    """``_newmajor(spell, year)``: pact dyad-years whose weaker partner (CINCs known)
    began, that year or in the two before, a defence spell with an outside major power
    (see the module's notes for the rules)."""
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _major AS {year_spells_sql("majors")};
        CREATE OR REPLACE TEMP TABLE _starts AS
        SELECT DISTINCT x, m, start FROM (
            SELECT a AS x, b AS m, start FROM _spell WHERE age = 0
            UNION ALL SELECT b, a, start FROM _spell WHERE age = 0
        ) st
        WHERE start > {int(first_year)}
          AND EXISTS (SELECT 1 FROM _major j WHERE j.ccode = st.m
                      AND st.start BETWEEN j.first AND j.last);
        CREATE OR REPLACE TEMP TABLE _newmajor AS
        SELECT DISTINCT c.spell, c.year FROM _cap c
        JOIN _starts st ON st.x = c.weaker AND st.m <> c.stronger
             AND st.start BETWEEN c.year - 2 AND c.year
        WHERE c.known
          AND NOT EXISTS (SELECT 1 FROM _spell p
                          WHERE p.a = least(c.stronger, st.m) AND p.b = greatest(c.stronger, st.m)
                            AND p.year = st.start);
        """
    )
