"""Decide each duty from the documents a crawl read, driven only by the catalogue's evidence rules.

A document is scored for a duty by where the duty's names appear (title, headings, the text of the
links that point at it, its opening lines, its URL), the supporting phrases in its body and the
required content; negatives (drafts, templates, job adverts) disqualify it; its own period or date
is judged against the cycle's audit date. `decide` turns the candidates of one site into a verdict.
"""

import datetime
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from urllib.parse import unquote, urlsplit

from .extraction.pdf import OCR_NOTE
from .patterns import Pattern, any_of, compiled, fold
from .rules import DutyRules, EvidenceRules
from .statuses import DocumentKind, RecencyRule, VerdictStatus
from .wording import is_plural, noun_phrase

# Where a duty's name may appear, and how much each place says about the document itself.
NAME_WEIGHTS = {"title": 3, "heading": 2, "link": 2, "opening": 2, "url": 1, "section": 1}
OPENING_CHARS = 400
# Where a PDF's or Word document's title page names it: its first lines. A name further in sits in the
# introduction's sentences, which mention other documents ("… as our WRES data also shows").
TITLE_PAGE_CHARS = 300
DATE_SCAN_CHARS = 4000


@dataclass(frozen=True)
class TrustIdentity:
    """Whose website is crawled: a document that says it is another NHS trust's is not this trust's evidence."""

    name: str
    ods_code: str = ""
    former_names: tuple[str, ...] = ()


@dataclass
class Source:
    """What the matcher knows about one document the crawl read."""

    url: str
    kind: DocumentKind
    title: str = ""
    headings: list[str] = field(default_factory=list)
    link_texts: list[str] = field(default_factory=list)
    linked_from: str = ""
    text: str = ""
    error: str = ""
    image_only: bool = False
    site_owner: TrustIdentity | None = None  # the trust whose website it was read on

    @cached_property
    def places(self) -> dict[str, list[str]]:
        """Where a document may be named, whitespace-normalised once for every duty's rules."""
        places = {
            "title": [self.title],
            "heading": self.headings[:6],
            # A heading further in names a part of a larger document (an annual report's section).
            "section": self.headings[6:],
            "link": self.link_texts,
            "url": [url_words(self.url)],
        }
        if self.kind != DocumentKind.HTML:
            # A PDF's or Word document's first lines are its title page; a web page's are its menus.
            places["opening"] = [self.text[:TITLE_PAGE_CHARS]]
        return {place: [_normalise(t) for t in texts if t] for place, texts in places.items()}

    @cached_property
    def folded_places(self) -> str:
        """Every place's texts in one folded string: a name whose words are missing here is named nowhere."""
        return fold("\n".join(t for texts in self.places.values() for t in texts))

    @cached_property
    def folded_text(self) -> str:
        """The body folded once for all the patterns searched in it (see Pattern)."""
        return fold(self.text)


@dataclass
class Period:
    start: datetime.date
    end: datetime.date
    label: str


@dataclass
class Candidate:
    source: Source
    named_in: list[str]
    phrases: list[str]
    required_found: int
    required_min: int
    negative: str = ""
    figures_found: int = 0
    figures_min: int = 0
    combined: bool = False
    period: Period | None = None
    published: datetime.date | None = None
    snippet: str = ""

    @property
    def name_score(self) -> int:
        return sum(NAME_WEIGHTS[place] for place in set(self.named_in))

    @property
    def complete(self) -> bool:
        return self.required_found >= self.required_min and self.figures_found >= self.figures_min


@dataclass
class Problem:
    """A likely document the crawl could not read: blocked, broken or unreadable."""

    url: str
    reason: str
    link_text: str = ""
    linked_from: str = ""
    title: str = ""
    # What was fetched, when the document came back but could not be read (scanned, broken): the
    # bytes are kept as evidence, since these are exactly the documents a reviewer must open.
    status: int | None = None
    content_type: str = ""
    body: bytes | None = None
    fetched_at: float | None = None
    final_url: str = ""


