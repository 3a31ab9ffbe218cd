"""A duty's title inside a sentence, for every text that names one: the engine's rationale, what a
trust reads on its page, the national report."""

import re

# "Workforce ethnic monitoring (race employment duty)": the bracket names the law, not the document.
_LAW_BRACKET = re.compile(r"\s*\([^)]*\bduty\)\s*$", re.IGNORECASE)
MASS_NOUNS = {"information", "monitoring"}  # "equality information", never "an equality information"


def noun_phrase(title: str) -> str:
    """A duty's title as it reads inside a sentence: "workforce ethnic monitoring",
    "Workforce Race Equality Standard (WRES) report", "results of race equality impact assessments"."""
    text = _LAW_BRACKET.sub("", title).strip()
    words = text.split()
    if any(word[:1].isupper() for word in words[1:]):  # a name: "Freedom of Information", "Workforce Race Equality"
        return text
    if words and not (len(words[0]) > 1 and words[0][1:2].isupper()):  # not an acronym such as "WRES"
        return text[:1].lower() + text[1:]
    return text


def is_plural(phrase: str) -> bool:
    """ "results of race equality impact assessments", "equality objectives"; not "equality information"."""
    words = phrase.split() or [""]
    return words[0].endswith("s") or (words[-1].endswith("s") and not words[-1].endswith("ss"))


def with_article(phrase: str) -> str:
    """ "a disability equality scheme", "an accessibility statement"; plurals, names and mass nouns take none."""
    words = phrase.split() or [""]
    if is_plural(phrase) or words[0].isupper() or words[-1] in MASS_NOUNS:
        return phrase
    return f"{'an' if phrase[:1] in 'aeiou' else 'a'} {phrase}"
