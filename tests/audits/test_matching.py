import datetime
import re
import sys
from types import SimpleNamespace

import pytest

from audits.catalogue import load_catalogue
from audits.crawler.cadence import YearlyDeadline
from audits.crawler.matching import Candidate, Problem, Source, assess, currency, decide, document_dates
from audits.crawler.patterns import any_of, compiled, fold
from audits.crawler.rules import DutyRules, EvidenceRules
from audits.crawler.statuses import RecencyRule

APRIL_2007 = datetime.date(2007, 4, 1)
RULES = EvidenceRules.from_catalogue(
    {
        "names": [r"race equality scheme"],
        "phrases": [r"race relations \(amendment\) act", r"action plan"],
        "required": {"min": 2, "patterns": [r"action plan", r"impact assess", r"monitor", r"consult"]},
        "negatives": [{"pattern": r"\bdraft\b", "reason": "it is a draft"}],
        "combined": {"names": [r"single equality scheme"], "strand": [r"race equality", r"racial equality"]},
    }
)
SCHEME_DUTY = DutyRules("race-equality-scheme", "Race equality scheme", RULES, RecencyRule.COVERS, 36)


def recency(rule: str, months: int, cadence: dict | None = None) -> DutyRules:
    """A duty that differs from the scheme only in when its documents are current."""
    return DutyRules("any", "Any", RULES, RecencyRule(rule), months, YearlyDeadline.of(cadence or {}))


SCHEME_TEXT = (
    "Our commitment under the Race Relations (Amendment) Act 2000. We assess the impact of our policies, "
    "consult local communities, monitor our workforce and publish an action plan."
)


def scheme(title: str, text: str = SCHEME_TEXT, **kwargs) -> Source:
    return Source(url="http://trust.example/docs/scheme.pdf", kind="pdf", title=title, text=text, **kwargs)


@pytest.mark.parametrize(
    ("text", "label", "end"),
    [
        ("Race Equality Scheme 2005-2008", "2005-2008", datetime.date(2008, 12, 31)),
        ("Race Equality Scheme 2005 – 2008", "2005 – 2008", datetime.date(2008, 12, 31)),
        ("This scheme covers 2005 to 2008", "2005 to 2008", datetime.date(2008, 12, 31)),
        ("Workforce monitoring report 2005/06", "2005/06", datetime.date(2006, 3, 31)),
        ("Annual report 2006-07", "2006-07", datetime.date(2007, 3, 31)),
        ("April 2004 to March 2007", "April 2004 to March 2007", datetime.date(2007, 3, 31)),
    ],
)
def test_document_period_is_read_from_its_title(text, label, end):
    period, _ = document_dates(Source(url="http://t.example/", kind="html", title=text))
    assert period.label == label
    assert period.end == end


def test_publication_date_is_read_near_the_word_published():
    source = Source(
        url="http://t.example/x", kind="html", title="Scheme", text="Published: 12 May 2006. Next review due."
    )
    assert document_dates(source) == (None, datetime.date(2006, 5, 12))


def test_a_2002_2005_scheme_is_out_of_date_in_april_2007():
    candidate = assess(scheme("Race Equality Scheme 2002-2005"), RULES)
    current, why = currency(candidate, recency("covers", 36), APRIL_2007)
    assert current is False
    assert "2002-2005" in why


def test_a_2005_2008_scheme_is_current_in_april_2007():
    candidate = assess(scheme("Race Equality Scheme 2005-2008"), RULES)
    assert currency(candidate, recency("covers", 36), APRIL_2007)[0] is True


def test_an_annual_report_for_2005_06_is_current_within_18_months():
    candidate = assess(scheme("Race equality scheme annual report 2005/06"), RULES)
    assert currency(candidate, recency("published_within", 18), APRIL_2007)[0] is True
    assert currency(candidate, recency("published_within", 6), APRIL_2007)[0] is False


GENDER_PAY_GAP = {"every_months": 12, "due_by": "03-30", "snapshot": "03-31"}