@dataclass
class Verdict:
    status: VerdictStatus
    confidence: float
    rationale: str
    evidence: Candidate | None = None
    problem: Problem | None = None


def _find(patterns: Sequence[str], source: Source) -> list[str]:
    """The patterns found in the document's body."""
    return [p for p in patterns if compiled(p).search(source.text, source.folded_text)]


def _section(patterns: Sequence[str], source: Source) -> str:
    """The words that open this duty's section inside another document ("Equality objectives
    2024-2028" in an annual report), or ""."""
    for pattern in patterns:
        if match := compiled(pattern).search(source.text, source.folded_text):
            return match.group(0)
    return ""


def _normalise(text: str) -> str:
    return " ".join(text.split())


def url_words(url: str) -> str:
    """The words of a URL's path: '/docs/race-equality_scheme.pdf' -> 'docs race equality scheme pdf'."""
    return _normalise(re.sub(r"[-_/.+%=&?]+", " ", unquote(urlsplit(url).path)))


def _named_in(patterns: Sequence[str], source: Source) -> list[str]:
    names = any_of(patterns)
    if not names.may_occur_in(source.folded_places):
        return []
    return [place for place, texts in source.places.items() if any(_names_place(names, place, t) for t in texts)]


# A later heading names a section only if the name is most of it ("Race Equality Scheme 2005-2008"),
# not a line of an action plan that mentions it ("Complete race equality impact assessments of all...").
SECTION_NAME_SHARE = 0.55


def _names_place(names: Pattern, place: str, text: str) -> bool:
    match = names.search(text)
    if match is None:
        return False
    return place != "section" or len(match.group(0)) >= SECTION_NAME_SHARE * len(text)


def _negative(rules: EvidenceRules, source: Source) -> str:
    """The reason the document is not the published thing, if a negative rule names it so."""
    places = source.places
    # Only the places that name the document itself: a sidebar heading "Vacancies" says nothing.
    texts = [*places["title"], *places["heading"][:1], *places["link"], *places["url"]]
    # The opening lines of a PDF often carry its real title ("DRAFT for consultation").
    texts += [opening[:200] for opening in places.get("opening", [])]
    if not any(any_of([n.pattern for n in rules.negatives]).search(t) for t in texts):
        return ""
    for negative in rules.negatives:
        if any(compiled(negative.pattern).search(t) for t in texts):
            return negative.reason
    return ""


def names_it(source: Source, rules: EvidenceRules) -> bool:
    """Whether the document's title, headings, links, URL or opening name it as this duty's (or a combined) document."""
    combined = rules.combined
    return bool(_named_in(rules.names, source) or (combined and _named_in(combined.names, source)))


def abbreviated(texts: Sequence[str], rules: EvidenceRules) -> bool:
    """Whether a link's words shorten the duty's document name as trusts write it ("To read the RES, click
    here"): enough to read what it leads to, never to count it as the duty's document."""
    return bool(rules.abbreviations) and any(_abbreviations(rules.abbreviations).search(text) for text in texts)


