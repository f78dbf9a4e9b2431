"""Every validation rule, each with a package broken in one way; the message is asserted."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from phalanx.kb import DataPackageError, KnowledgeBase, load_package


def edit(folder: Path, file: str, old: str, new: str) -> None:
    """Replace the first occurrence of ``old`` in ``folder/file`` (must be present)."""
    path = folder / file
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {file}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def problems(folder: Path) -> list[str]:
    with pytest.raises(DataPackageError) as info:
        load_package(folder)
    return [str(p) for p in info.value.problems]


def one_problem(folder: Path) -> str:
    found = problems(folder)
    assert len(found) == 1, found
    return found[0]


def test_fixture_is_valid(anzus):
    pkg = load_package(anzus)
    assert len(pkg.rows("memberships")) == 3
    assert pkg.version == "anzus-example@1.0.0"


def test_missing_descriptor(tmp_path):
    msg = one_problem(tmp_path)
    assert "datapackage.json" in msg and "not found" in msg


def test_descriptor_not_json(anzus):
    (anzus / "datapackage.json").write_text('{"resources": [', encoding="utf-8")
    assert "is not valid JSON" in one_problem(anzus)


def test_core_table_without_schema_uses_the_core_schema(anzus):
    d = json.loads((anzus / "datapackage.json").read_text())
    for r in d["resources"]:
        del r["schema"]
    (anzus / "datapackage.json").write_text(json.dumps(d))
    pkg = load_package(anzus)
    assert len(pkg.rows("memberships")) == 3
    edit(anzus, "relations.csv", "partnership,false,1,0.5", "partnership,false,5,0.5")
    assert "relations.csv:5: field 'sign': 5 is not one of: -1, 1" in one_problem(anzus)


def test_own_table_without_schema(anzus):
    d = json.loads((anzus / "datapackage.json").read_text())
    d["resources"].append({"name": "bases", "path": "bases.csv"})
    (anzus / "datapackage.json").write_text(json.dumps(d))
    msg = one_problem(anzus)
    assert "datapackage.json: field 'resources.bases.schema': is missing" in msg


def test_descriptor_path_outside_package(anzus):
    d = json.loads((anzus / "datapackage.json").read_text())
    d["resources"][0]["path"] = "../../etc/passwd.csv"
    (anzus / "datapackage.json").write_text(json.dumps(d))
    assert "must be a relative path to a .csv file inside the package folder" in one_problem(anzus)


def test_missing_table_file(anzus):
    (anzus / "votes.csv").unlink()
    msg = one_problem(anzus)
    assert msg.endswith("votes.csv: file not found")


def test_not_utf8(anzus):
    path = anzus / "actors.csv"
    path.write_bytes(path.read_bytes().replace(b"Aotearoa", b"Aotearoa\xff"))
    msg = one_problem(anzus)
    assert "actors.csv:3:" in msg and "not UTF-8" in msg and "0xff" in msg


def test_nul_character(anzus):
    edit(anzus, "events.csv", "San Francisco", "San\x00Francisco")
    assert "events.csv:2: contains a NUL character" in one_problem(anzus)


def test_empty_file(anzus):
    (anzus / "provisions.csv").write_text("")
    msg = one_problem(anzus)
    assert "provisions.csv:1: has no header row; expected: organization, article" in msg


def test_missing_column(anzus):
    edit(anzus, "relations.csv", "directed,sign,intensity,", "directed,sign,")
    msg = one_problem(anzus)
    assert "relations.csv:1: field 'intensity': column is missing from the header" in msg


def test_unknown_column(anzus):
    edit(anzus, "actors.csv", "note,sources", "note,sources,colour")
    msg = one_problem(anzus)
    assert "actors.csv:1: field 'colour': column is not in the schema" in msg


def test_duplicate_column(anzus):
    edit(anzus, "votes.csv", "vote,date,body", "vote,date,date,body")
    msgs = problems(anzus)
    assert any("field 'date': column appears more than once" in m for m in msgs)


def test_wrong_number_of_values(anzus):
    edit(anzus, "actors.csv", "AUS,Australia,state,900", "AUS,Australia,state,900,extra")
    assert "actors.csv:2: has 8 values; the header has 7" in one_problem(anzus)


def test_required_value_missing(anzus):
    edit(anzus, "actors.csv", "NZL,New Zealand", "NZL,")
    assert "actors.csv:3: field 'name': is required but empty" in one_problem(anzus)


def test_integer_type(anzus):
    edit(anzus, "actors.csv", "state,900", "state,nine hundred")
    assert "actors.csv:2: field 'cow_code': expected an integer, got 'nine hundred'" in one_problem(
        anzus
    )


def test_number_type(anzus):
    edit(anzus, "relations.csv", "partnership,false,1,0.5", "partnership,false,1,half")
    assert "relations.csv:5: field 'intensity': expected a number, got 'half'" in one_problem(anzus)


def test_boolean_type(anzus):
    edit(
        anzus,
        "relations.csv",
        "aus-usa-alliance,AUS,USA,alliance,false",
        "aus-usa-alliance,AUS,USA,alliance,maybe",
    )
    assert "relations.csv:2: field 'directed': expected true or false, got 'maybe'" in one_problem(
        anzus
    )


def test_partial_date_format(anzus):
    edit(anzus, "events.csv", "1986-08-11,,suspension", "1986-13-11,,suspension")
    assert (
        "events.csv:4: field 'date': '1986-13-11' has month 13; expected 01 to 12"
        in one_problem(anzus)
    )


def test_partial_date_real_day(anzus):
    edit(anzus, "events.csv", "2001-09-14", "2001-02-30")
    assert "'2001-02-30' is not a real calendar date" in one_problem(anzus)


def test_enumeration(anzus):
    edit(anzus, "memberships.csv", "ANZUS,AUS,member", "ANZUS,AUS,associate")
    msg = one_problem(anzus)
    assert "memberships.csv:2: field 'status': 'associate' is not one of: member, observer" in msg


def test_range(anzus):
    edit(anzus, "relations.csv", "partnership,false,1,0.5", "partnership,false,1,1.5")
    assert "field 'intensity': 1.5 is above the maximum 1" in one_problem(anzus)


def test_pattern(anzus):
    edit(anzus, "sources.csv", "https://correlatesofwar.org", "ftp://correlatesofwar.org")
    assert "sources.csv:4: field 'url': 'ftp://correlatesofwar.org" in one_problem(anzus)


def test_duplicate_primary_key(anzus):
    with open(anzus / "memberships.csv", "a", encoding="utf-8") as f:
        f.write("ANZUS,USA,member,1952-04-29,,confirmed,,anzus-treaty\n")
    msgs = problems(anzus)
    assert any(
        "memberships.csv:5: field 'organization,actor,start': duplicate primary key (ANZUS, USA, 1952-04-29); first at line 4"
        in m
        for m in msgs
    )


def test_foreign_key(anzus):
    edit(anzus, "memberships.csv", "ANZUS,NZL,member", "ANZUS,NZ,member")
    assert "memberships.csv:3: field 'actor': 'NZ' is not found in actors.id" in one_problem(anzus)


def test_foreign_key_in_list(anzus):
    edit(anzus, "events.csv", "AUS;NZL;USA", "AUS;NZL;USA;FRA")
    assert "events.csv:2: field 'actors': 'FRA' is not found in actors.id" in one_problem(anzus)


def test_source_on_every_row(anzus):
    edit(anzus, "provisions.csv", "confirmed,,anzus-treaty", "confirmed,,")
    assert "provisions.csv:2: field 'sources': is required but empty" in one_problem(anzus)


def test_source_list_of_only_separators(anzus):
    edit(anzus, "provisions.csv", "confirmed,,anzus-treaty", "confirmed,,;")
    assert "provisions.csv:2: field 'sources': is required (at least one value)" in one_problem(
        anzus
    )


def test_unknown_source(anzus):
    edit(anzus, "relations.csv", "1986-08-11,confirmed,The", "1986-08-11,confirmed,The")
    edit(anzus, "relations.csv", ",wiki-anzus\n", ",wiki-anzus;rumour\n")
    assert "field 'sources': 'rumour' is not found in sources.id" in one_problem(anzus)


def test_date_order(anzus):
    edit(anzus, "relations.csv", "1952-04-29,1986-08-11", "1952-04-29,1950")
    assert "relations.csv:4: field 'end': 1950 is before start 1952-04-29" in one_problem(anzus)


def test_spell_of_zero_length(anzus):
    edit(anzus, "relations.csv", "1952-04-29,1986-08-11", "1952-04-29,1952-04-29")
    assert "field 'end': 1952-04-29 equals start; a spell must last at least a day" in one_problem(
        anzus
    )


def test_overlapping_membership_spells(anzus):
    with open(anzus / "memberships.csv", "a", encoding="utf-8") as f:
        f.write("ANZUS,NZL,suspended,1986-08-11,,confirmed,,wiki-anzus\n")
    msg = one_problem(anzus)
    assert (
        "memberships.csv:5: field 'start': NZL in ANZUS from 1986-08-11 overlaps the spell at line 3 (open-ended)"
        in msg
    )


def test_consecutive_spells_do_not_overlap(anzus):
    edit(
        anzus,
        "memberships.csv",
        "ANZUS,NZL,member,1952-04-29,",
        "ANZUS,NZL,member,1952-04-29,1986-08-11",
    )
    with open(anzus / "memberships.csv", "a", encoding="utf-8") as f:
        f.write("ANZUS,NZL,suspended,1986-08-11,,inferred,,wiki-anzus\n")
    kb = KnowledgeBase.from_path(anzus)
    assert [m["status"] for m in kb.members("ANZUS", "1990-01-01") if m["actor"] == "NZL"] == [
        "suspended"
    ]


def test_relation_needs_two_actors(anzus):
    edit(anzus, "relations.csv", "aus-nzl-alliance,AUS,NZL", "aus-nzl-alliance,AUS,AUS")
    assert "relations.csv:3: field 'actor_b': equals actor_a (AUS)" in one_problem(anzus)


def test_malformed_csv_quoting(anzus):
    edit(anzus, "actors.csv", "AUS,Australia", 'AUS,"Austr"alia')
    msg = one_problem(anzus)
    assert "actors.csv:2: field 'name': is not well-formed CSV: text after a closing quote" in msg


def test_every_problem_is_reported_and_nothing_loaded(anzus):
    edit(anzus, "actors.csv", "state,900", "state,x")
    edit(anzus, "memberships.csv", "ANZUS,AUS,member", "ANZUS,AUS,ally")
    edit(anzus, "events.csv", "2001-09-14", "2001-9-14")
    msgs = problems(anzus)
    assert len(msgs) == 3
    assert {m.split(":")[0].rsplit("/", 1)[-1] for m in msgs} == {
        "actors.csv",
        "memberships.csv",
        "events.csv",
    }


def test_layer_replaces_rows_with_the_same_key_and_adds_new_ones(anzus, tmp_path):
    top = tmp_path / "top"
    top.mkdir()
    d = json.loads((anzus / "datapackage.json").read_text())
    d["name"], d["version"] = "anzus-corrections", "0.1"
    d["resources"] = [r for r in d["resources"] if r["name"] in ("memberships", "sources")]
    (top / "datapackage.json").write_text(json.dumps(d))
    (top / "sources.csv").write_text(
        "id,citation,url,reliability,accessed,note\nmine,My notes,https://example.org/notes,scholarly,,\n"
    )
    (top / "memberships.csv").write_text(
        "organization,actor,status,start,end,certainty,note,sources\n"
        "ANZUS,NZL,member,1952-04-29,1986-08-11,inferred,,mine\n"
        "ANZUS,NZL,suspended,1986-08-11,,inferred,,mine\n"
    )
    pkg = load_package([anzus, top])
    assert pkg.version == "anzus-example@1.0.0+anzus-corrections@0.1"
    nzl = [r for r in pkg.rows("memberships") if r["actor"] == "NZL"]
    assert [(r["status"], r["end"]) for r in nzl] == [("member", "1986-08-11"), ("suspended", None)]
    assert len(pkg.rows("sources")) == 4


def test_layer_problems_name_the_layer_file(anzus, tmp_path):
    top = tmp_path / "top"
    top.mkdir()
    d = json.loads((anzus / "datapackage.json").read_text())
    d["resources"] = [r for r in d["resources"] if r["name"] == "memberships"]
    (top / "datapackage.json").write_text(json.dumps(d))
    (top / "memberships.csv").write_text(
        "organization,actor,status,start,end,certainty,note,sources\nANZUS,FRA,member,1952,,inferred,,nosuch\n"
    )
    msgs = problems([anzus, top])
    assert any(
        "top/memberships.csv:2: field 'actor': 'FRA' is not found in actors.id" in m for m in msgs
    )
    assert any(
        "top/memberships.csv:2: field 'sources': 'nosuch' is not found in sources.id" in m
        for m in msgs
    )


# -- strict parsing -----------------------------------------------------------------


@pytest.mark.parametrize(
    "file, old, new, expected",
    [
        (
            "actors.csv",
            "state,900",
            "state,\u0669\u0660\u0660",
            "actors.csv:2: field 'cow_code': expected an integer, got '\u0669\u0660\u0660'",
        ),
        (
            "actors.csv",
            "state,900",
            "state,\uff19\uff10\uff10",
            "actors.csv:2: field 'cow_code': expected an integer, got '\uff19\uff10\uff10'",
        ),
        (
            "actors.csv",
            "state,900",
            "state,99999999999999999999",
            "actors.csv:2: field 'cow_code': expected an integer, got '99999999999999999999'",
        ),
        (
            "relations.csv",
            "partnership,false,1,0.5",
            "partnership,false,1,\uff10.5",
            "relations.csv:5: field 'intensity': expected a number, got '\uff10.5'",
        ),
        (
            "relations.csv",
            "partnership,false,1,0.5",
            "partnership,false,1,nan",
            "relations.csv:5: field 'intensity': expected a number, got 'nan'",
        ),
        (
            "relations.csv",
            "partnership,false,1,0.5",
            "partnership,false,1,1_0",
            "relations.csv:5: field 'intensity': expected a number, got '1_0'",
        ),
        (
            "events.csv",
            "2001-09-14",
            "\u0662\u0660\u0660\u0661-09-14",
            "events.csv:5: field 'date': '\u0662\u0660\u0660\u0661-09-14' is not an ISO date",
        ),
        (
            "events.csv",
            "2001-09-14",
            " 2001-09-14",
            "events.csv:5: field 'date': ' 2001-09-14' has spaces around the date",
        ),
    ],
)
def test_only_ascii_numbers_and_dates(anzus, file, old, new, expected):
    edit(anzus, file, old, new)
    assert expected in one_problem(anzus)


def test_stray_quote_inside_an_unquoted_value(anzus):
    edit(anzus, "actors.csv", "NZL,New Zealand", 'NZL,New "Zealand"')
    msg = one_problem(anzus)
    assert (
        "actors.csv:3: field 'name': is not well-formed CSV: a quote inside an unquoted value"
        in msg
    )


def test_unclosed_quote(anzus):
    edit(anzus, "memberships.csv", "ANZUS,USA,member", 'ANZUS,"USA,member')
    msg = one_problem(anzus)
    assert (
        "memberships.csv:4: field 'actor': is not well-formed CSV: a quoted value is never closed"
        in msg
    )


def test_quoted_line_breaks_keep_line_numbers(anzus):
    # a note spanning two lines, then an error on the next record: the line is counted right
    edit(anzus, "memberships.csv", "in 1986,anzus", 'in 1986",anzus')
    edit(anzus, "memberships.csv", "Remains a party", '"Remains\na party')
    edit(anzus, "memberships.csv", "ANZUS,USA,member", "ANZUS,USA,membre")
    assert "memberships.csv:5: field 'status': 'membre' is not one of" in one_problem(anzus)


def test_utf16_is_refused(anzus):
    text = (anzus / "votes.csv").read_text(encoding="utf-8")
    (anzus / "votes.csv").write_bytes(text.encode("utf-16-le"))
    assert "votes.csv: looks like UTF-16 text" in one_problem(anzus)
    (anzus / "votes.csv").write_bytes(text.encode("utf-16"))
    assert "votes.csv: looks like UTF-16 text" in one_problem(anzus)


def test_over_long_cell(anzus):
    edit(anzus, "actors.csv", "Commonwealth of Australia", "x" * 100_001)
    msg = one_problem(anzus)
    assert (
        "actors.csv:2: field 'aliases': is not well-formed CSV: value is 100,001 characters" in msg
    )


def test_too_many_columns(anzus):
    edit(anzus, "actors.csv", "state,900", "state,900" + ",x" * 300)
    assert "actors.csv:2: is not well-formed CSV: has more than 200 values" in one_problem(anzus)


def test_primary_key_given_as_a_string(anzus):
    d = json.loads((anzus / "datapackage.json").read_text())
    for r in d["resources"]:
        if len(r["schema"]["primaryKey"]) == 1:
            r["schema"]["primaryKey"] = r["schema"]["primaryKey"][0]
    (anzus / "datapackage.json").write_text(json.dumps(d))
    assert len(load_package(anzus).rows("actors")) == 4
    with open(anzus / "actors.csv", "a", encoding="utf-8") as f:
        f.write("AUS,Australia again,state,900,,,cow-states\n")
    msgs = problems(anzus)
    assert any(
        "actors.csv:6: field 'id': duplicate primary key (AUS); first at line 2" in m for m in msgs
    )


def test_primary_key_of_the_wrong_shape(anzus):
    d = json.loads((anzus / "datapackage.json").read_text())
    d["resources"][1]["schema"]["primaryKey"] = {"id": True}
    (anzus / "datapackage.json").write_text(json.dumps(d))
    assert "field 'resources.1.schema.primaryKey': Input should be a valid list" in one_problem(
        anzus
    )