@pytest.mark.parametrize(
    "published, audit_date, current",
    [
        # Published 21 March 2024 with the data as at 31 March 2023: the report due by 30 March 2024.
        (datetime.date(2024, 3, 21), datetime.date(2025, 3, 1), True),
        (datetime.date(2024, 3, 21), datetime.date(2025, 6, 1), False),  # the next fell due on 30 March 2025
        # "Data as at 31 March 2024": the report due by 30 March 2025, however early it was published.
        (datetime.date(2024, 3, 31), datetime.date(2025, 6, 1), True),
        # Published in December 2024: the report due by the next deadline, 30 March 2025.
        (datetime.date(2024, 12, 10), datetime.date(2025, 6, 1), True),
        (datetime.date(2024, 12, 10), datetime.date(2026, 4, 1), False),
    ],
)
def test_a_yearly_report_is_current_until_the_next_one_falls_due(published, audit_date, current):
    candidate = SimpleNamespace(period=None, published=published)
    assert currency(candidate, recency("published_within", 24, GENDER_PAY_GAP), audit_date)[0] is current


def test_draft_is_disqualified_with_its_reason():
    candidate = assess(scheme("DRAFT Race Equality Scheme 2005-2008 for consultation"), RULES)
    assert candidate.negative == "it is a draft"
    verdict = decide(SCHEME_DUTY, APRIL_2007, candidates=[candidate], problems=[], covered=True, pages=20)
    assert verdict.status == "not_met"
    assert "it is a draft" in verdict.rationale


def test_single_equality_scheme_counts_only_for_a_strand_it_covers():
    covers_race = scheme("Single Equality Scheme 2006-2009", SCHEME_TEXT + " Race equality is our first strand.")
    silent_on_race = scheme("Single Equality Scheme 2006-2009", "Disability and gender. Action plan, consult, monitor.")
    assert assess(covers_race, RULES).combined is True
    assert assess(silent_on_race, RULES) is None


def test_current_complete_scheme_is_met_with_a_rationale_naming_it():
    source = scheme(
        "Race Equality Scheme 2005-2008",
        link_texts=["Our race scheme (PDF)"],
        linked_from="http://trust.example/equality/",
    )
    verdict = decide(SCHEME_DUTY, APRIL_2007, candidates=[assess(source, RULES)], problems=[], covered=True, pages=12)
    assert verdict.status == "met"
    assert verdict.confidence >= 0.8
    assert "http://trust.example/docs/scheme.pdf" in verdict.rationale
    assert "http://trust.example/equality/" in verdict.rationale
    assert "2005-2008" in verdict.rationale


@pytest.mark.parametrize(
    "title, sentence",
    [
        ("Results of race equality impact assessments", "No results of race equality impact assessments were found"),
        ("Equality objectives", "No equality objectives were found"),
        ("Workforce ethnic monitoring (race employment duty)", "No workforce ethnic monitoring was found"),
        (
            "Workforce Race Equality Standard (WRES) report",
            "No Workforce Race Equality Standard (WRES) report was found",
        ),
    ],
)
def test_the_rationale_names_each_duty_as_english_does(title, sentence):
    duty = DutyRules("any", title, RULES, RecencyRule.COVERS, 36)
    assert decide(duty, APRIL_2007, candidates=[], problems=[], covered=True, pages=12).rationale.startswith(sentence)


def test_a_combined_scheme_says_so_and_where_it_names_itself_in_words():
    source = scheme("Single Equality Scheme 2006-2009", SCHEME_TEXT + " Race equality is our first strand.")
    verdict = decide(SCHEME_DUTY, APRIL_2007, candidates=[assess(source, RULES)], problems=[], covered=True, pages=5)
    assert verdict.status == "met"
    assert "It is a broader document, not one for this duty alone, and covers this duty" in verdict.rationale

    named = scheme("Race Equality Scheme 2005-2008", link_texts=["Our race equality scheme"])
    verdict = decide(SCHEME_DUTY, APRIL_2007, candidates=[assess(named, RULES)], problems=[], covered=True, pages=5)
    assert "named as such in its title and link text, and contains what the duty requires" in verdict.rationale


