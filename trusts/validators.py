"""Checks on text and web addresses that people type or import, shared by forms, models and the importer.

Web addresses are parsed as a browser parses them (the WHATWG URL standard, through ada-url), so
that what we check is where a click goes: `http://evil.example\\@trust.nhs.uk/` is evil.example to a
browser, whatever Python's urllib says.
"""

import re
import unicodedata

from ada_url import URL
from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible

# Embedding, override and isolate characters turn the text after them around on screen ("Trojan
# Source"): a name can then read as another trust's.
BIDI_CONTROLS = "\u202a-\u202e\u2066-\u2069"
# One line (a name, a code, a web address): no control character at all, not even a tab or new line.
_LINE_FORBIDDEN = re.compile(f"[\x00-\x1f\x7f-\x9f{BIDI_CONTROLS}\u2028\u2029\ufeff\ufff9-\ufffb]")
# Free text (a comment, a reason): new lines and tabs are fine; other controls never are. NUL
# cannot even be stored by PostgreSQL.
_TEXT_FORBIDDEN = re.compile(f"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f{BIDI_CONTROLS}\ufeff\ufff9-\ufffb]")
# In a query string or form value, whatever the field: these have no business in any of ours.
REQUEST_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

WEB_SCHEMES = ("http:", "https:")
DEFAULT_PORTS = {"http:": 80, "https:": 443}


def describe(character: str) -> str:
    """U+202E (RIGHT-TO-LEFT OVERRIDE): how a message names an invisible character."""
    name = unicodedata.name(character, "")
    return f"U+{ord(character):04X}" + (f" ({name.lower()})" if name else "")


def forbidden_character(value: str, multi_line: bool = False) -> str | None:
    """The first character that the text must not contain, or None."""
    match = (_TEXT_FORBIDDEN if multi_line else _LINE_FORBIDDEN).search(value)
    return match.group() if match else None


def validate_single_line(value: str) -> None:
    """A name, code or other one-line text: no control or text-direction characters."""
    if (character := forbidden_character(str(value))) is not None:
        raise ValidationError(
            "Use letters, digits, spaces and punctuation only: this contains a control or "
            "text-direction character, %(character)s.",
            code="control_character",
            params={"character": describe(character)},
        )


def validate_text(value: str) -> None:
    """Free text of several lines: new lines and tabs, but no other control or text-direction character."""
    if (character := forbidden_character(str(value), multi_line=True)) is not None:
        raise ValidationError(
            "Remove the control or text-direction character %(character)s from this text.",
            code="control_character",
            params={"character": describe(character)},
        )


def parse_web_address(value: str) -> URL:
    """A full http(s) address as a browser reads it; ValidationError for anything a browser might read
    differently from a person, or that hides where it goes (a backslash, a user name or password)."""
    value = str(value).strip()
    if not value:
        raise ValidationError("Enter a web address.", code="invalid")
    if "\\" in value:
        raise ValidationError(
            "A web address cannot contain a backslash (\\); browsers read it as a slash.", code="backslash"
        )
    if (character := forbidden_character(value)) is not None or any(c.isspace() for c in value):
        raise ValidationError(
            "A web address cannot contain spaces or control characters (%(character)s).",
            code="invalid",
            params={"character": describe(character or next(c for c in value if c.isspace()))},
        )
    try:
        url = URL(value)
    except ValueError:
        raise ValidationError("Enter a full web address starting with https://.", code="invalid") from None
    if url.protocol not in WEB_SCHEMES or not url.hostname:
        raise ValidationError("Enter a full web address starting with https:// or http://.", code="invalid")
    if url.username or url.password:
        raise ValidationError(
            "A web address cannot contain a user name or password (the part before an @).", code="credentials"
        )
    return url


@deconstructible
class WebAddressValidator:
    """For a model or form field: the address must pass parse_web_address."""

    def __call__(self, value: str) -> None:
        if value:
            parse_web_address(value)

    def __eq__(self, other) -> bool:
        return isinstance(other, WebAddressValidator)


validate_web_address = WebAddressValidator()


def site_of(url: URL) -> tuple[str, int]:
    """(host without a leading "www." or a trailing dot, port) of a parsed address."""
    host = url.hostname.lower().rstrip(".").removeprefix("www.")
    return host, int(url.port) if url.port else DEFAULT_PORTS[url.protocol]


def is_on_site(value: str, website: str) -> bool:
    """Whether an address is on a website's host (or one of its subdomains) and port, as a browser reads both.

    A scheme's default port counts as the website's own: an https site's document may be linked
    with http://. Any port written out must be the website's."""
    try:
        url = parse_web_address(value)
        site = parse_web_address(website)
    except ValidationError:
        return False
    host, port = site_of(url)
    base, base_port = site_of(site)
    if not base:
        return False
    if (url.port or site.port) and port != base_port:
        return False
    return host == base or host.endswith("." + base)
