"""PDFs: the text layer of each page via PDFium, the title, and whether it is scanned images only."""

import hashlib
import os
import re
import threading
import unicodedata
from collections import OrderedDict
from collections.abc import Callable, Iterator
from itertools import islice

import pypdfium2 as pdfium

from ..statuses import DocumentKind
from .document import Document
from .text import MAX_TEXT_CHARS, cap, heading_lines, normalise, normalise_lines, own_title

MAX_PDF_PAGES = 200
# Fewer extractable characters than this per page on average means scanned images.
MIN_PDF_CHARS_PER_PAGE = 20
PDF_PAGE_BREAK = "\n\f\n"
# OCR of scanned pages: the first three (a scheme names itself and its contents there), at 150 dpi.
MAX_OCR_PAGES = 3
OCR_SCALE = 150 / 72
OCR_PAGE_SECONDS = 30
# The first line of a text read by OCR, so that the matcher and a person reading it know where it came from.
OCR_NOTE = "[Text read by OCR from scanned page images]"
# Pages read by OCR, kept by the PDF's SHA-256: the same scan linked from several pages or sites, or
# fetched again by a recheck, is read by Tesseract once in a worker's life (a page's text is a few kB).
OCR_CACHE_PAGES = 1024

# PDFium keeps global state and is not thread-safe; the crawler runs in a threads pool.
_PDFIUM_LOCK = threading.Lock()


def extract_pdf(url: str, body: bytes, read_on: Callable[[Document], bool] | None) -> Document:
    """With read_on, the first page alone, and the rest only if read_on(the first page) says so; a
    scan's first pages are read by OCR one at a time, each only if read_on(the text so far) says so."""
    with _PDFIUM_LOCK:
        try:
            pdf = pdfium.PdfDocument(body)
        except pdfium.PdfiumError as exc:
            return Document(url, DocumentKind.PDF, error=_pdf_open_error(exc))
        try:
            page_count = len(pdf)
            metadata_title = normalise(pdf.get_metadata_value("Title"))
            pages = _pdf_page_texts(pdf, min(page_count, MAX_PDF_PAGES))
            if read_on is None:
                return _pdf_document(url, list(pages), page_count, metadata_title)
            # Opening a PDF and its first page cost the most (PDFium loads the fonts), so the rest
            # is read from the same open file; read_on runs with PDFium locked, and must not extract.
            page_texts = list(islice(pages, 1))
            first_page = _pdf_document(url, page_texts, page_count, metadata_title)
            if first_page.image_only and not page_texts[0].strip():
                # Scanned pages are read by OCR only if read_on, from what names the document, says they may matter.
                if not read_on(first_page):
                    return first_page
            elif page_count <= 1 or not read_on(first_page):
                return first_page
            else:
                return _pdf_document(url, page_texts + list(pages), page_count, metadata_title)
        except pdfium.PdfiumError:  # a page that will not load
            return Document(url, DocumentKind.PDF, error="the PDF is malformed")
        finally:
            pdf.close()
    return _ocr_document(url, body, page_count, metadata_title, read_on)


def _pdf_document(url: str, page_texts: list[str], page_count: int, metadata_title: str) -> Document:
    text, truncated = cap(PDF_PAGE_BREAK.join(page_texts))
    document = Document(
        url,
        DocumentKind.PDF,
        # A scan's title is its first line read by OCR, not the note that says it was.
        title=own_title(metadata_title, page_texts[0].removeprefix(f"{OCR_NOTE}\n") if page_texts else ""),
        headings=heading_lines(text),
        text=text,
        pages=page_count,
        truncated=truncated or page_count > len(page_texts),
    )
    letters = sum(len(page.replace(" ", "").replace("\n", "")) for page in page_texts)
    if page_texts and letters < MIN_PDF_CHARS_PER_PAGE * len(page_texts):
        document.image_only = True
        document.error = "the PDF has no text layer (scanned images only)"
    return document


def _ocr_document(
    url: str, body: bytes, page_count: int, metadata_title: str, read_on: Callable[[Document], bool]
) -> Document:
    """The text of a scanned PDF's first pages by OCR (Tesseract), marked as such, read page by page while
    read_on(the text so far) says the next page may matter; unread without Tesseract."""
    try:
        import pytesseract

        pytesseract.get_tesseract_version()
    except (ImportError, OSError, RuntimeError):
        missing = _pdf_document(url, [""], page_count, metadata_title)
        missing.error = (
            "the PDF has no text layer (scanned images only) and OCR is unavailable (Tesseract is not installed)"
        )
        return missing
    digest = hashlib.sha256(body).hexdigest()
    count = min(page_count, MAX_OCR_PAGES)
    texts: list[str] = []
    for index in range(count):
        try:
            texts.append(_ocr_page(body, digest, index))
        except pdfium.PdfiumError:  # a page that will not load
            return Document(url, DocumentKind.PDF, error="the PDF is malformed")
        document = _pdf_document(url, [f"{OCR_NOTE}\n{texts[0]}", *texts[1:]], page_count, metadata_title)
        document.truncated = document.truncated or page_count > len(texts)
        if index + 1 < count and not read_on(document):
            break
    return document


_ocr_cache: OrderedDict[tuple[str, int], str] = OrderedDict()
_OCR_CACHE_LOCK = threading.Lock()


def _ocr_page(body: bytes, digest: str, index: int) -> str:
    """One scanned page's text, from the cache or by Tesseract."""
    import pytesseract

    key = (digest, index)
    with _OCR_CACHE_LOCK:
        if (text := _ocr_cache.get(key)) is not None:
            _ocr_cache.move_to_end(key)
            return text
    with _PDFIUM_LOCK:  # opening the PDF again costs little next to loading and drawing the page
        pdf = pdfium.PdfDocument(body)
        try:
            page = pdf[index]
            try:
                image = page.render(scale=OCR_SCALE, grayscale=True).to_pil()
            finally:
                page.close()
        finally:
            pdf.close()
    # Tesseract's own threads only fight the crawl's for the cores: one thread reads a page faster here.
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    # OCR takes seconds a page: outside the lock, so that every other PDF is read meanwhile.
    text = normalise_lines(pytesseract.image_to_string(image, lang="eng", timeout=OCR_PAGE_SECONDS))
    with _OCR_CACHE_LOCK:
        _ocr_cache[key] = text
        if len(_ocr_cache) > OCR_CACHE_PAGES:
            _ocr_cache.popitem(last=False)
    return text


def _pdf_page_texts(pdf: pdfium.PdfDocument, count: int) -> Iterator[str]:
    total = 0
    for index in range(count):
        page = pdf[index]
        try:
            textpage = page.get_textpage()
            try:
                raw = textpage.get_text_bounded()
            finally:
                textpage.close()
        finally:
            page.close()
        # NFKC folds the ligatures PDFs are full of ("ﬁ" -> "fi") so phrases match.
        text = normalise_lines(unicodedata.normalize("NFKC", _strip_controls(raw)))
        yield text
        total += len(text)
        if total > MAX_TEXT_CHARS:
            return


def _strip_controls(text: str) -> str:
    # PDFium marks a soft hyphen at a line end with \x02 (and emits other control characters).
    return re.sub(r"\x02\r?\n?|[\x00-\x08\x0b\x0e-\x1f]", "", text)


def _pdf_open_error(exc: pdfium.PdfiumError) -> str:
    # PDFium error codes: 4 wrong password, 6 unsupported security handler.
    if getattr(exc, "err_code", None) in (4, 6):
        return "the PDF is password-protected"
    return "the PDF is malformed"