def test_a_landing_page_that_only_names_the_scheme_is_not_enough():
    landing = scheme("Race equality scheme", "Our race equality scheme is available on request.")
    verdict = decide(SCHEME_DUTY, APRIL_2007, candidates=[assess(landing, RULES)], problems=[], covered=True, pages=12)
    assert verdict.status == "not_met"


def test_a_blocked_document_that_looks_like_the_scheme_needs_review():
    problem = Problem(
        "http://trust.example/private/res.pdf", "robots.txt asks crawlers not to read it", "Race equality scheme"
    )
    verdict = decide(SCHEME_DUTY, APRIL_2007, candidates=[], problems=[problem], covered=True, pages=12)
    assert verdict.status == "review"
    assert "robots.txt" in verdict.rationale


def test_nothing_found_on_a_fully_read_site_is_not_met_but_an_unfinished_crawl_is_review():
    assert decide(SCHEME_DUTY, APRIL_2007, candidates=[], problems=[], covered=True, pages=40).status == "not_met"
    assert decide(SCHEME_DUTY, APRIL_2007, candidates=[], problems=[], covered=False, pages=40).status == "review"


def test_unrelated_race_is_not_a_candidate():
    fun_run = Source(
        url="http://trust.example/news/race-for-life",
        kind="html",
        title="Staff join Race for Life",
        text="Nurses ran the Race for Life to raise money.",
    )
    assert assess(fun_run, RULES) is None


def test_candidate_without_dates_is_met_with_lower_confidence():
    candidate: Candidate = assess(scheme("Race Equality Scheme"), RULES)
    verdict = decide(SCHEME_DUTY, APRIL_2007, candidates=[candidate], problems=[], covered=True, pages=5)
    assert verdict.status == "met"
    assert verdict.confidence <= 0.7


def test_period_in_the_heading_that_names_the_duty_wins_over_the_reports_own_year():
    rules = EvidenceRules.from_catalogue(
        {"names": [r"equality objectives"], "required": {"min": 1, "patterns": [r"objective 1"]}}
    )
    report = Source(
        url="http://trust.example/edi-annual-report.html",
        kind="html",
        title="EDI annual report 2023/24",
        headings=["EDI annual report 2023/24", "Our workforce", "Our equality objectives 2024-2028"],
        text="Objective 1: close the gap in shortlisting.",
    )
    candidate = assess(report, rules)
    assert candidate.period.label == "2024-2028"
    assert currency(candidate, recency("covers", 48), datetime.date(2025, 4, 1))[0] is True


def test_a_document_with_a_title_but_no_text_is_assessed_without_error():
    empty = Source(url="http://trust.example/res.pdf", kind="pdf", title="Race Equality Scheme 2005-2008", text="")
    candidate = assess(empty, RULES)
    assert "title" in candidate.named_in
    assert not candidate.complete


@pytest.mark.parametrize(
    ("pattern", "words"),
    [
        (r"\brace equality (\w+ ){0,2}scheme\b", ["race equality "]),
        (r"\bres\W{0,3}(19|20)\d\d", ["res"]),
        (r"(draft )?(race|racial) equality", [" equality"]),
        (r"\d+(\.\d+)?\s?%", ["%"]),
        (r"\b(19|20)?\d\d\b", []),
    ],
)
def test_a_pattern_knows_the_words_every_match_contains(pattern, words):
    assert sorted(compiled(pattern).words) == words


def test_an_alternation_needs_one_word_of_each_pattern():
    names = any_of([r"\brace equality scheme\b", r"\bres\W{0,3}(19|20)\d\d", r"\bequalit(y|ies) scheme"])
    assert sorted(names.words) == ["equalit", "res"]
    assert names.search("Our RES 2005-08") and not names.search("Patient information leaflet")


