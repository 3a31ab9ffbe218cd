"""What a trust reads about one of its findings: plain English for the trust, not the engine's words.

The engine's rationale ("Found the race equality scheme: … It counts because it is named as such in
its heading, link …") is written for the regulator's staff; the trust's page leads with a sentence
such as "We found your race equality scheme (2005–2008) on your website" and keeps the rationale one
click away.
"""

import re
from urllib.parse import urlsplit

from audits.crawler.wording import noun_phrase, with_article
from audits.models import Evidence, Finding, FindingStatus

# What the matcher says about the document's date (audits/crawler/matching.py, currency).
_COVERS = re.compile(r"\bit covers (.+?), which (?:includes|had ended)")
_DATED = re.compile(r"\bit is dated ([A-Z][a-z]+ \d{4})")
_OUT_OF_DATE = re.compile(
    r"^The only .+? found (?:is|are) out of date: .*; (it (?:covers|is dated) .+?)\.?$", re.DOTALL
)
_DOES_NOT_COUNT = re.compile(r"mentions it, but does not count: (.+?)\.?$", re.DOTALL)
_UNREADABLE = re.compile(r"could not be read")
SNIPPET_WINDOW = 180  # the matcher's excerpt is 220 characters; shorter means the text ended there
KINDS = {"application/pdf": "PDF", "text/html": "web page"}


def with_your(phrase: str, whose: str = "your") -> str:
    """ "your race equality scheme"; "the results of your race equality impact assessments"."""
    if phrase.lower().startswith("results of "):
        return f"the results of {whose} {phrase[len('results of ') :]}"
    return f"{whose} {phrase}"


def what_we_found(finding: Finding) -> str:
    """One or two sentences for the trust about what the audit found for this duty."""
    phrase = noun_phrase(finding.duty.title)
    rationale = finding.rationale or ""
    status = getattr(finding, "effective", None) or finding.effective_status
    if status == FindingStatus.MET:
        if finding.evidence_id is None:
            return f"The regulator decided that you have published {with_your(phrase)}."
        period = _period(rationale)
        return f"We found {with_your(phrase)}{f' ({period})' if period else ''} on your website."
    if status == FindingStatus.NOT_MET:
        if match := _OUT_OF_DATE.match(rationale.strip()):
            return f"We found {with_your(phrase)} on your website, but it is out of date: {match.group(1)}."
        if rationale.startswith("Found "):  # the automated check counted it; a reviewer did not
            return f"We found a document that looked like {with_your(phrase)}, but the regulator did not accept it."
        if match := _DOES_NOT_COUNT.search(rationale):
            return (
                f"We could not find {with_article(phrase)} on your website. A document mentions it, "
                f"but it does not count: {match.group(1)}."
            )
        return f"We could not find {with_article(phrase)} on your website."
    if _UNREADABLE.search(rationale):
        return "We found a document that may be it, but could not read it. The regulator is checking it."
    return "The regulator is checking this duty again. Its result will show here once it is settled."


def _period(rationale: str) -> str:
    if match := _COVERS.search(rationale):
        return match.group(1)
    if match := _DATED.search(rationale):
        return match.group(1)
    return ""


def excerpt(snippet: str) -> str:
    """The matcher's excerpt cut at word boundaries, with an ellipsis where it was cut mid-text."""
    text = " ".join(snippet.split())
    if not text:
        return ""
    words = text.split(" ")
    start = ""
    if text[0].islower() and len(words) > 1:  # began mid-sentence, perhaps mid-word
        words, start = words[1:], "…"
    end = ""
    if len(text) >= SNIPPET_WINDOW and text[-1] not in ".!?)”\"'" and len(words) > 1:
        words, end = words[:-1], "…"
    return f"{start}{' '.join(words).rstrip(',;:')}{end}"


def evidence_link_text(evidence: Evidence) -> str:
    """What the link to the document on the trust's website says: its title, else what it is and where."""
    if evidence.title.strip():
        return " ".join(evidence.title.split())
    kind = KINDS.get(evidence.content_type.split(";")[0].strip().lower(), "document")
    host = urlsplit(evidence.final_url or evidence.url).hostname or "your website"
    return f"The {kind} on {host}"


def evidence_kind(evidence: Evidence) -> str:
    return KINDS.get(evidence.content_type.split(";")[0].strip().lower(), "")
