"""Unit tests of the extractor's parts: sentences, dates and their precision, actor
mentions, each rule, candidate assembly, and the comparison with the knowledge base.
Expected values are worked out by hand from the short texts."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from phalanx.ingest.extract import extract_article
from phalanx.ingest.extract.actors import Lexicon, metonyms
from phalanx.ingest.extract.candidates import find_candidates
from phalanx.ingest.extract.dates import find_dates
from phalanx.ingest.extract.rules import find_triggers
from phalanx.ingest.extract.text import split_sentences
from phalanx.kb import KnowledgeBase
from phalanx.kb.dates import parse_partial_date

DATA = Path(__file__).resolve().parents[1] / "data"


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return KnowledgeBase.embedded()


@pytest.fixture(scope="module")
def lex(kb) -> Lexicon:
    return Lexicon.from_kb(kb)


def _dates(text, anchor=None):
    a = None if anchor is None else parse_partial_date(anchor)
    return [
        (d.text, None if d.value is None else str(d.value), d.precision)
        for d in find_dates(text, a)
    ]


# --- dates -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("In September 2022, it began.", [("September 2022", "2022-09", "month")]),
        ("It began in 2022.", [("2022", "2022", "year")]),
        ("It began on 13 September 2022.", [("13 September 2022", "2022-09-13", "day")]),
        ("Since February 24, 2022, war.", [("February 24, 2022", "2022-02-24", "day")]),
        (
            "On 3rd May 1915 and 1915-05-23.",
            [("3rd May 1915", "1915-05-03", "day"), ("1915-05-23", "1915-05-23", "day")],
        ),
        (
            "Sept. 2021 and Dec 1991",
            [("Sept. 2021", "2021-09", "month"), ("Dec 1991", "1991-12", "month")],
        ),
        ("In the early 1990s some 55 or 1500 people", []),
        ("The summit in May will be held.", []),
    ],
)
def test_dates_keep_the_precision_the_text_gives(text, expected):
    assert _dates(text) == expected


def test_an_impossible_day_is_not_a_day():
    got = _dates("On 30 February 2022 nothing happened.")
    assert all(p != "day" for _, _, p in got)


def test_relative_dates_need_an_anchor():
    assert _dates("It happened yesterday.") == [("yesterday", None, None)]
    assert _dates("It happened yesterday.", "2023-05-02") == [("yesterday", "2023-05-01", "day")]
    assert _dates("Last year it rose.", "2023-05") == [("Last year", "2022", "year")]
    assert _dates("Last month it rose.", "2023") == [("Last month", None, None)]
    assert _dates("Last month it rose.", "2023-01-15") == [("Last month", "2022-12", "month")]


def test_the_following_day_counts_from_a_day_in_the_sentence():
    got = _dates("On 5 January 2022 it asked, and troops came the following day.")
    assert got[1] == ("the following day", "2022-01-06", "day")
    got = _dates("On 1 March 2024 it left; it had voted the day before.")
    assert got[1] == ("the day before", "2024-02-29", "day")
    assert _dates("In January 2022 it asked; they came the following day.")[1][1] is None


# --- sentences -------------------------------------------------------------------------


def test_sentences_respect_abbreviations_lines_and_paragraphs():
    text = "The U.S. and the U.N. met in Sept. 2021. Then Mr. Smith left!\nA heading\n\nNext one."
    got = split_sentences(text)
    assert [s.text for s in got] == [
        "The U.S. and the U.N. met in Sept. 2021.",
        "Then Mr. Smith left!",
        "A heading",
        "Next one.",
    ]
    assert [s.paragraph for s in got] == [0, 0, 0, 1]
    assert all(text[s.start : s.end] == s.text for s in got)


# --- actors ----------------------------------------------------------------------------


def test_names_aliases_and_metonyms(lex):
    got = [(m.text, m.actor, m.via) for m in lex.find("Moscow and the Kazakh side met Kazakhstan")]
    assert got == [
        ("Moscow", "RUS", "alias"),
        ("Kazakh", "KAZ", "metonym"),
        ("Kazakhstan", "KAZ", "name"),
    ]


def test_matching_is_case_sensitive_on_whole_words(lex):
    assert [m.actor for m in lex.find("let us talk about the US")] == ["USA"]
    assert lex.find("Russianness") == []
    assert [m.text for m in lex.find("the Armenians-to-be")] == ["Armenians"]


def test_a_metonym_finds_the_package_actor_of_that_name(kb):
    triple = KnowledgeBase.from_path(DATA / "kb" / "triple-alliance")
    assert [m.actor for m in Lexicon.from_kb(triple).find("German troops")] == ["GER"]
    assert [m.actor for m in Lexicon.from_kb(kb).find("German troops")] == ["DEU"]


def test_every_metonym_row_cites_a_listed_source():
    from importlib import resources

    text = (
        resources.files("phalanx.data").joinpath("extract/metonym-sources.csv").read_text("utf-8")
    )
    ids = {line.split(",", 1)[0] for line in text.splitlines()[1:]}
    rows = metonyms()
    assert len(rows) > 40 and {r["source"] for r in rows} <= ids
    assert {r["kind"] for r in rows} <= {"demonym", "capital"}


# --- rules -----------------------------------------------------------------------------


def _kinds(sentence: str) -> list[str]:
    return [t.kind for t in find_triggers(sentence)]


@pytest.mark.parametrize(
    ("sentence", "kinds"),
    [
        ("Uzbekistan rejoined the CSTO.", ["accession"]),
        ("Georgia withdrew from the treaty.", ["withdrawal"]),
        ("Italy denounced the alliance.", ["withdrawal"]),
        ("Uzbekistan suspended its membership.", ["suspension"]),
        ("Armenia froze its participation.", ["freeze"]),
        ("The conflict remained frozen for years.", []),
        ("Armenia invoked Article 4.", ["invocation"]),
        ("Kazakhstan asked the CSTO for assistance.", ["invocation"]),
        ("Border guards exchanged fire.", ["clash"]),
        ("Italy declared war on Austria-Hungary.", []),
        ("Tajikistan bought drones from Turkey.", ["arms_deal"]),
        ("Tajikistan bought wheat from Turkey.", []),
        ("Russia recognised the republics.", ["recognition"]),
        ("Kazakhstan refused to recognise them.", ["non_recognition"]),
        ("The province is internationally recognized as Azerbaijani.", []),
        ("Georgia voted against joining the CSTO.", []),
        ("Armenia may leave the CSTO.", []),
        ("Kazakhstan threatened to leave the union.", []),
        ("In May 2022 Kazakhstan signed a contract for drones.", ["arms_deal"]),
    ],
)
def test_each_rule(sentence, kinds):
    assert _kinds(sentence) == kinds


# --- candidates ------------------------------------------------------------------------


def _cands(text, lex):
    dated, undated = find_candidates(text, lex)
    return [(c.kind, c.actors, c.organization, c.date, c.certainty) for c in dated], undated


def test_a_clash_needs_two_sides_and_a_membership_change_an_alliance(lex):
    got, _ = _cands("After the attacks of 11 September 2001, Russia closed ranks.", lex)
    assert got == []
    got, _ = _cands("Russia left the room on 3 May 2001.", lex)
    assert got == []


def test_clause_actors_and_the_date_nearest_after_the_trigger(lex):
    text = "In 2005, Uzbekistan rejoined the CSTO, but withdrew from it again in 2012."
    got, _ = _cands(text, lex)
    assert got == [
        ("accession", ["UZB"], "CSTO", "2005", "single_source"),
        ("withdrawal", ["UZB"], "CSTO", "2012", "single_source"),
    ]


def test_in_response_takes_the_date_before_and_is_inferred(lex):
    text = "In September 2022, Azerbaijan attacked Armenia. In response, Armenia invoked Article 4."
    got, _ = _cands(text, lex)
    assert got == [
        ("clash", ["AZE", "ARM"], None, "2022-09", "single_source"),
        ("invocation", ["ARM"], None, "2022-09", "inferred"),
    ]
    # a new paragraph breaks the link
    got, undated = _cands(text.replace(". In response", ".\n\nIn response"), lex)
    assert [g[0] for g in got] == ["clash"] and [c.kind for c in undated] == ["invocation"]


def test_a_demonym_makes_a_candidate_inferred_and_duplicates_merge(lex):
    text = "Kyrgyzstan took delivery of Turkish drones in October 2021."
    got, _ = _cands(text, lex)
    assert got == [("arms_deal", ["KGZ", "TUR"], None, "2021-10", "inferred")]


# --- against the knowledge base --------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "status", "row"),
    [
        ("Uzbekistan rejoined the CSTO in 2005.", "contradicts", "ev-2006-06-23-uzb-rejoins"),
        ("Uzbekistan rejoined the CSTO in June 2006.", "known", "ev-2006-06-23-uzb-rejoins"),
        (
            "Uzbekistan withdrew from the CSTO in 2012.",
            "contradicts",
            "ev-2012-12-19-uzb-suspended",
        ),
        (
            "Armenia froze its participation in the CSTO in February 2024.",
            "known",
            "ev-2024-02-22-arm-freeze",
        ),
        (
            "Armenia froze its participation in the CSTO in 2022.",
            "contradicts",
            "ev-2024-02-22-arm-freeze",
        ),
        ("Armenia froze its participation in the CSTO in 2010.", "new", None),
        ("Tajikistan and Kyrgyzstan clashed on 10 March 2023.", "new", None),
        (
            "Armenia, Kyrgyzstan and Tajikistan declined to recognise them in April 2023.",
            "known",
            None,
        ),
    ],
)
def test_known_new_and_contradicting(kb, text, status, row):
    (c,) = extract_article(text, kb).candidates
    assert c.status == status
    if row is not None:
        assert row in c.kb_rows
    if status == "known" and row is None:  # one row per state
        assert len(c.kb_rows) == 3


# --- any text --------------------------------------------------------------------------


_WORDS = st.sampled_from(
    "Armenia Kazakh Moscow CSTO joined left the withdrew from invoked Article 4 clashed "
    "with bought drones recognised not may In response, 13 September 2022 May 2021 1999 "
    "yesterday the following day ( ) ; . , but U.S. \n \n\n".split(" ")
)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(_WORDS, st.text(max_size=8)), max_size=60))
def test_any_text_gives_candidates_whose_spans_are_their_sentences(kb, parts):
    text = " ".join(parts)
    ex = extract_article(text, kb)
    for c in ex.candidates + ex.undated:
        assert text[c.span[0] : c.span[1]] == c.sentence
        assert text[c.trigger_span[0] : c.trigger_span[1]] == c.trigger
        assert c.actors and c.certainty in ("single_source", "inferred")
    for c in ex.candidates:
        assert parse_partial_date(c.date).precision == c.precision
        assert c.status in ("known", "new", "contradicts")