def test_folding_reads_every_character_as_ignorecase_matches_it_to_ascii():
    # The prefilter may only rule out a text that the regular expression could not match.
    ascii_character = re.compile("[\x00-\x7f]", re.IGNORECASE)
    for code in range(sys.maxunicode + 1):
        char = chr(code)
        if ascii_character.fullmatch(char):
            assert len(fold(char)) == 1 and re.fullmatch(re.escape(fold(char)), char, re.IGNORECASE), hex(code)


CATALOGUE_TEXTS = [
    "Race Equality Scheme 2005-2008",
    "RACE EQUALİTY SCHEME 2005–2008",  # capital dotted I, as in a Turkish-keyboard title
    "race equalıty ſcheme",  # dotless i and long s both match i and s under IGNORECASE
    "Single Equality Scheme: race, disability and gender",
    "Disability Equality Scheme 2006-2009 action plan",
    "Gender Equality Scheme and equal pay review",
    "Workforce monitoring report 2005/06: staff in post by ethnic group",
    "Race equality impact assessment of our policies and functions",
    "DRAFT for consultation: equality objectives 2012-2016",
    "Gender pay gap report 2024: mean and median pay gap",
    "WRES data 2023 and WDES metrics",
    "Accessibility statement for this website",
    "Freedom of information publication scheme guide to information",
    "Staff join the Race for Life",
]


def test_the_prefilter_never_hides_a_match_of_a_catalogue_pattern():
    patterns = set()
    for spec in load_catalogue():
        evidence = spec.evidence
        patterns |= {*evidence["names"], *evidence["phrases"], *evidence["required"]["patterns"]}
        patterns |= {negative["pattern"] for negative in evidence["negatives"]}
        patterns |= {*evidence.get("sections", []), *evidence.get("combined", {}).get("names", [])}
        patterns |= set(evidence.get("combined", {}).get("strand", []))
    for pattern in patterns:
        for text in CATALOGUE_TEXTS:
            assert bool(compiled(pattern).search(text)) == bool(re.search(pattern, text, re.IGNORECASE)), (
                pattern,
                text,
            )


def test_objectives_set_out_in_a_section_of_an_annual_report_are_dated_by_that_section():
    objectives = next(spec for spec in load_catalogue() if spec.code == "psed-equality-objectives")
    report = Source(
        url="http://trust.example/uploads/doc_9739.pdf",
        kind="pdf",
        title="Public Sector Equality Duty report 2024",
        text=(
            "Public Sector Equality Duty report 2024. Published January 2025. This report sets out equality "
            "information, as required by the Equality Act 2010, for 2023/24. Our workforce: "
            + "Ethnicity White 5957 62.4%. Ethnicity Black, Asian and minority ethnic 3554 37.2%. "
            * 8
            + "Our equality objectives 2024–2028: "
            "Objective 1: reduce the gap in appointment rates. Objective 2: improve access for disabled patients."
        ),
    )

    candidate = assess(report, EvidenceRules.from_catalogue(objectives.evidence))

    assert candidate.named_in == ["section"]
    assert candidate.complete
    # The report's own year (2023/24) ended before the audit date; the objectives' period did not.
    assert currency(candidate, recency("covers", 48), datetime.date(2025, 4, 1)) == (
        True,
        "it covers 2024–2028, which includes the audit date (1 April 2025)",
    )


def test_a_number_in_the_url_does_not_date_a_document_whose_title_has_a_year():
    report = Source(url="http://t.example/Docs/DocumentStore/doc_2029.pdf", kind="pdf", title="WRES report 2021")
    assert document_dates(report) == (None, datetime.date(2021, 12, 31))
    untitled = Source(url="http://t.example/docs/wres-report-2024.pdf", kind="pdf", title="WRES report")
    assert document_dates(untitled) == (None, datetime.date(2024, 12, 31))
