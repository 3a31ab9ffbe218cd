"""Turn one fetched response into plain text, headings and links that the matcher can read.

`extract` never raises: a document that cannot be read comes back with `error` set in plain
English, so one hostile or broken file costs one finding, never the site check.
"""

from collections.abc import Callable
from urllib.parse import urlsplit

from ..statuses import DocumentKind
from .document import DOCUMENT_EXTENSIONS, Document, Link
from .docx import extract_docx, is_docx_zip
from .html import extract_html
from .pdf import PDF_PAGE_BREAK, extract_pdf
from .text import charset_param, decode_html, extract_text

__all__ = ["DOCUMENT_EXTENSIONS", "PDF_PAGE_BREAK", "Document", "Link", "decode_html", "extract", "sniff_kind"]

MAX_BODY_BYTES = 20 * 1024 * 1024
_DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
_CONTENT_TYPES = {
    "text/html": DocumentKind.HTML,
    "application/xhtml+xml": DocumentKind.HTML,
    "text/plain": DocumentKind.TEXT,
    "application/pdf": DocumentKind.PDF,
    "application/x-pdf": DocumentKind.PDF,
    _DOCX_TYPE: DocumentKind.DOCX,
}
_EXTENSIONS = {
    ".pdf": DocumentKind.PDF,
    ".docx": DocumentKind.DOCX,
    ".txt": DocumentKind.TEXT,
    ".html": DocumentKind.HTML,
    ".htm": DocumentKind.HTML,
}
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def extract(
    url: str,
    content_type: str,
    body: bytes,
    charset: str | None = None,
    read_on: Callable[[Document], bool] | None = None,
) -> Document:
    """The document's text, headings and links. With `read_on`, a PDF's first page is read alone and
    the rest only if read_on(the first page's document) says so, from the same open file."""
    kind = DocumentKind.OTHER
    try:
        kind = sniff_kind(url, content_type, body)
        if len(body) > MAX_BODY_BYTES:
            limit = MAX_BODY_BYTES // (1024 * 1024)
            return Document(
                url,
                kind,
                error=f"the document is larger than the {limit} MB limit for text extraction",
            )
        if body.startswith(_OLE_MAGIC):
            return Document(url, DocumentKind.OTHER, error="old Word .doc format is not read; open it by hand")
        # Callers may pass the whole Content-Type header and no separate charset.
        charset = charset or charset_param(content_type)
        if kind == DocumentKind.HTML:
            return extract_html(url, decode_html(body, charset))
        if kind == DocumentKind.TEXT:
            return extract_text(url, decode_html(body, charset, look_for_meta=False))
        if kind == DocumentKind.PDF:
            return extract_pdf(url, body, read_on)
        if kind == DocumentKind.DOCX:
            return extract_docx(url, body)
        return Document(url, DocumentKind.OTHER)
    except Exception as exc:  # a hostile file must never crash a site check
        return Document(url, kind, error=f"the document could not be read ({type(exc).__name__})")


def sniff_kind(url: str, content_type: str, body: bytes) -> DocumentKind:
    # Magic bytes first: servers label PDFs application/octet-stream or even text/html, but a
    # file that starts with %PDF- is a PDF whatever the header says.
    if b"%PDF-" in body[:1024]:
        return DocumentKind.PDF
    if body.startswith(b"PK\x03\x04") and is_docx_zip(body):
        return DocumentKind.DOCX
    if body.startswith(_OLE_MAGIC):
        return DocumentKind.OTHER
    media_type = content_type.split(";", 1)[0].strip().lower()
    if media_type in _CONTENT_TYPES:
        return _CONTENT_TYPES[media_type]
    path = urlsplit(url).path.lower()
    for extension, kind in _EXTENSIONS.items():
        if path.endswith(extension):
            return kind
    if media_type in ("", "application/octet-stream") and _looks_like_html(body):
        return DocumentKind.HTML
    return DocumentKind.OTHER


def _looks_like_html(body: bytes) -> bool:
    head = body[:512].lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html", b"<head", b"<body"))