@lru_cache(maxsize=64)
def _abbreviations(words: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile(r"\b(?:" + "|".join(words) + r")\b")  # as written: "res" in an address is not one


def assess(source: Source, rules: EvidenceRules) -> Candidate | None:
    """Score one document for one duty; None when it has nothing to do with the duty."""
    names = rules.names
    named_in = _named_in(names, source)
    combined = False
    combined_rules = rules.combined
    if not named_in and combined_rules and (named_as_combined := _named_in(combined_rules.names, source)):
        # A combined scheme counts for a strand only if it explicitly covers it.
        if not _find(combined_rules.strand, source):
            return None
        named_in, combined = named_as_combined, True
    section = "" if named_in else _section(rules.sections, source)
    if section:
        # The content sits in a section of another document, e.g. an appendix of results.
        named_in = ["section"]
    if not named_in:
        return None
    candidate = Candidate(
        source=source,
        named_in=named_in,
        phrases=_find(rules.phrases, source),
        required_found=len(_find(rules.required, source)),
        required_min=rules.required_min,
        negative=_negative(rules, source) or _never_the_publication(source),
        figures_found=_figures(rules, source),
        figures_min=rules.figures_min,
        combined=combined,
        snippet=_snippet(source, names + rules.phrases),
    )
    candidate.period, candidate.published = document_dates(source)
    # A heading such as "Our equality objectives 2024-2028" inside an annual report dates this
    # duty's part of the document better than the report's own year.
    name = any_of(names)
    naming = [t for place in ("heading", "section", "link", "title") for t in source.places[place] if name.search(t)]
    named_period = _period_in([*naming, section])
    candidate.period = named_period or candidate.period
    return candidate


def _figures(rules: EvidenceRules, source: Source) -> int:
    """How many distinct figures of the kind the duty requires the document holds (up to the number needed)."""
    if not rules.figures_min:
        return 0
    pattern = compiled(rules.figures)
    if not pattern.may_occur_in(source.folded_text):
        return 0
    found: set[str] = set()
    for match in pattern.regex.finditer(source.text):
        found.add(" ".join(match.group(0).lower().split()))
        if len(found) >= rules.figures_min:
            break
    return len(found)


# Kinds of text that are never a duty's publication, whatever the duty, read from what the text
# says of itself (its opening), not only its title.
KIND_CHARS = 1500
NEVER_THE_PUBLICATION = (
    (
        r"\b(the )?(trust |foundation trust |public )?(board|committee|council of governors)( of directors)? is "
        r"(asked|invited|requested|recommended) to (approve|ratify|endorse|agree|adopt|sign off)\b",
        "it is a paper asking a board to approve the document, not the published document",
    ),
    (
        r"^\W*(\w+ ){0,8}minutes of (the |a )?(\w+ ){0,6}(meeting|board|committee|group)\b|\bpresent\W{1,3}"
        r"(\w+ ){0,3}(chair|chief|director)|\bapologies (for absence )?(were )?(received|from)\b",
        "it is the minutes of a meeting, not the published document",
    ),
    (
        r"\bby (our|the|a) ([a-z]+ ){0,3}(reporter|correspondent|editor)\b|\breaders.? comments\b|\brelated stories\b"
        r"|\b(the )?trust said\b|\b(a |the trust.s )?spokes(person|man|woman) said\b",
        "it is a news or trade press article about the document, not the document",
    ),
    (
        r"\bwe are (now )?consulting\b|\bhave your say\b|\bhow to respond\b|\bconsultation (closes|ends|runs|period)\b"
        r"|\b(hear|send us|tell us) your (views|comments)\b[^.]{0,60}\b(before|by|until)\b|\bresponse form\b"
        r"|\bdraft for consultation\b|\bnot for publication\b",
        "it is a consultation or draft version, not the adopted document",
    ),
    (
        r"\bclosing date( for applications)?\b|\bperson specification\b|\bjob (reference|description)\b",
        "it is a job advertisement",
    ),
    (
        r"\b(this|our) (guidance|guide|toolkit|code of practice)\b (explains|is for|sets out|describes)"
        r"|\bwho this guide is for\b|\breplace the text in \[|^\W*(\w+ ){0,6}definition document\b"
        r"|^\W*(\w+ ){0,6}(guidance|guide(?! to information)|toolkit|code of practice|sample)\b",
        "it is guidance, a sample or a template, not an organisation's own document",
    ),
)
# Bodies other than NHS trusts that publish about these duties: a document that says it is by one
# of them (on its title page or as "published by") is theirs, not the trust's.
OTHER_BODIES = (
    r"\b(county|city|borough|district|metropolitan|town|parish) council\b|\bdepartment of health\b|\bnhs england\b"
    r"|\bnhs employers\b|\bnhs improvement\b|\bnhs confederation\b|\bhealth education england\b|\bnhs digital\b"
    r"|\b(disability rights|equal opportunities|equality and human rights|healthcare|care quality|audit) commission\b"
    r"|\bcommission for (racial equality|health improvement)\b|\binformation commissioner(.s office)?\b"
    r"|\bcabinet office\b|\bgovernment (digital service|equalities office)\b|\bstrategic health authority\b"
    r"|\bhome office\b"
    # The NHS bodies beside a trust: its commissioners, and the charity and companies it set up.
    r"|\bintegrated care (board|system|partnership)\b|\bicb\b|\bclinical commissioning group\b|\bccg\b"
    r"|\bcommissioning support unit\b|\b(hospitals? |health )?charit(y|able (fund|trust))\b|\bregistered charity\b"
    r"|\b(limited|ltd|llp|plc)\.?\s*$|\bcommunity interest company\b"
)
NHS_TRUST = r"\bnhs (foundation )?trust\b|\b(primary )?care trust\b|\bhealth and social care trust\b"
# "Published by ..." as a colophon or title page says it, with its capital: "a scheme produced by the
# Information Commissioner" in a sentence names who wrote something else.
# An accessibility statement names its website's owner: "This website is run by ...".
_AUTHOR_PLACES = re.compile(
    r"\b(?:(?:Published|Prepared|Produced|Issued|Written) by:?|website is run by|applies to the website of)\s+(the\s+)?"
)


def _never_the_publication(source: Source) -> str:
    """Why the document, by what it says it is (a board paper, minutes, an article, another body's), cannot count."""
    opening = source.text[:KIND_CHARS]
    folded = source.folded_text[:KIND_CHARS]
    for pattern, reason in NEVER_THE_PUBLICATION:
        if compiled(pattern).search(opening, folded):
            return reason
    if body := _other_author(source):
        return f"it is another organisation's document ({body}), not the trust's"
    if source.site_owner and (trust := _other_trust(source, source.site_owner)):
        return f"it is another NHS trust's document ({trust}), not {source.site_owner.name}'s"
    return ""


def _other_author(source: Source) -> str:
    """The body other than an NHS trust that the document names as its author, on its title page (a
    document's first lines) or as "published by", or ""."""
    # A web page's first words are a banner or a sentence; a document's first lines are its title page.
    author_texts = [source.title, *source.headings[:2]] if source.kind != DocumentKind.HTML else []
    author_texts += [
        source.text[match.end() : match.end() + 80] for match in _AUTHOR_PLACES.finditer(source.text[:DATE_SCAN_CHARS])
    ]
    for text in author_texts:
        other, trust = compiled(OTHER_BODIES).search(text), compiled(NHS_TRUST).search(text)
        # "the Information Commissioner's model scheme" refers to another body; it is not by it.
        possessive = other and text[other.end() : other.end() + 2] in ("'s", "’s")
        if other and not possessive and (trust is None or other.start() < trust.start()):
            return _normalise(other.group(0))
    return ""


# An NHS body's name as documents write it: capitalised words (or a title page's capitals) before the
# kind of trust, "and"/"&"/"of"/"upon" allowed inside ("Guy's and St Thomas' NHS Foundation Trust").
_TRUST_NAME = re.compile(
    r"\b((?:(?:[A-Z][\w'’.-]*|and|&|of|the|upon|on|in)\s+){1,10}?)"
    r"(?i:(nhs foundation trust|nhs trust|primary care trust|health and social care trust|care trust))\b"
)
# Words many trusts' names share: what is left names the trust ("St Elsewhere's", "Northmoor").
_GENERIC_NAME_WORDS = frozenset(
    "nhs foundation trust primary care health healthcare hospital hospitals university teaching and the of in on "
    "upon services community partnership mental social acute general district city county".split()
)


def _name_words(name: str) -> frozenset[str]:
    words = re.sub(r"['’]", "", name.lower().replace("&", " and ")).split()
    return frozenset(re.sub(r"\W+", "", w) for w in words) - _GENERIC_NAME_WORDS - {""}


def _is_primary_care(name: str) -> bool:
    return bool(re.search(r"\b(primary )?care trust\b", name, re.IGNORECASE)) and "social care" not in name.lower()


def _other_trust(source: Source, owner: TrustIdentity) -> str:
    """The other NHS trust the document names as its own (title, first headings, title page or "published
    by"), when it names none of the owner's names there: a joint scheme that names the owner counts."""
    by = [source.text[m.end() : m.end() + 120] for m in _AUTHOR_PLACES.finditer(source.text[:DATE_SCAN_CHARS])]
    heads = [source.title, *source.headings[: 2 if source.kind != DocumentKind.HTML else 1], *by]
    if source.kind != DocumentKind.HTML:
        heads.append(source.text[:OPENING_CHARS])
    others = [m for text in heads for m in _trusts_named(text) if not _owners(m, owner)]
    if not others:
        return ""
    own_places = " ".join([source.title, *source.headings[:6], source.text[:KIND_CHARS], *by])
    if owner.ods_code and re.search(rf"\b{re.escape(owner.ods_code)}\b", own_places):
        return ""
    if any(_owners(m, owner) for m in _trusts_named(own_places)):
        return ""
    return _normalise(others[0].group(0)).removeprefix("the ").removeprefix("The ")


def _trusts_named(text: str) -> list[re.Match]:
    """The NHS trusts a text names in particular (not "the NHS Trust")."""
    return [m for m in _TRUST_NAME.finditer(text) if _name_words(m.group(1))]


def _owners(mention: re.Match, owner: TrustIdentity) -> bool:
    """Whether a trust named in the text is the owner, by its name, a shorter form of it or a former name."""
    words = _name_words(mention.group(1))
    for name in (owner.name, *owner.former_names):
        own = _name_words(name)
        # A primary care trust and a hospital trust of the same town are different bodies.
        same_kind = not re.search(r"\btrust\b", name, re.IGNORECASE) or _is_primary_care(name) == _is_primary_care(
            mention.group(2)
        )
        if own and own <= words and same_kind:
            return True
    return False


def _snippet(source: Source, patterns: Sequence[str], width: int = 220) -> str:
    text = source.text
    for pattern in patterns:
        match = compiled(pattern).search(text, source.folded_text)
        if match:
            start = max(0, match.start() - width // 3)
            return _normalise(text[start : start + width])
    return _normalise(text[:width])


# Periods such as "2005-2008", "2005 to 2008", "2005/06", "2006-07", "April 2005 – March 2008",
# "1 April 2018 to 31 March 2019".
_YEAR = r"(19[89]\d|20\d\d)"
_MONTHS = "january february march april may june july august september october november december"
_MONTH_NAMES = {name: i + 1 for i, name in enumerate(_MONTHS.split())}
_MONTH = r"(" + "|".join(m[:3] + r"[a-z]*" for m in _MONTHS.split()) + r")\.?"
_DAY = r"(?:\d{1,2}(?:st|nd|rd|th)?\s+)?"
_PERIOD_RE = re.compile(
    rf"(?:{_DAY}{_MONTH}\s+)?{_YEAR}\s*(?:-|–|—|/|\bto\b|\buntil\b)\s*(?:{_DAY}{_MONTH}\s+)?(19[89]\d|20\d\d|\d\d)(?!\d)",
    re.IGNORECASE,
)
_DATE_RE = re.compile(
    rf"\b(?:(\d{{1,2}})(?:st|nd|rd|th)?\s+)?{_MONTH}\s+{_YEAR}\b|\b(\d{{1,2}})/(\d{{1,2}})/{_YEAR}\b",
    re.IGNORECASE,
)
# Words before a date that say when the document was published, or the date its figures describe.
_PUBLISHED_RE = re.compile(
    r"\b(published|issued|approved|adopted|updated|reviewed|revised|prepared|dated?|produced|last modified|"
    r"as at|as of|snapshot( date)?|figures at|data at)\b",
    re.IGNORECASE,
)
# Words before a period that say the document covers it ("data for the period 1 April 2020 to 31 March
# 2021"); a period elsewhere in the body (an action plan's "Quarter 2 2006/07") is a target, not its own.
_COVERS_RE = re.compile(
    r"\b(covers?|covering|for the (period|years?)|period( covered)?|reporting (year|period)|data (for|from)|"
    r"financial year|year (ending|ended|to))\W{0,3}$",
    re.IGNORECASE,
)
# "what we will do over the next three years": a scheme's period runs from its date.
_SPAN_RE = re.compile(
    r"\b(?:over|for|during|in) the next (two|three|four|five|2|3|4|5) years\b|\b(two|three|four|five|2|3|4|5)[- ]year "
    r"(?:scheme|plan|strategy|programme)\b",
    re.IGNORECASE,
)
_NUMBERS = {"two": 2, "three": 3, "four": 4, "five": 5}


def _month(name: str | None) -> int | None:
    return _MONTH_NAMES.get(next((m for m in _MONTH_NAMES if name and m.startswith(name.lower()[:3])), ""))


def _period_from(match: re.Match) -> Period | None:
    start_month, start_year, end_month, end_text = match.groups()
    start = int(start_year)
    end = int(end_text) if len(end_text) == 4 else (start // 100) * 100 + int(end_text)
    if not 0 <= end - start <= 10:
        return None
    if end - start == 1 and not end_month:
        # "2005/06" or "2005-2006": a financial year, April to March.
        return Period(datetime.date(start, 4, 1), datetime.date(end, 3, 31), match.group(0))
    first = datetime.date(start, _month(start_month) or 1, 1)
    last_month = _month(end_month) or 12
    last = datetime.date(end + (last_month == 12), last_month % 12 + 1, 1) - datetime.timedelta(days=1)
    return Period(first, last, match.group(0))


def _dates(text: str) -> list[datetime.date]:
    found = []
    for day, month, year, d, m, y in _DATE_RE.findall(text):
        try:
            if year:
                found.append(datetime.date(int(year), _month(month) or 1, int(day or 1)))
            else:
                found.append(datetime.date(int(y), int(m), int(d)))  # UK order: day/month/year
        except ValueError:
            continue
    return found


def _period_in(texts: list[str]) -> Period | None:
    for text in texts:
        match = _PERIOD_RE.search(text or "")
        if match and (period := _period_from(match)):
            return period
    return None


def _years(texts: list[str]) -> list[int]:
    return [int(year) for text in texts for year in re.findall(r"\b(19[89]\d|20\d\d)\b", text or "")]


def document_dates(source: Source) -> tuple[Period | None, datetime.date | None]:
    """The period the document states it covers, and when it says it was published (or the snapshot
    date of its figures). Only the places that describe the whole document give its period: its
    title, first headings, links, URL, title page, and periods the text says it covers."""
    opening = source.text[:DATE_SCAN_CHARS]
    period = _period_in(
        [source.title, *source.headings[:3], *source.link_texts, url_words(source.url), source.text[:OPENING_CHARS]]
    ) or _stated_period(opening)
    published = None
    for match in _PUBLISHED_RE.finditer(opening):
        dates = _dates(opening[match.end() : match.end() + 40])
        if dates:
            published = max(dates) if published is None else max(published, *dates)
    if published is None and (dates := _dates(source.text[:OPENING_CHARS])) and source.kind != DocumentKind.HTML:
        # A title page's own date ("March 2006" under the title).
        published = dates[0]
    if period is None and published and (span := _SPAN_RE.search(opening)):
        years = span.group(1) or span.group(2)
        years = _NUMBERS.get(years.lower()) or int(years)
        end = datetime.date(published.year + years, published.month, min(published.day, 28))
        period = Period(published, end, f"{published:%B %Y} to {end:%B %Y} ({span.group(0)})")
    if published is None and period is None:
        # A bare year in the title or links, as in "Gender pay gap report 2024"; the URL's only
        # without one there, as its numbers are often no year at all ("doc_2029.pdf").
        years = _years([source.title, *source.link_texts]) or _years([url_words(source.url)])
        if years:
            published = datetime.date(max(years), 12, 31)
    return period, published


def _stated_period(text: str) -> Period | None:
    """A period the text says it covers ("data for the period 1 April 2020 to 31 March 2021")."""
    for match in _PERIOD_RE.finditer(text):
        if _COVERS_RE.search(text[max(0, match.start() - 40) : match.start()]) and (period := _period_from(match)):
            return period
    return None


def _months_before(date: datetime.date, months: int) -> datetime.date:
    month_index = date.year * 12 + date.month - 1 - months
    return datetime.date(month_index // 12, month_index % 12 + 1, min(date.day, 28))


def currency(candidate: Candidate, duty: DutyRules, audit_date: datetime.date) -> tuple[bool | None, str]:
    """Whether the document was current on the audit date (None: no date to judge by), and why."""
    on = f"{audit_date:%-d %B %Y}"
    period, published, months, deadline = candidate.period, candidate.published, duty.recency_months, duty.deadline
    window_start = _months_before(audit_date, months)
    if duty.recency_rule == RecencyRule.COVERS and period:
        if period.end < audit_date:
            return False, f"it covers {period.label}, which had ended by the audit date ({on})"
        return True, f"it covers {period.label}, which includes the audit date ({on})"
    latest = max(d for d in (published, period.end if period else None) if d) if (published or period) else None
    if latest is None:
        return None, "it states no date or period"
    described = f"it covers {period.label}" if period and latest == period.end else f"it is dated {latest:%B %Y}"
    if deadline and (answered := deadline.answered(published, period.end if period else None)):
        # A yearly report is current only while no later one has fallen due, however recent it is.
        due = deadline.latest_passed(audit_date)
        if answered < due:
            return False, (
                f"{described}, so it is the report due by {answered:%-d %B %Y}; the next one was due by "
                f"{due:%-d %B %Y}, before the audit date ({on})"
            )
        return True, f"{described}, so it is the report due by {answered:%-d %B %Y}, the latest due by {on}"
    if latest < window_start:
        return False, f"{described}, more than {months} months before the audit date ({on})"
    return True, f"{described}, within {months} months of the audit date ({on})"


def _describe(source: Source) -> str:
    kind = {
        DocumentKind.PDF: "PDF",
        DocumentKind.DOCX: "Word document",
        DocumentKind.HTML: "web page",
        DocumentKind.TEXT: "text file",
    }.get(source.kind, "document")
    title = f"“{source.title}”" if source.title else "an untitled document"
    where = f", linked from {source.linked_from}" if source.linked_from else ""
    link = f" as “{source.link_texts[0]}”" if source.link_texts else ""
    return f"{title} ({kind}, {source.url}){where}{link}"


# Where a document names itself, in the order a reader meets them.
PLACE_WORDS = {
    "title": "title",
    "heading": "heading",
    "opening": "opening lines",
    "section": "section heading",
    "link": "link text",
    "url": "web address",
}


def _places(named_in: list[str]) -> str:
    """ "heading, link text and web address" """
    words = [PLACE_WORDS[place] for place in PLACE_WORDS if place in named_in]
    return " and ".join(words) if len(words) < 3 else f"{', '.join(words[:-1])} and {words[-1]}"


def _rank(candidate: Candidate) -> tuple:
    return (candidate.complete, candidate.name_score, len(candidate.phrases), candidate.required_found)


def decide(
    duty: DutyRules,
    audit_date: datetime.date,
    *,
    candidates: list[Candidate],
    problems: list[Problem],
    covered: bool,
    pages: int,
) -> Verdict:
    """The verdict on one duty for one site, from its candidates and the documents it could not read;
    `covered`: the crawl read every link that looked relevant; `pages`: how many it read."""
    title = noun_phrase(duty.title)
    was, is_ = ("were", "are") if is_plural(title) else ("was", "is")
    usable = sorted((c for c in candidates if not c.negative and c.complete), key=_rank, reverse=True)
    judged = [(c, *currency(c, duty, audit_date)) for c in usable]
    current = [j for j in judged if j[1] is not False]
    if current:
        candidate, is_current, why = max(current, key=lambda j: (j[1] is True, _rank(j[0])))
        confidence = min(0.99, 0.55 + 0.06 * candidate.name_score + 0.04 * min(len(candidate.phrases), 4))
        strand = ""
        if candidate.combined:
            strand = " It is a broader document, not one for this duty alone, and covers this duty explicitly."
        if candidate.source.text.startswith(OCR_NOTE):
            strand += " Its text was read by OCR from scanned page images."
        if is_current is None:
            confidence = min(confidence, 0.7)
        return Verdict(
            VerdictStatus.MET,
            round(confidence, 2),
            f"Found the {title}: {_describe(candidate.source)}. It counts because it is named as "
            f"such in its {_places(candidate.named_in)}, and contains what the duty requires; "
            f"{why}.{strand}",
            evidence=candidate,
        )
    likely_problems = [p for p in problems if _named_in(duty.evidence.names, _problem_source(p))]
    if likely_problems:
        problem = likely_problems[0]
        return Verdict(
            VerdictStatus.REVIEW,
            0.5,
            f"A document that looks like the {title} could not be read: {problem.url}"
            f"{' (linked as “' + problem.link_text + '”)' if problem.link_text else ''} – {problem.reason}. "
            "A person should check it.",
            problem=problem,
        )
    if judged:
        candidate, _, why = judged[0]
        return Verdict(
            VerdictStatus.NOT_MET,
            0.9,
            f"The only {title} found {is_} out of date: {_describe(candidate.source)}; {why}.",
            evidence=candidate,
        )
    disqualified = sorted((c for c in candidates if c.negative), key=_rank, reverse=True)
    if disqualified:
        candidate = disqualified[0]
        return Verdict(
            VerdictStatus.NOT_MET,
            0.85,
            f"No published {title} {was} found. {_describe(candidate.source)} mentions it, "
            f"but does not count: {candidate.negative}.",
            evidence=candidate,
        )
    if not covered:
        return Verdict(
            VerdictStatus.REVIEW,
            0.4,
            f"No {title} {was} found in the {pages} pages read, but the site's page or time "
            "budget ran out before it was fully covered. A person should check the rest of the site.",
        )
    partial = sorted(candidates, key=_rank, reverse=True)
    if partial:
        candidate = partial[0]
        return Verdict(
            VerdictStatus.NOT_MET,
            0.7,
            f"No published {title} {was} found. The closest is {_describe(candidate.source)}, "
            "which names it but does not contain it (it may only describe or point to it).",
            evidence=candidate,
        )
    return Verdict(
        VerdictStatus.NOT_MET,
        0.8,
        f"No {title} {was} found in the {pages} pages and documents read on the trust's website.",
    )


def _problem_source(problem: Problem) -> Source:
    return Source(
        url=problem.url,
        kind=DocumentKind.HTML,
        title=problem.title,
        link_texts=[problem.link_text] if problem.link_text else [],
    )
