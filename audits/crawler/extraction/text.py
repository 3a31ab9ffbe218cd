"""Bytes to text as a browser decodes them, the normalising every format shares, and plain text files."""

import codecs
import re

from charset_normalizer import from_bytes

from ..statuses import DocumentKind
from .document import Document

MAX_TEXT_CHARS = 2_000_000
MAX_TITLE_CHARS = 300
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
# WHATWG: browsers decode these labels as windows-1252, and so do pages written for browsers.
_AS_WINDOWS_1252 = {"ascii", "latin_1", "iso8859_1"}
_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def decode_html(body: bytes, charset: str | None, *, look_for_meta: bool = True) -> str:
    """Decode the way a browser would, so "£" and "–" survive.

    Order: byte-order mark (as browsers do: it cannot be wrong), HTTP charset, <meta> charset,
    strict UTF-8, windows-1252, and only then a detector. A declared charset wins even when it
    looks wrong (a page declaring windows-1252 but holding UTF-8 reads as mojibake, as in a
    browser), except that a declared UTF-8 the bytes do not decode as is skipped: servers send
    "charset=utf-8" by default for old windows-1252 pages.
    """
    for bom, bom_encoding in _BOMS:
        if body.startswith(bom):
            return body.decode(bom_encoding, errors="replace")
    declared: list[str | None] = [charset]
    if look_for_meta:
        declared += [m.group(1).decode("ascii") for m in _META_CHARSET.finditer(body[:2048])]
    for label in declared:
        encoding = _codec_name(label)
        if encoding is None:
            continue
        if encoding == "utf_8":
            try:
                return body.decode("utf-8")
            except UnicodeDecodeError:
                continue
        return body.decode(encoding, errors="replace")
    for encoding in ("utf-8", "windows-1252"):
        try:
            return body.decode(encoding)
        except UnicodeDecodeError:
            pass
    # Detectors misread short English windows-1252 (cp932 for "Price £10"), so they come last,
    # for bytes that are neither UTF-8 nor windows-1252.
    best = from_bytes(body[:65536]).best()
    encoding = best.encoding if best is not None else "windows-1252"
    return body.decode(encoding, errors="replace")


def charset_param(content_type: str) -> str | None:
    match = re.search(r";\s*charset\s*=\s*[\"']?([^\"';\s]+)", content_type, re.I)
    return match.group(1) if match else None


def _codec_name(label: str | None) -> str | None:
    if not label:
        return None
    try:
        name = codecs.lookup(label.strip().strip("\"'")).name.replace("-", "_")
    except LookupError:
        return None
    if name in _AS_WINDOWS_1252:
        return "cp1252"
    # A page that declares UTF-16 in ASCII bytes is not UTF-16 (WHATWG: read it as UTF-8); real
    # UTF-16 pages start with a byte-order mark, handled before any declaration.
    if name.startswith(("utf_16", "utf_32")):
        return "utf_8"
    return name


def normalise(text: str) -> str:
    return " ".join(text.split())


def normalise_lines(text: str) -> str:
    lines = (normalise(line) for line in text.splitlines())
    return "\n".join(line for line in lines if line)


def first_line(text: str) -> str:
    # A document with no line breaks must not make a 2 MB title.
    return text.split("\n", 1)[0][:MAX_TITLE_CHARS]


# Titles that the tools fill in by themselves ("Microsoft Word - RES final.doc", "Untitled"): the
# document's own first line or heading says more.
_TOOL_MADE_TITLE = re.compile(
    r"$|untitled|microsoft (word|powerpoint|excel) - |.*\.(docx?|pptx?|xlsx?|pdf|indd|qxp)$", re.I
)


def own_title(stored_title: str, opening: str) -> str:
    """A PDF's or Word document's title: the one stored in the file, unless a tool made it up, else
    the first line of `opening` (its first page or heading)."""
    if _TOOL_MADE_TITLE.match(stored_title):
        return first_line(opening)
    return stored_title[:MAX_TITLE_CHARS]


# A line that reads as a heading: a few words, no sentence punctuation at its end, not a table row.
_HEADING_LINE = re.compile(r"^(?:\d{1,2}(?:\.\d{1,2})*\.?\s+)?[A-Z][^|]{2,90}(?<![.,;:])$")
MAX_HEADINGS = 200


def heading_lines(text: str) -> list[str]:
    """The lines of a PDF's or plain text's body that read as headings ("Race Equality Scheme 2005-2008",
    "4. Monitoring"): where a document inside a larger one (a section of an annual report) names itself."""
    headings = []
    for line in text.splitlines():
        line = line.strip()
        if len(line.split()) <= 10 and _HEADING_LINE.match(line):
            headings.append(line)
            if len(headings) >= MAX_HEADINGS:
                break
    return headings


def cap(text: str) -> tuple[str, bool]:
    return (text[:MAX_TEXT_CHARS], True) if len(text) > MAX_TEXT_CHARS else (text, False)


def extract_text(url: str, text: str) -> Document:
    text, truncated = cap(normalise_lines(text))
    return Document(
        url, DocumentKind.TEXT, title=first_line(text), headings=heading_lines(text), text=text, truncated=truncated
    )
